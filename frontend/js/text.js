// Lengths of what people type, counted as they see characters: grapheme clusters, so 👨‍👩‍👧 is one
// character, not eight UTF-16 units (String.length) or five code points. The server counts the
// same way (expo/text_rules.py, regex's \X).

const graphemes = typeof Intl.Segmenter === "function" ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

export function visibleLength(text) {
  if (!graphemes) return [...text].length; // an old browser: code points, never more than seen
  let n = 0;
  for (const _ of graphemes.segment(text)) n += 1;
  return n;
}

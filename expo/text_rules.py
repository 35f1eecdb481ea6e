"""How text that people type is cleaned and measured, with no I/O: one rule for chat, questions,
polls, announcements, reasons and programme texts.

Control, format and surrogate characters are dropped (a NUL that PostgreSQL cannot store, a
bidi override that makes a message read backwards, an invisible zero-width space), except the
few format characters that writing needs: the zero-width joiner that makes 👨‍👩‍👧 one family
(and Indic half forms), the zero-width non-joiner (Persian, Indic), and the tags of a
subdivision flag such as 🏴󠁧󠁢󠁳󠁣󠁴󠁿. Variation selectors (U+FE0E/U+FE0F) and skin tones are not
control characters and stay as they are.

Lengths that people see count characters as they see them: extended grapheme clusters, so
👨‍👩‍👧 is one character, not five code points (the page counts the same with `Intl.Segmenter`).
"""

from __future__ import annotations

# `regex`, not `re`: `\X` (extended grapheme clusters, kept up to date with Unicode) and the
# `\p{...}` general categories.
import regex

ZWJ = "\u200d"  # zero-width joiner: emoji ZWJ sequences, Indic half forms
ZWNJ = "\u200c"  # zero-width non-joiner: Persian, Indic
_KEPT_FORMAT = ZWJ + ZWNJ

# A subdivision flag (the only emoji tag sequences in use): 🏴, a region and subdivision code
# written in tag letters and digits, and CANCEL TAG. Tags anywhere else are invisible text
# (a way to smuggle hidden words into a message) and are dropped like other format characters.
_FLAG = "\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{2,7}\U000e007f"
# The kept format characters are left out of the pattern, not let through by `replace`: a text of
# emoji sequences would otherwise call it for every joiner.
_DROPPABLE = regex.compile(rf"(?P<flag>{_FLAG})|(?![{_KEPT_FORMAT}])[\p{{Cc}}\p{{Cf}}\p{{Cs}}]")
_GRAPHEME = regex.compile(r"\X")


def without_controls(text: str, *, keep: str = "", blank: str = "") -> str:
    """`text` with control, format and surrogate characters replaced by `blank` ("" drops them),
    except those in `keep` (say "\\n\\t") and those emoji and scripts need (see above)."""

    def replace(match: regex.Match[str]) -> str:
        found = match.group()
        if match.group("flag") or found in keep:
            return found
        return blank

    return _DROPPABLE.sub(replace, text)


def visible_length(text: str) -> int:
    """How many characters people see in `text`: its extended grapheme clusters."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def too_long(text: str, limit: int, *, stored: int | None = None) -> bool:
    """Whether `text` has more than `limit` characters as people see them, or (when the column
    that holds it counts code points) more than `stored` code points."""
    if stored is not None and len(text) > stored:
        return True
    # A text of at most `limit` code points has at most `limit` clusters: skip the count.
    return len(text) > limit and visible_length(text) > limit

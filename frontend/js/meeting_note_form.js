// The short form that sends a meeting request with a note: the same on a recommendation card
// and on a booth page. Each caller keeps its own draft ({note, sending}), words and class
// prefix (`matchrec`, `boothmeet`), and says what sending and cancelling do.

import { h } from "./dom.js";

export function meetingNoteForm({ prefix, account, draft, noteMax, words, onSend, onCancel }) {
  const id = `${prefix}-note-${account}`;
  const area = h("textarea", {
    id,
    class: `${prefix}-note`,
    rows: "3",
    maxlength: String(noteMax),
    placeholder: words.placeholder,
    oninput: (event) => {
      draft.note = event.target.value;
    },
  });
  area.value = draft.note;
  return h(
    "form",
    {
      class: `${prefix}-form`,
      onsubmit: (event) => {
        event.preventDefault();
        if (!draft.sending) onSend();
      },
    },
    h("label", { for: id }, words.label),
    area,
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "submit", class: "button button-primary button-small", disabled: draft.sending }, words.send),
      h("button", { type: "button", class: "button button-ghost button-small", onclick: onCancel }, words.cancel),
    ),
  );
}

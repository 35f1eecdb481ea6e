// A meeting's room (#/meeting/<id>): private chat and the 1:1 video call. The room part
// replaces this placeholder.

import { h, replace } from "./dom.js";

export function mountMeetingRoom(root) {
  replace(root, h("section", { class: "panel" }, h("h1", {}, "洽谈室 · Meeting room")));
  return null;
}

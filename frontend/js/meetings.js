// My meetings (#/meetings): requests sent and received, meetings by slot. The meetings part
// replaces this placeholder.

import { h, replace } from "./dom.js";

export function mountMeetings(root) {
  replace(root, h("section", { class: "panel" }, h("h1", {}, "我的洽谈 · My meetings")));
  return null;
}

// The console's matchmaking tab (#/console/matchmaking): settings, slots, the dashboard and the
// scheduler. The profiles part replaces this placeholder; the scheduler part mounts its panel.

import { h, replace } from "../dom.js";

export function mount(root) {
  replace(root, h("section", { class: "panel" }, h("h2", {}, "商务撮合 · Matchmaking")));
  return () => {};
}

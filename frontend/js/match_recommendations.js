// The recommendations tab of #/matchmaking (a placeholder: the recommend part replaces this
// module). It shows nothing made up: no sample people.

import { h, replace } from "./dom.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  zh: { "mm.rec.placeholder": "推荐即将上线。请先完善您的洽谈资料。" },
  en: { "mm.rec.placeholder": "Recommendations are coming. Meanwhile, complete your profile." },
});

/** Mounts the recommendations into `root`; returns an unmount function. */
export function mountRecommendations(root) {
  replace(root, h("p", { class: "muted mm-rec-placeholder" }, t("mm.rec.placeholder")));
  return () => {};
}

// The scheduler's console panel (a placeholder: the scheduler part replaces this module).

import { h, replace } from "../dom.js";
import { addStrings, t } from "../i18n.js";

addStrings({
  zh: { "mmc.scheduler.placeholder": "排程器即将上线。" },
  en: { "mmc.scheduler.placeholder": "The scheduler is coming." },
});

/** Mounts the scheduler's panel into `root`; returns an unmount function. */
export function mountScheduler(root) {
  replace(root, h("p", { class: "muted" }, t("mmc.scheduler.placeholder")));
  return () => {};
}

// Pieces the People tab's parts share: tables that become cards on a phone, the link shown
// once, errors in words, and the exhibitors by id.

import { getExhibitors } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, errorText, pick, t } from "../i18n.js";

addStrings({
  zh: {
    "people.email": "邮箱",
    "people.role": "角色",
    "people.exhibitor": "参展商",
    "people.choose_exhibitor": "选择参展商",
    "people.link_once": "邀请链接（只显示这一次，请复制给对方）：",
    "people.copy": "复制",
    "people.copied": "已复制",
    "people.actions": "操作",
    "people.cancel": "取消",
    "people.loading": "正在加载…",
    "err.invitation.too_many_rows": "一次最多 {n} 行。",
  },
  en: {
    "people.email": "Email",
    "people.role": "Role",
    "people.exhibitor": "Exhibitor",
    "people.choose_exhibitor": "Choose the exhibitor",
    "people.link_once": "Invitation link (shown only this once; copy it to them):",
    "people.copy": "Copy",
    "people.copied": "Copied",
    "people.actions": "Actions",
    "people.cancel": "Cancel",
    "people.loading": "Loading…",
    "err.invitation.too_many_rows": "At most {n} lines at a time.",
  },
});

export const MAX_ROWS = 500; // expo/invitation_rules.py

/** An error in the page's words (the paste's bound named). */
export const problem = (error) =>
  error?.code === "invitation.too_many_rows" ? t("err.invitation.too_many_rows", { n: MAX_ROWS }) : errorText(error);

/** A table inside its scrolling wrapper; on a phone each row becomes a card whose cells are
 * labelled by their column (`data-label`, shown by css/console-people.css). */
export function table(cls, columns, rows) {
  return h(
    "div",
    { class: "console-table-wrap" },
    h(
      "table",
      { class: `console-table people-cards ${cls}` },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows),
    ),
  );
}

export const cell = (label, ...children) => h("td", { "data-label": label }, ...children);

/** An invitation link, read-only and selected by its copy button (shown once: never stored). */
export function linkBox(link) {
  const input = h("input", { type: "text", readonly: true, value: link, class: "people-link", "aria-label": t("people.link_once") });
  const copy = h("button", { type: "button", class: "button button-small" }, t("people.copy"));
  copy.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(link);
      copy.textContent = t("people.copied");
    } catch {
      /* selected: the person copies it by hand */
    }
  });
  return h("div", { class: "people-link-row" }, input, copy);
}

/** The exhibitors, loaded once: a name for an id, and a <select> of them. */
export function exhibitorDirectory() {
  let list = [];
  return {
    async load() {
      list = (await getExhibitors()).exhibitors || [];
    },
    name(id) {
      const found = list.find((e) => e.id === id);
      return found ? pick(found.name) : id == null ? "" : `#${id}`;
    },
    fill(select, chosen) {
      replace(
        select,
        h("option", { value: "" }, t("people.choose_exhibitor")),
        list.map((e) => h("option", { value: String(e.id) }, pick(e.name))),
      );
      select.value = chosen == null ? "" : String(chosen);
    },
  };
}

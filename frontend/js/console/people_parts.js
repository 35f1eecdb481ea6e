// Pieces the People tab's parts share: tables that become cards on a phone, the link shown
// once, errors in words, and the exhibitors by id (found by name on the server: any of
// thousands can be chosen, not only the hall's first page).

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, errorText, getLang, pick, t } from "../i18n.js";

addStrings({
  zh: {
    "people.email": "邮箱",
    "people.role": "角色",
    "people.exhibitor": "参展商",
    "people.choose_exhibitor": "选择参展商",
    "people.find_exhibitor": "按名称查找…",
    "people.no_exhibitor_found": "没有找到参展商",
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
    "people.find_exhibitor": "Find by name…",
    "people.no_exhibitor_found": "No exhibitor found",
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

const PICK_PAGE = 48; // the hall's largest page (expo/hall/routes.py MAX_PER_PAGE)

/** Exhibitors found by words of their names (`GET /api/exhibitors?q=`), by name order. */
const findExhibitors = async (q) => {
  const query = new URLSearchParams({ q, sort: "name", lang: getLang() === "zh" ? "zh" : "en", per_page: String(PICK_PAGE) });
  return (await api(`/api/exhibitors?${query}`)).exhibitors || [];
};

/** The exhibitors: a name for an id (every one seen so far), and pickers: a search box that
 * asks the server and fills its <select> with what it found (the chosen one kept). */
export function exhibitorDirectory() {
  const known = new Map(); // id -> exhibitor
  const found = new WeakMap(); // select -> the exhibitors its search found
  const boxes = new WeakMap(); // select -> its search box (made once: what is typed survives)
  let first = [];
  const remember = (list) => {
    for (const e of list) known.set(e.id, e);
    return list;
  };
  const directory = {
    async load() {
      first = remember(await findExhibitors(""));
    },
    /** An exhibitor named elsewhere ({id, name}: an account's). */
    know(e) {
      if (e?.id != null && e.name) known.set(e.id, e);
    },
    /** Names for ids not seen yet (an invitation's exhibitor beyond the first page). */
    async learn(ids) {
      const missing = [...new Set(ids)].filter((id) => id != null && !known.has(id)).slice(0, 20);
      await Promise.all(
        missing.map((id) =>
          api(`/api/exhibitors/${id}`)
            .then((e) => known.set(id, { id, name: e.name }))
            .catch(() => {}),
        ),
      );
      return missing.length > 0;
    },
    name(id) {
      const e = known.get(id);
      return e ? pick(e.name) : id == null ? "" : `#${id}`;
    },
    fill(select, chosen) {
      const list = found.get(select) || first;
      const extra = chosen != null && !list.some((e) => e.id === chosen) ? [known.get(chosen) || { id: chosen, name: { zh: `#${chosen}`, en: `#${chosen}` } }] : [];
      replace(
        select,
        h("option", { value: "" }, list.length || extra.length ? t("people.choose_exhibitor") : t("people.no_exhibitor_found")),
        [...extra, ...list].map((e) => h("option", { value: String(e.id) }, pick(e.name))),
      );
      select.value = chosen == null ? "" : String(chosen);
    },
    /** The search box of a <select> of exhibitors: typing asks the server (debounced) and
     * fills the select with what was found; one found alone is chosen. */
    searchBox(select, label) {
      let box = boxes.get(select);
      if (box) {
        box.placeholder = t("people.find_exhibitor");
        box.setAttribute("aria-label", label || t("people.find_exhibitor"));
        return box;
      }
      box = h("input", { type: "text", enterkeyhint: "search", class: "people-exhibitor-search", maxlength: "100", autocomplete: "off", placeholder: t("people.find_exhibitor"), "aria-label": label || t("people.find_exhibitor") });
      let timer = null;
      let asked = 0;
      box.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          const mine = ++asked;
          let list;
          try {
            list = remember(await findExhibitors(box.value.trim()));
          } catch {
            return; // the select keeps what it had
          }
          if (mine !== asked) return; // a later search answers instead
          found.set(select, list);
          const kept = Number(select.value) || null;
          directory.fill(select, kept ?? (list.length === 1 ? list[0].id : null));
          select.dispatchEvent(new Event("change"));
        }, 250);
      });
      boxes.set(select, box);
      return box;
    },
  };
  return directory;
}

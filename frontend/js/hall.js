// The expo hall (#/hall): the exhibitors, with a filter by name (in either language) or industry
// that narrows the list as one types.

import { getExhibitors } from "./api.js";
import { h, replace } from "./dom.js";
import { field } from "./forms.js";
import { errorText, getLang, has, onLangChange, pick, t } from "./i18n.js";

export function mountHall(root) {
  let exhibitors = null;
  let failure = null;
  let controller = null;
  let stopped = false;

  // Made once, so that what is typed (and the focus) survives a switch of language.
  const filter = h("input", {
    id: "hall-filter",
    type: "search",
    name: "q",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: "80",
  });
  const count = h("p", { class: "hall-count muted", role: "status" });
  const list = h("div", { class: "hall-list" });
  filter.addEventListener("input", () => renderList());

  const load = async () => {
    controller?.abort();
    controller = new AbortController();
    failure = null;
    render();
    try {
      exhibitors = (await getExhibitors({ signal: controller.signal })).exhibitors;
    } catch (error) {
      if (error?.name === "AbortError") return;
      failure = error;
    }
    if (!stopped) render();
  };

  const renderList = () => {
    if (!exhibitors) {
      replace(count);
      replace(list);
      return;
    }
    const query = filter.value.trim();
    const words = normalize(query).split(/\s+/).filter(Boolean);
    const shown = exhibitors.filter((exhibitor) => matches(exhibitor, words));
    replace(count, countText(shown.length, exhibitors.length, words.length > 0));
    if (exhibitors.length === 0) {
      replace(list, h("p", { class: "notice" }, t("hall.empty")));
    } else if (shown.length === 0) {
      replace(
        list,
        h(
          "div",
          { class: "notice hall-no-match" },
          h("p", {}, t("hall.no_match", { q: query })),
          h(
            "button",
            {
              type: "button",
              class: "button button-small",
              onclick: () => {
                filter.value = "";
                renderList();
                filter.focus();
              },
            },
            t("hall.clear"),
          ),
        ),
      );
    } else {
      replace(list, h("div", { class: "hall-grid" }, shown.map(exhibitorCard)));
    }
  };

  const render = () => {
    filter.placeholder = t("hall.filter_placeholder");
    replace(
      root,
      h(
        "section",
        { class: "hall" },
        h(
          "div",
          { class: "lobby-intro" },
          h("h1", {}, t("hall.heading")),
          h("p", {}, t("hall.intro")),
        ),
        h(
          "div",
          { class: "hall-tools" },
          h("div", { class: "hall-filter" }, field(filter, t("hall.filter_label"))),
          count,
        ),
        failure
          ? h(
              "div",
              { class: "notice notice-error", role: "alert" },
              t("hall.load_failed"),
              " ",
              h("span", { class: "muted" }, `(${errorText(failure)})`),
              " ",
              h("button", { type: "button", class: "button button-small", onclick: load }, t("hall.retry")),
            )
          : null,
        exhibitors === null && !failure
          ? h("p", { class: "notice", role: "status" }, t("hall.loading"))
          : null,
        list,
      ),
    );
    renderList();
  };

  const offLang = onLangChange(render);
  load();
  return () => {
    stopped = true;
    controller?.abort();
    offLang();
  };
}

function exhibitorCard(exhibitor) {
  const other = getLang() === "zh" ? "en" : "zh";
  const alt = exhibitor.name?.[other];
  return h(
    "article",
    { class: "card exhibitor-card" },
    h(
      "div",
      { class: "card-top" },
      h("span", { class: "chip exhibitor-industry" }, pick(exhibitor.industry)),
    ),
    h("h2", { class: "exhibitor-name" }, pick(exhibitor.name)),
    alt && alt !== pick(exhibitor.name)
      ? h("p", { class: "exhibitor-alt muted", lang: other === "zh" ? "zh-CN" : "en" }, alt)
      : null,
    h("p", { class: "exhibitor-summary" }, pick(exhibitor.summary)),
  );
}

function countText(shown, total, filtered) {
  if (filtered) return t("hall.count_filtered", { shown, total });
  return total === 1 && has("hall.count_one") ? t("hall.count_one") : t("hall.count", { n: total });
}

/** Case, width (全角) and accents aside: "Ｓecurity" finds "security", "Gui'an" finds "gui'an". */
function normalize(text) {
  return String(text ?? "")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase();
}

/** Every word is in one of the names (either language) or the industry. */
function matches(exhibitor, words) {
  if (!words.length) return true;
  const { zh, en } = exhibitor.industry ?? {};
  const haystack = normalize([exhibitor.name?.zh, exhibitor.name?.en, zh, en].join("\n"));
  return words.every((word) => haystack.includes(word));
}

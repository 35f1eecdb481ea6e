// The expo hall (#/hall): every booth as a card (logo, names, industries, tier, visitors now and
// staff online), found by the server's search in either language (算力, cloud), filtered by
// industry, sorted by tier, name or busy-ness, a page at a time. The query lives in the URL
// (#/hall?q=算力&industry=cloud&sort=busy&page=2), so a search can be shared and survives a reload.
//
// Live figures come without polling: the page follows `hall-live:<block>` for the blocks of
// exhibitor ids on screen (expo/hall/live_counts.py); each pushes `presence.summary` with the
// counts of its booths when one changes, at most once per presence interval.
//
// Each card also shows its booth's queue ("排队 3 人 · 约 4–8 分钟", "排队" / "Join queue", then
// "第 2 位"): one read per page of cards, and no socket per card (queue_hall.js).

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { field } from "./forms.js";
import { addStrings, errorText, getLang, onLangChange, pick, t } from "./i18n.js";
import { hallQueues } from "./queue_hall.js";
import { realtime } from "./realtime.js";

addStrings({
  zh: {
    "hall.heading": "展馆",
    "hall.intro": "数博会的参展商：算力网络、数据中心、数据交易、数据安全等领域的企业与机构。",
    "hall.search_label": "搜索展商",
    "hall.search_placeholder": "名称、产品或介绍，如“算力”或 security",
    "hall.industry_label": "行业",
    "hall.industry_all": "全部行业",
    "hall.sort_label": "排序",
    "hall.sort_tier": "推荐展位",
    "hall.sort_name": "名称",
    "hall.sort_busy": "人气（正在参观）",
    "hall.count": "共 {n} 家展商",
    "hall.count_found": "找到 {n} 家展商",
    "hall.no_match": "没有与“{q}”相符的展商。",
    "hall.no_match_filters": "没有符合所选条件的展商。",
    "hall.clear": "清除筛选",
    "hall.loading": "正在加载展商…",
    "hall.load_failed": "展商列表加载失败。",
    "hall.retry": "重试",
    "hall.empty": "展馆里还没有展商。",
    "hall.visitors_now": "{n} 人正在参观",
    "hall.staff_online": "{n} 位工作人员在线",
    "hall.no_staff_online": "工作人员暂不在线",
    "hall.page_of": "第 {page} / {pages} 页",
    "hall.prev": "上一页",
    "hall.next": "下一页",
    "hall.pages_label": "分页",
    "hall.tier_platinum": "白金展位",
    "hall.tier_gold": "金牌展位",
    "hall.tier_silver": "银牌展位",
    "hall.tier_standard": "标准展位",
    "hall.visit": "进入展位",
  },
  en: {
    "hall.heading": "Expo hall",
    "hall.intro":
      "The expo's exhibitors: companies and institutions in computing power, data centres, data trading, data security and more.",
    "hall.search_label": "Search exhibitors",
    "hall.search_placeholder": "A name, product or description, e.g. “security” or 算力",
    "hall.industry_label": "Industry",
    "hall.industry_all": "All industries",
    "hall.sort_label": "Sort by",
    "hall.sort_tier": "Featured",
    "hall.sort_name": "Name",
    "hall.sort_busy": "Busiest now",
    "hall.count": "{n} exhibitors",
    "hall.count_one": "1 exhibitor",
    "hall.count_found": "{n} exhibitors found",
    "hall.count_found_one": "1 exhibitor found",
    "hall.no_match": "No exhibitor matches “{q}”.",
    "hall.no_match_filters": "No exhibitor matches the chosen filters.",
    "hall.clear": "Clear the search",
    "hall.loading": "Loading the exhibitors…",
    "hall.load_failed": "Could not load the exhibitors.",
    "hall.retry": "Try again",
    "hall.empty": "No exhibitors in the hall yet.",
    "hall.visitors_now": "{n} visiting now",
    "hall.staff_online": "{n} staff online",
    "hall.no_staff_online": "No staff online",
    "hall.page_of": "Page {page} of {pages}",
    "hall.prev": "Previous",
    "hall.next": "Next",
    "hall.pages_label": "Pages",
    "hall.tier_platinum": "Platinum",
    "hall.tier_gold": "Gold",
    "hall.tier_silver": "Silver",
    "hall.tier_standard": "Standard",
    "hall.visit": "Visit the booth",
  },
});

const PER_PAGE = 24;
const DEBOUNCE_MS = 250;
const REFRESH_AFTER_MS = 1_000; // after a booth.changed on hall:all
const BLOCK = 50; // exhibitor ids per hall-live topic (expo/hall/live_counts.py)
const SORTS = ["tier", "name", "busy"];

export const getHall = (params, opts) => api(`/api/exhibitors?${params}`, opts);

/** The hall's state from the URL's query (only what the server accepts). */
function stateOf(query) {
  const page = Number.parseInt(query?.get("page") || "1", 10);
  const sort = query?.get("sort");
  return {
    q: (query?.get("q") || "").slice(0, 100),
    industry: query?.get("industry") || "",
    sort: SORTS.includes(sort) ? sort : "tier",
    page: Number.isFinite(page) && page >= 1 && page <= 10_000 ? page : 1,
  };
}

function urlOf(state) {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set("q", state.q.trim());
  if (state.industry) params.set("industry", state.industry);
  if (state.sort !== "tier") params.set("sort", state.sort);
  if (state.page > 1) params.set("page", String(state.page));
  const text = params.toString();
  return text ? `#/hall?${text}` : "#/hall";
}

export function mountHall(root, { query } = {}) {
  const state = stateOf(query);
  let result = null; // the last page the server sent
  let industries = []; // the expo's vocabulary, as the server lists it
  let failure = null;
  let controller = null;
  let stopped = false;
  let timer = null;
  const counts = new Map(); // "booth:<id>" / "booth-staff:<id>" -> count, from the summaries
  const blocks = new Map(); // block -> stop following it

  // Made once, so that what is typed (and the focus) survives re-rendering.
  const search = h("input", {
    id: "hall-search",
    type: "search",
    name: "q",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: "100",
    enterkeyhint: "search",
  });
  search.value = state.q;
  const industry = h("select", { id: "hall-industry", name: "industry" });
  const sort = h("select", { id: "hall-sort", name: "sort" });
  const count = h("p", { class: "hall-count muted", role: "status", "aria-live": "polite" });
  const list = h("div", { class: "hall-list" });
  const pager = h("nav", { class: "hall-pager" });
  const queues = hallQueues(list); // the cards' queue lines

  const changed = ({ debounce = false } = {}) => {
    history.replaceState(null, "", urlOf(state));
    clearTimeout(timer);
    if (debounce) timer = setTimeout(load, DEBOUNCE_MS);
    else load();
  };
  search.addEventListener("input", () => {
    state.q = search.value;
    state.page = 1;
    changed({ debounce: true });
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") changed();
  });
  industry.addEventListener("change", () => {
    state.industry = industry.value;
    state.page = 1;
    changed();
  });
  sort.addEventListener("change", () => {
    state.sort = sort.value;
    state.page = 1;
    changed();
  });

  const load = async () => {
    clearTimeout(timer);
    controller?.abort();
    controller = new AbortController();
    const params = new URLSearchParams({ per_page: String(PER_PAGE), page: String(state.page) });
    if (state.q.trim()) params.set("q", state.q.trim());
    if (state.industry) params.set("industry", state.industry);
    params.set("sort", state.sort);
    params.set("lang", getLang());
    list.setAttribute("aria-busy", "true");
    try {
      const page = await getHall(params, { signal: controller.signal });
      if (stopped) return;
      result = { ...page, q: params.get("q") || "", filtered: params.has("q") || params.has("industry") };
      industries = page.industries || industries;
      failure = null;
      for (const card of page.exhibitors) {
        counts.set(`booth:${card.id}`, card.visitors_now);
        counts.set(`booth-staff:${card.id}`, card.staff_online);
      }
      follow(page.exhibitors.map((e) => e.id));
      queues.read(page.exhibitors);
    } catch (error) {
      if (error?.name === "AbortError" || stopped) return;
      failure = error;
    }
    list.removeAttribute("aria-busy");
    render();
  };

  /** Follow the hall-live blocks of the ids on screen, and only those. */
  const follow = (ids) => {
    const wanted = new Set(ids.map((id) => Math.floor(id / BLOCK)));
    for (const [block, stop] of blocks) {
      if (!wanted.has(block)) {
        stop();
        blocks.delete(block);
      }
    }
    for (const block of wanted) {
      if (blocks.has(block)) continue;
      blocks.set(
        block,
        realtime.subscribe(`hall-live:${block}`, {
          onEvent: (type, data) => {
            if (type !== "presence.summary" || !data?.counts || typeof data.counts !== "object") return;
            for (const [topic, n] of Object.entries(data.counts)) {
              if (Number.isFinite(n)) counts.set(topic, n);
            }
            updateLive();
          },
          onError: (error) => console.warn("hall: no live counts", error),
        }),
      );
    }
  };

  const updateLive = () => {
    for (const line of list.querySelectorAll(".exhibitor-live[data-id]")) {
      replace(line, ...liveLine(Number(line.dataset.id), counts));
    }
  };

  const renderList = () => {
    if (failure) {
      replace(count);
      replace(pager);
      replace(
        list,
        h(
          "div",
          { class: "notice notice-error", role: "alert" },
          t("hall.load_failed"),
          " ",
          h("span", { class: "muted" }, `(${errorText(failure)})`),
          " ",
          h("button", { type: "button", class: "button button-small", onclick: load }, t("hall.retry")),
        ),
      );
      return;
    }
    if (!result) {
      replace(list, h("p", { class: "notice", role: "status" }, t("hall.loading")));
      return;
    }
    const filtered = result.filtered;
    replace(count, t(filtered ? "hall.count_found" : "hall.count", { n: result.total }));
    if (result.total === 0) {
      replace(pager);
      replace(
        list,
        filtered
          ? h(
              "div",
              { class: "notice hall-no-match" },
              h("p", {}, result.q ? t("hall.no_match", { q: result.q }) : t("hall.no_match_filters")),
              h("button", { type: "button", class: "button button-small", onclick: clear }, t("hall.clear")),
            )
          : h("p", { class: "notice" }, t("hall.empty")),
      );
      return;
    }
    replace(list, h("div", { class: "hall-grid" }, result.exhibitors.map((e) => exhibitorCard(e, counts))));
    queues.draw();
    renderPager();
  };

  const clear = () => {
    state.q = "";
    state.industry = "";
    state.page = 1;
    search.value = "";
    changed();
    search.focus();
  };

  const goTo = (page) => {
    state.page = page;
    changed();
    root.querySelector(".hall")?.scrollIntoView({ block: "start" });
  };

  const renderPager = () => {
    const pages = Math.max(1, Math.ceil(result.total / result.per_page));
    if (pages <= 1) {
      replace(pager);
      return;
    }
    pager.setAttribute("aria-label", t("hall.pages_label"));
    replace(
      pager,
      h(
        "button",
        { type: "button", class: "button button-small hall-prev", disabled: state.page <= 1, onclick: () => goTo(state.page - 1) },
        t("hall.prev"),
      ),
      h("span", { class: "hall-page muted" }, t("hall.page_of", { page: state.page, pages })),
      h(
        "button",
        { type: "button", class: "button button-small hall-next", disabled: state.page >= pages, onclick: () => goTo(state.page + 1) },
        t("hall.next"),
      ),
    );
  };

  const renderControls = () => {
    search.placeholder = t("hall.search_placeholder");
    replace(
      industry,
      h("option", { value: "" }, t("hall.industry_all")),
      industries.map((i) => h("option", { value: i.key }, pick(i))),
    );
    if (state.industry && !industries.some((i) => i.key === state.industry)) {
      industry.append(h("option", { value: state.industry }, state.industry));
    }
    industry.value = state.industry;
    replace(sort, SORTS.map((key) => h("option", { value: key }, t(`hall.sort_${key}`))));
    sort.value = state.sort;
  };

  const render = () => {
    renderControls();
    renderList();
  };

  const frame = () => {
    replace(
      root,
      h(
        "section",
        { class: "hall" },
        h("div", { class: "lobby-intro" }, h("h1", {}, t("hall.heading")), h("p", {}, t("hall.intro"))),
        h(
          "div",
          { class: "hall-tools" },
          h("div", { class: "hall-search" }, field(search, t("hall.search_label"))),
          h("div", { class: "hall-select" }, field(industry, t("hall.industry_label"))),
          h("div", { class: "hall-select" }, field(sort, t("hall.sort_label"))),
        ),
        count,
        list,
        pager,
      ),
    );
    render();
  };

  // A booth's card changed (texts, tier, logo: `booth.changed` on `hall:all`, after the commit):
  // the page is read again, once for a burst of changes.
  let refresh = null;
  const offHall = realtime.subscribe("hall:all", {
    onEvent: (type) => {
      if (type !== "booth.changed" || refresh) return;
      refresh = setTimeout(() => {
        refresh = null;
        load();
      }, REFRESH_AFTER_MS);
    },
    onError: () => {},
  });
  const offLang = onLangChange(() => {
    frame();
    if (state.sort === "name") load(); // names sort in the language shown
  });
  frame();
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(refresh);
    controller?.abort();
    offLang();
    offHall();
    queues.stop();
    for (const stop of blocks.values()) stop();
    blocks.clear();
  };
}

function liveLine(id, counts) {
  const visitors = counts.get(`booth:${id}`) ?? 0;
  const staff = counts.get(`booth-staff:${id}`) ?? 0;
  return [
    h("span", { class: "audience exhibitor-visitors" }, icon("eye", "icon"), t("hall.visitors_now", { n: visitors })),
    h(
      "span",
      { class: `audience exhibitor-staff${staff ? " is-online" : ""}` },
      h("span", { class: "staff-dot", "aria-hidden": "true" }),
      staff ? t("hall.staff_online", { n: staff }) : t("hall.no_staff_online"),
    ),
  ];
}

export function logoOf(exhibitor, cls = "exhibitor-logo") {
  if (exhibitor.logo) {
    return h("img", { class: cls, src: exhibitor.logo, alt: "", loading: "lazy", decoding: "async" });
  }
  // No logo yet: the first character of the name, on a tile.
  const name = pick(exhibitor.name) || "?";
  return h("span", { class: `${cls} logo-monogram`, "aria-hidden": "true" }, Array.from(name)[0]);
}

export function tierBadge(tier) {
  if (!tier || tier === "standard") return null;
  return h("span", { class: `chip tier-badge tier-${tier}` }, t(`hall.tier_${tier}`));
}

// The card is an article whose name is the link to the booth, stretched over the whole card
// (hall.css), so that its queue's button can sit inside it (a button inside a link is not).
function exhibitorCard(exhibitor, counts) {
  const other = getLang() === "zh" ? "en" : "zh";
  const alt = exhibitor.name?.[other];
  const id = String(exhibitor.id);
  return h(
    "article",
    { class: "card exhibitor-card", dataset: { id } },
    h(
      "div",
      { class: "exhibitor-head" },
      logoOf(exhibitor),
      h(
        "div",
        { class: "exhibitor-titles" },
        h("a", { class: "exhibitor-link", href: `#/booth/${id}` }, h("h2", { class: "exhibitor-name" }, pick(exhibitor.name))),
        alt && alt !== pick(exhibitor.name)
          ? h("p", { class: "exhibitor-alt muted", lang: other === "zh" ? "zh-CN" : "en" }, alt)
          : null,
      ),
      tierBadge(exhibitor.tier),
    ),
    h(
      "div",
      { class: "exhibitor-tags" },
      (exhibitor.industries || []).map((i) => h("span", { class: "chip exhibitor-industry" }, pick(i))),
    ),
    h("p", { class: "exhibitor-summary" }, pick(exhibitor.summary)),
    h("div", { class: "exhibitor-live", dataset: { id } }, liveLine(exhibitor.id, counts)),
    h("div", { class: "exhibitor-queue", dataset: { id }, hidden: true }),
  );
}

// A booth's leads for its staff (#/booth/<id>/leads): the cards visitors left, newest first,
// searchable (name, organisation) and filtered by source and tag; the staff's notes and tags
// edited in place; the CSV download. New, changed and withdrawn leads arrive on the
// `booth-staff:<id>` topic (their ids only: the page fetches the rows), so a withdrawn card
// disappears from the table at once.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, dateTime, errorText, onLangChange, t } from "./i18n.js";
import { realtime } from "./realtime.js";

addStrings({
  zh: {
    "boothleads.title": "名片线索",
    "boothleads.count": "共 {n} 条",
    "boothleads.search": "搜索姓名或单位",
    "boothleads.source_all": "全部来源",
    "boothleads.source.card": "名片",
    "boothleads.source.chat": "聊天",
    "boothleads.source.download": "资料下载",
    "boothleads.source.meeting": "洽谈",
    "boothleads.tag_filter": "按标签筛选",
    "boothleads.csv": "导出 CSV",
    "boothleads.to_dashboard": "数据看板",
    "boothleads.col.when": "留名片时间",
    "boothleads.col.source": "来源",
    "boothleads.col.name": "姓名",
    "boothleads.col.organisation": "单位",
    "boothleads.col.title": "职务",
    "boothleads.col.email": "邮箱",
    "boothleads.col.tags": "标签",
    "boothleads.col.notes": "备注",
    "boothleads.tags_hint": "用逗号分隔，最多 10 个",
    "boothleads.save": "保存",
    "boothleads.saved": "已保存",
    "boothleads.empty": "还没有名片线索。",
    "boothleads.prev": "上一页",
    "boothleads.next": "下一页",
    "boothleads.page": "第 {page} / {pages} 页",
    "boothleads.loading": "正在加载…",
    "err.lead.too_many_tags": "一条线索最多 10 个标签。",
    "err.lead.tag_too_long": "每个标签最多 30 个字。",
    "err.lead.notes_too_long": "备注最多 2000 字。",
    "err.lead.version_mismatch": "这条线索刚被同事修改过，已重新加载。",
    "err.lead.unknown": "这条线索已不存在（可能已被撤回）。",
  },
  en: {
    "boothleads.title": "Leads",
    "boothleads.count": "{n} in all",
    "boothleads.search": "Search name or organisation",
    "boothleads.source_all": "All sources",
    "boothleads.source.card": "Card",
    "boothleads.source.chat": "Chat",
    "boothleads.source.download": "Download",
    "boothleads.source.meeting": "Meeting",
    "boothleads.tag_filter": "Filter by tag",
    "boothleads.csv": "Download CSV",
    "boothleads.to_dashboard": "Dashboard",
    "boothleads.col.when": "Card left",
    "boothleads.col.source": "Source",
    "boothleads.col.name": "Name",
    "boothleads.col.organisation": "Organisation",
    "boothleads.col.title": "Title",
    "boothleads.col.email": "Email",
    "boothleads.col.tags": "Tags",
    "boothleads.col.notes": "Notes",
    "boothleads.tags_hint": "Comma-separated, at most 10",
    "boothleads.save": "Save",
    "boothleads.saved": "Saved",
    "boothleads.empty": "No leads yet.",
    "boothleads.prev": "Previous",
    "boothleads.next": "Next",
    "boothleads.page": "Page {page} of {pages}",
    "boothleads.loading": "Loading…",
    "err.lead.too_many_tags": "A lead has at most 10 tags.",
    "err.lead.tag_too_long": "A tag is at most 30 characters.",
    "err.lead.notes_too_long": "Notes are at most 2,000 characters.",
    "err.lead.version_mismatch": "A colleague just changed this lead; it was reloaded.",
    "err.lead.unknown": "This lead is gone (perhaps withdrawn).",
  },
});

const SOURCES = ["card", "chat", "download", "meeting"];
const PER_PAGE = 25;

export function mountBoothLeads(root, { id }) {
  const exhibitor = Number(id);
  let body = null;
  let failure = null;
  let page = 1;
  let stopped = false;
  let controller = null;
  let reloadTimer = null;
  const notices = new Map(); // lead id -> {ok|error text}
  // Notes and tags typed but not saved yet, by lead id: kept when the table reloads (a
  // colleague's change, a new card) so nobody loses what they were writing.
  const drafts = new Map();

  const search = h("input", { id: "boothleads-q", type: "search", maxlength: "100", autocomplete: "off" });
  const tag = h("input", { id: "boothleads-tag", type: "search", maxlength: "30", autocomplete: "off" });
  const source = h("select", { id: "boothleads-source" });
  let typing = null;
  const refilter = () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      page = 1;
      load();
    }, 250);
  };
  search.addEventListener("input", refilter);
  tag.addEventListener("input", refilter);
  source.addEventListener("change", () => {
    page = 1;
    load();
  });

  const query = () => {
    const params = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
    if (search.value.trim()) params.set("q", search.value.trim());
    if (tag.value.trim()) params.set("tag", tag.value.trim());
    if (source.value) params.set("source", source.value);
    return params.toString();
  };

  const load = async () => {
    controller?.abort();
    controller = new AbortController();
    try {
      body = await api(`/api/exhibitors/${exhibitor}/leads?${query()}`, { signal: controller.signal });
      failure = null;
    } catch (error) {
      if (error?.name === "AbortError") return;
      failure = error;
    }
    if (!stopped) renderTable();
  };
  const reloadSoon = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 150);
  };

  const save = async (lead, notesInput, tagsInput) => {
    const tags = tagsInput.value.split(/[,，、;；]/).map((s) => s.trim()).filter(Boolean);
    try {
      await api(`/api/exhibitors/${exhibitor}/leads/${lead.id}`, {
        method: "PATCH",
        body: { notes: notesInput.value, tags, version: lead.version },
      });
      drafts.delete(lead.id);
      notices.set(lead.id, { ok: true, text: t("boothleads.saved") });
    } catch (error) {
      notices.set(lead.id, { ok: false, text: errorText(error) });
    }
    await load();
  };

  const row = (lead) => {
    const notesInput = h("textarea", {
      rows: "2",
      maxlength: "2000",
      "aria-label": t("boothleads.col.notes"),
      dataset: { input: "notes" },
    });
    const draft = drafts.get(lead.id);
    notesInput.value = draft?.notes ?? lead.notes;
    const tagsInput = h("input", {
      type: "text",
      maxlength: "400",
      "aria-label": t("boothleads.col.tags"),
      placeholder: t("boothleads.tags_hint"),
      dataset: { input: "tags" },
    });
    tagsInput.value = draft?.tags ?? lead.tags.join(", ");
    const keep = () => drafts.set(lead.id, { notes: notesInput.value, tags: tagsInput.value });
    notesInput.addEventListener("input", keep);
    tagsInput.addEventListener("input", keep);
    const notice = notices.get(lead.id);
    const cell = (key, ...content) => h("td", { "data-label": t(`boothleads.col.${key}`), class: `col-${key}` }, ...content);
    return h(
      "tr",
      { dataset: { lead: lead.id } },
      cell("when", dateTime(lead.consented_at)),
      cell("source", h("span", { class: "chip" }, t(`boothleads.source.${lead.source}`))),
      cell("name", lead.name),
      cell("organisation", lead.organisation),
      cell("title", lead.title),
      cell("email", h("a", { href: `mailto:${lead.email}` }, lead.email)),
      cell("tags", tagsInput, h("div", { class: "boothleads-tags" }, lead.tags.map((x) => h("span", { class: "chip chip-accent" }, x)))),
      cell(
        "notes",
        notesInput,
        h(
          "div",
          { class: "boothleads-save" },
          h(
            "button",
            { type: "button", class: "button button-small", dataset: { action: "save" }, onclick: () => save(lead, notesInput, tagsInput) },
            t("boothleads.save"),
          ),
          notice ? h("span", { class: notice.ok ? "muted" : "boothleads-error", role: "status" }, notice.text) : null,
        ),
      ),
    );
  };

  const table = h("div", { class: "boothleads-table" });
  const renderTable = () => {
    if (failure) return replace(table, h("p", { class: "notice notice-error", role: "alert" }, errorText(failure)));
    if (!body) return replace(table, h("p", { class: "notice", role: "status" }, t("boothleads.loading")));
    const pages = Math.max(1, Math.ceil(body.total / PER_PAGE));
    // Where the cursor was (a reload while someone types): put it back afterwards.
    const active = document.activeElement;
    const focused = table.contains(active) && active.dataset.input
      ? { lead: active.closest("tr")?.dataset.lead, input: active.dataset.input, at: active.selectionStart }
      : null;
    replace(
      table,
      h("p", { class: "muted boothleads-count", role: "status" }, t("boothleads.count", { n: body.total })),
      body.leads.length === 0
        ? h("p", { class: "notice" }, t("boothleads.empty"))
        : h(
            "table",
            { class: "boothleads-grid" },
            h("thead", {}, h("tr", {}, ["when", "source", "name", "organisation", "title", "email", "tags", "notes"].map((k) => h("th", { scope: "col" }, t(`boothleads.col.${k}`))))),
            h("tbody", {}, body.leads.map(row)),
          ),
      pages > 1
        ? h(
            "div",
            { class: "boothleads-pager" },
            h("button", { type: "button", class: "button button-small", disabled: page <= 1, onclick: () => { page -= 1; load(); } }, t("boothleads.prev")),
            h("span", { class: "muted" }, t("boothleads.page", { page, pages })),
            h("button", { type: "button", class: "button button-small", disabled: page >= pages, onclick: () => { page += 1; load(); } }, t("boothleads.next")),
          )
        : null,
    );
    if (focused) {
      const again = table.querySelector(`tr[data-lead="${focused.lead}"] [data-input="${focused.input}"]`);
      if (again) {
        again.focus();
        if (typeof focused.at === "number") again.setSelectionRange(focused.at, focused.at);
      }
    }
  };

  const render = () => {
    search.placeholder = t("boothleads.search");
    tag.placeholder = t("boothleads.tag_filter");
    const chosen = source.value;
    replace(
      source,
      h("option", { value: "" }, t("boothleads.source_all")),
      SOURCES.map((s) => h("option", { value: s }, t(`boothleads.source.${s}`))),
    );
    source.value = chosen;
    replace(
      root,
      h(
        "section",
        { class: "boothleads" },
        h(
          "div",
          { class: "boothleads-head" },
          h("h1", {}, t("boothleads.title")),
          h(
            "div",
            { class: "boothleads-links" },
            h("a", { class: "button", href: `#/booth/${exhibitor}/dashboard` }, t("boothleads.to_dashboard")),
            h("a", { class: "button button-primary", href: `/api/exhibitors/${exhibitor}/leads.csv`, download: "", dataset: { action: "csv" } }, t("boothleads.csv")),
          ),
        ),
        h("div", { class: "boothleads-filters" }, search, source, tag),
        table,
      ),
    );
    renderTable();
  };

  const unsubscribe = realtime.subscribe(`booth-staff:${exhibitor}`, {
    onSnapshot: load,
    onEvent: (type) => {
      if (type === "booth.lead_added" || type === "booth.lead_updated" || type === "booth.lead_withdrawn") reloadSoon();
    },
    onError: (error) => {
      failure = error;
      renderTable();
    },
  });
  const offLang = onLangChange(render);
  render();
  return () => {
    stopped = true;
    controller?.abort();
    clearTimeout(reloadTimer);
    clearTimeout(typing);
    unsubscribe();
    offLang();
  };
}

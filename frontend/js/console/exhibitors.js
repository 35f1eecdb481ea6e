// The console's exhibitors tab (#/console/exhibitors): every exhibitor with its tier, place in
// the hall and staff; a new one (names, industry, tier); a CSV import checked row by row before
// the valid rows are made (the confirm carries the preview's fingerprint: a file or hall changed
// since is refused as `exhibitors.stale`, with the new preview shown); tier and order set in place; a link to invite its staff (People).

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { field } from "../forms.js";
import { addStrings, errorText, onLangChange, pick, t } from "../i18n.js";

const TIERS = ["platinum", "gold", "silver", "standard"];

addStrings({
  zh: {
    "exh.heading": "展商",
    "exh.intro": "创建展商（逐个或 CSV 导入），设置展位等级与展厅中的顺序，并邀请其工作人员。",
    "exh.loading": "正在加载展商…",
    "exh.new_heading": "新建展商",
    "exh.name_zh": "中文名称",
    "exh.name_en": "英文名称",
    "exh.industry": "行业",
    "exh.tier": "等级",
    "exh.create": "创建展商",
    "exh.created": "已创建展商“{name}”。",
    "exh.import_heading": "CSV 批量导入",
    "exh.import_hint": "每行：中文名称, 英文名称, 行业, 等级, 中文简介, 英文简介（等级与简介可省略）。先预览，再导入有效的行。",
    "exh.preview": "预览",
    "exh.confirm": "导入 {n} 个有效展商",
    "exh.imported": "已导入 {n} 个展商。",
    "exh.preview_summary": "{valid} 行有效，{invalid} 行有问题。",
    "exh.col_line": "行",
    "exh.col_name": "名称",
    "exh.col_industry": "行业",
    "exh.col_tier": "等级",
    "exh.col_problem": "问题",
    "exh.col_position": "顺序",
    "exh.col_staff": "工作人员",
    "exh.ok": "可以导入",
    "exh.list_heading": "全部展商（{n}）",
    "exh.invite": "邀请工作人员",
    "exh.save_place": "保存",
    "exh.placed": "已更新“{name}”的等级与顺序。",
    "exh.releases": "发布",
    "exh.tier.platinum": "白金",
    "exh.tier.gold": "金牌",
    "exh.tier.silver": "银牌",
    "exh.tier.standard": "标准",
    "err.exhibitor.empty_name": "中英文名称都要填写。",
    "err.exhibitor.name_too_long": "名称最多 120 个字。",
    "err.exhibitor.exists": "已有同名展商。",
    "err.exhibitor.duplicate": "与文件中前面的行重名。",
    "err.exhibitor.bad_industry": "没有这个行业。",
    "err.exhibitor.bad_tier": "等级应为白金、金牌、银牌或标准。",
    "err.exhibitor.summary_too_long": "简介最多 500 个字。",
    "err.exhibitor.extra_columns": "列数太多。",
    "err.exhibitor.no_rows": "文件里没有展商。",
    "err.exhibitor.too_many_rows": "一次最多导入 1000 个展商。",
    "err.exhibitor.bad_csv": "这不是 CSV 文件。",
    "err.exhibitors.stale": "文件或展厅在预览之后有了变化：请看下面新的预览，再确认导入。",
  },
  en: {
    "exh.heading": "Exhibitors",
    "exh.intro": "Create exhibitors (one by one or from a CSV), set their tier and order in the hall, and invite their staff.",
    "exh.loading": "Loading exhibitors…",
    "exh.new_heading": "New exhibitor",
    "exh.name_zh": "Name (Chinese)",
    "exh.name_en": "Name (English)",
    "exh.industry": "Industry",
    "exh.tier": "Tier",
    "exh.create": "Create exhibitor",
    "exh.created": "Exhibitor “{name}” created.",
    "exh.import_heading": "Import from CSV",
    "exh.import_hint": "One per line: Chinese name, English name, industry, tier, Chinese summary, English summary (tier and summaries optional). Preview first, then import the valid rows.",
    "exh.preview": "Preview",
    "exh.confirm": "Import {n} valid exhibitors",
    "exh.imported": "{n} exhibitors imported.",
    "exh.preview_summary": "{valid} rows valid, {invalid} with problems.",
    "exh.col_line": "Line",
    "exh.col_name": "Name",
    "exh.col_industry": "Industry",
    "exh.col_tier": "Tier",
    "exh.col_problem": "Problem",
    "exh.col_position": "Order",
    "exh.col_staff": "Staff",
    "exh.ok": "Ready to import",
    "exh.list_heading": "All exhibitors ({n})",
    "exh.invite": "Invite staff",
    "exh.save_place": "Save",
    "exh.placed": "Tier and order of “{name}” updated.",
    "exh.releases": "Releases",
    "exh.tier.platinum": "Platinum",
    "exh.tier.gold": "Gold",
    "exh.tier.silver": "Silver",
    "exh.tier.standard": "Standard",
    "err.exhibitor.empty_name": "Give the name in Chinese and in English.",
    "err.exhibitor.name_too_long": "Names are at most 120 characters.",
    "err.exhibitor.exists": "An exhibitor of that name exists already.",
    "err.exhibitor.duplicate": "The same name is on an earlier line.",
    "err.exhibitor.bad_industry": "There is no such industry.",
    "err.exhibitor.bad_tier": "The tier is platinum, gold, silver or standard.",
    "err.exhibitor.summary_too_long": "Summaries are at most 500 characters.",
    "err.exhibitor.extra_columns": "Too many columns.",
    "err.exhibitor.no_rows": "The file has no exhibitors.",
    "err.exhibitor.too_many_rows": "Import at most 1,000 exhibitors at a time.",
    "err.exhibitor.bad_csv": "That is not a CSV file.",
    "err.exhibitors.stale": "The file or the hall changed since the preview: check the new preview below, then confirm again.",
  },
});

const codeText = (code) => errorText({ code, message: code });

export function mount(root) {
  let exhibitors = null;
  let industries = [];
  let failure = null;
  let flash = null;
  let createError = null;
  let preview = null; // the import's checked rows
  let importError = null;
  let stopped = false;
  const draft = { name_zh: "", name_en: "", industry: "computing-power", tier: "standard", csv: "" };
  const places = new Map(); // id -> {tier, position} being edited

  const load = async () => {
    try {
      const [listed, feed] = await Promise.all([api("/api/hall/exhibitors"), api("/api/releases?limit=1")]);
      if (stopped) return;
      exhibitors = listed.exhibitors;
      industries = feed.industries;
      failure = null;
    } catch (error) {
      failure = error;
    }
    render();
  };

  const create = async () => {
    try {
      const body = { name_zh: draft.name_zh, name_en: draft.name_en, industry: draft.industry, tier: draft.tier };
      const made = (await api("/api/exhibitors", { method: "POST", body })).exhibitor;
      flash = () => t("exh.created", { name: pick(made.name) });
      createError = null;
      draft.name_zh = draft.name_en = "";
      await load();
    } catch (error) {
      createError = error;
      render();
    }
  };

  const runImport = async (confirm) => {
    try {
      const path = confirm ? "/api/hall/exhibitors/import/confirm" : "/api/hall/exhibitors/import/preview";
      const body = confirm ? { csv: draft.csv, fingerprint: preview.fingerprint } : { csv: draft.csv };
      const outcome = await api(path, { method: "POST", body });
      importError = null;
      if (confirm) {
        flash = () => t("exh.imported", { n: outcome.created.length });
        preview = null;
        draft.csv = "";
        await load();
      } else {
        preview = outcome;
        render();
      }
    } catch (error) {
      importError = error;
      if (error.code === "exhibitors.stale" && error.details?.preview) preview = error.details.preview;
      render();
    }
  };

  const place = async (exhibitor) => {
    const wanted = places.get(exhibitor.id) || {};
    try {
      const body = {};
      if (wanted.tier) body.tier = wanted.tier;
      if (Number.isInteger(wanted.position)) body.position = wanted.position;
      await api(`/api/hall/exhibitors/${exhibitor.id}`, { method: "PATCH", body });
      places.delete(exhibitor.id);
      flash = () => t("exh.placed", { name: pick(exhibitor.name) });
      await load();
    } catch (error) {
      flash = () => errorText(error);
      render();
    }
  };

  const bound = (el, key) => {
    el.value = draft[key];
    el.addEventListener("input", () => {
      draft[key] = el.value;
    });
    el.addEventListener("change", () => {
      draft[key] = el.value;
    });
    return el;
  };

  const tierSelect = (id, value, onchange) =>
    h("select", { id, onchange }, TIERS.map((tier) => h("option", { value: tier, selected: tier === value }, t(`exh.tier.${tier}`))));

  const newForm = () =>
    h(
      "form",
      { class: "panel console-form exh-new", onsubmit: (e) => { e.preventDefault(); create(); } },
      h("h2", {}, t("exh.new_heading")),
      h(
        "div",
        { class: "exh-new-fields" },
        field(bound(h("input", { id: "exh-name-zh", maxlength: "120", required: true }), "name_zh"), t("exh.name_zh")),
        field(bound(h("input", { id: "exh-name-en", maxlength: "120", required: true }), "name_en"), t("exh.name_en")),
        field(
          bound(h("select", { id: "exh-industry" }, industries.map((i) => h("option", { value: i.key }, pick(i)))), "industry"),
          t("exh.industry"),
        ),
        field(bound(tierSelect("exh-tier", draft.tier, () => {}), "tier"), t("exh.tier")),
      ),
      createError ? h("p", { class: "notice notice-error", role: "alert" }, errorText(createError)) : null,
      h("button", { type: "submit", class: "button button-primary" }, t("exh.create")),
    );

  const importForm = () =>
    h(
      "section",
      { class: "panel console-form exh-import" },
      h("h2", {}, t("exh.import_heading")),
      field(bound(h("textarea", { id: "exh-csv", rows: "5", spellcheck: "false" }), "csv"), t("exh.import_heading"), { hint: t("exh.import_hint") }),
      importError ? h("p", { class: "notice notice-error", role: "alert" }, errorText(importError)) : null,
      h("button", { type: "button", class: "button", onclick: () => runImport(false) }, t("exh.preview")),
      preview
        ? h(
            "div",
            { class: "exh-preview" },
            h("p", { role: "status" }, t("exh.preview_summary", { valid: preview.valid, invalid: preview.invalid })),
            h(
              "div",
              { class: "console-table-wrap" },
              h(
                "table",
                { class: "console-table" },
                h("thead", {}, h("tr", {}, ["exh.col_line", "exh.col_name", "exh.col_industry", "exh.col_tier", "exh.col_problem"].map((k) => h("th", {}, t(k))))),
                h(
                  "tbody",
                  {},
                  preview.rows.map((row) =>
                    h(
                      "tr",
                      { class: row.valid ? "row-ok" : "row-bad" },
                      h("td", {}, String(row.line)),
                      h("td", {}, `${row.name.zh} / ${row.name.en}`),
                      h("td", {}, row.industry),
                      h("td", {}, row.tier),
                      h("td", {}, row.valid ? t("exh.ok") : row.errors.map(codeText).join(" ")),
                    ),
                  ),
                ),
              ),
            ),
            preview.valid
              ? h("button", { type: "button", class: "button button-primary exh-confirm", onclick: () => runImport(true) }, t("exh.confirm", { n: preview.valid }))
              : null,
          )
        : null,
    );

  const list = () =>
    h(
      "section",
      { class: "exh-list" },
      h("h2", {}, t("exh.list_heading", { n: exhibitors.length })),
      h(
        "div",
        { class: "console-table-wrap" },
        h(
          "table",
          { class: "console-table" },
          h("thead", {}, h("tr", {}, ["exh.col_name", "exh.col_industry", "exh.col_tier", "exh.col_position", "exh.col_staff", ""].map((k) => h("th", {}, k ? t(k) : "")))),
          h(
            "tbody",
            {},
            exhibitors.map((e) => {
              const wanted = places.get(e.id) || {};
              const position = h("input", { type: "number", min: "0", max: "100000", class: "exh-position", "aria-label": t("exh.col_position"), value: String(wanted.position ?? e.position) });
              position.addEventListener("input", () => places.set(e.id, { ...(places.get(e.id) || {}), position: Number(position.value) }));
              return h(
                "tr",
                { dataset: { exhibitor: String(e.id) } },
                h("td", {}, h("strong", {}, pick(e.name)), h("div", { class: "muted small" }, e.name.zh === pick(e.name) ? e.name.en : e.name.zh)),
                h("td", {}, pick(e.industry)),
                h("td", {}, tierSelect(`exh-tier-${e.id}`, wanted.tier || e.tier, (ev) => places.set(e.id, { ...(places.get(e.id) || {}), tier: ev.target.value }))),
                h("td", {}, position),
                h("td", {}, String(e.staff)),
                h(
                  "td",
                  { class: "exh-actions" },
                  h("button", { type: "button", class: "button button-small", onclick: () => place(e) }, t("exh.save_place")),
                  " ",
                  h("a", { class: "button button-small button-ghost", href: "#/console/people" }, t("exh.invite")),
                  " ",
                  h("a", { class: "button button-small button-ghost", href: `#/booth/${e.id}/releases` }, t("exh.releases")),
                ),
              );
            }),
          ),
        ),
      ),
    );

  const render = () => {
    replace(
      root,
      h(
        "section",
        { class: "console-exhibitors" },
        h("h2", { class: "sr-only" }, t("exh.heading")),
        h("p", { class: "muted" }, t("exh.intro")),
        flash ? h("p", { class: "notice", role: "status" }, flash()) : null,
        failure ? h("p", { class: "notice notice-error" }, errorText(failure)) : null,
        exhibitors === null && !failure ? h("p", { class: "notice", role: "status" }, t("exh.loading")) : null,
        exhibitors ? h("div", { class: "exh-forms" }, newForm(), importForm()) : null,
        exhibitors ? list() : null,
      ),
    );
  };

  const offLang = onLangChange(render);
  render();
  load();
  return () => {
    stopped = true;
    offLang();
  };
}

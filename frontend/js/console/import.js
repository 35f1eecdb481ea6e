// The console's programme import (#/console/import): a pretalx or c3voc schedule JSON, chosen as
// a file or pasted, previewed first (what would be added, updated and refused, and why; nothing
// is written), then confirmed: the server applies exactly the previewed outcome, or answers
// import.stale with the new preview if the programme changed meanwhile (forums/import_preview.py).

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, errorText, getLang, hhmm, onLangChange, pick, t } from "../i18n.js";

const MAX_BYTES = 2 * 1024 * 1024; // the server's bound (forums/interchange.py MAX_IMPORT_BYTES)

addStrings({
  zh: {
    "import.heading": "导入议程（pretalx / c3voc JSON）",
    "import.intro": "选择 pretalx 导出的 schedule.json 文件，或直接粘贴 JSON。先预览变更，确认后才会写入。",
    "import.file": "选择文件",
    "import.paste": "或粘贴 JSON",
    "import.create_rooms": "为议程中没有的会场新建论坛",
    "import.preview": "预览变更",
    "import.previewing": "预览中…",
    "import.confirm": "确认导入",
    "import.confirming": "导入中…",
    "import.clear": "清空",
    "import.too_large": "文件太大：议程文件不能超过 2 MB。",
    "import.not_json": "这不是有效的 JSON。",
    "import.empty": "请先选择文件或粘贴 JSON。",
    "import.counts": "新增 {added} 场 · 更新 {updated} 场 · 不变 {unchanged} 场 · 拒绝 {refused} 场",
    "import.added": "将新增",
    "import.updated": "将更新",
    "import.refused": "将被拒绝（不会导入）",
    "import.rooms_created": "将新建论坛：{rooms}",
    "import.nothing": "没有要导入的变更。",
    "import.more": "（另有 {n} 场未列出）",
    "import.changes": "变更：{fields}",
    "import.done": "已导入：新增 {created} 场，更新 {updated} 场，拒绝 {refused} 场。",
    "import.stale": "预览之后议程有了变化，下面是新的预览，请再次确认。",
    "import.reason.schedule.room_taken": "会场冲突：同一时段已有“{other}”（{time}）",
    "import.reason.schedule.person_busy": "{person} 在该时段已有安排：“{other}”（{time}）",
    "import.reason.schedule.unknown_room": "没有会场“{room}”（可勾选新建论坛）",
    "import.reason.schedule.bad_times": "时间无效（{field}）：结束须晚于开始，且不超过 24 小时",
    "import.field.title_zh": "中文标题",
    "import.field.title_en": "英文标题",
    "import.field.starts_at": "开始时间",
    "import.field.ends_at": "结束时间",
    "import.field.abstract_zh": "中文简介",
    "import.field.abstract_en": "英文简介",
    "import.field.forum_id": "论坛",
    "import.field.people": "嘉宾",
    "import.field.language": "语言",
    "import.field.track": "分类",
    "import.field.kind": "类型",
    "import.field.do_not_record": "录制",
    "err.import.stale": "预览之后议程有了变化，请重新预览。",
    "err.schedule.invalid": "议程文件不符合 c3voc 格式。",
    "err.schedule.changed": "议程刚刚有了变化，请重新预览。",
  },
  en: {
    "import.heading": "Import a programme (pretalx / c3voc JSON)",
    "import.intro":
      "Choose a schedule.json exported by pretalx, or paste the JSON. You see what would change first; nothing is written until you confirm.",
    "import.file": "Choose a file",
    "import.paste": "Or paste the JSON",
    "import.create_rooms": "Create a forum for each room the programme does not have",
    "import.preview": "Preview changes",
    "import.previewing": "Previewing…",
    "import.confirm": "Confirm import",
    "import.confirming": "Importing…",
    "import.clear": "Clear",
    "import.too_large": "The file is too large: a programme is at most 2 MB.",
    "import.not_json": "This is not valid JSON.",
    "import.empty": "Choose a file or paste the JSON first.",
    "import.counts": "{added} added · {updated} updated · {unchanged} unchanged · {refused} refused",
    "import.added": "To be added",
    "import.updated": "To be updated",
    "import.refused": "Refused (not imported)",
    "import.rooms_created": "Forums to be created: {rooms}",
    "import.nothing": "Nothing to import.",
    "import.more": "({n} more not listed)",
    "import.changes": "Changes: {fields}",
    "import.done": "Imported: {created} added, {updated} updated, {refused} refused.",
    "import.stale": "The programme changed since the preview. Here is the new preview: confirm again.",
    "import.reason.schedule.room_taken": "Room taken: “{other}” is on then ({time})",
    "import.reason.schedule.person_busy": "{person} is busy then: “{other}” ({time})",
    "import.reason.schedule.unknown_room": "There is no room “{room}” (tick “create a forum” to add it)",
    "import.reason.schedule.bad_times": "Impossible times ({field}): it must end after it starts, within 24 hours",
    "import.field.title_zh": "Chinese title",
    "import.field.title_en": "English title",
    "import.field.starts_at": "start",
    "import.field.ends_at": "end",
    "import.field.abstract_zh": "Chinese abstract",
    "import.field.abstract_en": "English abstract",
    "import.field.forum_id": "forum",
    "import.field.people": "people",
    "import.field.language": "language",
    "import.field.track": "track",
    "import.field.kind": "kind",
    "import.field.do_not_record": "recording",
    "err.import.stale": "The programme changed since the preview: preview again.",
    "err.schedule.invalid": "The file is not a valid c3voc schedule.",
    "err.schedule.changed": "The programme just changed: preview again.",
  },
});

export function mount(root) {
  let documentText = ""; // what will be sent: the file's text, or what was pasted
  let preview = null; // the server's preview for documentText
  let busy = null; // "preview" | "confirm"
  let message = null; // {key, vars, error} or {text, error}
  let stopped = false;

  const file = h("input", { type: "file", accept: "application/json,.json", class: "import-file", id: "import-file" });
  const paste = h("textarea", { class: "import-paste", rows: "4", id: "import-paste", spellcheck: "false" });
  const createRooms = h("input", { type: "checkbox", id: "import-create-rooms" });
  const fileLabel = h("label", { for: "import-file", class: "mod-label" });
  const pasteLabel = h("label", { for: "import-paste", class: "mod-label" });
  const roomsLabel = h("label", { for: "import-create-rooms", class: "import-check" }, createRooms);
  const roomsText = h("span");
  roomsLabel.append(roomsText);
  const previewButton = h("button", { type: "submit", class: "button button-primary" });
  const status = h("p", { class: "import-status", role: "status", "aria-live": "polite" });
  const result = h("div", { class: "import-preview" });
  const heading = h("h2");
  const intro = h("p", { class: "muted" });
  const form = h(
    "form",
    { class: "import-form panel", onsubmit: (e) => (e.preventDefault(), runPreview()) },
    heading,
    intro,
    fileLabel,
    file,
    pasteLabel,
    paste,
    roomsLabel,
    h("div", { class: "mod-row" }, previewButton),
  );
  replace(root, h("section", { class: "console-import" }, form, status, result));

  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    preview = null;
    if (!chosen) return;
    if (chosen.size > MAX_BYTES) {
      file.value = "";
      documentText = "";
      message = { key: "import.too_large", error: true };
      return render();
    }
    documentText = await chosen.text();
    paste.value = "";
    message = null;
    render();
  });
  paste.addEventListener("input", () => {
    documentText = paste.value;
    file.value = "";
    preview = null;
    render();
  });
  createRooms.addEventListener("change", () => {
    preview = null; // another question: preview again
    render();
  });

  function parsed() {
    if (!documentText.trim()) return (message = { key: "import.empty", error: true }), null;
    if (new Blob([documentText]).size > MAX_BYTES) return (message = { key: "import.too_large", error: true }), null;
    try {
      return JSON.parse(documentText);
    } catch {
      message = { key: "import.not_json", error: true };
      return null;
    }
  }

  const query = (extra = {}) =>
    new URLSearchParams({ create_rooms: createRooms.checked ? "true" : "false", ...extra }).toString();

  async function runPreview() {
    if (busy) return;
    const body = parsed();
    if (!body) return render();
    busy = "preview";
    message = null;
    preview = null;
    render();
    try {
      preview = await api(`/api/programme/import/preview?${query()}`, { method: "POST", body });
    } catch (error) {
      message = { text: errorText(error), error: true };
    }
    busy = null;
    if (stopped) return;
    render();
    if (preview) result.scrollIntoView({ block: "start" }); // the form has done its part
  }

  async function confirm() {
    if (busy || !preview) return;
    const body = parsed();
    if (!body) return render();
    busy = "confirm";
    render();
    try {
      const done = await api(`/api/programme/import/confirm?${query({ fingerprint: preview.fingerprint })}`, {
        method: "POST",
        body,
      });
      preview = null;
      message = { key: "import.done", vars: done, error: false };
    } catch (error) {
      if (error.code === "import.stale" && error.details?.preview) {
        preview = error.details.preview;
        message = { key: "import.stale", error: true };
      } else {
        message = { text: errorText(error), error: true };
      }
    }
    busy = null;
    if (!stopped) render();
  }

  const when = (line) => (line.starts_at ? `${hhmm(line.starts_at)}–${hhmm(line.ends_at)}` : "");
  const day = (iso) =>
    iso
      ? new Intl.DateTimeFormat(getLang() === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium" }).format(new Date(iso))
      : "";

  function sessionLine(line, extra) {
    return h(
      "li",
      { class: "import-line", dataset: { guid: line.guid } },
      h("span", { class: "import-title" }, pick(line.title) || line.guid),
      h("span", { class: "import-where muted" }, [line.room, day(line.starts_at), when(line)].filter(Boolean).join(" · ")),
      extra,
    );
  }

  function reasonText(reason) {
    const other = reason.other;
    return t(`import.reason.${reason.reason}`, {
      other: other ? pick(other.title) : "",
      time: other ? `${day(other.starts_at)} ${when(other)}` : "",
      person: reason.person ?? "",
      room: reason.room ?? "",
      field: reason.field ?? "",
    });
  }

  function list(kind, lines, count, extra) {
    if (!lines.length) return null;
    const more = count > lines.length ? h("p", { class: "muted" }, t("import.more", { n: count - lines.length })) : null;
    return h(
      "div",
      { class: `import-list import-${kind}` },
      h("h3", {}, t(`import.${kind}`), " ", h("span", { class: "import-count" }, String(count))),
      h("ul", {}, lines.map((line) => sessionLine(line, extra(line)))),
      more,
    );
  }

  function renderPreview() {
    if (!preview) return replace(result);
    const counts = preview.counts;
    const changes = counts.added + counts.updated;
    replace(
      result,
      h("p", { class: "import-counts" }, t("import.counts", counts)),
      preview.rooms_created.length ? h("p", {}, t("import.rooms_created", { rooms: preview.rooms_created.join(", ") })) : null,
      list("added", preview.added, counts.added, () => null),
      list("updated", preview.updated, counts.updated, (line) =>
        h("span", { class: "import-changes" }, t("import.changes", { fields: line.changes.map((f) => t(`import.field.${f}`)).join(", ") })),
      ),
      list("refused", preview.refused, counts.refused, (line) =>
        h("ul", { class: "import-reasons" }, line.reasons.map((r) => h("li", {}, reasonText(r)))),
      ),
      changes
        ? h(
            "div",
            { class: "mod-row" },
            h(
              "button",
              { type: "button", class: "button button-primary import-confirm", disabled: Boolean(busy), onclick: confirm },
              busy === "confirm" ? t("import.confirming") : t("import.confirm"),
            ),
          )
        : h("p", { class: "muted" }, t("import.nothing")),
    );
  }

  function render() {
    replace(heading, t("import.heading"));
    replace(intro, t("import.intro"));
    replace(fileLabel, t("import.file"));
    replace(pasteLabel, t("import.paste"));
    replace(roomsText, t("import.create_rooms"));
    previewButton.disabled = Boolean(busy);
    replace(previewButton, busy === "preview" ? t("import.previewing") : t("import.preview"));
    status.hidden = !message;
    status.classList.toggle("is-error", Boolean(message?.error));
    replace(status, message ? message.text ?? t(message.key, message.vars) : "");
    renderPreview();
  }

  render();
  const offLang = onLangChange(render);
  return () => {
    stopped = true;
    offLang();
  };
}

// The console's moderation log tab (#/console/moderation[?forum=<id>]): every moderation action,
// newest first, with who did it, to whom or what, when and why; filtered by room (kept in the
// address, so a filtered log can be linked) and by moderator or person (a click on a name),
// paged back by id.

import { api, getForums } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, dateTime, errorText, has, onLangChange, pick, t } from "../i18n.js";

const PAGE = 50;

addStrings({
  zh: {
    "modlog.heading": "审核记录",
    "modlog.intro": "各直播间的每一次审核操作：谁、在何时、对谁或什么内容、因为什么。最新的在最前。",
    "modlog.loading": "正在加载审核记录…",
    "modlog.room": "直播间",
    "modlog.all_rooms": "全部直播间",
    "modlog.empty": "没有符合条件的审核记录。",
    "modlog.more": "加载更早的记录",
    "modlog.col_when": "时间",
    "modlog.col_room": "直播间",
    "modlog.col_moderator": "操作人",
    "modlog.col_action": "操作",
    "modlog.col_target": "对象",
    "modlog.col_reason": "原因",
    "modlog.no_reason": "（未填写）",
    "modlog.by": "操作人：{name}",
    "modlog.about": "对象：{name}",
    "modlog.clear": "清除筛选",
    "modlog.filter_by": "只看 {name} 的记录",
    "modlog.subject.message": "聊天消息 #{id}",
    "modlog.subject.question": "提问 #{id}",
    "modlog.subject.poll": "投票 #{id}",
    "modlog.subject.room": "直播间设置",
    "modlog.action.chat.delete": "删除消息",
    "modlog.action.forum.mute": "禁言",
    "modlog.action.forum.ban": "封禁",
    "modlog.action.forum.lift": "解除处罚",
    "modlog.action.question.hide": "隐藏提问",
    "modlog.action.forum.set_slow_mode": "慢速模式",
    "modlog.action.forum.pin": "置顶公告",
    "modlog.action.forum.unpin": "取消置顶",
    "modlog.action.forum.set_pre_moderation": "提问审核",
    "modlog.action.poll.delete": "删除投票",
    "modlog.action.room.edit": "修改直播间",
    "modlog.action.room.move": "调整顺序",
    "modlog.until": "至 {time}",
    "modlog.seconds": "每人每 {n} 秒",
    "modlog.off": "关闭",
    "modlog.on": "开启",
    "modlog.change": "{field}：{value}",
    "modlog.field.title_zh": "中文名称",
    "modlog.field.title_en": "英文名称",
    "modlog.field.stream_url": "直播源",
    "modlog.field.pre_moderation": "提问需审核",
    "modlog.field.slow_mode_seconds": "慢速模式",
    "modlog.empty_value": "（空）",
    "modlog.moved.up": "上移，现为第 {n} 位",
    "modlog.moved.down": "下移，现为第 {n} 位",
  },
  en: {
    "modlog.heading": "Moderation log",
    "modlog.intro": "Every moderation action in every room: who did it, when, to whom or what, and why. Newest first.",
    "modlog.loading": "Loading the log…",
    "modlog.room": "Room",
    "modlog.all_rooms": "All rooms",
    "modlog.empty": "No moderation actions match.",
    "modlog.more": "Load older entries",
    "modlog.col_when": "When",
    "modlog.col_room": "Room",
    "modlog.col_moderator": "By",
    "modlog.col_action": "Action",
    "modlog.col_target": "To",
    "modlog.col_reason": "Reason",
    "modlog.no_reason": "(none given)",
    "modlog.by": "By: {name}",
    "modlog.about": "About: {name}",
    "modlog.clear": "Clear filter",
    "modlog.filter_by": "Only {name}'s entries",
    "modlog.subject.message": "Chat message #{id}",
    "modlog.subject.question": "Question #{id}",
    "modlog.subject.poll": "Poll #{id}",
    "modlog.subject.room": "Room settings",
    "modlog.action.chat.delete": "Deleted a message",
    "modlog.action.forum.mute": "Muted",
    "modlog.action.forum.ban": "Banned",
    "modlog.action.forum.lift": "Lifted",
    "modlog.action.question.hide": "Hid a question",
    "modlog.action.forum.set_slow_mode": "Slow mode",
    "modlog.action.forum.pin": "Pinned",
    "modlog.action.forum.unpin": "Unpinned",
    "modlog.action.forum.set_pre_moderation": "Pre-moderation",
    "modlog.action.poll.delete": "Deleted a poll",
    "modlog.action.room.edit": "Edited the room",
    "modlog.action.room.move": "Moved the room",
    "modlog.until": "until {time}",
    "modlog.seconds": "{n} s each",
    "modlog.off": "off",
    "modlog.on": "on",
    "modlog.change": "{field}: {value}",
    "modlog.field.title_zh": "Chinese name",
    "modlog.field.title_en": "English name",
    "modlog.field.stream_url": "Stream source",
    "modlog.field.pre_moderation": "Questions wait for approval",
    "modlog.field.slow_mode_seconds": "Slow mode",
    "modlog.empty_value": "(empty)",
    "modlog.moved.up": "Moved up, now No. {n}",
    "modlog.moved.down": "Moved down, now No. {n}",
  },
});

export function mount(root, { query } = {}) {
  let rooms = null;
  let entries = null;
  let nextBefore = null;
  let failure = null;
  let stopped = false;
  let loadingMore = false;
  const filter = {
    forum: positive(query?.get("forum")),
    moderator: positive(query?.get("moderator")),
    target: positive(query?.get("target")),
  };
  const names = new Map(); // account id -> name, for the filter chips

  const queryString = (before) => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [key, value] of Object.entries(filter)) if (value) params.set(key, String(value));
    if (before) params.set("before", String(before));
    return params.toString();
  };

  const load = async ({ more = false } = {}) => {
    const asked = JSON.stringify(filter);
    try {
      const page = await api(`/api/moderation/log?${queryString(more ? nextBefore : null)}`);
      if (stopped || asked !== JSON.stringify(filter)) return; // a newer filter is on its way
      entries = more ? [...(entries || []), ...page.entries] : page.entries;
      nextBefore = page.next_before;
      failure = null;
    } catch (error) {
      failure = error;
    }
    loadingMore = false;
    render();
  };

  const setFilter = (changes) => {
    Object.assign(filter, changes);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value) params.set(key, String(value));
    const search = params.toString();
    // The address follows the filter (a link to it shows the same), without a new mount.
    history.replaceState(null, "", `#/console/moderation${search ? `?${search}` : ""}`);
    entries = null;
    render();
    load();
  };

  const person = (who, key) => {
    if (!who) return null;
    names.set(who.id, who.name);
    return h(
      "button",
      {
        type: "button",
        class: "link-button",
        title: t("modlog.filter_by", { name: who.name }),
        onclick: () => setFilter({ [key]: who.id }),
      },
      who.name,
    );
  };

  const what = (entry) => {
    const bits = [];
    if (entry.target) bits.push(person(entry.target, "target"));
    if (entry.subject && (entry.subject.kind !== "room" || !entry.target)) {
      if (bits.length) bits.push(" · ");
      bits.push(t(`modlog.subject.${entry.subject.kind}`, { id: entry.subject.id }));
    }
    const detail = detailOf(entry);
    if (detail) bits.push(h("div", { class: "muted modlog-detail" }, detail));
    return bits;
  };

  const row = (entry) =>
    h(
      "tr",
      { dataset: { entry: String(entry.id) } },
      h("td", { class: "modlog-when" }, dateTime(entry.created_at)),
      h("td", {}, pick(entry.forum.title)),
      h("td", {}, person(entry.moderator, "moderator")),
      h("td", {}, h("span", { class: `chip modlog-action is-${entry.action.replace(/\W/g, "-")}` }, actionName(entry.action))),
      h("td", { class: "modlog-what" }, what(entry)),
      h("td", { class: "modlog-reason" }, entry.reason || h("span", { class: "muted" }, t("modlog.no_reason"))),
    );

  const filterChips = () => {
    const chips = [];
    if (filter.moderator) chips.push(["moderator", t("modlog.by", { name: names.get(filter.moderator) ?? `#${filter.moderator}` })]);
    if (filter.target) chips.push(["target", t("modlog.about", { name: names.get(filter.target) ?? `#${filter.target}` })]);
    return chips.map(([key, label]) =>
      h(
        "button",
        { type: "button", class: "chip modlog-filter", "aria-label": `${label} — ${t("modlog.clear")}`, onclick: () => setFilter({ [key]: null }) },
        label,
        h("span", { "aria-hidden": "true" }, " ×"),
      ),
    );
  };

  const render = () => {
    const picker = h(
      "select",
      { id: "modlog-room", onchange: (event) => setFilter({ forum: positive(event.target.value) }) },
      h("option", { value: "" }, t("modlog.all_rooms")),
      (rooms || []).map((room) => h("option", { value: String(room.id), selected: room.id === filter.forum }, pick(room.title))),
    );
    replace(
      root,
      h(
        "div",
        { class: "console-section-head" },
        h("h2", {}, t("modlog.heading")),
        h("p", { class: "muted" }, t("modlog.intro")),
      ),
      h(
        "div",
        { class: "modlog-filters" },
        h("div", { class: "field" }, h("label", { for: "modlog-room" }, t("modlog.room")), picker),
        filterChips(),
      ),
      failure ? h("p", { class: "notice notice-error", role: "alert" }, errorText(failure)) : null,
      entries === null
        ? failure
          ? null
          : h("p", { class: "notice", role: "status" }, t("modlog.loading"))
        : entries.length === 0
          ? h("p", { class: "notice" }, t("modlog.empty"))
          : h(
              "div",
              { class: "panel console-table-wrap" },
              h(
                "table",
                { class: "console-table modlog-table" },
                h(
                  "thead",
                  {},
                  h("tr", {}, ["when", "room", "moderator", "action", "target", "reason"].map((c) => h("th", { scope: "col" }, t(`modlog.col_${c}`)))),
                ),
                h("tbody", {}, entries.map(row)),
              ),
            ),
      nextBefore && entries?.length
        ? h(
            "button",
            {
              type: "button",
              class: "button modlog-more",
              disabled: loadingMore,
              onclick: () => {
                loadingMore = true;
                render();
                load({ more: true });
              },
            },
            t("modlog.more"),
          )
        : null,
    );
  };

  const offLang = onLangChange(render);
  render();
  getForums().then(
    (body) => {
      if (stopped) return;
      rooms = [...body.forums].sort((a, b) => a.position - b.position || a.id - b.id);
      render();
    },
    () => {},
  );
  load();
  return () => {
    stopped = true;
    offLang();
  };
}

function positive(value) {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
}

function actionName(action) {
  const key = `modlog.action.${action}`;
  const text = t(key);
  return text === key ? action : text;
}

/** A line about what the action set: a sanction's end, a slow mode, a pinned text. */
function detailOf(entry) {
  const d = entry.details || {};
  switch (entry.action) {
    case "forum.mute":
    case "forum.ban":
      return d.until ? t("modlog.until", { time: dateTime(d.until) }) : null;
    case "forum.set_slow_mode":
      return d.seconds ? t("modlog.seconds", { n: d.seconds }) : t("modlog.off");
    case "forum.set_pre_moderation":
      return t(d.enabled ? "modlog.on" : "modlog.off");
    case "forum.pin":
    case "chat.delete":
    case "question.hide":
      return d.text || null;
    case "poll.delete":
      return d.question || null;
    case "room.edit":
      return Object.entries(d)
        .map(([key, change]) => t("modlog.change", { field: fieldName(key), value: fieldValue(key, change?.now) }))
        .join(" · ");
    case "room.move":
      // The stored position counts from 0 (the stage first); the rooms tab numbers from 1.
      return Number.isInteger(d.position) && (d.direction === "up" || d.direction === "down")
        ? t(`modlog.moved.${d.direction}`, { n: d.position + 1 })
        : null;
    default:
      return null;
  }
}

/** A room field's name as the rooms tab calls it (the stored key for one this page does not know). */
function fieldName(key) {
  const name = `modlog.field.${key}`;
  return has(name) ? t(name) : key;
}

/** A room field's new value as people read it: on/off, seconds, "(empty)". */
function fieldValue(key, value) {
  if (typeof value === "boolean") return t(value ? "modlog.on" : "modlog.off");
  if (key === "slow_mode_seconds") return value ? t("modlog.seconds", { n: value }) : t("modlog.off");
  if (value === null || value === undefined || value === "") return t("modlog.empty_value");
  return String(value);
}

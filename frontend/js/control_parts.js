// The control room's parts (control.js): each is built once and then patched with the next
// second's figures, so a page with nine stages, a hall of 300 booths and its alerts changes
// only the text that changed. Every name people wrote (rooms, sessions, booths) goes in as text
// through dom.js `h`, never as markup.

import { h } from "./dom.js";
import { hhmm, pick, t } from "./i18n.js";
import { duration } from "./control_strings.js";

/** Set a node's text only when it changed (no layout work for the unchanged). */
export function setText(el, value) {
  const text = String(value ?? "");
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el, name, value) {
  const text = String(value);
  if (el.getAttribute(name) !== text) el.setAttribute(name, text);
}

/**
 * Keep `container`'s children one per item, by key: new items get `create(item)` (an object
 * {el, update(item)}), gone ones are removed, every one is updated, the order follows `items`.
 */
export function keyed(container, items, keyOf, create) {
  const parts = container._parts || (container._parts = new Map());
  const wanted = new Set();
  items.forEach((item, index) => {
    const key = String(keyOf(item));
    wanted.add(key);
    let part = parts.get(key);
    if (!part) {
      part = create(item);
      part.el.dataset.key = key;
      parts.set(key, part);
    }
    part.update(item);
    if (container.children[index] !== part.el) container.insertBefore(part.el, container.children[index] || null);
  });
  for (const [key, part] of parts) {
    if (!wanted.has(key)) {
      part.el.remove();
      parts.delete(key);
    }
  }
}

function figure(label, cls) {
  const value = h("dd", { class: `control-figure-value ${cls || ""}` });
  return { el: h("div", { class: "control-figure" }, h("dt", {}, label), value), value };
}

function statusText(stage) {
  const dur = duration(stage.status_seconds);
  return t(`control.status.${stage.status}`, { dur });
}

const BAD_STATUS = new Set(["late", "interrupted", "overrunning", "started_late"]);

/** One stage's card. */
export function stageCard() {
  const title = h("a", { class: "control-stage-title" });
  const chip = h("span", { class: "control-chip" });
  const since = h("span", { class: "control-since" });
  const status = h("p", { class: "control-status" });
  const nowTitle = h("span", { class: "control-session-title" });
  const nowTime = h("span", { class: "control-session-time" });
  const nextTitle = h("span", { class: "control-session-title" });
  const nextTime = h("span", { class: "control-session-time" });
  const figures = {
    viewers: figure(t("control.viewers"), "control-viewers"),
    peak: figure(t("control.peak")),
    bitrate: figure(t("control.bitrate"), "control-bitrate"),
    fps: figure(t("control.fps")),
    resolution: figure(t("control.resolution")),
    chat: figure(t("control.chat"), "control-chat-rate"),
    questions: figure(t("control.questions")),
    reactions: figure(t("control.reactions")),
    polls: figure(t("control.polls")),
    deletions: figure(t("control.deletions")),
    sanctions: figure(t("control.sanctions")),
  };
  const el = h(
    "article",
    { class: "control-stage panel" },
    h("header", { class: "control-stage-head" }, title, h("span", { class: "control-stage-air" }, chip, since)),
    status,
    h(
      "dl",
      { class: "control-sessions" },
      h("div", {}, h("dt", {}, t("control.now")), h("dd", {}, nowTime, nowTitle)),
      h("div", {}, h("dt", {}, t("control.next")), h("dd", {}, nextTime, nextTitle)),
    ),
    h("dl", { class: "control-figures" }, Object.values(figures).map((f) => f.el)),
  );
  const update = (stage) => {
    setText(title, pick(stage.title));
    setAttr(title, "title", pick(stage.title));
    setAttr(title, "href", `#/forum/${stage.slug}`);
    const air = stage.external ? "external" : stage.state;
    setText(chip, t(`control.state.${air}`));
    setAttr(chip, "class", `control-chip control-chip-${air}`);
    setText(since, stage.since && stage.state !== "offline" ? t("control.since", { time: hhmm(stage.since) }) : "");
    setText(status, statusText(stage));
    setAttr(status, "class", `control-status${BAD_STATUS.has(stage.status) ? " is-bad" : ""}`);
    setAttr(el, "data-state", stage.state);
    setAttr(el, "data-status", stage.status);
    const session = (s, titleEl, timeEl) => {
      setText(timeEl, s ? `${hhmm(s.starts_at)}–${hhmm(s.ends_at)} ` : "");
      setText(titleEl, s ? pick(s.title) : t("control.none"));
    };
    session(stage.session, nowTitle, nowTime);
    session(stage.next, nextTitle, nextTime);
    const none = t("control.none");
    setText(figures.bitrate.value, stage.kbps == null ? none : stage.kbps);
    setText(figures.fps.value, stage.fps == null ? none : t("control.fps_value", { n: stage.fps }));
    setText(figures.resolution.value, stage.width && stage.height ? `${stage.width}×${stage.height}` : none);
    setText(figures.viewers.value, stage.viewers);
    setText(figures.peak.value, stage.peak);
    setText(figures.chat.value, stage.chat_per_min);
    setText(figures.questions.value, stage.questions_per_min);
    setText(figures.reactions.value, stage.reactions_per_min);
    setText(figures.polls.value, stage.open_polls);
    setText(figures.deletions.value, stage.deletions_per_min);
    setText(figures.sanctions.value, stage.sanctions_recent);
  };
  return { el, update };
}

/** The words of an alert, with the room or booth named from the same second's figures. */
export function alertText(alert, data) {
  const room = data.stages.find((s) => s.forum === alert.forum);
  const booth = data.hall.longest_queues.find((q) => q.exhibitor === alert.exhibitor);
  return t(`control.alert.${alert.kind}`, {
    room: room ? pick(room.title) : `#${alert.forum}`,
    booth: booth ? pick(booth.name) : `#${alert.exhibitor}`,
    dur: duration(alert.seconds),
    kbps: alert.kbps ?? "0",
    baseline: alert.baseline_kbps ?? "?",
    n: alert.per_minute ?? alert.count ?? "",
    process: alert.process ?? "",
  });
}

export function alertRow(data) {
  const level = h("span", { class: "control-level" });
  const text = h("span", { class: "control-alert-text" });
  const since = h("span", { class: "control-alert-since" });
  const el = h("li", { class: "control-alert" }, level, text, since);
  return {
    el,
    update: (alert) => {
      setAttr(el, "class", `control-alert control-alert-${alert.level}`);
      setText(level, t(`control.level.${alert.level}`));
      setText(text, alertText(alert, data.current));
      setText(since, t("control.alert.since", { time: hhmm(alert.since) }));
    },
  };
}

/** A row of cells, patched in place. */
export function tableRow(columns) {
  const cells = columns.map((cls) => h("td", { class: cls || "" }));
  return { el: h("tr", {}, cells), cells };
}

export function sectionRow() {
  const row = tableRow(["", "num", "num", "num"]);
  return {
    el: row.el,
    update: (s) => {
      setText(row.cells[0], pick(s.label));
      setText(row.cells[1], s.booths);
      setText(row.cells[2], s.staffed);
      setText(row.cells[3], s.visitors);
    },
  };
}

export function queueRow() {
  const link = h("a", {});
  const row = tableRow(["", "num", "num", ""]);
  row.cells[0].append(link);
  return {
    el: row.el,
    update: (q) => {
      setText(link, pick(q.name) || `#${q.exhibitor}`);
      setAttr(link, "href", `#/booth/${q.exhibitor}`);
      setText(row.cells[1], q.length);
      setText(row.cells[2], duration(q.wait_seconds));
      setText(row.cells[3], t(`control.queue_state.${q.state}`));
    },
  };
}

export function processRow() {
  const row = tableRow(["control-process-id", "num", "num", ""]);
  return {
    el: row.el,
    update: (p) => {
      setText(row.cells[0], p.id);
      setText(row.cells[1], p.sockets);
      setText(row.cells[2], t("control.seconds_ago", { n: Math.round(p.age) }));
      setText(row.cells[3], p.silent ? t("control.silent") : p.leader ? t("control.leader") : "");
      setAttr(row.el, "class", p.silent ? "is-silent" : "");
    },
  };
}

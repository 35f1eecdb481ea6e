// The console's announcements (#/console/announcements): write one in both languages, now or
// from a time until a time, see the history (scheduled, showing, over, withdrawn) and take one
// back, which takes it off every open page at once (forums/moderation_announcements.py).

import { api } from "../api.js";
import { nextChange } from "../announcement_window.js";
import { h, replace } from "../dom.js";
import { addStrings, dateTime, errorText, onLangChange, t } from "../i18n.js";
import { realtime } from "../realtime.js";

const TOPIC = "expo:announcements";
const HISTORY = "/api/announcements?limit=50";
const MAX_CHARS = 500;

addStrings({
  zh: {
    "cann.heading": "发布公告",
    "cann.intro": "公告会显示在所有参会者打开的页面顶部。可以立即发布，也可以设定开始和结束时间；发布后仍可撤回。",
    "cann.zh": "中文内容",
    "cann.en": "英文内容",
    "cann.starts": "开始时间（留空为立即）",
    "cann.ends": "结束时间（留空为不结束）",
    "cann.send": "发布",
    "cann.schedule": "定时发布",
    "cann.sending": "发布中…",
    "cann.sent": "公告已发布。",
    "cann.scheduled_ok": "公告已排期，将于 {when} 显示。",
    "cann.history": "公告记录",
    "cann.none": "还没有公告。",
    "cann.state.scheduled": "待显示",
    "cann.state.showing": "显示中",
    "cann.state.over": "已结束",
    "cann.state.withdrawn": "已撤回",
    "cann.window": "{from} 起",
    "cann.window_to": "{from} 至 {to}",
    "cann.withdrawn_at": "撤回于 {when}",
    "cann.withdraw": "撤回",
    "cann.withdrawing": "撤回中…",
    "cann.withdraw_confirm": "确定撤回",
    "cann.withdraw_hint": "撤回后，这条公告会立即从所有页面消失。",
    "cann.cancel": "取消",
    "err.announcement.bad_times": "时间不对：结束须晚于开始且在未来，开始不超过一年后。",
    "err.announcement.unknown": "找不到这条公告。",
  },
  en: {
    "cann.heading": "Announce",
    "cann.intro":
      "Announcements show at the top of every page attendees have open. Send one now or give it a start and an end; you can take it back afterwards.",
    "cann.zh": "Chinese text",
    "cann.en": "English text",
    "cann.starts": "Starts (empty: now)",
    "cann.ends": "Ends (empty: no end)",
    "cann.send": "Announce",
    "cann.schedule": "Schedule",
    "cann.sending": "Sending…",
    "cann.sent": "Announced.",
    "cann.scheduled_ok": "Scheduled: it shows from {when}.",
    "cann.history": "History",
    "cann.none": "No announcements yet.",
    "cann.state.scheduled": "Scheduled",
    "cann.state.showing": "Showing",
    "cann.state.over": "Over",
    "cann.state.withdrawn": "Withdrawn",
    "cann.window": "From {from}",
    "cann.window_to": "{from} to {to}",
    "cann.withdrawn_at": "Withdrawn {when}",
    "cann.withdraw": "Withdraw",
    "cann.withdrawing": "Withdrawing…",
    "cann.withdraw_confirm": "Really withdraw",
    "cann.withdraw_hint": "Withdrawn, it disappears from every page at once.",
    "cann.cancel": "Cancel",
    "err.announcement.bad_times":
      "Check the times: the end comes after the start and in the future; the start within a year.",
    "err.announcement.unknown": "There is no such announcement.",
  },
});

/** An announcement's state at `now` (ms, the server's clock). */
export function stateOf(announcement, now) {
  if (announcement.withdrawn_at) return "withdrawn";
  if (announcement.ends_at && Date.parse(announcement.ends_at) <= now) return "over";
  if (Date.parse(announcement.starts_at) > now) return "scheduled";
  return "showing";
}

export function mount(root) {
  let items = [];
  let skew = 0;
  let sending = false;
  let withdrawing = null; // id
  let confirming = null; // the id whose withdrawal waits for a second click
  let message = null; // {text, error}
  let timer = null;
  let stopped = false;
  let generation = 0;

  const field = (tag, attrs) => h(tag, { class: "mod-pin-input", ...attrs });
  const zh = field("textarea", { rows: "2", maxlength: String(MAX_CHARS), id: "cann-zh" });
  const en = field("textarea", { rows: "2", maxlength: String(MAX_CHARS), id: "cann-en" });
  const starts = h("input", { type: "datetime-local", id: "cann-starts", step: "1" });
  const ends = h("input", { type: "datetime-local", id: "cann-ends", step: "1" });
  const labels = {
    zh: h("label", { class: "mod-label", for: "cann-zh" }),
    en: h("label", { class: "mod-label", for: "cann-en" }),
    starts: h("label", { class: "mod-label", for: "cann-starts" }),
    ends: h("label", { class: "mod-label", for: "cann-ends" }),
  };
  const heading = h("h2");
  const intro = h("p", { class: "muted" });
  const send = h("button", { type: "submit", class: "button button-primary" });
  const status = h("p", { class: "announce-console-status", role: "status", "aria-live": "polite" });
  const historyHeading = h("h2");
  const history = h("ul", { class: "announce-history" });
  const form = h(
    "form",
    { class: "announce-console-form panel", onsubmit: (e) => (e.preventDefault(), submit()) },
    heading,
    intro,
    labels.zh,
    zh,
    labels.en,
    en,
    h("div", { class: "announce-times" }, h("div", {}, labels.starts, starts), h("div", {}, labels.ends, ends)),
    h("div", { class: "mod-row" }, send),
    status,
  );
  replace(root, h("section", { class: "console-announcements" }, form, h("div", { class: "panel" }, historyHeading, history)));
  starts.addEventListener("input", render);

  const iso = (input) => (input.value ? new Date(input.value).toISOString() : undefined);

  async function submit() {
    if (sending) return;
    sending = true;
    message = null;
    render();
    try {
      const body = { text_zh: zh.value, text_en: en.value };
      if (starts.value) body.starts_at = iso(starts);
      if (ends.value) body.ends_at = iso(ends);
      const { announcement } = await api("/api/announcements", { method: "POST", body });
      zh.value = en.value = starts.value = ends.value = "";
      const later = Date.parse(announcement.starts_at) > Date.now() + skew;
      message = { text: later ? t("cann.scheduled_ok", { when: dateTime(announcement.starts_at) }) : t("cann.sent") };
      await load();
    } catch (error) {
      message = { text: errorText(error), error: true };
    }
    sending = false;
    if (!stopped) render();
  }

  async function withdraw(id) {
    if (withdrawing) return;
    if (confirming !== id) {
      confirming = id; // a second click, on the button that now says so, withdraws it
      return render();
    }
    confirming = null;
    withdrawing = id;
    render();
    try {
      await api(`/api/announcements/${encodeURIComponent(id)}/withdraw`, { method: "POST" });
      await load();
    } catch (error) {
      message = { text: errorText(error), error: true };
    }
    withdrawing = null;
    if (!stopped) render();
  }

  async function load() {
    const mine = ++generation;
    try {
      const body = await api(HISTORY);
      if (mine !== generation || stopped) return;
      const serverNow = Date.parse(body.now);
      if (Number.isFinite(serverNow)) skew = serverNow - Date.now();
      items = body.announcements ?? [];
      render();
    } catch (error) {
      message = { text: errorText(error), error: true };
      render();
    }
  }

  function item(a, now) {
    const state = stateOf(a, now);
    const span = a.ends_at
      ? t("cann.window_to", { from: dateTime(a.starts_at), to: dateTime(a.ends_at) })
      : t("cann.window", { from: dateTime(a.starts_at) });
    const live = state === "scheduled" || state === "showing";
    return h(
      "li",
      { class: `announce-item${state === "withdrawn" ? " is-withdrawn" : ""}`, dataset: { id: String(a.id), state } },
      h(
        "div",
        { class: "announce-item-head" },
        h("span", { class: `announce-state announce-state-${state}` }, t(`cann.state.${state}`)),
        h("span", { class: "announce-window muted" }, span),
        live
          ? h(
              "span",
              { class: "mod-row" },
              confirming === a.id
                ? h("button", { type: "button", class: "button button-small", onclick: () => ((confirming = null), render()) }, t("cann.cancel"))
                : null,
              h(
                "button",
                {
                  type: "button",
                  class: `button button-small announce-withdraw${confirming === a.id ? " button-danger" : ""}`,
                  disabled: withdrawing !== null,
                  onclick: () => withdraw(a.id),
                },
                withdrawing === a.id ? t("cann.withdrawing") : confirming === a.id ? t("cann.withdraw_confirm") : t("cann.withdraw"),
              ),
            )
          : null,
      ),
      confirming === a.id ? h("p", { class: "muted announce-window" }, t("cann.withdraw_hint")) : null,
      a.text.zh ? h("p", { class: "announce-item-text", lang: "zh" }, a.text.zh) : null,
      a.text.en ? h("p", { class: "announce-item-text", lang: "en" }, a.text.en) : null,
      a.withdrawn_at ? h("p", { class: "muted announce-window" }, t("cann.withdrawn_at", { when: dateTime(a.withdrawn_at) })) : null,
    );
  }

  function render() {
    clearTimeout(timer);
    replace(heading, t("cann.heading"));
    replace(intro, t("cann.intro"));
    replace(labels.zh, t("cann.zh"));
    replace(labels.en, t("cann.en"));
    replace(labels.starts, t("cann.starts"));
    replace(labels.ends, t("cann.ends"));
    send.disabled = sending;
    replace(send, sending ? t("cann.sending") : starts.value ? t("cann.schedule") : t("cann.send"));
    status.hidden = !message;
    status.classList.toggle("is-error", Boolean(message?.error));
    replace(status, message?.text ?? "");
    replace(historyHeading, t("cann.history"));
    const now = Date.now() + skew;
    replace(history, items.length ? items.map((a) => item(a, now)) : h("li", { class: "muted" }, t("cann.none")));
    // The states change at the starts and ends: show that without a reload.
    const next = nextChange(items, now);
    if (next !== null) timer = setTimeout(render, Math.min(next - now + 50, 2 ** 31 - 1));
  }

  render();
  load();
  const offLang = onLangChange(render);
  const offTopic = realtime.subscribe(TOPIC, {
    onSnapshot: load,
    onEvent: (type) => {
      if (type === "announcement.published" || type === "announcement.withdrawn") load();
    },
  });
  return () => {
    stopped = true;
    clearTimeout(timer);
    offLang();
    offTopic?.();
  };
}

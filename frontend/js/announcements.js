// The organisers' announcements to the whole expo: a dismissible banner on every page (the
// newest announcement in its window, pushed live on `expo:announcements`), and the organisers'
// small form (the console's announcements tab does more: js/console/announcements.js).

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, errorText, hhmm, onLangChange, pick, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount } from "./session.js";
import { nextChange, showing } from "./announcement_window.js";
import { versionBook } from "./versions.js";

const TOPIC = "expo:announcements";
const DISMISSED_KEY = "shubo.announcements_dismissed"; // the ids of those dismissed (JSON)
const MAX_CHARS = 500;

addStrings({
  zh: {
    "announce.label": "组委会公告",
    "announce.dismiss": "关闭公告",
    "announce.form_title": "向全体参会者发布公告",
    "announce.zh": "中文",
    "announce.en": "English",
    "announce.send": "发布公告",
    "announce.sending": "发布中…",
    "announce.sent": "公告已发布。",
  },
  en: {
    "announce.label": "From the organisers",
    "announce.dismiss": "Dismiss the announcement",
    "announce.form_title": "Announce to the whole expo",
    "announce.zh": "中文 (Chinese)",
    "announce.en": "English",
    "announce.send": "Announce",
    "announce.sending": "Announcing…",
    "announce.sent": "Announced.",
  },
});

const CURRENT = "/api/announcements?current=true&limit=20";
const LONGEST_TIMER = 2 ** 31 - 1; // setTimeout's limit (ms): about 24 days

function dismissedIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(DISMISSED_KEY) || "[]");
    return new Set(Array.isArray(ids) ? ids.map(Number) : [Number(ids)]);
  } catch {
    return new Set();
  }
}

function remember(id) {
  try {
    const ids = [...dismissedIds(), Number(id)].slice(-50);
    localStorage.setItem(DISMISSED_KEY, JSON.stringify(ids));
  } catch {
    // not remembered: it comes back on the next page load
  }
}

/** The banner, placed just before `anchor` (the page's main element), for the tab's lifetime.
 * It holds every announcement that is not over (forums/moderation_announcements.py) and
 * switches them on and off at their start and end on the server's clock (each list carries the
 * server's `now`); `announcement.withdrawn` takes one off at once, and its version (kept in a
 * versionBook) keeps a late `announcement.published` from bringing it back. */
export function mountAnnouncementBanner(anchor) {
  const known = new Map(); // id -> announcement
  const book = versionBook();
  let skew = 0; // the server's clock minus ours, in ms
  let timer = null;
  let generation = 0;
  let current = null;
  const text = h("p", { class: "announcement-text" });
  const close = h("button", { type: "button", class: "announcement-close", onclick: () => dismiss() }, "×");
  const label = h("span", { class: "announcement-label" });
  const time = h("time", { class: "announcement-time" });
  const banner = h(
    "div",
    { class: "announcement-banner", role: "status", "aria-live": "polite", hidden: true },
    h("div", { class: "announcement-inner" }, label, text, time, close),
  );
  anchor.before(banner);

  const now = () => Date.now() + skew;
  const key = (id) => `announcement:${id}`;

  const take = (announcement) => {
    if (!announcement || !Number.isInteger(announcement.id)) return false;
    if (!book.take(key(announcement.id), announcement.version)) return false; // older than what we have
    known.set(announcement.id, { ...known.get(announcement.id), ...announcement });
    return true;
  };

  const dismiss = () => {
    if (current) remember(current.id);
    render();
  };

  function render() {
    clearTimeout(timer);
    const at = now();
    current = showing([...known.values()], at, dismissedIds());
    banner.hidden = !current;
    if (current) {
      replace(label, "📢 ", t("announce.label"));
      replace(text, pick(current.text));
      const from = current.starts_at ?? current.created_at;
      time.setAttribute("datetime", String(from ?? ""));
      replace(time, hhmm(from));
      close.setAttribute("aria-label", t("announce.dismiss"));
      close.title = t("announce.dismiss");
    }
    const next = nextChange([...known.values()], at);
    // A little after the moment, so that it has passed on our clock too.
    if (next !== null) timer = setTimeout(render, Math.min(next - at + 50, LONGEST_TIMER));
  }

  async function loadCurrent() {
    const mine = ++generation;
    try {
      const body = await api(CURRENT);
      if (mine !== generation) return;
      const serverNow = Date.parse(body.now);
      if (Number.isFinite(serverNow)) skew = serverNow - Date.now();
      // What is not in the list is over: forget it (its version stays in the book).
      const listed = new Set((body.announcements ?? []).map((a) => a.id));
      for (const id of [...known.keys()]) if (!listed.has(id)) known.delete(id);
      for (const announcement of body.announcements ?? []) take(announcement);
      render();
    } catch {
      // no change until the next snapshot or event
    }
  }

  onLangChange(render);
  realtime.subscribe(TOPIC, {
    onSnapshot: loadCurrent,
    onEvent: (type, data) => {
      if (type === "announcement.published" && take(data)) render();
      if (type === "announcement.withdrawn" && Number.isInteger(data?.id)) {
        if (book.take(key(data.id), data.version)) {
          known.set(data.id, { ...known.get(data.id), id: data.id, withdrawn_at: data.withdrawn_at, version: data.version });
          render();
        }
      }
    },
  });
  return banner;
}

/** Organisers' form to announce to every page (hidden for everyone else): `{element, render}`;
 * its owner calls render() when who is signed in changes. */
export function organiserAnnouncementForm() {
  let sending = false;
  let message = null; // {text, error}
  const zh = h("textarea", { class: "mod-pin-input", rows: "2", maxlength: String(MAX_CHARS), name: "text_zh" });
  const en = h("textarea", { class: "mod-pin-input", rows: "2", maxlength: String(MAX_CHARS), name: "text_en" });
  const zhLabel = h("label", { class: "mod-label", for: "announce-zh" });
  const enLabel = h("label", { class: "mod-label", for: "announce-en" });
  zh.id = "announce-zh";
  en.id = "announce-en";
  const title = h("p", { class: "mod-label announce-title" });
  const button = h("button", { type: "submit", class: "button button-small button-primary" });
  const status = h("p", { class: "mod-flash", role: "status", hidden: true });
  const element = h(
    "form",
    { class: "announce-form", hidden: true, onsubmit: (e) => (e.preventDefault(), send()) },
    title,
    zhLabel,
    zh,
    enLabel,
    en,
    h("div", { class: "mod-row" }, button),
    status,
  );

  async function send() {
    if (sending) return;
    sending = true;
    message = null;
    render();
    try {
      await api("/api/announcements", { method: "POST", body: { text_zh: zh.value, text_en: en.value } });
      zh.value = en.value = "";
      message = { text: t("announce.sent"), error: false };
    } catch (error) {
      message = { text: errorText(error), error: true };
    }
    sending = false;
    render();
  }

  function render() {
    element.hidden = currentAccount()?.role !== "organizer";
    replace(title, t("announce.form_title"));
    replace(zhLabel, t("announce.zh"));
    replace(enLabel, t("announce.en"));
    button.disabled = sending;
    replace(button, sending ? t("announce.sending") : t("announce.send"));
    status.hidden = !message;
    status.classList.toggle("is-error", Boolean(message?.error));
    replace(status, message?.text ?? "");
  }

  render();
  return { element, render };
}

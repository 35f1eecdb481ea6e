// The organisers' announcements to the whole expo: a dismissible banner on every page (the
// latest announcement, pushed live on `expo:announcements`), and the organisers' small form.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, errorText, hhmm, onLangChange, pick, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount } from "./session.js";

const TOPIC = "expo:announcements";
const DISMISSED_KEY = "shubo.announcement_dismissed"; // the id of the last one dismissed
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

function dismissedId() {
  try {
    return Number(localStorage.getItem(DISMISSED_KEY)) || 0;
  } catch {
    return 0;
  }
}

function remember(id) {
  try {
    localStorage.setItem(DISMISSED_KEY, String(id));
  } catch {
    // not remembered: it comes back on the next page load
  }
}

/** The banner, placed just before `anchor` (the page's main element), for the tab's lifetime. */
export function mountAnnouncementBanner(anchor) {
  let latest = null; // {id, text: {zh, en}, created_at}
  let generation = 0;
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

  const show = (announcement) => {
    if (!announcement || (latest && Number(announcement.id) < Number(latest.id))) return;
    latest = announcement;
    render();
  };

  const dismiss = () => {
    if (latest) remember(latest.id);
    render();
  };

  function render() {
    const visible = latest !== null && Number(latest.id) > dismissedId();
    banner.hidden = !visible;
    if (!visible) return;
    replace(label, "📢 ", t("announce.label"));
    replace(text, pick(latest.text));
    time.setAttribute("datetime", String(latest.created_at ?? ""));
    replace(time, hhmm(latest.created_at));
    close.setAttribute("aria-label", t("announce.dismiss"));
    close.title = t("announce.dismiss");
  }

  async function loadLatest() {
    const mine = ++generation;
    try {
      const body = await api("/api/announcements?limit=1");
      if (mine === generation) show(body.announcements?.[0] ?? null);
    } catch {
      // no banner until the next snapshot or event
    }
  }

  onLangChange(render);
  realtime.subscribe(TOPIC, {
    onSnapshot: loadLatest,
    onEvent: (type, data) => {
      if (type === "announcement.published") show(data);
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

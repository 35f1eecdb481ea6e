// The personal agenda: star buttons (wherever a session is shown), the "my agenda" page
// (#/agenda) with its iCalendar download, and a toast on any page when a starred session starts
// (event `agenda.reminder` on the account's own topic `account:<id>`).
//
// => {"type": "agenda.star", "id": 1, "data": {"session": 7}}      (and agenda.unstar)
// <= {"type": "agenda.changed", "topic": "account:3", "data": {"session": 7, "starred": true}}

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { signInHref } from "./header.js";
import { addStrings, dateTime, errorText, hhmm, listOf, onLangChange, pick, t, timeZoneName } from "./i18n.js";
import { applyProgrammeEvent, byStart } from "./programme_events.js";
import { roomHref } from "./nav.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";
import { versionBook } from "./versions.js";
// --- meetings ---
import { meetingToast, mountUpcomingMeetings } from "./meetings.js";
import { coffeeHeard } from "./coffee.js";
// --- end meetings ---

// Every saved and deleted session is announced on the lobby's topic too (forums/programme.py),
// so the agenda follows the programme there without joining the rooms' audiences.
const LOBBY_TOPIC = "lobby:forums";

const TOAST_MS = 20_000;
const MAX_TOASTS = 3;

addStrings({
  zh: {
    "nav.agenda": "我的议程",
    "agenda.heading": "我的议程",
    "agenda.intro": "在直播间的议程里点亮星标，即可把议程加入这里；议程开始时会提醒您。",
    "agenda.signin": "登录后即可收藏议程、接收开场提醒。",
    "agenda.signin_link": "去登录",
    "agenda.loading": "正在加载您的议程…",
    "agenda.empty": "还没有收藏的议程。进入直播间，在议程旁点星标即可收藏。",
    "agenda.to_lobby": "去大厅看看",
    "agenda.download": "下载日历（.ics）",
    "agenda.download_hint": "导入 Outlook、Apple 日历或 Google 日历；时间为 UTC，日历会换算为您的本地时间。",
    "agenda.times_local": "时间为您的本地时间（{tz}）",
    "agenda.enter_room": "进入直播间",
    "agenda.star": "收藏到我的议程",
    "agenda.unstar": "从我的议程移除",
    "agenda.star_signin": "登录后可收藏议程",
    "agenda.reminder_title": "您收藏的议程开始了",
    "agenda.reminder_go": "进入直播间",
    "agenda.dismiss": "关闭",
    "agenda.reminders": "议程提醒",
    "agenda.speakers": "嘉宾：{names}",
    "agenda.moderators": "主持：{names}",
    "agenda.gone": "“{title}”已从议程中取消。",
  },
  en: {
    "nav.agenda": "My agenda",
    "agenda.heading": "My agenda",
    "agenda.intro": "Star sessions in a room's programme to add them here; you get a reminder when one starts.",
    "agenda.signin": "Sign in to star sessions and get a reminder when they start.",
    "agenda.signin_link": "Sign in",
    "agenda.loading": "Loading your agenda…",
    "agenda.empty": "No starred sessions yet. In a room, star a session in its programme to add it.",
    "agenda.to_lobby": "Go to the lobby",
    "agenda.download": "Download calendar (.ics)",
    "agenda.download_hint": "Import it into Outlook, Apple Calendar or Google Calendar; times are in UTC and your calendar shows them in your own time.",
    "agenda.times_local": "Times are in your local time ({tz})",
    "agenda.enter_room": "Enter the room",
    "agenda.star": "Add to my agenda",
    "agenda.unstar": "Remove from my agenda",
    "agenda.star_signin": "Sign in to star sessions",
    "agenda.reminder_title": "A session you starred is starting",
    "agenda.reminder_go": "Go to the room",
    "agenda.dismiss": "Dismiss",
    "agenda.reminders": "Reminders",
    "agenda.speakers": "Speakers: {names}",
    "agenda.moderators": "Moderators: {names}",
    "agenda.gone": "“{title}” was taken off the programme.",
  },
});

// --- the starred sessions, shared by every star button of the tab --------------------------

let starred = new Set(); // session ids
let starsOf = null; // whose stars `starred` holds (an account id)
let loading = null;
const starListeners = new Set();

function changed() {
  for (const button of document.querySelectorAll(".star-button")) paintStar(button);
  for (const fn of [...starListeners]) fn();
}

/** Call `fn()` whenever the stars change; returns the function that stops it. */
export function onStarsChange(fn) {
  starListeners.add(fn);
  return () => starListeners.delete(fn);
}

async function loadStars() {
  const account = currentAccount();
  if (!account) {
    starred = new Set();
    starsOf = null;
    changed();
    return;
  }
  const mine = (loading = api("/api/me/agenda"));
  try {
    const body = await mine;
    if (loading !== mine || currentAccount()?.id !== account.id) return;
    starred = new Set(body.items.map((item) => item.session.id));
    starsOf = account.id;
    changed();
  } catch (error) {
    console.warn("agenda: stars not loaded", error);
  }
}

export function isStarred(sessionId) {
  return starred.has(sessionId);
}

async function setStar(sessionId, on) {
  const before = starred.has(sessionId);
  on ? starred.add(sessionId) : starred.delete(sessionId); // at once; put back on failure
  changed();
  try {
    await realtime.request(on ? "agenda.star" : "agenda.unstar", { session: sessionId });
  } catch (error) {
    before ? starred.add(sessionId) : starred.delete(sessionId);
    changed();
    throw error;
  }
}

/** A star button for `session` (an API session view): toggles it in my agenda. */
export function starButton(session) {
  const button = h("button", {
    type: "button",
    class: "star-button",
    dataset: { session: String(session.id) },
    onclick: async (event) => {
      event.preventDefault(); // inside a card link: do not follow it
      event.stopPropagation();
      if (!currentAccount()) {
        location.hash = signInHref();
        return;
      }
      button.disabled = true;
      try {
        await setStar(session.id, !starred.has(session.id));
      } catch (error) {
        button.title = errorText(error);
      } finally {
        button.disabled = false;
      }
    },
  });
  paintStar(button);
  return button;
}

function paintStar(button) {
  const on = starred.has(Number(button.dataset.session));
  const label = !currentAccount() ? t("agenda.star_signin") : on ? t("agenda.unstar") : t("agenda.star");
  button.setAttribute("aria-pressed", String(on));
  button.setAttribute("aria-label", label);
  button.title = label;
  button.classList.toggle("is-starred", on);
  replace(button, starIcon());
}

const SVG = "http://www.w3.org/2000/svg";
const STAR = "M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8-5.2-2.7-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z";

/** A star outline; CSS fills it when the button is pressed. */
function starIcon() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon icon-star");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", STAR);
  svg.appendChild(path);
  return svg;
}

// --- reminders and the account's other tabs -------------------------------------------------

/** Follow the signed-in account's own topic on every page: stars changed in other tabs, and
 * reminders shown as toasts. Call once, from app.js. */
export function mountAgendaReminders() {
  const toasts = h("div", {
    class: "toasts",
    role: "region",
    "aria-label": t("agenda.reminders"),
    "aria-live": "polite", // each toast added is read out once; toasts are no live regions
  });
  onLangChange(() => toasts.setAttribute("aria-label", t("agenda.reminders")));
  document.body.appendChild(toasts);
  let stop = null;
  let following = null;

  const follow = () => {
    const account = currentAccount();
    const id = account ? account.id : null;
    if (id === following) return;
    stop?.();
    stop = null;
    following = id;
    loadStars();
    if (id === null) return;
    stop = realtime.subscribe(`account:${id}`, {
      onSnapshot: () => {
        if (starsOf === id) loadStars(); // resumed past the replay window: read them again
      },
      onEvent: (type, data) => {
        if (type === "agenda.changed" && Number.isInteger(data?.session)) {
          data.starred ? starred.add(data.session) : starred.delete(data.session);
          changed();
        } else if (type === "agenda.reminder" && data?.session) {
          showReminder(toasts, data);
        } else if (type === "match.reminder" && data?.meeting) {
          meetingToast(toasts, data.meeting, MAX_TOASTS, TOAST_MS); // --- meetings ---
        } else if (type?.startsWith("coffee.")) {
          coffeeHeard(toasts, type, data, MAX_TOASTS); // --- coffee --- away from its tab
        }
      },
      onError: (error) => console.warn("agenda: no reminders", error),
    });
  };
  onAccountChange(follow);
  follow();
  // The socket reconnects with the identity of its handshake: after signing in, follow again.
  realtime.onStatus(({ state }) => {
    if (state === "open" && following !== null && !realtime.topics.has(`account:${following}`)) {
      following = null;
      follow();
    }
  });
}

function showReminder(toasts, { session, forum }) {
  while (toasts.children.length >= MAX_TOASTS) toasts.firstElementChild.remove();
  const close = () => toast.remove();
  const toast = h(
    "div",
    { class: "toast" },
    h("span", { class: "toast-icon" }, icon("clock", "icon")),
    h(
      "div",
      { class: "toast-body" },
      h("p", { class: "toast-title" }, t("agenda.reminder_title")),
      h("p", { class: "toast-session" }, pick(session.title)),
      h("p", { class: "toast-where muted small" }, `${hhmm(session.starts_at)} · ${pick(forum?.title)}`),
      h("a", { class: "button button-small button-primary", href: forum ? roomHref(forum) : `#/forum/${session.forum_id}`, onclick: close }, t("agenda.reminder_go")),
    ),
    h("button", { type: "button", class: "toast-close", "aria-label": t("agenda.dismiss"), onclick: close }, "×"),
  );
  toasts.appendChild(toast);
  setTimeout(close, TOAST_MS);
}

// --- the page -------------------------------------------------------------------------------

export function mountAgenda(root) {
  let items = null;
  let failure = null;
  let stopped = false;
  let gone = []; // titles ({zh, en}) of starred sessions deleted while the page is open
  const book = versionBook(); // the highest version applied per session (programme_events.js)
  let shownFor = currentAccount()?.id ?? currentAccount(); // whose agenda `items` is
  // --- meetings: my upcoming 1:1 meetings beside the starred sessions (its own live list) ---
  const meetingsBlock = h("div", { class: "agenda-meetings-slot" });
  const stopMeetings = mountUpcomingMeetings(meetingsBlock);
  // --- end meetings ---

  const load = async () => {
    if (!currentAccount()) return render();
    try {
      const body = await api("/api/me/agenda");
      if (stopped) return;
      // An event newer than this list may have come first: keep the newer session.
      items = body.items.map((item) => {
        const known = items?.find((old) => old.session.id === item.session.id);
        return known && known.session.version > item.session.version ? known : item;
      });
      failure = null;
    } catch (error) {
      failure = error;
    }
    render();
  };

  const render = () => {
    const account = currentAccount();
    const head = h(
      "div",
      { class: "agenda-head" },
      h("h1", {}, t("agenda.heading")),
      h("p", { class: "muted" }, t("agenda.intro")),
    );
    if (account === undefined) return replace(root, h("section", { class: "agenda" }, head));
    if (account === null) {
      return replace(
        root,
        h(
          "section",
          { class: "agenda" },
          head,
          h("p", { class: "notice" }, t("agenda.signin"), " ", h("a", { href: signInHref() }, t("agenda.signin_link"))),
        ),
      );
    }
    // Unstarred here or elsewhere: gone from the list at once (starring adds on the next load).
    const shown = (items || []).filter((item) => starred.has(item.session.id) || starsOf !== account.id);
    replace(
      root,
      h(
        "section",
        { class: "agenda" },
        head,
        h(
          "div",
          { class: "agenda-tools" },
          h("a", { class: "button button-small", href: "/api/me/agenda.ics", download: "shubo-agenda.ics" }, icon("clock", "icon icon-small"), t("agenda.download")),
          h("p", { class: "muted small" }, t("agenda.download_hint")),
        ),
        failure ? h("p", { class: "notice notice-error", role: "status" }, errorText(failure)) : null,
        gone.length
          ? h("div", { class: "notice agenda-gone", role: "status" }, gone.map((title) => h("p", {}, t("agenda.gone", { title: pick(title) }))))
          : null,
        items === null && !failure ? h("p", { class: "notice", role: "status" }, t("agenda.loading")) : null,
        items !== null && shown.length === 0
          ? h("div", { class: "notice agenda-empty" }, t("agenda.empty"), " ", h("a", { href: "#/" }, t("agenda.to_lobby")))
          : null,
        shown.length ? h("p", { class: "muted small" }, t("agenda.times_local", { tz: timeZoneName() || "—" })) : null,
        shown.length ? agendaDays(shown) : null,
        meetingsBlock, // --- meetings ---
      ),
    );
  };

  // The programme as organisers change it: a starred session edited changes in place, moved
  // to another room reads the list again (for the room's name), deleted leaves with a word.
  const follow = (type, data) => {
    if (type === "programme.imported") return load();
    if (!items) return;
    const before = items.map((item) => item.session);
    const next = applyProgrammeEvent(before, type, data, undefined, book);
    if (!next) return;
    const mine = new Set(before.map((s) => s.id));
    const kept = next.filter((s) => mine.has(s.id));
    const byId = new Map(items.map((item) => [item.session.id, item]));
    for (const session of before) {
      if (kept.some((s) => s.id === session.id)) continue;
      gone.push(session.title);
      starred.delete(session.id); // its star went with it (the database cascades)
    }
    if (kept.some((s) => s.forum_id !== byId.get(s.id).forum.id)) load();
    items = kept
      .map((session) => ({ ...byId.get(session.id), session }))
      .sort((x, y) => byStart(x.session, y.session));
    if (kept.length !== before.length) changed();
    render();
  };

  const stops = [
    realtime.subscribe(LOBBY_TOPIC, { onEvent: follow, onSnapshot: () => items && load() }),
    onLangChange(render),
    onAccountChange((account) => {
      if ((account?.id ?? account) === shownFor) return render(); // the same person (a new language)
      shownFor = account?.id ?? account;
      items = null;
      load();
    }),
    onStarsChange(() => {
      // A star from another page or tab: read the list again so it shows.
      if (items && [...starred].some((id) => !items.some((item) => item.session.id === id))) load();
      else render();
    }),
  ];
  render();
  load();
  return () => {
    stopped = true;
    stopMeetings(); // --- meetings ---
    for (const fn of stops) fn();
  };
}

function agendaDays(items) {
  const days = new Map();
  for (const item of items) {
    const key = new Date(item.session.starts_at).toDateString();
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(item);
  }
  return [...days.values()].map((dayItems) =>
    h(
      "section",
      { class: "agenda-day" },
      h("h2", { class: "agenda-date" }, dayName(dayItems[0].session.starts_at)),
      h("ol", { class: "agenda-list" }, dayItems.map(agendaItem)),
    ),
  );
}

function dayName(iso) {
  const locale = document.documentElement.lang === "zh-CN" ? "zh-CN" : "en-GB";
  return new Intl.DateTimeFormat(locale, { dateStyle: "full" }).format(new Date(iso));
}

function agendaItem({ session, forum }) {
  const now = Date.now();
  const live = Date.parse(session.starts_at) <= now && now < Date.parse(session.ends_at);
  const past = Date.parse(session.ends_at) <= now;
  const speakers = session.speakers.map((p) => p.name);
  const moderators = session.moderators.map((p) => p.name);
  return h(
    "li",
    { class: `agenda-item${live ? " is-live" : ""}${past ? " is-past" : ""}` },
    h("time", { class: "agenda-when", datetime: session.starts_at, title: dateTime(session.starts_at) }, `${hhmm(session.starts_at)}–${hhmm(session.ends_at)}`),
    h(
      "div",
      { class: "agenda-what" },
      h("p", { class: "agenda-title" }, pick(session.title), live ? h("span", { class: "tag tag-live" }, h("span", { class: "live-dot" }), t("live")) : null),
      h("p", { class: "agenda-room muted small" }, h("a", { href: roomHref(forum) }, pick(forum.title))),
      speakers.length ? h("p", { class: "muted small" }, t("agenda.speakers", { names: listOf(speakers) })) : null,
      moderators.length ? h("p", { class: "muted small" }, t("agenda.moderators", { names: listOf(moderators) })) : null,
    ),
    starButton(session),
  );
}

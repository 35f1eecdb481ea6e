// A random coffee (随机咖啡): the matchmaking page's tab (#/matchmaking/coffee) and the pair's
// room (#/coffee/<pair>). The panel opts in (`coffee.join`), waits (`coffee.leave`), shows the
// proposal from `coffee.proposed` on `account:<me>` with a countdown to `accept_by`
// (`coffee.accept` / `coffee.decline`), says why a pairing was cancelled (`coffee.cancelled`)
// and goes to the room on `coffee.started`; on any other page a pairing comes as a toast that
// leads here (coffeeHeard, from agenda.js's follower of the account). The room is the meeting
// room's page (meeting_room.js mountCallRoom) on `coffee:<pair>` with `coffee.say` /
// `coffee.signal`.
//
// The panel's phase is kept in this tab's sessionStorage, so a reload shows it again; the room
// reads the coffee from the server (GET /api/match/coffee/<pair>/room and …/messages: the
// other person, when it ends, the chat so far), as a meeting's room does.

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { addStrings, errorText, hhmm, onLangChange, pick, t } from "./i18n.js";
import { mountCallRoom } from "./meeting_room.js";
import { realtime } from "./realtime.js";
import { currentAccount } from "./session.js";

addStrings({
  zh: {
    "mm.tab.coffee": "随机咖啡",
    "coffee.heading": "随机咖啡",
    "coffee.intro": "和一位随机匹配、素未谋面的参会者喝杯线上咖啡：双方都接受后，进入 {n} 分钟的私聊和视频通话。",
    "coffee.join": "认识新朋友",
    "coffee.waiting": "正在为您寻找一位新朋友…",
    "coffee.waiting_hint": "您可以继续逛展：配对成功时，无论在哪个页面都会提醒您。",
    "coffee.leave": "离开",
    "coffee.proposed": "为您找到了一位新朋友",
    "coffee.countdown": "请在 {n} 秒内回复",
    "coffee.toast_with": "与 {name} 喝杯咖啡？",
    "coffee.answer": "去回复",
    "coffee.dismiss": "关闭",
    "coffee.accept": "接受",
    "coffee.decline": "婉拒",
    "coffee.accepted": "您已接受，正在等待对方…",
    "coffee.why.declined": "对方婉拒了这次配对。",
    "coffee.why.declined_me": "您婉拒了这次配对。",
    "coffee.why.timeout": "有人没有及时回复，这次配对已取消。",
    "coffee.why.left": "有人离开了，这次配对已取消。",
    "coffee.back_in_pool": "您已回到队列最前面，正在继续为您寻找。",
    "coffee.out_of_pool": "您已不在队列中。",
    "coffee.kicker": "随机咖啡",
    "coffee.with": "与 {name} 喝咖啡",
    "coffee.someone": "新朋友",
    "coffee.ends": "{end} 结束 · 还剩 {left}",
    "coffee.time_up": "时间到了：这次咖啡已结束，聊天只读。",
    "coffee.title": "随机咖啡",
    "coffee.signin": "登录后进入咖啡室。",
    "coffee.back": "返回随机咖啡",
    "coffee.forbidden": "只有这次咖啡的双方可以进入。",
    "err.coffee.busy": "请先结束您正在进行的咖啡。",
    "err.coffee.not_open": "这次配对已经结束。",
    "err.coffee.unknown": "没有这次咖啡。",
    "err.coffee.unavailable": "咖啡队列暂时无法连接，请稍后再试。",
    "err.coffee.not_started": "双方都接受后才能开始。",
    "err.coffee.ended": "这次咖啡已结束。",
  },
  en: {
    "mm.tab.coffee": "Random coffee",
    "coffee.heading": "Random coffee",
    "coffee.intro": "Have an online coffee with someone new, picked at random: once you both accept, you get {n} minutes of private chat and video.",
    "coffee.join": "Meet someone new",
    "coffee.waiting": "Looking for someone new for you…",
    "coffee.waiting_hint": "Browse on: wherever you are, we tell you when you are paired.",
    "coffee.leave": "Leave",
    "coffee.proposed": "We found someone for you",
    "coffee.countdown": "Answer within {n} s",
    "coffee.toast_with": "A coffee with {name}?",
    "coffee.answer": "Answer",
    "coffee.dismiss": "Dismiss",
    "coffee.accept": "Accept",
    "coffee.decline": "Decline",
    "coffee.accepted": "You accepted: waiting for the other person…",
    "coffee.why.declined": "The other person declined this pairing.",
    "coffee.why.declined_me": "You declined this pairing.",
    "coffee.why.timeout": "Someone did not answer in time: the pairing was cancelled.",
    "coffee.why.left": "Someone left: the pairing was cancelled.",
    "coffee.back_in_pool": "You are back at the front of the queue: still looking for you.",
    "coffee.out_of_pool": "You are out of the queue.",
    "coffee.kicker": "Random coffee",
    "coffee.with": "Coffee with {name}",
    "coffee.someone": "someone new",
    "coffee.ends": "Ends at {end} · {left} left",
    "coffee.time_up": "Time is up: this coffee is over and the chat is read-only.",
    "coffee.title": "Random coffee",
    "coffee.signin": "Sign in to enter the coffee room.",
    "coffee.back": "Back to random coffee",
    "coffee.forbidden": "Only the coffee's two people may enter its room.",
    "err.coffee.busy": "Finish the coffee you are in first.",
    "err.coffee.not_open": "This pairing is over.",
    "err.coffee.unknown": "There is no such coffee.",
    "err.coffee.unavailable": "The coffee queue cannot be reached just now: try again shortly.",
    "err.coffee.not_started": "Both of you accept first.",
    "err.coffee.ended": "This coffee is over.",
  },
});

const MINUTES = 5; // the organisers' coffee_minutes by default, for the intro only
const KEY = "shubo.coffee";

// --- what this tab knows of its coffee ----------------------------------------------------------
// phase: idle | waiting | proposed | accepted; outcome: the last cancellation
// {reason, waiting, mine}.

function read() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (stored && Number(stored.account) === Number(currentAccount()?.id)) return stored;
  } catch {
    // an unreadable entry is no entry
  }
  return { account: currentAccount()?.id ?? null, phase: "idle", proposal: null, outcome: null };
}

function write(next) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // private mode: the page still works, a reload forgets
  }
  return next;
}

const secondsUntil = (iso) => Math.max(0, Math.ceil((Date.parse(iso) - Date.now()) / 1000));

function minutesLeft(iso) {
  const s = secondsUntil(iso);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function aboutLine(person) {
  const company = person?.exhibitor ? pick({ zh: person.exhibitor.name_zh, en: person.exhibitor.name_en }) : person?.organisation;
  return [person?.title, company].filter(Boolean).join(" · ");
}

// --- a pairing heard on another page ----------------------------------------------------------

const ON_THE_TAB = "#/matchmaking/coffee";
let shown = null; // the toast of the pairing heard elsewhere, while it is open

/** `coffee.*` heard on `account:<me>` by the page's own follower (agenda.js, on every page):
 * away from the coffee tab, a pairing is kept for the tab (which shows it when opened) and told
 * in a toast that leads there, gone when the pairing is decided or its time is up. */
export function coffeeHeard(toasts, type, data, max) {
  if (location.hash.startsWith(ON_THE_TAB)) return; // the panel is open: it shows it
  const pair = Number(data?.pair);
  const state = read();
  if (type === "coffee.proposed") {
    write({ ...state, phase: "proposed", proposal: { pair, with: data.with, accept_by: data.accept_by }, outcome: null });
    shown?.remove();
    while (toasts.children.length >= max) toasts.firstElementChild.remove();
    const close = () => {
      toast.remove();
      if (shown === toast) shown = null;
    };
    const toast = h(
      "div",
      { class: "toast coffee-toast", dataset: { pair: String(pair) } },
      h("span", { class: "toast-icon" }, icon("user", "icon")),
      h(
        "div",
        { class: "toast-body" },
        h("p", { class: "toast-title" }, t("coffee.proposed")),
        h("p", { class: "toast-session" }, t("coffee.toast_with", { name: data.with?.name ?? "" })),
        h("p", { class: "toast-where muted small" }, t("coffee.countdown", { n: secondsUntil(data.accept_by) })),
        h("a", { class: "button button-small button-primary", href: ON_THE_TAB, onclick: close }, t("coffee.answer")),
      ),
      h("button", { type: "button", class: "toast-close", "aria-label": t("coffee.dismiss"), onclick: close }, "×"),
    );
    toasts.appendChild(toast);
    shown = toast;
    setTimeout(close, secondsUntil(data.accept_by) * 1000);
  } else if (type === "coffee.cancelled" && (!state.proposal || state.proposal.pair === pair)) {
    write({ ...state, phase: data.waiting ? "waiting" : "idle", proposal: null, outcome: { reason: data.reason, waiting: !!data.waiting, mine: false } });
    if (Number(shown?.dataset.pair) === pair) shown.remove();
  } else if (type === "coffee.started") {
    write({ ...state, phase: "idle", proposal: null });
    location.hash = `#/coffee/${pair}`;
  }
}

// --- the panel (#/matchmaking/coffee) ------------------------------------------------------------

export function mountCoffee(root) {
  let state = read();
  let busy = false;
  let following = false;
  let error = null;
  let ticker = null;
  const me = Number(currentAccount()?.id);
  const set = (changes) => {
    state = write({ ...state, ...changes });
    render();
  };

  async function ask(type, data = {}) {
    busy = true;
    error = null;
    render();
    try {
      return await realtime.request(type, data);
    } catch (err) {
      error = err;
      return null;
    } finally {
      busy = false;
      render();
    }
  }

  async function join() {
    set({ outcome: null });
    const reply = await ask("coffee.join");
    if (reply?.waiting && state.phase === "idle") set({ phase: "waiting" });
  }

  async function leave() {
    const reply = await ask("coffee.leave");
    if (reply) set({ phase: "idle", proposal: null, outcome: null });
  }

  async function answer(yes) {
    const pair = state.proposal?.pair;
    if (!pair) return;
    if (!yes) set({ outcome: { reason: "declined", waiting: false, mine: true } });
    const reply = await ask(yes ? "coffee.accept" : "coffee.decline", { pair });
    if (!reply) {
      if (error?.code === "coffee.not_open" || error?.code === "coffee.unknown") set({ phase: "idle", proposal: null });
      return;
    }
    if (reply.status === "proposed" && state.phase === "proposed") set({ phase: "accepted" });
    else if (reply.status === "cancelled") set({ phase: "idle", proposal: null });
  }

  function onEvent(type, data) {
    const pair = Number(data?.pair);
    if (type === "coffee.proposed") {
      set({ phase: "proposed", proposal: { pair, with: data.with, accept_by: data.accept_by }, outcome: null });
    } else if (type === "coffee.started") {
      write({ ...state, phase: "idle", proposal: null });
      location.hash = `#/coffee/${pair}`;
    } else if (type === "coffee.cancelled") {
      if (state.proposal && state.proposal.pair !== pair) return;
      const mine = state.outcome?.mine && data.reason === "declined";
      set({ phase: data.waiting ? "waiting" : "idle", proposal: null, outcome: { reason: data.reason, waiting: !!data.waiting, mine } });
    }
  }

  // --- drawing ---
  const element = h("section", { class: "coffee", dataset: { phase: state.phase } });
  replace(root, element);

  const button = (label, cls, onclick) =>
    h("button", { type: "button", class: `button ${cls}`, disabled: busy || !following, onclick }, label);

  function outcomeNote() {
    const o = state.outcome;
    if (!o) return null;
    const why = o.mine ? t("coffee.why.declined_me") : t(`coffee.why.${o.reason}`);
    return h(
      "div",
      { class: `coffee-outcome${o.waiting ? " is-waiting" : ""}`, role: "status" },
      h("p", {}, why),
      h("p", { class: "coffee-outcome-pool" }, t(o.waiting ? "coffee.back_in_pool" : "coffee.out_of_pool")),
    );
  }

  function proposalCard() {
    const p = state.proposal;
    const accepted = state.phase === "accepted";
    const about = aboutLine(p.with);
    return h(
      "article",
      { class: "coffee-card", dataset: { pair: String(p.pair) } },
      h("p", { class: "coffee-kicker" }, t("coffee.proposed")),
      h("h3", { class: "coffee-name" }, String(p.with?.name ?? "")),
      about ? h("p", { class: "coffee-about muted" }, about) : null,
      h("p", { class: "coffee-countdown", role: "timer" }, t("coffee.countdown", { n: secondsUntil(p.accept_by) })),
      accepted
        ? h("p", { class: "coffee-accepted", role: "status" }, t("coffee.accepted"))
        : h(
            "div",
            { class: "coffee-actions" },
            button(t("coffee.accept"), "button-primary coffee-accept", () => answer(true)),
            button(t("coffee.decline"), "button-ghost coffee-decline", () => answer(false)),
          ),
      accepted ? h("div", { class: "coffee-actions" }, button(t("coffee.leave"), "button-ghost coffee-leave", leave)) : null,
    );
  }

  function render() {
    element.dataset.phase = state.phase;
    let body;
    if ((state.phase === "proposed" || state.phase === "accepted") && state.proposal) body = proposalCard();
    else if (state.phase === "waiting") {
      body = h(
        "div",
        { class: "coffee-waiting" },
        h("span", { class: "coffee-dot", "aria-hidden": "true" }),
        h("div", {}, h("p", { class: "coffee-waiting-text", role: "status" }, t("coffee.waiting")), h("p", { class: "muted" }, t("coffee.waiting_hint"))),
        button(t("coffee.leave"), "button-ghost coffee-leave", leave),
      );
    } else body = h("div", { class: "coffee-actions" }, button(t("coffee.join"), "button-primary coffee-join", join));
    replace(
      element,
      h("h2", { class: "coffee-heading" }, t("coffee.heading")),
      h("p", { class: "muted coffee-intro" }, t("coffee.intro", { n: MINUTES })),
      outcomeNote(),
      body,
      error ? h("p", { class: "form-error coffee-error", role: "alert" }, errorText(error)) : null,
    );
  }

  const stops = [];
  if (me) {
    stops.push(
      realtime.subscribe(`account:${me}`, {
        onEvent,
        // The first of these says the topic is followed (another part may follow it already).
        onFollowing: () => ((following = true), render()),
        onSnapshot: () => ((following = true), render()),
        onError: (err) => {
          error = err;
          render();
        },
      }),
    );
  }
  ticker = setInterval(() => {
    if (state.proposal && (state.phase === "proposed" || state.phase === "accepted")) {
      const timer = element.querySelector(".coffee-countdown");
      if (timer) timer.textContent = t("coffee.countdown", { n: secondsUntil(state.proposal.accept_by) });
    }
  }, 1000);
  stops.push(() => clearInterval(ticker));
  stops.push(onLangChange(render));
  render();
  return () => {
    for (const fn of stops.splice(0)) fn();
  };
}

// --- the room (#/coffee/<pair>) ------------------------------------------------------------------

/** The description of coffee `pair`'s room (for mountCallRoom). */
export function coffeeRoom(pair) {
  const path = `/api/match/coffee/${encodeURIComponent(pair)}`;
  const ends = h("p", { class: "mroom-when coffee-ends" });
  const showEnds = (info) => {
    const at = info.coffee.ends_at;
    ends.hidden = !at || info.coffee.ended;
    if (at) ends.textContent = t("coffee.ends", { end: hhmm(at), left: minutesLeft(at) });
  };
  return {
    id: pair,
    idField: "pair",
    say: "coffee.say",
    signal: "coffee.signal",
    topic: `coffee:${pair}`,
    dataset: { pair: String(pair) },
    room: () => api(`${path}/room`),
    messages: (before) => api(`${path}/messages?limit=50${before ? `&before=${before}` : ""}`),
    other: (info) => info.coffee.with,
    state: (info) => {
      if (info.coffee.status === "proposed") return "pending"; // both accept first
      return info.coffee.ended || (info.coffee.ends_at && Date.parse(info.coffee.ends_at) <= Date.now()) ? "closed" : "open";
    },
    refused: { "coffee.ended": "closed", "coffee.not_started": "pending" },
    head: (info) => {
      showEnds(info);
      return {
        kicker: t("coffee.kicker"),
        title: t("coffee.with", { name: info.coffee.with?.name ?? t("coffee.someone") }),
        lines: [ends],
      };
    },
    notice: (info, state) => (state === "closed" ? t("coffee.time_up") : state === "pending" ? t("err.coffee.not_started") : null),
    onEvent(type, data, info) {
      if (type !== "coffee.ended" || Number(data?.pair) !== pair) return false;
      info.coffee.ended = true;
      return true;
    },
    follow(info, changed) {
      const me = Number(currentAccount()?.id);
      const timer = setInterval(() => {
        showEnds(info);
        const at = info.coffee.ends_at;
        if (at && !info.coffee.ended && Date.parse(at) <= Date.now()) {
          info.coffee.ended = true;
          changed();
        }
      }, 1000);
      return [
        () => clearInterval(timer),
        realtime.subscribe(`account:${me}`, {
          onEvent: (type, data) => {
            if (type === "coffee.ended" && Number(data?.pair) === pair && !info.coffee.ended) {
              info.coffee.ended = true;
              changed();
            }
          },
        }),
      ];
    },
    title: "coffee.title",
    signin: "coffee.signin",
    back: ["#/matchmaking/coffee", "coffee.back"],
    failure: (error) => (error?.code === "forbidden" ? t("coffee.forbidden") : errorText(error)),
  };
}

export function mountCoffeeRoom(root, { pair }) {
  return mountCallRoom(root, coffeeRoom(Number(pair)));
}

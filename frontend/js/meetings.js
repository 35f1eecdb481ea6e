// My meetings (#/meetings): requests received (accept, decline), sent (withdraw), and my
// meetings by slot (join the room, reschedule, cancel), live through the account's own topic:
//
// <= {"type": "match.request_changed", "topic": "account:3", "data": {"request": {...}, "version": 2}}
// <= {"type": "match.meeting_changed", "topic": "account:3", "data": {"meeting": {...}, "version": 1}}
// <= {"type": "match.reminder", "topic": "account:3", "data": {"meeting": {...}}}
//
// `mountUpcomingMeetings(el)` is the small list the agenda page shows beside the starred
// sessions. Every change is read back from the server (the events say something changed; the
// lists are short), so what is shown is what is stored.

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { signInHref } from "./header.js";
import { addStrings, errorText, hhmm, onLangChange, pick, t } from "./i18n.js";
import "./match_errors.js"; // err.match.* words, shared by the matchmaking pages
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";

addStrings({
  zh: {
    "meet.heading": "我的洽谈",
    "meet.intro": "一对一商务洽谈：收到的邀约、发出的邀约，以及已排定的洽谈时段。",
    "meet.signin": "登录后即可管理洽谈邀约。",
    "meet.signin_link": "去登录",
    "meet.loading": "正在加载…",
    "meet.ical": "订阅日历（.ics）",
    "meet.ical_hint": "导入或订阅到您的日历应用，洽谈改期后会自动更新。",
    "meet.mine": "已排定的洽谈",
    "meet.none": "还没有排定的洽谈。",
    "meet.received": "收到的邀约",
    "meet.sent": "发出的邀约",
    "meet.no_received": "暂时没有收到邀约。",
    "meet.no_sent": "还没有发出邀约。去“商务撮合”看看推荐的伙伴吧。",
    "meet.to_match": "去商务撮合",
    "meet.with": "与 {name}",
    "meet.at_table": "{name} 洽谈桌",
    "meet.join": "进入洽谈室",
    "meet.cancel": "取消洽谈",
    "meet.cancel_reason": "取消原因（可选）",
    "meet.cancel_confirm": "确认取消",
    "meet.keep": "保留",
    "meet.reschedule": "改期",
    "meet.pick_slot": "选择新时段",
    "meet.move": "改到此时段",
    "meet.no_slots": "暂无其他可选时段。",
    "meet.accept": "接受",
    "meet.decline": "婉拒",
    "meet.withdraw": "撤回",
    "meet.status.pending": "等待回复",
    "meet.status.accepted": "已接受",
    "meet.status.declined": "已婉拒",
    "meet.status.cancelled": "已取消",
    "meet.waiting_slot": "已接受，暂无共同空闲时段：主办方的排程器会为您和对方安排。",
    "meet.placed": "已安排在 {when}。",
    "meet.not_placed": "已接受。您与对方暂无共同空闲时段，主办方的排程器会安排这场洽谈。",
    "meet.cap": "待回复的邀约 {n}/{cap}",
    "meet.upcoming": "我的洽谈",
    "meet.reminder_title": "您的洽谈即将开始",
    "meet.all": "全部洽谈",
    "meet.from": "来自 {name}",
    "meet.to": "发给 {name}",
  },
  en: {
    "meet.heading": "My meetings",
    "meet.intro": "1:1 business meetings: requests you received and sent, and your meetings by slot.",
    "meet.signin": "Sign in to manage your meeting requests.",
    "meet.signin_link": "Sign in",
    "meet.loading": "Loading…",
    "meet.ical": "Subscribe in your calendar (.ics)",
    "meet.ical_hint": "Import or subscribe in your calendar app; a rescheduled meeting moves there too.",
    "meet.mine": "My meetings",
    "meet.none": "No meetings scheduled yet.",
    "meet.received": "Requests received",
    "meet.sent": "Requests sent",
    "meet.no_received": "No requests received yet.",
    "meet.no_sent": "No requests sent yet. See who matchmaking recommends.",
    "meet.to_match": "Go to matchmaking",
    "meet.with": "With {name}",
    "meet.at_table": "{name}'s table",
    "meet.join": "Join the room",
    "meet.cancel": "Cancel meeting",
    "meet.cancel_reason": "Reason (optional)",
    "meet.cancel_confirm": "Cancel it",
    "meet.keep": "Keep it",
    "meet.reschedule": "Reschedule",
    "meet.pick_slot": "Choose a new slot",
    "meet.move": "Move here",
    "meet.no_slots": "No other slot to choose.",
    "meet.accept": "Accept",
    "meet.decline": "Decline",
    "meet.withdraw": "Withdraw",
    "meet.status.pending": "Waiting for an answer",
    "meet.status.accepted": "Accepted",
    "meet.status.declined": "Declined",
    "meet.status.cancelled": "Cancelled",
    "meet.waiting_slot": "Accepted; no common free slot yet: the organisers' scheduler will place it.",
    "meet.placed": "Scheduled for {when}.",
    "meet.not_placed": "Accepted. You have no common free slot now; the organisers' scheduler will place this meeting.",
    "meet.cap": "Waiting for answers: {n}/{cap}",
    "meet.upcoming": "My meetings",
    "meet.reminder_title": "Your meeting starts soon",
    "meet.all": "All my meetings",
    "meet.from": "From {name}",
    "meet.to": "To {name}",
  },
});

const MATCH_EVENTS = new Set(["match.request_changed", "match.meeting_changed", "match.reminder"]);

/** "周五 6月5日 10:00–10:30" / "Fri 5 Jun 10:00–10:30", in the viewer's time. */
export function slotText(slot) {
  if (!slot?.starts_at) return "—";
  const locale = document.documentElement.lang === "zh-CN" ? "zh-CN" : "en-GB";
  const day = new Intl.DateTimeFormat(locale, { weekday: "short", month: "short", day: "numeric" }).format(new Date(slot.starts_at));
  return `${day} ${hhmm(slot.starts_at)}–${hhmm(slot.ends_at)}`;
}

function personLine(person) {
  if (!person) return "";
  const company = person.exhibitor ? pick({ zh: person.exhibitor.name_zh, en: person.exhibitor.name_en }) : person.organisation;
  return [person.name, person.title, company].filter(Boolean).join(" · ");
}

/** Follow the account's own topic for matchmaking events; `fn(type, data)`. Returns a stop. */
function followMine(fn) {
  let stop = null;
  let following = null;
  const follow = () => {
    const id = currentAccount()?.id ?? null;
    if (id === following) return;
    stop?.();
    stop = null;
    following = id;
    if (id === null) return;
    stop = realtime.subscribe(`account:${id}`, {
      onEvent: (type, data) => MATCH_EVENTS.has(type) && fn(type, data),
      onSnapshot: () => fn("snapshot", null),
      onError: (error) => console.warn("meetings: not live", error),
    });
  };
  const stopAccount = onAccountChange(follow);
  follow();
  return () => {
    stopAccount();
    stop?.();
  };
}

// --- the page -------------------------------------------------------------------------------

export function mountMeetings(root) {
  let state = null; // {requests, meetings, slots}
  let failure = null;
  let notice = null; // {kind, text}
  let stopped = false;
  let openPicker = null; // meeting id whose slot picker is open
  let openCancel = null; // meeting id whose cancel form is open
  let busy = false;
  let loadTimer = null;

  const load = async () => {
    if (!currentAccount()) return render();
    try {
      const [requests, meetings] = await Promise.all([api("/api/match/requests"), api("/api/match/meetings")]);
      let slots = state?.slots ?? null;
      if (slots === null) {
        slots = await api("/api/match/slots").then((b) => b.slots || [], () => []); // the profiles part's
      }
      if (stopped) return;
      state = { requests, meetings: meetings.meetings, slots };
      failure = null;
    } catch (error) {
      failure = error;
    }
    render();
  };
  const reloadSoon = () => {
    clearTimeout(loadTimer);
    loadTimer = setTimeout(load, 150); // a change comes as a few events at once
  };

  const act = async (type, data, after) => {
    if (busy) return;
    busy = true;
    notice = null;
    render();
    try {
      const reply = await realtime.request(type, data);
      notice = after ? after(reply) : null;
      openPicker = openCancel = null;
    } catch (error) {
      notice = { kind: "error", text: errorText(error) };
    } finally {
      busy = false;
    }
    await load();
  };

  const render = () => {
    const account = currentAccount();
    const head = h("div", { class: "meetings-head" }, h("h1", {}, t("meet.heading")), h("p", { class: "muted" }, t("meet.intro")));
    if (account === undefined) return replace(root, h("section", { class: "meetings" }, head));
    if (account === null) {
      return replace(root, h("section", { class: "meetings" }, head, h("p", { class: "notice" }, t("meet.signin"), " ", h("a", { href: signInHref() }, t("meet.signin_link")))));
    }
    const tools = h(
      "div",
      { class: "meetings-tools" },
      h("a", { class: "button button-small", href: "/api/match/meetings.ics", download: "shubo-meetings.ics" }, icon("clock", "icon icon-small"), t("meet.ical")),
      h("p", { class: "muted small" }, t("meet.ical_hint")),
    );
    const body = [];
    if (failure) body.push(h("p", { class: "notice notice-error", role: "status" }, errorText(failure)));
    if (notice) body.push(h("p", { class: `notice${notice.kind === "error" ? " notice-error" : ""}`, role: "status" }, notice.text));
    if (!state && !failure) body.push(h("p", { class: "notice", role: "status" }, t("meet.loading")));
    if (state) {
      const received = state.requests.received.filter((r) => r.status === "pending" || (r.status === "accepted" && !r.meeting));
      const sent = state.requests.sent; // every state, tagged: the asker follows each answer
      body.push(
        h("section", { class: "meetings-block", "aria-labelledby": "meet-mine" }, h("h2", { id: "meet-mine" }, t("meet.mine")), state.meetings.length ? h("ol", { class: "meeting-list" }, state.meetings.map(meetingItem)) : h("p", { class: "muted" }, t("meet.none"))),
        h("section", { class: "meetings-block", "aria-labelledby": "meet-received" }, h("h2", { id: "meet-received" }, t("meet.received")), received.length ? h("ul", { class: "request-list" }, received.map((r) => requestItem(r, "received"))) : h("p", { class: "muted" }, t("meet.no_received"))),
        h(
          "section",
          { class: "meetings-block", "aria-labelledby": "meet-sent" },
          h("h2", { id: "meet-sent" }, t("meet.sent"), " ", h("span", { class: "muted small" }, t("meet.cap", { n: state.requests.pending_sent, cap: state.requests.cap }))),
          sent.length ? h("ul", { class: "request-list" }, sent.map((r) => requestItem(r, "sent"))) : h("p", { class: "muted" }, t("meet.no_sent"), " ", h("a", { href: "#/matchmaking" }, t("meet.to_match"))),
        ),
      );
    }
    replace(root, h("section", { class: "meetings" }, head, tools, body));
  };

  const meetingItem = (meeting) => {
    const other = meeting.with;
    const otherSlots = (state.slots || []).filter((s) => s.id !== meeting.slot.id && Date.parse(s.starts_at) > Date.now());
    const host = meeting.exhibitor ? t("meet.at_table", { name: pick({ zh: meeting.exhibitor.name_zh, en: meeting.exhibitor.name_en }) }) : null;
    return h(
      "li",
      { class: "meeting-item", dataset: { meeting: String(meeting.id) } },
      h("time", { class: "meeting-when", datetime: meeting.slot.starts_at }, slotText(meeting.slot)),
      h("div", { class: "meeting-what" }, h("p", { class: "meeting-with" }, t("meet.with", { name: other?.name || "" })), h("p", { class: "muted small" }, personLine(other)), host ? h("p", { class: "muted small" }, host) : null),
      h(
        "div",
        { class: "meeting-actions" },
        h("a", { class: "button button-small button-primary", href: `#/meeting/${meeting.id}` }, t("meet.join")),
        h("button", { type: "button", class: "button button-small", disabled: busy, onclick: () => ((openPicker = openPicker === meeting.id ? null : meeting.id), (openCancel = null), render()) }, t("meet.reschedule")),
        h("button", { type: "button", class: "button button-small button-danger", disabled: busy, onclick: () => ((openCancel = openCancel === meeting.id ? null : meeting.id), (openPicker = null), render()) }, t("meet.cancel")),
      ),
      openPicker === meeting.id ? slotPicker(meeting, otherSlots) : null,
      openCancel === meeting.id ? cancelForm(meeting) : null,
    );
  };

  const slotPicker = (meeting, slots) => {
    if (!slots.length) return h("p", { class: "muted small meeting-panel" }, t("meet.no_slots"));
    const select = h("select", { "aria-label": t("meet.pick_slot") }, slots.map((s) => h("option", { value: String(s.id) }, slotText(s))));
    return h(
      "form",
      {
        class: "meeting-panel",
        onsubmit: (event) => {
          event.preventDefault();
          act("match.reschedule", { meeting: meeting.id, slot: Number(select.value) }, (reply) => ({ kind: "ok", text: t("meet.placed", { when: slotText(reply.meeting.slot) }) }));
        },
      },
      h("label", {}, t("meet.pick_slot"), " ", select),
      h("button", { type: "submit", class: "button button-small button-primary", disabled: busy }, t("meet.move")),
    );
  };

  const cancelForm = (meeting) => {
    const reason = h("input", { type: "text", maxlength: "200", placeholder: t("meet.cancel_reason"), "aria-label": t("meet.cancel_reason") });
    return h(
      "form",
      {
        class: "meeting-panel",
        onsubmit: (event) => {
          event.preventDefault();
          act("match.cancel", { meeting: meeting.id, reason: reason.value });
        },
      },
      reason,
      h("button", { type: "submit", class: "button button-small button-danger", disabled: busy }, t("meet.cancel_confirm")),
      h("button", { type: "button", class: "button button-small", onclick: () => ((openCancel = null), render()) }, t("meet.keep")),
    );
  };

  const requestItem = (request, side) => {
    const other = side === "received" ? request.requester : request.recipient;
    const waiting = request.status === "accepted" && !request.meeting;
    const actions = [];
    if (side === "received" && request.status === "pending") {
      actions.push(
        h("button", { type: "button", class: "button button-small button-primary", disabled: busy, onclick: () => act("match.accept", { request: request.id }, (reply) => (reply.placed ? { kind: "ok", text: t("meet.placed", { when: slotText(reply.meeting.slot) }) } : { kind: "ok", text: t("meet.not_placed") })) }, t("meet.accept")),
        h("button", { type: "button", class: "button button-small", disabled: busy, onclick: () => act("match.decline", { request: request.id }) }, t("meet.decline")),
      );
    }
    // Either person may back out of an accepted request still waiting for a slot.
    if ((side === "sent" && request.status === "pending") || waiting) {
      actions.push(h("button", { type: "button", class: "button button-small", disabled: busy, onclick: () => act("match.withdraw", { request: request.id }) }, t("meet.withdraw")));
    }
    return h(
      "li",
      { class: "request-item", dataset: { request: String(request.id), status: request.status } },
      h(
        "div",
        { class: "request-what" },
        h("p", { class: "request-who" }, t(side === "received" ? "meet.from" : "meet.to", { name: other.name }), " ", h("span", { class: `tag request-status status-${request.status}` }, t(`meet.status.${request.status}`))),
        h("p", { class: "muted small" }, personLine(other)),
        request.note ? h("p", { class: "request-note" }, request.note) : null,
        waiting ? h("p", { class: "muted small" }, t("meet.waiting_slot")) : null,
      ),
      actions.length ? h("div", { class: "request-actions" }, actions) : null,
    );
  };

  const stops = [
    followMine((type) => type !== "match.reminder" && reloadSoon()), // reminders: a toast (agenda.js)
    onLangChange(render),
    onAccountChange(() => {
      state = null;
      load();
    }),
  ];
  render();
  load();
  return () => {
    stopped = true;
    clearTimeout(loadTimer);
    for (const fn of stops) fn();
  };
}

// --- a toast on any page when a meeting is about to start (agenda.js shows it) -------------

/** Add a reminder toast for `meeting` (a view with `with` and `slot`) to `toasts`. */
export function meetingToast(toasts, meeting, max, ms) {
  while (toasts.children.length >= max) toasts.firstElementChild.remove();
  const close = () => toast.remove();
  const toast = h(
    "div",
    { class: "toast meeting-toast" },
    h("span", { class: "toast-icon" }, icon("clock", "icon")),
    h(
      "div",
      { class: "toast-body" },
      h("p", { class: "toast-title" }, t("meet.reminder_title")),
      h("p", { class: "toast-session" }, t("meet.with", { name: meeting.with?.name || "" })),
      h("p", { class: "toast-where muted small" }, slotText(meeting.slot)),
      h("a", { class: "button button-small button-primary", href: `#/meeting/${meeting.id}`, onclick: close }, t("meet.join")),
    ),
    h("button", { type: "button", class: "toast-close", "aria-label": t("agenda.dismiss"), onclick: close }, "×"),
  );
  toasts.appendChild(toast);
  setTimeout(close, ms);
}

// --- beside my agenda -----------------------------------------------------------------------

/** My upcoming meetings as a short list in `el` (the agenda page), live. Returns a stop. */
export function mountUpcomingMeetings(el) {
  let meetings = null;
  let stopped = false;
  let timer = null;
  const load = async () => {
    if (!currentAccount()) {
      meetings = null;
      return render();
    }
    try {
      const body = await api("/api/match/meetings");
      if (stopped) return;
      meetings = body.meetings.filter((m) => Date.parse(m.slot.ends_at) > Date.now());
    } catch {
      meetings = null; // matchmaking unavailable: the agenda stays as it is
    }
    render();
  };
  const render = () => {
    // Nothing to show (no meetings, or matchmaking unavailable): the agenda stays as it was.
    if (!currentAccount() || !meetings?.length) return replace(el);
    replace(
      el,
      h(
        "section",
        { class: "agenda-meetings", "aria-labelledby": "agenda-meetings-title" },
        h("h2", { id: "agenda-meetings-title", class: "agenda-meetings-title" }, t("meet.upcoming")),
        h(
          "ol",
          { class: "meeting-list" },
          meetings.slice(0, 8).map((m) =>
            h(
              "li",
              { class: "meeting-item agenda-meeting", dataset: { meeting: String(m.id) } },
              h("time", { class: "meeting-when", datetime: m.slot.starts_at }, slotText(m.slot)),
              h("div", { class: "meeting-what" }, h("p", { class: "meeting-with" }, t("meet.with", { name: m.with?.name || "" })), h("p", { class: "muted small" }, personLine(m.with))),
              h("div", { class: "meeting-actions" }, h("a", { class: "button button-small", href: `#/meeting/${m.id}` }, t("meet.join"))),
            ),
          ),
        ),
        h("p", { class: "small" }, h("a", { href: "#/meetings" }, t("meet.all"))),
      ),
    );
  };
  const stops = [
    followMine(() => {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    }),
    onLangChange(render),
    onAccountChange(load),
  ];
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const fn of stops) fn();
  };
}

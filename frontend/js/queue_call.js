// A booth queue's call room (#/queue-call/<ticket>): the person called and the staff member who
// called, in the meeting room's page (meeting_room.js mountCallRoom) with the queue's
// description: GET /api/match/queue-tickets/<id>/room and /messages, the topic
// `queue-call:<id>`, the commands `queue.say` and `queue.signal` {ticket, ...}.
//
// The room is open while the ticket is `serving`; `called` is not yet (the staff member who
// opened it waits for the answer), anything after is read-only. The call's own topic carries
// only chat and signals, so the ticket's state comes from the topic each side may follow: its
// owner's `queue-ticket:<id>` (`queue.ticket_changed`), the staff's
// `booth-queue-staff:<exhibitor>` (`queue.line_changed`); the room's topic tells it too
// (`queue.call_changed` {ticket, status, version}).
//
// The staff side has the way back to the booth's dashboard and, once the call is answered,
// "Served" (POST /api/match/queue-tickets/<id>/served), which then goes back there.

import { api } from "./api.js";
import { h } from "./dom.js";
import { addStrings, errorText, pick, t } from "./i18n.js";
import { mountCallRoom } from "./meeting_room.js";
import { queueErrorText } from "./queue_staff_strings.js";
import "./queue_strings.js";
import { realtime } from "./realtime.js";
import { currentAccount } from "./session.js";

const STATES = { serving: "open", called: "pending" }; // anything else: read-only

addStrings({
  zh: {
    "qroom.not_answered": "这次叫号没有接听。",
    "qroom.served": "已接待",
    "qroom.dashboard": "返回展位看板",
  },
  en: {
    "qroom.not_answered": "This call was not answered.",
    "qroom.served": "Served",
    "qroom.dashboard": "Back to the booth dashboard",
  },
});

const boothOf = (info) => {
  const booth = info.call.exhibitor;
  return booth ? pick({ zh: booth.name_zh, en: booth.name_en }) || booth.name_en || booth.name_zh : "";
};

/** Am I the booth's side of this call (the staff member), rather than the person called? */
function staffSide(info) {
  const me = currentAccount();
  return me?.role === "exhibitor" && Number(me.exhibitor_id) === Number(info.call.exhibitor?.id);
}

// Why a room is not open, as each side words it.
function notice(info, state) {
  const status = info.call.status;
  const staff = staffSide(info);
  if (state === "pending") {
    return staff ? t("qcall.pending_staff", { name: info.call.with?.name ?? "" }) : t("qcall.pending_owner");
  }
  if (state !== "closed") return null;
  if (staff && status === "waiting") return t("qcall.missed");
  if (staff && status === "dropped") return t("qcall.dropped");
  if (staff && status === "left") return t("qcall.let_go");
  if (!info.call.answered_at) return t("qroom.not_answered");
  return t("qcall.ended");
}

/** The staff side's bar in the room's header: back to the booth's dashboard and, while the
 * call is answered, "Served" (which then goes back there). Built once, updated in place. */
function staffBar(id) {
  const served = h("button", { type: "button", class: "button button-primary qroom-served", onclick: () => serve() });
  const back = h("a", { class: "button button-ghost qroom-dashboard" });
  const error = h("p", { class: "form-error qroom-error", role: "alert", hidden: true });
  const bar = h("div", { class: "qroom-staff" }, h("div", { class: "qroom-staff-buttons" }, served, back), error);
  async function serve() {
    served.disabled = true;
    error.hidden = true;
    try {
      await api(`/api/match/queue-tickets/${encodeURIComponent(id)}/served`, { method: "POST" });
      location.hash = back.getAttribute("href");
    } catch (err) {
      error.textContent = queueErrorText(err);
      error.hidden = false;
    } finally {
      served.disabled = false;
    }
  }
  return (info) => {
    served.textContent = t("qroom.served");
    served.hidden = info.call.status !== "serving";
    back.textContent = t("qroom.dashboard");
    back.setAttribute("href", `#/booth/${info.call.exhibitor?.id}/dashboard`);
    return bar;
  };
}

/** The description of ticket `id`'s call room (for mountCallRoom). */
export function queueCallRoom(id) {
  const path = `/api/match/queue-tickets/${encodeURIComponent(id)}`;
  const bar = staffBar(id);
  // A newer state of the ticket, from whichever topic: false when it was no news.
  const take = (info, ticket) => {
    if (Number(ticket?.version) <= Number(info.call.version ?? 0)) return false;
    if (ticket.status === "serving") info.call.answered_at ||= new Date().toISOString();
    info.call.status = ticket.status;
    info.call.version = ticket.version;
    return true;
  };
  return {
    id,
    idField: "ticket",
    say: "queue.say",
    signal: "queue.signal",
    topic: `queue-call:${id}`,
    dataset: { ticket: String(id) },
    room: () => api(`${path}/room`),
    messages: (before) => api(`${path}/messages?limit=50${before ? `&before=${before}` : ""}`),
    other: (info) => info.call.with,
    state: (info) => STATES[info.call.status] ?? "closed",
    older: (fresh, info) => Number(fresh.call?.version ?? 0) < Number(info.call.version ?? 0),
    refused: { "queue.call_ended": "closed", "queue.not_answered": "pending" },
    head: (info) => ({
      kicker: t("qcall.kicker", { booth: boothOf(info) }),
      title: t("qcall.with", { name: info.call.with?.name ?? "" }),
      lines: staffSide(info) ? [bar(info)] : [],
    }),
    notice,
    onEvent: (type, data, info) => type === "queue.call_changed" && Number(data?.ticket) === id && take(info, data),
    follow(info, changed, reload) {
      const topic = staffSide(info) ? `booth-queue-staff:${info.call.exhibitor.id}` : `queue-ticket:${id}`;
      const event = staffSide(info) ? "queue.line_changed" : "queue.ticket_changed";
      return [
        realtime.subscribe(topic, {
          onEvent: (type, data) => {
            if (type === event && Number(data?.id) === id && take(info, data)) changed();
          },
          onSnapshot: reload, // what changed before we followed (or while away too long)
          onError: () => {},
        }),
      ];
    },
    title: "qcall.title",
    signin: "qcall.signin",
    back: ["#/hall", "qcall.back"],
    failure: (error) =>
      error?.code === "forbidden"
        ? t("qcall.forbidden")
        : error?.code === "queue.unknown_ticket"
          ? t("qcall.unknown")
          : errorText(error),
  };
}

export function mountQueueCall(root, { ticket }) {
  return mountCallRoom(root, queueCallRoom(Number(ticket)));
}

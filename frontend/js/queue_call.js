// A booth queue's call room (#/queue-call/<ticket>): the person called and the staff member who
// called, in the meeting room's page (meeting_room.js mountCallRoom) with the queue's
// description: GET /api/match/queue-tickets/<id>/room and /messages, the topic
// `queue-call:<id>`, the commands `queue.say` and `queue.signal` {ticket, ...}.
//
// The room is open while the ticket is `serving`; `called` is not yet (the staff member who
// opened it waits for the answer), anything after is read-only. The call's own topic carries
// only chat and signals, so the ticket's state comes from the topic each side may follow: its
// owner's `queue-ticket:<id>` (`queue.ticket_changed`), the staff's
// `booth-queue-staff:<exhibitor>` (`queue.line_changed`).

import { api } from "./api.js";
import { errorText, pick, t } from "./i18n.js";
import { mountCallRoom } from "./meeting_room.js";
import "./queue_strings.js";
import { realtime } from "./realtime.js";
import { currentAccount } from "./session.js";

const STATES = { serving: "open", called: "pending" }; // anything else: read-only

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
  return t("qcall.ended");
}

/** The description of ticket `id`'s call room (for mountCallRoom). */
export function queueCallRoom(id) {
  const path = `/api/match/queue-tickets/${encodeURIComponent(id)}`;
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
    refused: { "queue.call_ended": "closed", "queue.not_answered": "pending" },
    head: (info) => ({
      kicker: t("qcall.kicker", { booth: boothOf(info) }),
      title: t("qcall.with", { name: info.call.with?.name ?? "" }),
      lines: [],
    }),
    notice,
    follow(info, changed, reload) {
      const take = (ticket) => {
        if (Number(ticket?.id) !== id || Number(ticket.version) < Number(info.call.version ?? 0)) return;
        info.call.status = ticket.status;
        info.call.version = ticket.version;
        changed();
      };
      const topic = staffSide(info) ? `booth-queue-staff:${info.call.exhibitor.id}` : `queue-ticket:${id}`;
      const event = staffSide(info) ? "queue.line_changed" : "queue.ticket_changed";
      return [
        realtime.subscribe(topic, {
          onEvent: (type, data) => {
            if (type === event) take(data);
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

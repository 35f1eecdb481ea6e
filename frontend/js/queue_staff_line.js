// The booth staff's copy of their queue: who waits, in order, and the calls going on. Pure: no
// DOM, no I/O; the panel (queue_staff.js) feeds it the line's snapshot (GET .../line), the
// `queue.line_changed` and `queue.state_changed` events and its own commands' replies, and
// reads it back to draw.
//
// A `queue.line_changed` carries one ticket as the staff see it, with its `version`: an older
// one than we hold is late and dropped. A waiting ticket's `position` is where the line put it
// by that change (joined, back after a no-show); the others move up or down by one around it,
// so the order is kept here as a list of ticket ids rather than read from stale positions.
// The anonymous `queue.moved` (booth-queue:<id>) tells the line's length and generation: when
// ours disagrees once things settle, or the line was rebuilt, the panel reads the line again.

const ACTIVE_CALL = new Set(["called", "serving"]);

export class StaffLine {
  constructor() {
    this.queue = null; // {state, length, max_length, service, version}
    this.tickets = new Map(); // id -> staff ticket view (waiting, called or serving)
    this.ended = new Map(); // id -> version of tickets that left (served, left, dropped)
    this.order = []; // waiting ticket ids, first in line first
  }

  /** The line as GET /api/match/queues/<id>/line returned it: replaces what was held. */
  load(body) {
    this.queue = body.queue ? { ...body.queue } : null;
    this.tickets = new Map();
    this.ended = new Map();
    const waiting = [...(body.waiting || [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    for (const view of waiting) this.tickets.set(view.id, view);
    for (const view of body.calls || []) this.tickets.set(view.id, view);
    this.order = waiting.map((view) => view.id);
  }

  /** One ticket's change (an event or a reply); false when it was no news (older or the same). */
  apply(view) {
    if (!view || typeof view.id !== "number") return false;
    const known = this.tickets.get(view.id);
    const version = known ? known.version : this.ended.get(view.id);
    if (version !== undefined && view.version <= version) return false;
    const at = this.order.indexOf(view.id);
    if (view.status === "waiting" && at < 0 && !Number.isInteger(view.position)) {
      // Back in line with no place said (a no-show's reply): the call is over; its place
      // comes with the event, which is then still news.
      if (!this.tickets.has(view.id)) return false;
      this.tickets.delete(view.id);
      return true;
    }
    if (at >= 0) this.order.splice(at, 1);
    if (view.status === "waiting") {
      const wanted = Number.isInteger(view.position) ? view.position - 1 : at >= 0 ? at : this.order.length;
      this.order.splice(Math.max(0, Math.min(wanted, this.order.length)), 0, view.id);
      this.tickets.set(view.id, view);
    } else if (ACTIVE_CALL.has(view.status)) {
      this.tickets.set(view.id, view);
    } else {
      this.tickets.delete(view.id);
      this.ended.set(view.id, view.version);
      if (this.ended.size > 5000) this.ended.delete(this.ended.keys().next().value);
    }
    if (this.queue) this.queue.length = this.order.length;
    return true;
  }

  /** A `queue.state_changed` (or PATCH reply) view; false when it was older than ours. */
  setQueue(view) {
    if (!view) return false;
    if (this.queue && typeof view.version === "number" && view.version < this.queue.version) return false;
    this.queue = { ...this.queue, ...view, length: this.order.length };
    return true;
  }

  /** The waiting tickets in order, each with its position now. */
  waiting() {
    return this.order.map((id, i) => ({ ...this.tickets.get(id), position: i + 1 }));
  }

  /** The calls going on: `me`'s first, then by when they were called. */
  calls(me) {
    const mine = (view) => (String(view.caller?.account) === String(me) ? 0 : 1);
    return [...this.tickets.values()]
      .filter((view) => ACTIVE_CALL.has(view.status))
      .sort((a, b) => mine(a) - mine(b) || String(a.called_at).localeCompare(String(b.called_at)) || a.id - b.id);
  }

  /** `me`'s open call (called or serving), if any: the server lets a staff member hold one. */
  myCall(me) {
    return this.calls(me).find((view) => String(view.caller?.account) === String(me)) || null;
  }
}

/** Whole minutes from `sinceMs` to `nowMs`, never below zero. */
export function minutesBetween(sinceMs, nowMs) {
  return Math.max(0, Math.floor((nowMs - sinceMs) / 60_000));
}

/** "m:ss" for what is left of a countdown, in ms (0:00 once run out). */
export function countdown(leftMs) {
  const seconds = Math.max(0, Math.ceil(leftMs / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

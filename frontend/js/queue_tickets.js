// The signed-in person's live queue tickets, on every page of the app (app.js starts it): the
// header's badge, the booth page's panel and the call's alert all read them from here.
//
// Following a ticket's topic is what keeps it alive (the server drops a waiting ticket none of
// whose owner's pages follow it for the grace period), so every page follows, for each live
// ticket:
// - `queue-ticket:<id>`: `queue.ticket_changed`, the ticket as its owner sees it (called, back
//   in line, served, dropped);
// - `booth-queue:<exhibitor>` while it waits: `queue.moved`, from which its position is worked
//   out without asking the server (queue_rules.js `moved`), or read again on a gap.
// - `account:<me>`: `queue.ticket_changed` of a ticket joined or ended on another device (the
//   server tells a new or ended ticket there), taken as if joined or left here.
// A line's `queue.state_changed` says whether calls are paused (the badge's wait says so).
// The tickets are read again (GET /api/match/queue-tickets) when the account changes, after the
// socket came back, when the tab is shown again and when another tab of this browser joined or
// left a queue.
//
// Tickets the queue dropped (away past the grace period, or two calls not answered) are kept
// too, from that read's `dropped` (the last hour's) and from a ticket seen ending so: the notice
// (queue_notice.js) tells them until the person dismisses one (remembered per ticket in this
// browser) or joins that booth's line again.
//
//   onQueueChange((ticket, previous) => ...)  // a ticket changed (null: anything may have)
//   liveTickets(), ticketAt(exhibitor), boothName(exhibitor), ticketBooth(ticket), callsPaused(exhibitor)
//   droppedTickets(), dismissDrop(id), await rejoin(ticket)
//   await joinQueue(exhibitor, shareCard); await leaveTicket(id); await answerTicket(id)

import { api } from "./api.js";
import { pick } from "./i18n.js";
import { moved } from "./queue_rules.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";

const LIVE = new Set(["waiting", "called", "serving"]);
const SHOWN_AGAIN_MS = 10_000; // a tab shown again reads its tickets at most this often
const CHANNEL = "shubo.queues"; // the tabs of this browser tell each other of joins and leaves

const tickets = new Map(); // id -> the ticket view, its line kept live
const follows = new Map(); // id -> stop following queue-ticket:<id>
const lines = new Map(); // exhibitor -> stop following booth-queue:<exhibitor>
const reading = new Map(); // id -> a read of the ticket under way ({again} when asked meanwhile)
const ended = new Map(); // id -> the version it ended with (a late, older event is no news)
const names = new Map(); // exhibitor -> {zh, en} | null while read
const states = new Map(); // exhibitor -> {state, version} of the booth's queue, where I wait
const drops = new Map(); // id -> a ticket the queue dropped (its view, with `drop`: why)
const DISMISSED_KEY = "shubo.queue.dismissed-drops"; // localStorage: ids of drops told already
const DISMISSED_KEPT = 200;
const listeners = new Set();
let owner = null; // the account these tickets are for
let personal = null; // stop following account:<owner>
let readAllAt = 0;
let channel = null;

export const isLive = (ticket) => LIVE.has(ticket?.status);

/** Call `fn(ticket, previous)` on every change of one ticket, `fn(null)` when any may have
 * changed (read again, a booth's name came); returns the function that stops it. */
export function onQueueChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(ticket, previous) {
  for (const fn of [...listeners]) {
    try {
      fn(ticket, previous);
    } catch (error) {
      console.error("queues: a listener failed", error);
    }
  }
}

/** The live tickets, oldest first. */
export function liveTickets() {
  return [...tickets.values()].filter(isLive).sort((a, b) => a.id - b.id);
}

/** My live ticket at this booth, or null. */
export function ticketAt(exhibitor) {
  return liveTickets().find((t) => Number(t.exhibitor) === Number(exhibitor)) ?? null;
}

export function ticket(id) {
  return tickets.get(Number(id)) ?? null;
}

/** The booth's name in the page's language ("" until it is read); a page that has it already
 * tells it with rememberBooth. */
export function boothName(exhibitor) {
  const id = Number(exhibitor);
  if (!names.has(id)) {
    names.set(id, null);
    api(`/api/exhibitors/${encodeURIComponent(id)}`)
      .then((booth) => {
        names.set(id, booth?.name ?? null);
        emit(null);
      })
      .catch(() => names.delete(id)); // asked again next time
  }
  return pick(names.get(id));
}

export function rememberBooth(exhibitor, name) {
  if (name) names.set(Number(exhibitor), name);
}

/** The ticket's booth name in the page's language (the ticket view carries it). */
export function ticketBooth(ticket) {
  const booth = ticket?.booth;
  return (booth && pick({ zh: booth.name_zh, en: booth.name_en })) || boothName(ticket?.exhibitor);
}

/** Whether the booth's staff paused calls (known for the booths where I wait). */
export function callsPaused(exhibitor) {
  return states.get(Number(exhibitor))?.state === "paused";
}

/** A booth queue's state, from a read or a `queue.state_changed`; an older one is dropped. */
export function takeQueueState(exhibitor, queue) {
  const id = Number(exhibitor);
  const known = states.get(id);
  if (!queue?.state || (known && Number(queue.version) < known.version)) return;
  states.set(id, { state: queue.state, version: Number(queue.version) || 0 });
  if (known?.state !== queue.state) emit(null);
}

function readQueueState(exhibitor) {
  const account = owner;
  api(`/api/match/queues/${encodeURIComponent(exhibitor)}`)
    .then((body) => {
      if (account === owner) takeQueueState(exhibitor, body.queue);
    })
    .catch(() => {}); // the badge shows the wait until it knows
}

// --- tickets the queue dropped -------------------------------------------------------------------

function dismissedIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(DISMISSED_KEY) || "[]");
    return new Set(Array.isArray(ids) ? ids.map(Number) : []);
  } catch {
    return new Set(); // storage refused or garbled: nothing dismissed
  }
}

/** A dropped ticket worth telling (with `drop`, its reason); the latest at each booth. */
function takeDrop(view) {
  const id = Number(view?.id);
  if (view?.status !== "dropped" || !view.drop || !Number.isFinite(id)) return;
  for (const [other, known] of drops) {
    if (Number(known.exhibitor) === Number(view.exhibitor) && other !== id) {
      if (other > id) return; // a newer drop at that booth is the news
      drops.delete(other);
    }
  }
  drops.set(id, { ...view, id });
}

/** The dropped tickets to tell: not dismissed here, and not at a booth where I am in line
 * again; oldest first. */
export function droppedTickets() {
  const dismissed = dismissedIds();
  return [...drops.values()]
    .filter((view) => !dismissed.has(view.id) && !ticketAt(view.exhibitor))
    .sort((a, b) => a.id - b.id);
}

/** The person read (or answered) the drop of ticket `id`: not told again in this browser. */
export function dismissDrop(id) {
  const ids = [...dismissedIds()].filter((known) => known !== Number(id));
  ids.push(Number(id));
  try {
    localStorage.setItem(DISMISSED_KEY, JSON.stringify(ids.slice(-DISMISSED_KEPT)));
  } catch {
    // storage refused (private mode): dismissed for this page's life only
  }
  drops.delete(Number(id));
  emit(null);
}

/** Join the line of a dropped ticket's booth again: a new join, at the end. */
export async function rejoin(view) {
  const ticket = await joinQueue(view.exhibitor, Boolean(view.share_card));
  dismissDrop(view.id);
  return ticket;
}

// --- taking what the server says ---------------------------------------------------------------

/** The newer of two lines of one ticket: a line of another generation (rebuilt) replaces it. */
function newerLine(known, fresh) {
  if (!known || !fresh) return fresh;
  if (fresh.generation !== known.generation) return fresh;
  return fresh.version >= known.version ? { ...fresh, service: fresh.service ?? known.service } : known;
}

/** A ticket view from the server (a reply, an event, a read); an older one is dropped. */
export function takeTicket(view) {
  const id = Number(view?.id);
  if (!Number.isFinite(id) || owner === null) return;
  const known = tickets.get(id);
  if (known && Number(view.version) < Number(known.version)) return;
  if (ended.has(id) && Number(view.version) <= ended.get(id)) return;
  const next = { ...view, id };
  if (known && Number(view.version) === Number(known.version) && next.status === "waiting") {
    next.line = newerLine(known.line, view.line);
  }
  if (known && next.status === "waiting" && !next.line) next.line = known.line; // read it below
  tickets.set(id, next);
  if (isLive(next)) follow(next);
  else {
    ended.set(id, Number(next.version));
    forget(id);
    takeDrop(next);
  }
  emit(next, known ?? null);
  if (next.status === "waiting" && !next.line) readTicket(id);
}

function forget(id) {
  tickets.delete(id);
  follows.get(id)?.();
  follows.delete(id);
  followLines();
}

/** Read one ticket again (at most one read at a time; asked meanwhile: once more after). */
function readTicket(id) {
  const under = reading.get(id);
  if (under) {
    under.again = true;
    return;
  }
  const state = { again: false };
  reading.set(id, state);
  const account = owner;
  api(`/api/match/queue-tickets/${encodeURIComponent(id)}`)
    .then((body) => {
      if (account === owner) takeTicket(body.ticket);
    })
    .catch((error) => {
      if (account !== owner) return;
      if (["queue.unknown_ticket", "forbidden", "not_found"].includes(error?.code)) {
        const gone = tickets.get(id);
        forget(id);
        if (gone) emit({ ...gone, status: "dropped", line: null }, gone);
      }
    })
    .finally(() => {
      reading.delete(id);
      if (state.again && tickets.has(id)) readTicket(id);
    });
}

/** Read all my live tickets again; one that ended meanwhile is read on its own, so its end
 * (served, dropped...) is told like any other change. */
export async function readTickets() {
  const account = owner;
  if (account === null) return;
  readAllAt = Date.now();
  let body;
  try {
    body = await api("/api/match/queue-tickets");
  } catch {
    return; // kept as they are; the next reconnect or showing reads them again
  }
  if (account !== owner) return;
  const seen = new Set();
  for (const view of body.tickets || []) {
    seen.add(Number(view.id));
    takeTicket(view);
  }
  for (const view of body.dropped || []) takeDrop(view);
  for (const id of [...tickets.keys()]) if (!seen.has(id)) readTicket(id);
  emit(null);
}

// --- following ---------------------------------------------------------------------------------

function follow(view) {
  const id = view.id;
  if (!follows.has(id)) {
    follows.set(
      id,
      realtime.subscribe(`queue-ticket:${id}`, {
        onEvent: (type, data) => {
          if (type === "queue.ticket_changed" && Number(data?.id) === id) takeTicket(data);
        },
        // Followed (again): what happened before (or beyond the replay window) is read.
        onSnapshot: () => readTicket(id),
        onError: (error) => {
          if (error?.code !== "unauthorized") readTicket(id); // gone, or not mine: the read says
        },
      }),
    );
  }
  followLines();
}

/** Follow each booth's line where I wait, and only those. */
function followLines() {
  const waiting = new Set(liveTickets().filter((t) => t.status === "waiting").map((t) => Number(t.exhibitor)));
  for (const [exhibitor, stop] of lines) {
    if (!waiting.has(exhibitor)) {
      stop();
      lines.delete(exhibitor);
      states.delete(exhibitor);
    }
  }
  for (const exhibitor of waiting) {
    if (lines.has(exhibitor)) continue;
    lines.set(
      exhibitor,
      realtime.subscribe(`booth-queue:${exhibitor}`, {
        onEvent: (type, data) => {
          if (type === "queue.moved") lineMoved(exhibitor, data);
          else if (type === "queue.state_changed") takeQueueState(exhibitor, data);
        },
        onSnapshot: () => {
          const mine = ticketAt(exhibitor);
          if (mine?.status === "waiting") readTicket(mine.id);
          readQueueState(exhibitor);
        },
        onError: () => {},
      }),
    );
  }
}

// Events of one line come from every server process, each sent once its change is stored: two
// changes a moment apart may arrive in the other order. One that skips a version is held this
// long for the missing one before the ticket is read again (a busy booth's pages would otherwise
// all ask the server at once).
const HOLD_MS = 400;
const held = new Map(); // exhibitor -> { events, timer }

function lineMoved(exhibitor, event) {
  const mine = ticketAt(exhibitor);
  if (mine?.status !== "waiting" || !mine.line) return;
  const ahead = event.generation === mine.line.generation && event.version > mine.line.version + 1;
  if (ahead) {
    hold(exhibitor, event);
    return;
  }
  applyMoved(exhibitor, event);
  drainHeld(exhibitor);
}

function applyMoved(exhibitor, event) {
  const mine = ticketAt(exhibitor);
  if (mine?.status !== "waiting" || !mine.line) return;
  const line = moved(mine.line, event);
  if (line === "reload") readTicket(mine.id);
  else if (line !== mine.line) {
    const next = { ...mine, line };
    tickets.set(mine.id, next);
    emit(next, mine);
  }
}

function hold(exhibitor, event) {
  const waiting = held.get(exhibitor) ?? { events: [], timer: null };
  waiting.events.push(event);
  if (!waiting.timer) {
    waiting.timer = setTimeout(() => {
      held.delete(exhibitor); // the missing one never came: read the ticket afresh
      const mine = ticketAt(exhibitor);
      if (mine?.status === "waiting") readTicket(mine.id);
    }, HOLD_MS);
  }
  held.set(exhibitor, waiting);
}

function drainHeld(exhibitor) {
  const waiting = held.get(exhibitor);
  if (!waiting) return;
  waiting.events.sort((a, b) => a.version - b.version);
  while (waiting.events.length) {
    const mine = ticketAt(exhibitor);
    if (mine?.status !== "waiting" || !mine.line) break;
    const first = waiting.events[0];
    if (first.generation !== mine.line.generation || first.version > mine.line.version + 1) break;
    waiting.events.shift();
    applyMoved(exhibitor, first); // the next one, or an old one (ignored)
  }
  if (!waiting.events.length) {
    clearTimeout(waiting.timer);
    held.delete(exhibitor);
  }
}

// --- acting ------------------------------------------------------------------------------------

function tellOtherTabs() {
  try {
    channel?.postMessage({ account: owner });
  } catch {
    // a closed channel: the other tabs read theirs when shown
  }
}

/** Join the booth's queue (or get the ticket held there already); the ticket comes back. */
export async function joinQueue(exhibitor, shareCard) {
  const body = await api(`/api/match/queues/${encodeURIComponent(exhibitor)}/tickets`, {
    method: "POST",
    body: { share_card: Boolean(shareCard) },
    retry: true, // joining twice is the same ticket
  });
  takeTicket(body.ticket);
  tellOtherTabs();
  return body.ticket;
}

/** Leave the line, or let a call go. */
export async function leaveTicket(id) {
  try {
    const body = await api(`/api/match/queue-tickets/${encodeURIComponent(id)}`, { method: "DELETE" });
    takeTicket(body.ticket);
    tellOtherTabs();
    return body.ticket;
  } catch (error) {
    readTicket(Number(id)); // ended meanwhile: say how
    throw error;
  }
}

/** Answer a call: the call's room opens. */
export async function answerTicket(id) {
  try {
    const body = await api(`/api/match/queue-tickets/${encodeURIComponent(id)}/answer`, { method: "POST" });
    takeTicket(body.ticket);
    return body.ticket;
  } catch (error) {
    readTicket(Number(id));
    throw error;
  }
}

// --- the app's part ----------------------------------------------------------------------------

function reset(account) {
  for (const stop of follows.values()) stop();
  for (const stop of lines.values()) stop();
  personal?.();
  personal = null;
  follows.clear();
  lines.clear();
  states.clear();
  tickets.clear();
  reading.clear();
  ended.clear();
  drops.clear();
  owner = account;
  if (account !== null) {
    // A ticket joined or ended on another device: followed (or dropped) as if it were here.
    personal = realtime.subscribe(`account:${account}`, {
      onEvent: (type, data) => {
        if (type === "queue.ticket_changed") takeTicket(data);
      },
      onError: (error) => console.warn("queues: other devices' tickets not live", error),
    });
  }
  emit(null);
}

/** Start following the signed-in person's tickets (once, from app.js). */
export function startQueueTickets() {
  const sync = (account) => {
    const id = account?.id ?? null;
    if (id === owner) return;
    reset(id);
    if (id !== null) readTickets();
  };
  onAccountChange(sync);
  sync(currentAccount());
  let wasOpen = false;
  realtime.onStatus(({ state }) => {
    const open = state === "open";
    if (open && !wasOpen && realtime.connections > 1) readTickets(); // the socket came back
    wasOpen = open;
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && Date.now() - readAllAt > SHOWN_AGAIN_MS) readTickets();
  });
  if ("BroadcastChannel" in window) {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (event) => {
      if (owner !== null && event.data?.account === owner) readTickets();
    };
  }
}

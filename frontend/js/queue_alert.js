// The call's alert, on any page (app.js mounts it once): when one of my tickets is called, a
// modal alert dialog names the booth and who calls, counts down to the call's deadline and
// offers "Answer" (the call's room opens: #/queue-call/<ticket>) and "Let it go" (the ticket
// ends). A browser notification too, when the tab is not in front and the person allowed them
// (asked when they join a queue, never on page load). When the window runs out, the dialog
// says what became of the ticket: back in line (a first miss) or out of it (a second, with
// "Rejoin at the end"; the page's notice, queue_notice.js, then does not tell it again).
//
// A native <dialog> opened with showModal(): focus moves into it (the Answer button), Tab stays
// inside, the page behind is inert, and Escape hides it (the header's badge shows it again).

import { h, replace } from "./dom.js";
import { errorText, onLangChange, t } from "./i18n.js";
import "./queue_strings.js";
import { answerTicket, boothName, dismissDrop, leaveTicket, onQueueChange, rejoin, ticketAt, ticket as ticketOf } from "./queue_tickets.js";

const TICK_MS = 1000;

let dialog = null;
let shown = null; // {id, kind: "call" | "missed" | "dropped", booth, position, view}
let busy = false;
let failure = null;
let timer = null;
let notification = null;
let returnFocus = null;
const hidden = new Set(); // calls the person hid with Escape (the badge shows them again)

/** Ask whether we may notify (from a click that joins a queue: never on page load). */
export function askToNotify() {
  if (!("Notification" in window) || Notification.permission !== "default") return;
  try {
    Notification.requestPermission().catch(() => {});
  } catch {
    // an old browser's callback form: nothing to do
  }
}

/** Show the alert of a call that was hidden (the badge's "your turn"). */
export function showCall(id) {
  const ticket = ticketOf(id);
  if (ticket?.status !== "called") return;
  hidden.delete(ticket.id);
  open({ id: ticket.id, kind: "call" });
}

export function mountQueueAlert() {
  dialog = h("dialog", {
    class: "qalert",
    role: "alertdialog",
    "aria-modal": "true",
    "aria-labelledby": "qalert-title",
    "aria-describedby": "qalert-body",
  });
  dialog.addEventListener("cancel", (event) => {
    // Escape: a call is hidden, not let go; the other alerts are simply read.
    event.preventDefault();
    if (shown?.kind === "call") hidden.add(shown.id);
    close();
  });
  build();
  document.body.appendChild(dialog);
  onLangChange(render);
  onQueueChange((ticket, previous) => {
    if (stale()) close();
    if (!ticket) {
      if (shown?.kind === "call" && ticketOf(shown.id)?.status !== "called") close();
      else render();
      return;
    }
    const was = previous?.status;
    if (ticket.status === "called" && was !== "called") {
      if (!hidden.has(ticket.id)) open({ id: ticket.id, kind: "call" });
      notify(ticket);
    } else if (was === "called" && ticket.status !== "called") {
      hidden.delete(ticket.id);
      closeNotification();
      if (ticket.status === "waiting") {
        open({ id: ticket.id, kind: "missed", booth: ticket.exhibitor, position: ticket.line?.position });
      } else if (ticket.status === "dropped") {
        dismissDrop(ticket.id); // told here: the page's notice need not tell it again
        open({ id: ticket.id, kind: "dropped", booth: ticket.exhibitor, view: ticket });
      } else if (shown?.id === ticket.id) {
        close(); // answered (here or in another tab), or let go
      }
    } else if (shown?.id === ticket.id && shown.kind === "missed" && ticket.line) {
      shown.position = ticket.line.position;
      render();
    }
  });
}

/** A missed or dropped alert whose ticket is no longer the current one at its booth (the person
 * joined again, or left, maybe on another device): it says nothing true any more. */
function stale() {
  if (!shown || shown.kind === "call") return false;
  const current = ticketAt(shown.booth ?? ticketOf(shown.id)?.exhibitor);
  return shown.kind === "missed" ? current?.id !== shown.id : current !== null && current.id !== shown.id;
}

function open(next) {
  const fresh = !dialog.open;
  shown = next;
  busy = false;
  failure = null;
  render();
  if (fresh) {
    returnFocus = document.activeElement;
    dialog.showModal();
  }
  primary().focus();
  clearInterval(timer);
  timer = next.kind === "call" ? setInterval(tick, TICK_MS) : null;
}

function close() {
  clearInterval(timer);
  timer = null;
  shown = null;
  closeNotification();
  if (dialog?.open) dialog.close();
  if (returnFocus?.isConnected) returnFocus.focus();
  returnFocus = null;
}

/** Seconds left to answer: the deadline on the server's clock, read on ours, kept within the
 * call's window (a clock running behind never shows more time than the call has). */
function secondsLeft(ticket) {
  const deadline = Date.parse(ticket.call_deadline);
  if (!Number.isFinite(deadline)) return null;
  const window_ = deadline - Date.parse(ticket.called_at);
  let left = deadline - Date.now();
  if (Number.isFinite(window_) && left > window_) left = window_;
  return Math.max(0, Math.ceil(left / 1000));
}

function tick() {
  const ticket = shown && ticketOf(shown.id);
  if (shown?.kind === "call" && ticket?.status === "called") replace(parts.countdown, countdownText(ticket));
}

function countdownText(ticket) {
  const left = secondsLeft(ticket);
  if (left === null) return "";
  return left > 0 ? t("qalert.countdown", { n: left }) : t("qalert.time_up");
}

function callerName(ticket) {
  return String(ticket?.caller?.name ?? "");
}

// Built once and updated in place: a redraw (a new language, the booth's name arriving) keeps
// the focus where it is.
const parts = {};

function build() {
  parts.icon = h("div", { class: "qalert-icon", "aria-hidden": "true" });
  parts.title = h("h2", { id: "qalert-title", class: "qalert-title" });
  parts.body = h("p", { id: "qalert-body", class: "qalert-body" });
  parts.countdown = h("p", { class: "qalert-countdown", role: "timer" });
  parts.error = h("p", { class: "qalert-error", role: "alert", hidden: true });
  parts.answer = h("button", { type: "button", class: "button button-primary qalert-answer", onclick: () => answerCall(shown?.id) });
  parts.letGo = h("button", { type: "button", class: "button qalert-let-go", onclick: letGo });
  parts.ok = h("button", { type: "button", class: "button button-primary qalert-ok", onclick: close });
  parts.toBooth = h("a", { class: "button qalert-to-booth", onclick: close });
  parts.rejoin = h("button", { type: "button", class: "button qalert-rejoin", onclick: rejoinLine });
  replace(
    dialog,
    parts.icon,
    parts.title,
    parts.body,
    parts.countdown,
    parts.error,
    h("div", { class: "qalert-actions" }, parts.answer, parts.letGo, parts.ok, parts.rejoin, parts.toBooth),
  );
}

function primary() {
  return shown?.kind === "call" ? parts.answer : parts.ok;
}

function render() {
  if (!dialog || !shown) return;
  const ticket = ticketOf(shown.id);
  const exhibitor = shown.booth ?? ticket?.exhibitor;
  const booth = boothName(exhibitor) || t("qbadge.booth");
  const call = shown.kind === "call";
  if (call && ticket?.status !== "called") return;
  dialog.dataset.kind = shown.kind;
  replace(parts.icon, call ? bell() : clock());
  parts.error.hidden = !failure;
  replace(parts.error, failure ? errorText(failure) : "");
  parts.countdown.hidden = !call;
  parts.answer.hidden = parts.letGo.hidden = !call;
  parts.ok.hidden = parts.toBooth.hidden = call;
  parts.rejoin.hidden = shown.kind !== "dropped" || !shown.view;
  if (call) {
    const name = callerName(ticket);
    replace(parts.title, t("qalert.title"));
    replace(parts.body, name ? t("qalert.body", { booth, name }) : t("qalert.body_noname", { booth }));
    replace(parts.countdown, countdownText(ticket));
    parts.answer.disabled = parts.letGo.disabled = busy;
    replace(parts.answer, t(busy ? "qalert.answering" : "qalert.answer"));
    replace(parts.letGo, t("qalert.let_go"));
    return;
  }
  replace(parts.title, t("qalert.missed_title"));
  if (shown.kind === "missed") {
    const n = shown.position;
    replace(parts.body, n ? t("qalert.back_in_line", { booth, n }) : t("qalert.back_in_line_noplace", { booth }));
  } else {
    replace(parts.body, t("qalert.dropped", { booth }));
  }
  replace(parts.ok, t("qalert.ok"));
  replace(parts.rejoin, t(busy ? "qnotice.rejoining" : "qnotice.rejoin"));
  parts.rejoin.disabled = busy;
  replace(parts.toBooth, t("qalert.to_booth"));
  parts.toBooth.hidden = !exhibitor;
  parts.toBooth.setAttribute("href", `#/booth/${encodeURIComponent(exhibitor ?? "")}`);
}

/** Answer the call of ticket `id` and go to its room; rejects with the server's refusal
 * (shown in the dialog too when it is open). The booth page's panel answers with it as well. */
export async function answerCall(id) {
  if (!id || busy) return;
  busy = true;
  failure = null;
  render();
  try {
    await answerTicket(id);
    busy = false;
    returnFocus = null; // a new page: the focus goes there
    if (shown?.id === id) close();
    location.hash = `#/queue-call/${id}`;
  } catch (error) {
    busy = false;
    failure = error;
    if (shown?.id === id) {
      render();
      primary().focus();
    }
    throw error;
  }
}

/** A second miss: back in line at its end (a new join), from the dialog. */
async function rejoinLine() {
  if (shown?.kind !== "dropped" || !shown.view || busy) return;
  const id = shown.id;
  busy = true;
  failure = null;
  render();
  try {
    await rejoin(shown.view);
    busy = false;
    if (shown?.id === id) close();
  } catch (error) {
    busy = false;
    failure = error;
    if (shown?.id === id) render();
  }
}

async function letGo() {
  if (!shown || busy) return;
  const id = shown.id;
  busy = true;
  failure = null;
  render();
  try {
    await leaveTicket(id);
    busy = false;
    close();
  } catch (error) {
    busy = false;
    failure = error;
    if (shown?.id === id) render();
  }
}

const SVG = "http://www.w3.org/2000/svg";

function drawing(...paths) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon qalert-svg");
  svg.setAttribute("aria-hidden", "true");
  for (const d of paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  }
  return svg;
}

const bell = () => drawing("M6 16V11a6 6 0 0 1 12 0v5l2 2H4z", "M10 20a2 2 0 0 0 4 0");
const clock = () => drawing("M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7v5l3 2");

function notify(ticket) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible" && document.hasFocus()) return; // the dialog says it
  closeNotification();
  try {
    const booth = boothName(ticket.exhibitor) || t("qbadge.booth");
    notification = new Notification(t("qalert.notify_title", { booth }), {
      body: t("qalert.notify_body", { n: secondsLeft(ticket) ?? 60 }),
      tag: `shubo-queue-call-${ticket.id}`, // one per call, however many tabs
      requireInteraction: true,
    });
    notification.onclick = () => {
      window.focus();
      closeNotification();
    };
  } catch (error) {
    console.warn("queues: no notification", error); // some browsers allow them from workers only
  }
}

function closeNotification() {
  try {
    notification?.close();
  } catch {
    // gone already
  }
  notification = null;
}

// The header's queue badges: one small pill per live ticket of mine, on every page, each naming
// its booth (short: cut with an ellipsis). Waiting: "贵安数据中心 排队 第3位" / "… Queue #3", a
// link to the booth ("暂停叫号" / "Calls paused" beside it while the staff paused calls, "无人在岗"
// / "No staff" while nobody is on duty, the wait unknown); called:
// "轮到您了", a button that shows the call's alert again (after Escape hid it); serving: a link
// back to the call's room. A ticket that ends takes its pill with it. More than two tickets fold
// into one button ("排队 ×5") that opens their list, so the badges keep to one row on a phone.
// The header re-draws itself often: the badges are one element built once, placed again on each
// draw (header.js: `queueBadges()`).

import { h, replace } from "./dom.js";
import { onLangChange, t } from "./i18n.js";
import { showCall } from "./queue_alert.js";
import { waitText } from "./queue_strings.js";
import { callsPaused, liveTickets, onQueueChange, ticketBooth } from "./queue_tickets.js";

const FOLD_ABOVE = 2; // more tickets than this: one button and a list

let element = null;
let list = null;
let expanded = false;

/** The badges' element (the same one every time). */
export function queueBadges() {
  if (!element) {
    element = h("div", { class: "queue-badges", role: "group" });
    list = h("ul", { class: "queue-badge-list", id: "queue-badge-list", hidden: true });
    list.addEventListener("click", () => fold(false)); // a pill was chosen (after its own click)
    element.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && expanded) {
        event.stopPropagation();
        fold(true);
      }
    });
    document.addEventListener("click", (event) => {
      // The path as it was dispatched: the button clicked is redrawn (detached) by then.
      if (expanded && !event.composedPath().includes(element)) fold(false);
    });
    onQueueChange(render);
    onLangChange(render);
    render();
  }
  return element;
}

function fold(refocus) {
  expanded = false;
  render();
  if (refocus) element.querySelector(".queue-badge-more")?.focus();
}

function content(ticket, state, extra = null) {
  return [
    h("span", { class: "queue-badge-dot", "aria-hidden": "true" }),
    h("span", { class: "queue-badge-booth" }, ticketBooth(ticket) || t("qbadge.booth")),
    h("span", { class: "queue-badge-state" }, state),
    extra,
  ];
}

function pill(ticket) {
  const booth = ticketBooth(ticket) || t("qbadge.booth");
  const data = { ticket: String(ticket.id), status: ticket.status };
  if (ticket.status === "called") {
    return h(
      "button",
      { type: "button", class: "queue-badge is-called", dataset: data, "aria-label": t("qbadge.label_called", { booth }), onclick: () => showCall(ticket.id) },
      content(ticket, t("qbadge.called")),
    );
  }
  if (ticket.status === "serving") {
    return h(
      "a",
      { class: "queue-badge is-serving", dataset: data, href: `#/queue-call/${ticket.id}`, "aria-label": t("qbadge.label_serving", { booth }) },
      content(ticket, t("qbadge.serving")),
    );
  }
  const n = ticket.line?.position;
  const paused = callsPaused(ticket.exhibitor);
  // Nobody on duty: no wait is promised (the line's eta is null), and the pill says so.
  const unstaffed = !paused && !!ticket.line && !Array.isArray(ticket.line.eta);
  const eta = paused ? t("qwait.paused") : n ? waitText(ticket.line.eta) : "";
  const label = n ? t("qbadge.label_waiting", { booth, n, eta }) : booth;
  const mark = paused
    ? h("span", { class: "queue-badge-paused" }, t("qwait.paused"))
    : unstaffed
      ? h("span", { class: "queue-badge-unstaffed" }, t("qbadge.unstaffed"))
      : null;
  return h(
    "a",
    { class: `queue-badge${paused ? " is-paused" : ""}${unstaffed ? " is-unstaffed" : ""}`, dataset: data, href: `#/booth/${ticket.exhibitor}`, "aria-label": label, title: label },
    content(ticket, t("qbadge.waiting", { n: n || "…" }), mark),
  );
}

function more(live) {
  const called = live.some((ticket) => ticket.status === "called");
  return h(
    "button",
    {
      type: "button",
      class: `queue-badge queue-badge-more${called ? " is-called" : ""}`,
      dataset: { ticket: "more" },
      "aria-expanded": String(expanded),
      "aria-controls": "queue-badge-list",
      "aria-label": t("qbadge.label_many", { n: live.length }),
      onclick: () => {
        expanded = !expanded;
        render();
      },
    },
    h("span", { class: "queue-badge-dot", "aria-hidden": "true" }),
    called ? t("qbadge.called") : t("qbadge.many", { n: live.length }),
  );
}

function render() {
  if (!element) return;
  const live = liveTickets();
  element.hidden = live.length === 0;
  element.setAttribute("aria-label", t("qbadge.group"));
  const folded = live.length > FOLD_ABOVE;
  if (!folded) expanded = false;
  // Keep the focus on a pill that is redrawn (its position changed while it was focused).
  const focused = element.contains(document.activeElement) ? document.activeElement.dataset.ticket : null;
  if (folded) {
    list.hidden = !expanded;
    replace(list, live.map((ticket) => h("li", {}, pill(ticket))));
    replace(element, more(live), list);
  } else {
    replace(element, live.map(pill));
  }
  if (focused) element.querySelector(`[data-ticket="${CSS.escape(focused)}"]`)?.focus();
}

// The header's queue badges: one small pill per live ticket of mine, on every page. Waiting:
// "排队 第3位" / "Queue #3", a link to the booth; called: "轮到您了", a button that shows the
// call's alert again (after Escape hid it); serving: a link back to the call's room. A ticket
// that ends takes its pill with it. The header re-draws itself often: the badges are one element
// built once, placed again on each draw (header.js: `queueBadges()`).

import { h, replace } from "./dom.js";
import { onLangChange, t } from "./i18n.js";
import { showCall } from "./queue_alert.js";
import { waitText } from "./queue_strings.js";
import { boothName, liveTickets, onQueueChange } from "./queue_tickets.js";

let element = null;

/** The badges' element (the same one every time). */
export function queueBadges() {
  if (!element) {
    element = h("div", { class: "queue-badges", role: "group" });
    onQueueChange(render);
    onLangChange(render);
    render();
  }
  return element;
}

function pill(ticket) {
  const booth = boothName(ticket.exhibitor) || t("qbadge.booth");
  const data = { ticket: String(ticket.id), status: ticket.status };
  if (ticket.status === "called") {
    return h(
      "button",
      { type: "button", class: "queue-badge is-called", dataset: data, "aria-label": t("qbadge.label_called", { booth }), onclick: () => showCall(ticket.id) },
      h("span", { class: "queue-badge-dot", "aria-hidden": "true" }),
      t("qbadge.called"),
    );
  }
  if (ticket.status === "serving") {
    return h(
      "a",
      { class: "queue-badge is-serving", dataset: data, href: `#/queue-call/${ticket.id}`, "aria-label": t("qbadge.label_serving", { booth }) },
      h("span", { class: "queue-badge-dot", "aria-hidden": "true" }),
      t("qbadge.serving"),
    );
  }
  const n = ticket.line?.position;
  const label = n ? t("qbadge.label_waiting", { booth, n, eta: waitText(ticket.line.eta) }) : booth;
  return h(
    "a",
    { class: "queue-badge", dataset: data, href: `#/booth/${ticket.exhibitor}`, "aria-label": label, title: label },
    h("span", { class: "queue-badge-dot", "aria-hidden": "true" }),
    n ? t("qbadge.waiting", { n }) : t("qbadge.waiting", { n: "…" }),
  );
}

function render() {
  if (!element) return;
  const live = liveTickets();
  element.hidden = live.length === 0;
  element.setAttribute("aria-label", t("qbadge.group"));
  // Keep the focus on a pill that is redrawn (its position changed while it was focused).
  const focused = element.contains(document.activeElement) ? document.activeElement.dataset.ticket : null;
  replace(element, live.map(pill));
  if (focused) element.querySelector(`[data-ticket="${CSS.escape(focused)}"]`)?.focus();
}

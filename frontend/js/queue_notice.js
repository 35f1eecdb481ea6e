// "You left the line": on any page (app.js mounts it once, above the page), one notice per
// ticket of mine the queue dropped in the last hour, naming the booth and why: every page of
// mine was closed for longer than the grace period ("你因离开页面超过 2 分钟，已退出「X」的排队"),
// or two calls went unanswered. Each offers "Rejoin at the end" (a new join: the end of the line)
// and "Dismiss" (remembered per ticket in this browser). The tickets come from queue_tickets.js:
// the list read on page load (GET /api/match/queue-tickets `dropped`) and a ticket seen ending
// so while a page is open.
//
//   mountQueueNotices(document.getElementById("main"));

import { h, replace } from "./dom.js";
import { errorText, getLang, onLangChange, t } from "./i18n.js";
import "./queue_strings.js"; // qnotice.*
import { dismissDrop, droppedTickets, onQueueChange, rejoin, ticketBooth } from "./queue_tickets.js";

/** The grace period (seconds) in words: whole minutes when it is, else seconds. */
export function graceText(seconds) {
  const n = Math.max(0, Math.round(Number(seconds) || 0));
  return n >= 60 && n % 60 === 0 ? t("qnotice.minutes", { n: n / 60 }) : t("qnotice.seconds", { n });
}

function noticeText(view) {
  const booth = ticketBooth(view) || t("qbadge.booth");
  if (view.drop?.reason === "no_show") return t("qnotice.no_show", { booth });
  return t("qnotice.away", { booth, time: graceText(view.drop?.grace) });
}

export function mountQueueNotices(anchor) {
  const busy = new Set(); // ids being rejoined
  const failures = new Map(); // id -> the refusal of a rejoin
  const region = h("section", { class: "qnotices", "aria-live": "polite", hidden: true });
  anchor.before(region);

  function notice(view) {
    const booth = ticketBooth(view) || t("qbadge.booth");
    const joining = busy.has(view.id);
    const failure = failures.get(view.id);
    return h(
      "div",
      { class: "qnotice", role: "status", dataset: { ticket: String(view.id), reason: view.drop?.reason ?? "" } },
      h("p", { class: "qnotice-text" }, noticeText(view)),
      h(
        "div",
        { class: "qnotice-actions" },
        h(
          "button",
          { type: "button", class: "button button-small button-primary qnotice-rejoin", disabled: joining, onclick: () => join(view) },
          t(joining ? "qnotice.rejoining" : "qnotice.rejoin"),
        ),
        h(
          "button",
          { type: "button", class: "button button-small button-ghost qnotice-dismiss", "aria-label": t("qnotice.dismiss_label", { booth }), onclick: () => dismiss(view.id) },
          t("qnotice.dismiss"),
        ),
      ),
      failure ? h("p", { class: "qnotice-error", role: "alert" }, errorText(failure)) : null,
    );
  }

  let drawn = null; // what the region shows: redrawn only when that changes (a click between
  // press and release on a button replaced by a position change elsewhere would be lost)

  function render(force = false) {
    const shown = droppedTickets();
    const signature = JSON.stringify([getLang(), [...busy], [...failures.keys()], shown.map((v) => [v.id, ticketBooth(v)])]);
    if (!force && signature === drawn) return;
    drawn = signature;
    region.hidden = shown.length === 0;
    region.setAttribute("aria-label", t("qnotice.region"));
    // Keep the focus on the same button of the same notice when the list is drawn again.
    const focused = region.contains(document.activeElement) ? document.activeElement : null;
    const ticket = focused?.closest(".qnotice")?.dataset.ticket;
    const kind = focused?.classList.contains("qnotice-rejoin") ? "qnotice-rejoin" : "qnotice-dismiss";
    replace(region, h("div", { class: "qnotices-inner" }, shown.map(notice)));
    if (focused) {
      const again = region.querySelector(`.qnotice[data-ticket="${CSS.escape(ticket ?? "")}"] .${kind}`);
      (again ?? region.querySelector("button"))?.focus();
    }
  }

  /** After a notice goes: the focus to the next one's first button, else the page. */
  function refocus() {
    const next = region.querySelector(".qnotice button");
    if (next) next.focus();
    else document.getElementById("main")?.focus({ preventScroll: true });
  }

  function dismiss(id) {
    failures.delete(id);
    const had = region.contains(document.activeElement);
    dismissDrop(id);
    if (had) refocus();
  }

  async function join(view) {
    if (busy.has(view.id)) return;
    busy.add(view.id);
    failures.delete(view.id);
    render();
    try {
      await rejoin(view); // a live ticket there now: the notice goes, the badge comes
      busy.delete(view.id);
      render();
      const badge = document.querySelector(`#header .queue-badge[data-status="waiting"]`);
      if (badge) badge.focus();
      else refocus();
    } catch (error) {
      busy.delete(view.id);
      failures.set(view.id, error);
      render();
    }
  }

  onQueueChange(() => render());
  onLangChange(() => render(true));
  render(true);
}

// The rows of the staff's queue panel (queue_staff.js): a call going on, a person waiting, their
// clocks, and the keyed list that keeps every row whose ticket did not change. Everything a
// person wrote (names, titles, companies) goes in as text through dom.js's h().

import { h } from "./dom.js";
import { hhmm, t } from "./i18n.js";
import { countdown, minutesBetween } from "./queue_staff_line.js";
import { minutesText } from "./queue_staff_strings.js";

/** Put `items`' rows in `list` in order, reusing each row whose signature did not change and
 * moving none that is already in its place (a removed or moved element loses its focus, and a
 * button replaced between press and release never gets the click). */
export function keyed(list, items, key, signature, build) {
  const old = new Map([...list.children].map((el) => [el.dataset.key, el]));
  const rows = items.map((item) => {
    const k = String(key(item));
    const sig = signature(item);
    const kept = old.get(k);
    if (kept && kept.dataset.sig === sig) return kept;
    const row = build(item);
    row.dataset.key = k;
    row.dataset.sig = sig;
    return row;
  });
  const wanted = new Set(rows);
  for (const el of [...list.children]) if (!wanted.has(el)) el.remove();
  rows.forEach((row, i) => {
    if (list.children[i] !== row) list.insertBefore(row, list.children[i] || null);
  });
}

/** The panel's clocks, read against `now()` (the server's time as best we know it): how long
 * someone has waited, what is left of a call's time to answer, and `tick(root)`, which brings
 * every clock under `root` up to date in place. */
export function clocks(now) {
  const waited = (iso) => t("qstaff.waited", { time: minutesText(minutesBetween(Date.parse(iso), now())) });
  const deadline = (iso) => {
    const left = Date.parse(iso) - now();
    return left > 0 ? t("qstaff.answer_within", { time: countdown(left) }) : t("qstaff.time_up");
  };
  const tick = (root) => {
    for (const el of root.querySelectorAll("[data-since]")) el.textContent = waited(el.dataset.since);
    for (const el of root.querySelectorAll("[data-deadline]")) {
      el.textContent = deadline(el.dataset.deadline);
      el.classList.toggle("is-late", Date.parse(el.dataset.deadline) <= now());
    }
  };
  return { waited, deadline, tick };
}

function person(who) {
  const card = who?.card;
  const line = card ? [card.title, card.organisation].filter(Boolean).join(" · ") : "";
  return h(
    "div",
    { class: "qstaff-who" },
    h("span", { class: "qstaff-name" }, String(who?.name ?? "")),
    line ? h("span", { class: "qstaff-card muted" }, line) : null,
  );
}

/** A call going on. `mine`: this staff member made it; `staff`: they may act on it (organisers
 * only look); `busy`: an action is under way; `act(type, ticket)` sends queue.serve or
 * queue.no_show. Until the person answers (called): the countdown and No-show only; once
 * they have (serving): Served. Only the caller gets the way into the call's room: it is theirs
 * and the visitor's alone. */
export function callRow(view, { mine, staff, busy, clock, act }) {
  const serving = view.status === "serving";
  const button = (label, cls, type) =>
    h("button", { type: "button", class: `button button-small ${cls}`, disabled: busy, onclick: () => act(type, view.id) }, label);
  return h(
    "li",
    { class: `qstaff-call-item${mine ? " is-mine" : ""}`, dataset: { ticket: String(view.id), status: view.status } },
    person(view.person),
    h(
      "div",
      { class: "qstaff-call-state" },
      serving
        ? h("span", { class: "chip chip-accent qstaff-serving" }, t("qstaff.serving"))
        : h("span", { class: "chip qstaff-countdown", dataset: { deadline: view.call_deadline } }, clock.deadline(view.call_deadline)),
      h("span", { class: "qstaff-caller muted" }, mine ? t("qstaff.mine") : t("qstaff.called_by", { name: view.caller?.name ?? "" })),
    ),
    staff
      ? h(
          "div",
          { class: "qstaff-call-actions" },
          serving && mine
            ? h("a", { class: "button button-small button-primary qstaff-room", href: `#/queue-call/${view.id}` }, t("qstaff.open_room"))
            : null,
          serving
            ? button(t("qstaff.served"), mine ? "qstaff-served" : "button-ghost qstaff-served", "queue.serve")
            : button(t("qstaff.no_show"), "button-ghost qstaff-no-show", "queue.no_show"),
        )
      : null,
  );
}

/** A person waiting: their place, name and card (if shared), booked, away, no-shows, and how
 * long they have waited. */
export function waitingRow(view, clock) {
  return h(
    "li",
    { class: "qstaff-row", dataset: { ticket: String(view.id), position: String(view.position) } },
    h("span", { class: "qstaff-pos", "aria-label": t("qstaff.position", { n: view.position }) }, String(view.position)),
    person(view.person),
    h(
      "div",
      { class: "qstaff-marks" },
      view.appointment ? h("span", { class: "chip chip-accent qstaff-booked", title: t("qstaff.booked_title") }, t("qstaff.booked")) : null,
      view.away_since
        ? h("span", { class: "chip qstaff-away", title: t("qstaff.away_title", { time: hhmm(view.away_since) }) }, t("qstaff.away"))
        : null,
      view.no_shows > 0 ? h("span", { class: "chip qstaff-no-shows" }, t("qstaff.no_shows", { n: view.no_shows })) : null,
      h("span", { class: "qstaff-since muted", dataset: { since: view.joined_at } }, clock.waited(view.joined_at)),
    ),
  );
}

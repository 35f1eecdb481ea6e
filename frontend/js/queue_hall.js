// The hall's cards' queue line (#/hall, hall.js): under each booth's card, how long its line is
// and how long it takes ("排队 3 人 · 约 4–8 分钟" / "3 in line · about 4–8 min"), or that
// nobody is on duty or calls are paused, and "排队" / "Join queue"; once joined, "第 2 位" /
// "#2 in line". Hidden where the viewer has no use for a queue (organisers, the booth's own
// staff) and where it is closed with nobody in line.
//
// One read per page of cards (GET /api/match/hall-queues?exhibitors=…) and no socket of its
// own: my ticket and its place are queue_tickets.js's (the same the header's badge and the
// booth page show), kept live there, and a join goes through its joinQueue.
//
//   const queues = hallQueues(list);  // `list` holds the cards' `.exhibitor-queue[data-id]`
//   queues.read(exhibitors);          // a page of cards was drawn: read their queues
//   queues.draw();                    // the cards were drawn again: fill their lines
//   queues.stop();

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { errorText, onLangChange, pick, t } from "./i18n.js";
import { signInHref } from "./header.js";
import { askToNotify } from "./queue_alert.js";
import { waitText } from "./queue_strings.js";
import { isLive, joinQueue, onQueueChange, rememberBooth, ticketAt } from "./queue_tickets.js";
import { currentAccount, onAccountChange } from "./session.js";

export const HALL_READ_MAX = 48; // booths one read may ask about (matchmaking/queues.py)

export function hallQueues(list) {
  const queues = new Map(); // exhibitor -> the read's {state, length, max_length, staffed, eta, ticket}
  const names = new Map(); // exhibitor -> {zh, en}
  const refusals = new Map(); // exhibitor -> a join's refusal
  const joining = new Set();
  let asked = []; // the ids of the page shown
  let controller = null;
  let stopped = false;

  async function read(exhibitors) {
    asked = exhibitors.map((e) => Number(e.id)).slice(0, HALL_READ_MAX);
    for (const e of exhibitors) {
      names.set(Number(e.id), e.name);
      rememberBooth(e.id, e.name); // the badge names the booth at once
    }
    controller?.abort();
    if (!asked.length) return;
    controller = new AbortController();
    const ids = asked;
    try {
      const body = await api(`/api/match/hall-queues?exhibitors=${ids.join(",")}`, { signal: controller.signal });
      if (stopped || ids !== asked) return;
      queues.clear();
      for (const q of body.queues || []) queues.set(Number(q.exhibitor), q);
    } catch (error) {
      if (error?.name === "AbortError" || stopped) return;
      console.warn("hall: no queue figures", error); // the cards go without their queue line
    }
    draw();
  }

  /** The viewer has no use for this booth's queue: organisers, and its own staff. */
  function noUse(me, id) {
    return me?.role === "organizer" || (me?.role === "exhibitor" && Number(me.exhibitor_id) === id);
  }

  /** The line's figures, in words: "排队 3 人 · 约 4–8 分钟". */
  function figures(q, length) {
    const head = length > 0 ? t("qhall.length", { n: length }) : t("qhall.nobody");
    if (q.state === "closed") return [head, h("span", { class: "is-closed" }, t("qhall.closed"))];
    if (length >= q.max_length) return [head, h("span", { class: "is-full" }, t("qhall.full"))];
    if (q.state === "paused") return [head, h("span", { class: "is-paused" }, t("qhall.paused"))];
    if (!q.staffed || !Array.isArray(q.eta)) return [head, h("span", { class: "is-unstaffed" }, t("qhall.unstaffed"))];
    return [head, h("span", { class: "exhibitor-queue-eta" }, waitText(q.eta))];
  }

  function mineText(ticket, q) {
    if (ticket.status === "called") return t("qhall.called");
    if (ticket.status === "serving") return t("qhall.serving");
    const position = ticket.line?.position ?? q?.ticket?.position;
    return position ? t("qhall.position", { n: position }) : t("qhall.in_line");
  }

  function line(id) {
    const q = queues.get(id);
    const me = currentAccount();
    if (!q || noUse(me, id)) return null;
    // My ticket: the live one every page keeps (the read's until that one is known).
    const ticket = me ? (ticketAt(id) ?? (q.ticket ? { ...q.ticket, exhibitor: id } : null)) : null;
    const name = pick(names.get(id)) || "";
    if (ticket) {
      const length = ticket.line?.length ?? q.length;
      return [
        h("p", { class: "exhibitor-queue-mine", tabindex: "-1", dataset: { status: ticket.status } }, mineText(ticket, q)),
        ticket.status === "waiting" ? h("p", { class: "exhibitor-queue-figures muted" }, t("qhall.length", { n: length })) : null,
      ];
    }
    if (q.state === "closed" && q.length === 0) return null;
    const parts = figures(q, q.length);
    const open = q.state !== "closed" && q.length < q.max_length;
    const refusal = refusals.get(id);
    let action = null;
    if (open && me === null) {
      action = h("a", { class: "button button-small exhibitor-queue-join", href: signInHref(), "aria-label": t("qhall.signin_label", { booth: name }) }, t("qhall.join"));
    } else if (open && me) {
      const busy = joining.has(id);
      action = h(
        "button",
        { type: "button", class: "button button-small button-primary exhibitor-queue-join", disabled: busy, "aria-label": t("qhall.join_label", { booth: name }), onclick: () => join(id) },
        t(busy ? "qhall.joining" : "qhall.join"),
      );
    }
    return [
      h("p", { class: "exhibitor-queue-figures" }, parts[0], " · ", parts[1]),
      action,
      refusal ? h("p", { class: "exhibitor-queue-error", role: "alert" }, errorText(refusal)) : null,
    ];
  }

  function draw() {
    if (stopped) return;
    for (const el of list.querySelectorAll(".exhibitor-queue[data-id]")) {
      const content = line(Number(el.dataset.id));
      el.hidden = !content;
      replace(el, content ?? "");
    }
  }

  async function join(id) {
    if (joining.has(id)) return;
    askToNotify(); // from this click: browsers ask only from a person's gesture
    joining.add(id);
    refusals.delete(id);
    draw();
    try {
      await joinQueue(id, false);
    } catch (error) {
      refusals.set(id, error);
      if (["queue.full", "queue.closed"].includes(error?.code)) read(asked.map((e) => ({ id: e, name: names.get(e) })));
    }
    joining.delete(id);
    draw();
    if (!refusals.has(id)) list.querySelector(`.exhibitor-queue[data-id="${id}"] .exhibitor-queue-mine`)?.focus();
  }

  /** A ticket changed where every page keeps them: the read's own ticket is old news once that
   * ticket ended, or once the tickets were all read again without it. */
  function ticketChanged(ticket) {
    for (const [id, q] of queues) {
      if (!q.ticket) continue;
      const gone = ticket ? Number(ticket.id) === Number(q.ticket.id) && !isLive(ticket) : !ticketAt(id);
      if (gone) queues.set(id, { ...q, ticket: null });
    }
    draw();
  }

  const stops = [
    onQueueChange(ticketChanged),
    onLangChange(() => draw()),
    onAccountChange(() => {
      refusals.clear();
      read(asked.map((e) => ({ id: e, name: names.get(e) }))); // my tickets are someone else's now
    }),
  ];
  return {
    read,
    draw,
    stop() {
      stopped = true;
      controller?.abort();
      for (const off of stops.splice(0)) off();
    },
  };
}

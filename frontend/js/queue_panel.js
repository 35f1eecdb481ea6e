// The booth page's queue panel (#/booth/<id>, booth.js PARTS): how long the line is and how
// long it takes ("排队 5 人 · 约 6–12 分钟"), the queue's state (paused, closed, full), and for
// a signed-in participant "Join the queue" with "share my card", then their place and wait,
// live, and "Leave". The booth's own staff do not see it (their panel is the dashboard's).
//
// The queue comes from GET /api/match/queues/<id> and `booth-queue:<id>` (`queue.moved` for
// its length, `queue.state_changed` for its state); my ticket and its place come from
// queue_tickets.js, which every page keeps live.
//
//   const unmount = mountQueuePanel(element, booth);

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { errorText, onLangChange, t } from "./i18n.js";
import { signInHref } from "./header.js";
import { answerCall, askToNotify } from "./queue_alert.js";
import { etaMinutes } from "./queue_rules.js";
import { waitText } from "./queue_strings.js";
import { joinQueue, leaveTicket, onQueueChange, rememberBooth, takeQueueState, takeTicket, ticketAt } from "./queue_tickets.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";

/** Staff of this very booth: their queue is the dashboard's. */
function ownStaff(me, boothId) {
  return me?.role === "exhibitor" && Number(me.exhibitor_id) === Number(boothId);
}

export function mountQueuePanel(el, booth) {
  const exhibitor = Number(booth.id);
  rememberBooth(exhibitor, booth.name);
  let queue = null; // {state, length, max_length, service, version}
  let lineAt = null; // {generation, version} of the last `queue.moved` taken
  let failure = null; // reading the queue
  let refusal = null; // joining, leaving, answering
  let busy = null; // "join" | "leave" | "answer"
  let outcome = null; // what ended my last ticket here: "left" | "served" | "dropped"
  let shareCard = false;
  let stopped = false;

  const title = h("h2", { class: "panel-title" });
  const summary = h("p", { class: "qpanel-summary" });
  const stateLine = h("p", { class: "qpanel-state", hidden: true });
  const mine = h("div", { class: "qpanel-mine", role: "status", "aria-live": "polite" });
  const actions = h("div", { class: "qpanel-actions" });
  const error = h("p", { class: "qpanel-error", role: "alert", hidden: true });
  const section = h("section", { class: "panel booth-section qpanel", dataset: { exhibitor: String(exhibitor) } }, title, summary, stateLine, mine, actions, error);
  replace(el, section);

  const full = () => queue && queue.length >= queue.max_length;

  async function load() {
    try {
      const body = await api(`/api/match/queues/${encodeURIComponent(exhibitor)}`);
      if (stopped) return;
      queue = body.queue;
      failure = null;
      takeQueueState(exhibitor, queue);
      if (body.ticket) takeTicket(body.ticket);
    } catch (error) {
      if (stopped) return;
      failure = error;
    }
    render();
  }

  function summaryText(ticket) {
    if (!queue) return t(failure ? "qpanel.unavailable" : "qpanel.loading");
    const length = queue.length > 0 ? t("qpanel.length", { n: queue.length }) : t("qpanel.nobody");
    if (ticket || queue.state === "closed" || full()) return length;
    if (queue.state === "paused") return `${length} · ${t("qwait.paused")}`;
    // The wait of whoever joins now: at the end of the line.
    return `${length} · ${waitText(etaMinutes(queue.length + 1, queue.service))}`;
  }

  function stateText() {
    if (!queue) return null;
    // Closed to newcomers: whoever is in line keeps their place (a note, not a refusal).
    if (queue.state === "closed") return ticketAt(exhibitor) ? ["is-closed-in-line", t("qpanel.closed_in_line")] : ["is-closed", t("qpanel.closed")];
    if (queue.state === "paused") return ["is-paused", t("qpanel.paused")];
    if (full() && !ticketAt(exhibitor)) return ["is-full", t("qpanel.full", { n: queue.max_length })];
    return null;
  }

  function myPlace(ticket) {
    if (ticket.status === "called") {
      const name = ticket.caller?.name;
      return [h("p", { class: "qpanel-called" }, name ? t("qpanel.called", { name }) : t("qpanel.called_noname"))];
    }
    if (ticket.status === "serving") return [h("p", { class: "qpanel-serving" }, t("qpanel.serving"))];
    const line = ticket.line;
    if (!line) return [h("p", { class: "muted" }, t("qpanel.loading"))];
    return [
      h("p", { class: "qpanel-position" }, line.position === 1 ? t("qpanel.next") : t("qpanel.position", { n: line.position })),
      h(
        "p",
        { class: "qpanel-wait" },
        line.position > 1 ? [h("span", {}, t("qpanel.ahead", { n: line.position - 1 })), " · "] : null,
        queue?.state === "paused"
          ? h("span", { class: "is-paused" }, t("qwait.paused"))
          : Array.isArray(line.eta)
            ? h("span", {}, t("qpanel.wait", { eta: waitText(line.eta) }))
            : h("span", { class: "is-unstaffed" }, t("qwait.unstaffed")),
      ),
      ticket.appointment ? h("p", { class: "qpanel-note muted" }, t("qpanel.appointment")) : null,
    ];
  }

  function joinForm() {
    const closed = queue?.state === "closed" || full() || !queue;
    const box = h("input", { type: "checkbox", class: "qpanel-share", checked: shareCard, disabled: busy === "join", onchange: (e) => (shareCard = e.target.checked) });
    return [
      h("label", { class: "qpanel-share-label" }, box, h("span", {}, t("qpanel.share_card"))),
      h(
        "button",
        { type: "button", class: "button button-primary qpanel-join", disabled: closed || busy === "join", onclick: join },
        t(busy === "join" ? "qpanel.joining" : "qpanel.join"),
      ),
      h("p", { class: "qpanel-intro muted" }, t("qpanel.intro")),
    ];
  }

  function render() {
    if (stopped) return;
    const me = currentAccount();
    if (ownStaff(me, exhibitor)) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    const ticket = me ? ticketAt(exhibitor) : null;
    replace(title, icon("clock", "icon"), t("qpanel.title"));
    replace(summary, summaryText(ticket));
    const state = stateText();
    stateLine.hidden = !state;
    stateLine.className = `qpanel-state ${state?.[0] ?? ""}`;
    replace(stateLine, state?.[1] ?? "");
    section.dataset.status = ticket?.status ?? "none";
    if (ticket) {
      replace(mine, myPlace(ticket));
      if (ticket.status === "waiting") {
        replace(actions, h("button", { type: "button", class: "button qpanel-leave", disabled: busy === "leave", onclick: () => leave(ticket.id) }, t(busy === "leave" ? "qpanel.leaving" : "qpanel.leave")));
      } else if (ticket.status === "called") {
        replace(
          actions,
          h("button", { type: "button", class: "button button-primary qpanel-answer", disabled: busy === "answer", onclick: () => answer(ticket.id) }, t("qpanel.answer")),
          h("button", { type: "button", class: "button qpanel-leave", disabled: busy === "leave", onclick: () => leave(ticket.id) }, t("qalert.let_go")),
        );
      } else {
        replace(actions, h("a", { class: "button button-primary qpanel-to-room", href: `#/queue-call/${ticket.id}` }, t("qpanel.to_room")));
      }
    } else {
      replace(mine, outcome ? h("p", { class: "qpanel-outcome" }, t(`qpanel.${outcome}`)) : "");
      if (me === undefined) replace(actions);
      else if (!me) {
        replace(actions, h("p", { class: "qpanel-signin" }, t("qpanel.signin"), " ", h("a", { class: "button button-small button-primary", href: signInHref() }, t("qpanel.signin_link"))));
      } else if (me.role === "organizer") replace(actions, h("p", { class: "muted" }, t("qpanel.organiser")));
      else replace(actions, joinForm());
    }
    // A join refused as full or closed says nothing once a ticket is mine (joined elsewhere).
    const shown = ticket && ["queue.full", "queue.closed"].includes(refusal?.code) ? null : refusal;
    error.hidden = !shown;
    replace(error, shown ? errorText(shown) : "");
  }

  async function join() {
    if (busy) return;
    askToNotify(); // from this click: browsers ask only from a person's gesture
    busy = "join";
    refusal = null;
    outcome = null;
    render();
    try {
      await joinQueue(exhibitor, shareCard);
    } catch (error) {
      refusal = error;
      if (["queue.full", "queue.closed"].includes(error?.code)) load(); // show why
    }
    busy = null;
    render();
    if (!refusal) section.querySelector(".qpanel-leave")?.focus();
  }

  async function leave(id) {
    if (busy) return;
    busy = "leave";
    refusal = null;
    render();
    try {
      await leaveTicket(id);
    } catch (error) {
      refusal = error;
    }
    busy = null;
    render();
    if (!refusal) section.querySelector(".qpanel-join")?.focus();
  }

  async function answer(id) {
    if (busy) return;
    busy = "answer";
    refusal = null;
    render();
    try {
      await answerCall(id);
    } catch (error) {
      refusal = error;
    }
    busy = null;
    render();
  }

  const stops = [
    realtime.subscribe(`booth-queue:${exhibitor}`, {
      onEvent: (type, data) => {
        if (!queue) return;
        if (type === "queue.moved") {
          // The line's version orders its events; a rebuilt line (a new generation) starts again.
          const newer = !lineAt || data.generation !== lineAt.generation || data.version > lineAt.version;
          if (!newer) return;
          lineAt = { generation: data.generation, version: data.version };
          queue = { ...queue, length: data.length, service: data.service ?? queue.service };
        } else if (type === "queue.state_changed") {
          if (Number(data?.version) < Number(queue.version)) return;
          queue = { ...queue, ...data };
          takeQueueState(exhibitor, queue);
        } else return;
        render();
      },
      onSnapshot: () => load(),
      onError: () => {},
    }),
    onQueueChange((ticket, previous) => {
      if (ticket && Number(ticket.exhibitor) === exhibitor && previous && !["waiting", "called", "serving"].includes(ticket.status)) {
        outcome = { left: "left", served: "served", dropped: "dropped" }[ticket.status] ?? null;
      }
      render();
    }),
    onLangChange(render),
    onAccountChange(() => {
      outcome = null;
      refusal = null;
      load();
    }),
  ];
  render();
  load();
  return () => {
    stopped = true;
    for (const stop of stops.splice(0)) stop();
  };
}

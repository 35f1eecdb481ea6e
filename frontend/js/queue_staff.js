// The booth staff's queue panel, on the booth dashboard (#/booth/<id>/dashboard): who waits, in
// order (name, card if shared, booked, away, no-shows, waiting for how long), "Call next", the
// calls going on (each staff member's, theirs highlighted: the countdown to answer, then "in
// conversation" and the way into the call's room), Served / No-show, the queue's one state
// (a segmented control: open / paused: people may join, nobody is called / closed: nobody new
// joins, those in line are still called) and the length cap. Organisers see the queue, without
// the staff's buttons.
//
// First drawn from GET /api/match/queues/<id>/line, then kept live by `queue.line_changed` and
// `queue.state_changed` on `booth-queue-staff:<id>` (queue_staff_line.js keeps the order). The
// anonymous `queue.moved` on `booth-queue:<id>` checks it: a length that disagrees once things
// settle, a rebuilt line, a resume past the replay window: the line is read again.
// Rows whose ticket did not change keep their elements, so a click or the focus is never lost
// to a colleague's change; the clocks (waits, countdowns) tick in place every second.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { getLang, onLangChange, t } from "./i18n.js";
import { StaffLine } from "./queue_staff_line.js";
import { callRow, clocks, keyed, waitingRow } from "./queue_staff_rows.js";
import { queueErrorText } from "./queue_staff_strings.js";
import { realtime } from "./realtime.js";
import { currentAccount, loadAccount, onAccountChange } from "./session.js";

const SHOWN = 100; // waiting rows drawn; the rest are counted
const CHECK_AFTER_MS = 800; // quiet time before our length is compared with the line's
const MAX_LENGTH = 2000; // the server's highest cap (matchmaking/queues.py)
const STATES = ["open", "paused", "closed"]; // a queue is in exactly one (booth_queue.state)

export function mountQueueStaff(root, { exhibitor }) {
  const booth = Number(exhibitor);
  const line = new StaffLine();
  let loaded = false;
  let hidden = false; // not this booth's staff nor an organiser: no panel at all
  let failure = null; // the line could not be read
  let actionError = null;
  let working = null; // the action under way: "call", "state", "cap", "ticket:<id>"
  let saved = false;
  let early = null; // line changes that came while a snapshot was on its way
  let loads = 0;
  let moved = null; // the line's {length, generation} as `queue.moved` last told it
  let checkTimer = null;
  let skew = 0; // ms the server's clock is ahead of ours (from our own calls' replies)
  let stopped = false;

  const me = () => currentAccount()?.id;
  const isMine = (view) => String(view.caller?.account) === String(me());
  const serves = () => {
    const account = currentAccount();
    return !!account && account.role === "exhibitor" && Number(account.exhibitor_id) === booth;
  };
  // Who may look: the booth's staff and organisers (the server decides; this only spares
  // everyone else a panel that would say "loading" and then vanish).
  const mayLook = () => {
    const account = currentAccount();
    return account === undefined || serves() || account?.role === "organizer";
  };
  const serverNow = () => Date.now() + skew;

  // --- the parts that stay: their contents change, never the elements themselves ----------

  const title = h("h2", { class: "panel-title", id: `qstaff-title-${booth}` });
  const stateChip = h("span", { class: "chip qstaff-state" });
  const count = h("span", { class: "qstaff-count", role: "status" });
  const callButton = h("button", { type: "button", class: "button button-primary qstaff-call", onclick: () => callNext() });
  const hint = h("p", { class: "qstaff-hint muted" });
  const errorBox = h("p", { class: "form-error qstaff-error", role: "alert", hidden: true });
  const readonly = h("p", { class: "qstaff-readonly muted", hidden: true });
  const callsTitle = h("h3", { class: "qstaff-sub", id: `qstaff-calls-${booth}` });
  const callsList = h("ol", { class: "qstaff-calls" });
  const noCalls = h("p", { class: "muted qstaff-none" });
  const waitingTitle = h("h3", { class: "qstaff-sub", id: `qstaff-line-${booth}` });
  const waitingList = h("ol", { class: "qstaff-waiting" });
  const nobody = h("p", { class: "muted qstaff-none" });
  const more = h("p", { class: "muted qstaff-more" });
  // The queue's state: one of three, picked in one control (radios drawn as segments), so it
  // can never be two at once nor two switches that disagree.
  const stateHint = h("p", { class: "field-hint qstaff-state-hint", id: `qstaff-state-hint-${booth}` });
  const stateLegend = h("legend", { class: "qstaff-states-legend" });
  const stateRadios = Object.fromEntries(
    STATES.map((state) => [
      state,
      h("input", {
        type: "radio",
        name: `qstaff-state-${booth}`,
        value: state,
        class: "qstaff-state-radio",
        "aria-describedby": stateHint.id,
        onchange: (e) => e.target.checked && setState(state),
      }),
    ]),
  );
  const stateNames = Object.fromEntries(STATES.map((state) => [state, h("span", { class: "qstaff-segment-name" })]));
  const stateControl = h(
    "fieldset",
    { class: "qstaff-states" },
    stateLegend,
    h(
      "div",
      { class: "qstaff-segments" },
      STATES.map((state) => h("label", { class: `qstaff-segment is-${state}` }, stateRadios[state], stateNames[state])),
    ),
    stateHint,
  );
  const capInput = h("input", { type: "number", id: `qstaff-cap-${booth}`, class: "qstaff-cap-input", min: 1, max: MAX_LENGTH, step: 1, required: true, inputmode: "numeric" });
  const capLabel = h("label", { for: capInput.id });
  const capSave = h("button", { type: "submit", class: "button button-small" });
  const capSaved = h("span", { class: "form-saved qstaff-saved", role: "status" });
  const settingsTitle = h("h3", { class: "qstaff-sub" });
  const capForm = h(
    "form",
    { class: "qstaff-cap", onsubmit: (e) => (e.preventDefault(), saveCap()) },
    h("div", { class: "field" }, capLabel, h("div", { class: "qstaff-cap-row" }, capInput, capSave, capSaved)),
  );
  const settings = h(
    "div",
    { class: "qstaff-settings" },
    settingsTitle,
    stateControl,
    capForm,
  );
  const loading = h("p", { class: "muted qstaff-loading", role: "status" });
  const body = h(
    "div",
    { class: "qstaff-body", hidden: true },
    h("div", { class: "qstaff-actions" }, callButton, hint),
    readonly,
    errorBox,
    h("div", { class: "qstaff-columns" },
      h("section", { class: "qstaff-part", "aria-labelledby": callsTitle.id }, callsTitle, noCalls, callsList),
      h("section", { class: "qstaff-part", "aria-labelledby": waitingTitle.id }, waitingTitle, nobody, waitingList, more),
    ),
    settings,
  );
  const panel = h(
    "section",
    { class: "panel qstaff", "aria-labelledby": title.id, dataset: { exhibitor: String(booth) } },
    h("div", { class: "qstaff-head" }, title, stateChip, count),
    loading,
    body,
  );

  const clock = clocks(serverNow);
  const ticker = setInterval(() => clock.tick(panel), 1000);
  const row = { clock, act: (type, ticket) => ticketAction(type, ticket) };

  // --- drawing --------------------------------------------------------------------------

  let capShown = null; // the stored cap the input was last set to
  let capEdited = false; // typed in since last set: an incoming cap never overwrites it
  capInput.addEventListener("input", () => (capEdited = true));

  function render() {
    if (stopped) return;
    // Those who may not look get no panel at all, not a hidden one.
    if (hidden || !mayLook()) {
      panel.remove();
      return;
    }
    if (!panel.isConnected) root.appendChild(panel);
    const lang = getLang();
    title.textContent = t("qstaff.title");
    loading.textContent = failure ? queueErrorText(failure) : t("qstaff.loading");
    loading.classList.toggle("form-error", !!failure);
    loading.hidden = loaded;
    body.hidden = !loaded;
    const q = line.queue;
    if (!loaded || !q) {
      stateChip.hidden = count.hidden = true;
      return;
    }
    const waiting = line.waiting();
    const full = waiting.length >= q.max_length;
    stateChip.hidden = count.hidden = false;
    stateChip.textContent = t(`qstaff.state.${q.state}`);
    stateChip.className = `chip qstaff-state is-${q.state}${q.state === "open" ? " chip-accent" : ""}`;
    panel.dataset.state = q.state;
    replace(
      count,
      t("qstaff.count_cap", { n: waiting.length, max: q.max_length }),
      full ? h("span", { class: "chip qstaff-full" }, t("qstaff.full")) : null,
    );

    const staff = serves();
    const mineOpen = line.myCall(me());
    readonly.hidden = staff;
    readonly.textContent = t("qstaff.readonly");
    callButton.hidden = !staff;
    callButton.textContent = working === "call" ? t("qstaff.calling") : t("qstaff.call");
    callButton.disabled = !!working || q.state === "paused" || !!mineOpen || waiting.length === 0;
    const why = q.state === "paused" ? "paused" : mineOpen ? "busy" : waiting.length === 0 ? "empty" : null;
    hint.hidden = !staff || !why;
    hint.textContent = why ? t(`qstaff.hint.${why}`) : "";
    errorBox.hidden = !actionError;
    errorBox.textContent = actionError ? queueErrorText(actionError) : "";

    const calls = line.calls(me());
    callsTitle.textContent = t("qstaff.calls");
    noCalls.textContent = t("qstaff.no_calls");
    noCalls.hidden = calls.length > 0;
    const sig = (view) => `${view.version}|${view.position ?? ""}|${lang}|${staff}|${me()}|${!!working}`;
    const how = { ...row, staff, busy: !!working };
    keyed(callsList, calls, (view) => view.id, sig, (view) => callRow(view, { ...how, mine: isMine(view) }));

    waitingTitle.textContent = `${t("qstaff.waiting")} (${waiting.length})`;
    nobody.textContent = t("qstaff.nobody");
    nobody.hidden = waiting.length > 0;
    keyed(waitingList, waiting.slice(0, SHOWN), (view) => view.id, sig, (view) => waitingRow(view, clock));
    more.hidden = waiting.length <= SHOWN;
    more.textContent = t("qstaff.more", { n: waiting.length - SHOWN });

    settings.hidden = !staff;
    settingsTitle.textContent = t("qstaff.settings");
    stateLegend.textContent = t("qstaff.state_legend");
    for (const state of STATES) {
      // The stored state, unless a change is on its way (the one picked stays picked).
      if (working !== "state") stateRadios[state].checked = q.state === state;
      stateRadios[state].disabled = !!working;
      stateNames[state].textContent = t(`qstaff.segment.${state}`);
    }
    stateHint.textContent = t(`qstaff.state_hint.${q.state}`);
    capSave.disabled = !!working;
    capLabel.textContent = t("qstaff.cap");
    capSave.textContent = t("qstaff.save");
    capSaved.textContent = saved ? t("qstaff.saved") : "";
    if (capShown !== q.max_length && document.activeElement !== capInput && !capEdited) {
      capShown = q.max_length;
      capInput.value = String(q.max_length);
    }
    clock.tick(panel);
  }

  // --- reading the line -----------------------------------------------------------------

  async function load() {
    const mine = ++loads;
    early = early || [];
    try {
      const body = await api(`/api/match/queues/${booth}/line`);
      if (stopped || mine !== loads) return;
      line.load(body);
      for (const view of early) line.apply(view);
      moved = moved && { ...moved, length: line.order.length };
      loaded = true;
      failure = null;
      hidden = false;
    } catch (error) {
      if (stopped || mine !== loads) return;
      if (error?.status === 401 || error?.status === 403) hidden = true;
      else failure = error;
    }
    early = null;
    render();
  }

  // Once both topics have told what they had to: a length that still disagrees is a change we
  // applied out of order or missed; read the line again.
  function check() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(() => {
      if (stopped || !loaded || early || !moved) return;
      if (moved.length !== line.order.length) load();
    }, CHECK_AFTER_MS);
  }

  function onStaffEvent(type, data) {
    if (Number(data?.exhibitor) !== booth) return;
    if (type === "queue.line_changed") {
      if (early) early.push(data);
      if (line.apply(data)) render();
      check();
    } else if (type === "queue.state_changed") {
      if (line.setQueue(data)) render();
    }
  }

  function onLineEvent(type, data) {
    if (type !== "queue.moved" || Number(data?.exhibitor) !== booth) return;
    const rebuilt = moved && moved.generation !== data.generation;
    moved = { length: data.length, generation: data.generation };
    if (rebuilt) load();
    else check();
  }

  // --- acting ---------------------------------------------------------------------------

  async function act(what, run) {
    if (working) return;
    working = what;
    actionError = null;
    saved = false;
    render();
    try {
      await run();
    } catch (error) {
      actionError = error;
    } finally {
      working = null;
      render();
    }
  }

  const callNext = () =>
    act("call", async () => {
      const reply = await realtime.request("queue.call", { exhibitor: booth });
      const called = Date.parse(reply.ticket?.called_at);
      if (Number.isFinite(called)) skew = called - Date.now();
      line.apply(reply.ticket);
    });

  const ticketAction = (type, ticket) =>
    act(`ticket:${ticket}`, async () => {
      const reply = await realtime.request(type, { ticket });
      line.apply(reply.ticket);
    });

  const patch = async (changes) => {
    const reply = await api(`/api/match/queues/${booth}`, { method: "PATCH", body: changes });
    line.setQueue(reply.queue);
  };

  const capRange = () => Object.assign(new Error("cap out of range"), { code: "cap_range" });

  const setState = (state) => {
    if (working || line.queue?.state === state) return render();
    const picked = stateRadios[state];
    return act("state", () => patch({ state })).then(() => {
      if (document.activeElement === document.body) picked.focus(); // kept through the redraw
    });
  };

  // The box is read before act() draws: a colleague's cap arriving meanwhile must not be what
  // gets saved.
  const saveCap = () => {
    const value = Number(capInput.value);
    return act("cap", async () => {
      if (!Number.isInteger(value) || value < 1 || value > MAX_LENGTH) {
        throw capRange();
      }
      try {
        await patch({ max_length: value });
      } catch (error) {
        throw error?.code === "bad_request" ? capRange() : error;
      }
      capShown = null; // show what was stored
      capEdited = false;
      capInput.blur();
      saved = true;
    });
  };

  // --- following ------------------------------------------------------------------------

  const stops = [
    realtime.subscribe(`booth-queue-staff:${booth}`, {
      onSnapshot: load, // the first paint, and after a resume past the replay window or a reset
      onEvent: onStaffEvent,
      onError: (error) => {
        if (["forbidden", "unauthorized"].includes(error?.code)) hidden = true;
        else failure = error;
        render();
      },
    }),
    realtime.subscribe(`booth-queue:${booth}`, { onEvent: onLineEvent, onError: () => {} }),
    onLangChange(render),
    onAccountChange(() => render()),
  ];
  if (currentAccount() === undefined) loadAccount().then(render);
  render();

  return () => {
    stopped = true;
    clearInterval(ticker);
    clearTimeout(checkTimer);
    for (const stop of stops.splice(0)) stop();
    panel.remove();
  };
}

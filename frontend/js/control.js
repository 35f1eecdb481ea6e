// The organisers' control room (#/control, docs/control.md): the nine stages, the hall and the
// alerts, live. The figures arrive as `control.figures` on `control:all` at most once a second,
// summed over every server process; the newest (by `seq`) is kept, the first paint (and a
// resume) reads GET /api/control/figures. The page is built once and then patched in place
// (control_parts.js): nothing is rebuilt each second.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { errorText, onLangChange, t } from "./i18n.js";
import { signInHref } from "./header.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";
import { alertRow, alertText, keyed, processRow, queueRow, sectionRow, setText, stageCard } from "./control_parts.js";
import "./control_strings.js";

const TOPIC = "control:all";
const EVENT = "control.figures";
const STALE_AFTER_MS = 5000; // no figures this long: the page says so
const RESTART_MS = 5000;

function linkStyles() {
  if (document.querySelector('link[data-control-css]')) return;
  document.head.append(h("link", { rel: "stylesheet", href: "css/control.css", "data-control-css": "" }));
}

function tile(label) {
  const value = h("strong", { class: "control-tile-value" });
  const sub = h("span", { class: "control-tile-sub" });
  return { el: h("div", { class: "control-tile" }, h("span", { class: "control-tile-label" }, label), value, sub), value, sub };
}

function table(headings, body) {
  return h(
    "div",
    { class: "control-table-wrap" },
    h("table", { class: "control-table" }, h("thead", {}, h("tr", {}, headings.map(([text, cls]) => h("th", { class: cls || "" }, text)))), body),
  );
}

/** The page's frame: built once per language and account, patched every second. */
function skeleton() {
  const updated = h("span", { class: "control-updated" });
  const processes = h("span", { class: "control-processes" });
  const stale = h("span", { class: "control-stale" });
  // Read out once when an alert is raised (the list itself changes every second: its durations).
  const announce = h("p", { class: "control-announce", role: "status" });
  let raised = null; // the alert ids shown, once the first figures are in
  const waiting = h("p", { class: "notice control-waiting" }, t("control.waiting"));
  const alerts = h("ul", { class: "control-alerts" });
  const clear = h("p", { class: "control-all-clear" }, t("control.all_clear"));
  const stages = h("div", { class: "control-stages" });
  const tiles = {
    staffed: tile(t("control.booths_staffed")),
    visitors: tile(t("control.visitors")),
    staff: tile(t("control.staff_online")),
    meetings: tile(t("control.meetings_now")),
    queues: tile(t("control.in_queues")),
  };
  const sections = h("tbody", {});
  const queues = h("tbody", {});
  const noQueues = h("p", { class: "control-empty" }, t("control.no_queues"));
  const queueTable = table([[t("control.booth")], [t("control.length"), "num"], [t("control.wait"), "num"], [""]], queues);
  const processList = h("tbody", {});
  const el = h(
    "section",
    { class: "control" },
    h(
      "header",
      { class: "control-head" },
      h("h1", {}, t("control.heading")),
      h("p", { class: "control-intro" }, t("control.intro")),
      h("p", { class: "control-meta" }, updated, processes, stale),
      announce,
    ),
    waiting,
    h("section", { class: "panel control-alerts-panel" }, h("h2", { class: "panel-title" }, t("control.alerts")), clear, alerts),
    h("h2", { class: "control-section-title" }, t("control.stages")),
    stages,
    h(
      "section",
      { class: "panel control-hall" },
      h("h2", { class: "panel-title" }, t("control.hall")),
      h("div", { class: "control-tiles" }, Object.values(tiles).map((x) => x.el)),
      h(
        "div",
        { class: "control-hall-tables" },
        h(
          "div",
          {},
          h("h3", {}, t("control.longest_queues")),
          noQueues,
          queueTable,
        ),
        h(
          "div",
          {},
          h("h3", {}, t("control.sections")),
          table([[t("control.section")], [t("control.booths"), "num"], [t("control.staffed"), "num"], [t("control.visitors"), "num"]], sections),
        ),
      ),
    ),
    h(
      "section",
      { class: "panel control-process-panel" },
      h("h2", { class: "panel-title" }, t("control.process_list")),
      table([[t("control.process")], [t("control.sockets"), "num"], [t("control.heard"), "num"], [""]], processList),
    ),
  );
  const holder = { current: null };
  const update = (data) => {
    holder.current = data;
    waiting.hidden = true;
    setText(updated, t("control.updated", { time: new Date(data.at).toLocaleTimeString(undefined, { hour12: false }) }));
    const silent = data.processes.filter((p) => p.silent).length;
    setText(processes, [t("control.processes", { n: data.processes.length - silent }), silent ? t("control.processes_silent", { n: silent }) : ""].filter(Boolean).join(" · "));
    clear.hidden = data.alerts.length > 0;
    keyed(alerts, data.alerts, (a) => a.id, () => alertRow(holder));
    // An alert is known by its id and when it was raised: one raised again is read out again,
    // even if this page missed the second in which it had cleared (figures are flashed).
    const alertKey = (a) => `${a.id}@${a.since ?? ""}`;
    const fresh = raised ? data.alerts.filter((a) => !raised.has(alertKey(a))) : [];
    if (fresh.length) setText(announce, fresh.map((a) => alertText(a, data)).join(" · "));
    raised = new Set(data.alerts.map(alertKey));
    keyed(stages, data.stages, (s) => s.forum, stageCard);
    const hall = data.hall;
    setText(tiles.staffed.value, `${hall.staffed} / ${hall.booths}`);
    setText(tiles.visitors.value, hall.visitors);
    setText(tiles.staff.value, hall.staff_online);
    setText(tiles.meetings.value, hall.meetings_now);
    setText(tiles.queues.value, hall.queue_people);
    noQueues.hidden = hall.longest_queues.length > 0;
    queueTable.hidden = !noQueues.hidden;
    keyed(queues, hall.longest_queues, (q) => q.exhibitor, queueRow);
    keyed(sections, hall.sections, (s) => s.industry, sectionRow);
    keyed(processList, data.processes, (p) => p.id, processRow);
  };
  return { el, update, stale };
}

export function mountControl(root) {
  linkStyles();
  let figures = null; // the newest `control.figures` data (highest seq)
  let heardAt = 0;
  let failure = null;
  let page = null;
  let shownFor = null;
  let unsubscribe = null;
  let stopped = false;

  const take = (data) => {
    if (!data || typeof data.seq !== "number") return;
    // An older second arrived late: dropped. A lower seq with a much later time is a sequence
    // that started again (Redis restarted empty), not an old second.
    const restarted = figures && Date.parse(data.at) > Date.parse(figures.at) + RESTART_MS;
    if (figures && data.seq <= figures.seq && !restarted) return;
    figures = data;
    heardAt = Date.now();
    failure = null;
    page?.update(figures);
  };

  const load = async () => {
    try {
      const body = await api("/api/control/figures");
      if (!stopped) take(body.figures);
    } catch (error) {
      if (stopped) return;
      failure = error;
      render();
    }
  };

  const render = () => {
    const account = currentAccount();
    const who = account ? `${account.id}:${account.role}` : String(account);
    if (account === undefined) return;
    if (!account || account.role !== "organizer") {
      unsubscribe?.();
      unsubscribe = null;
      page = null;
      shownFor = who;
      return replace(
        root,
        h(
          "section",
          { class: "control" },
          h("h1", {}, t("control.heading")),
          h("p", { class: "notice" }, t("control.organisers_only"), " ", account ? null : h("a", { href: signInHref() }, t("control.signin_link"))),
        ),
      );
    }
    page = skeleton();
    replace(root, page.el, failure ? h("p", { class: "notice notice-error", role: "alert" }, errorText(failure)) : null);
    if (figures) page.update(figures);
    if (shownFor !== who || !unsubscribe) {
      unsubscribe?.();
      unsubscribe = realtime.subscribe(TOPIC, {
        onSnapshot: load, // the first paint, and after a resume
        onEvent: (type, data) => {
          if (type === EVENT) take(data);
        },
        onError: (error) => {
          failure = error;
          render();
        },
      });
    }
    shownFor = who;
  };

  // Local only (no request): say when the figures stopped coming.
  const clock = setInterval(() => {
    if (!page || !figures) return;
    const quiet = Date.now() - heardAt > STALE_AFTER_MS;
    setText(page.stale, quiet ? t("control.stale", { time: new Date(figures.at).toLocaleTimeString(undefined, { hour12: false }) }) : "");
  }, 1000);

  render();
  const offLang = onLangChange(render);
  const offAccount = onAccountChange(render);
  return () => {
    stopped = true;
    clearInterval(clock);
    unsubscribe?.();
    offLang();
    offAccount();
  };
}

// The console's queues tab (#/console/queues, organisers): every booth with people in line, its
// length, its state (open, paused, closed) and its longest wait (a live "x min"), the longest line first, the booth's name in the
// reader's language and the way to its dashboard (where its queue panel is).
// Read from GET /api/match/queues; a `queue.summary` on `match-organisers:all` (a line grew or
// shrank somewhere) reads it again, at most once per DEBOUNCE_MS however busy the hall is.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { onLangChange, pick, t } from "../i18n.js";
import { minutesBetween } from "../queue_staff_line.js";
import { minutesText, queueErrorText } from "../queue_staff_strings.js";
import { realtime } from "../realtime.js";

const TOPIC = "match-organisers:all";
const DEBOUNCE_MS = 400;

/** Longest line first; equal lines, the longest wait first; then by booth. */
export function ordered(queues) {
  const since = (q) => (q.longest_wait_since ? Date.parse(q.longest_wait_since) : Infinity);
  return [...queues].sort((a, b) => b.length - a.length || since(a) - since(b) || a.exhibitor - b.exhibitor);
}

export function mount(root) {
  let queues = null;
  let error = null;
  let stopped = false;
  let timer = null;
  let loading = false;
  let again = false; // a summary came while reading: read once more after

  const waitText = (iso) => (iso ? minutesText(minutesBetween(Date.parse(iso), Date.now())) : "—");

  const load = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const body = await api("/api/match/queues");
      queues = ordered(body.queues || []);
      error = null;
    } catch (err) {
      error = err;
    } finally {
      loading = false;
    }
    if (stopped) return;
    render();
    if (again) {
      again = false;
      refresh();
    }
  };

  // One read per DEBOUNCE_MS at most, and never later than that after the first summary (a
  // steady stream of them must not put the read off for ever).
  const refresh = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (!stopped) load();
    }, DEBOUNCE_MS);
  };

  const row = (q) => {
    const name = pick({ zh: q.name_zh, en: q.name_en }) || `#${q.exhibitor}`;
    return h(
      "tr",
      { dataset: { exhibitor: String(q.exhibitor) } },
      h("td", { class: "qconsole-booth", "data-label": t("qconsole.booth") }, h("a", { href: `#/booth/${q.exhibitor}` }, name)),
      h("td", { class: "qconsole-length", "data-label": t("qconsole.length") }, String(q.length)),
      h(
        "td",
        { class: "qconsole-state", "data-label": t("qconsole.state") },
        q.state ? h("span", { class: `chip qstaff-state is-${q.state}` }, t(`qstaff.state.${q.state}`)) : "—",
      ),
      h(
        "td",
        { class: "qconsole-longest", "data-label": t("qconsole.longest") },
        h("span", { dataset: q.longest_wait_since ? { since: q.longest_wait_since } : {} }, waitText(q.longest_wait_since)),
      ),
      h(
        "td",
        { class: "qconsole-link" },
        h("a", { class: "button button-small button-ghost", href: `#/booth/${q.exhibitor}/dashboard`, "aria-label": t("qconsole.dashboard_of", { name }) }, t("qconsole.dashboard")),
      ),
    );
  };

  const render = () => {
    if (stopped) return;
    replace(
      root,
      h(
        "section",
        { class: "panel qconsole" },
        h("h2", {}, t("qconsole.heading")),
        h("p", { class: "muted" }, t("qconsole.intro")),
        error ? h("p", { class: "form-error", role: "alert" }, queueErrorText(error)) : null,
        queues === null && !error ? h("p", { class: "muted" }, "…") : null,
        queues && queues.length === 0 ? h("p", { class: "muted qconsole-none" }, t("qconsole.none")) : null,
        queues && queues.length
          ? h(
              "table",
              { class: "qconsole-table" },
              h(
                "thead",
                {},
                h("tr", {}, h("th", {}, t("qconsole.booth")), h("th", {}, t("qconsole.length")), h("th", {}, t("qconsole.state")), h("th", {}, t("qconsole.longest")), h("th", {}, "")),
              ),
              h("tbody", {}, queues.map(row)),
            )
          : null,
      ),
    );
  };

  // The waits grow by themselves: their text is brought up to date in place.
  const ticker = setInterval(() => {
    for (const el of root.querySelectorAll(".qconsole [data-since]")) el.textContent = waitText(el.dataset.since);
  }, 15_000);

  const offTopic = realtime.subscribe(TOPIC, {
    onSnapshot: refresh,
    onEvent: (type) => {
      if (type === "queue.summary") refresh();
    },
    onError: (err) => console.warn("console queues: not live", err),
  });
  const offLang = onLangChange(render);
  render();
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(ticker);
    offTopic();
    offLang();
  };
}

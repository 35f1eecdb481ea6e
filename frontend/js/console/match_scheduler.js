// The organisers' optimal scheduler panel, mounted in the console's matchmaking tab:
// a run button with its time limit, a live progress bar (match.scheduler_progress on
// match-organisers:all), and the latest result beside its upper bound.
// POST /api/match/scheduler/runs {time_limit}; GET /api/match/scheduler/runs/latest.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, dateTime, errorText, getLang, has, onLangChange, t } from "../i18n.js";
import "../match_errors.js"; // err.match.* words, shared by the matchmaking pages
import { realtime } from "../realtime.js";

const TOPIC = "match-organisers:all";

addStrings({
  zh: {
    "sched.heading": "最优排程",
    "sched.intro": "为所有已接受但尚未安排时间的会面请求统一排程：先让尽可能多的人至少有一场会面，再让会面总数最多；已确认的会面保持不变。",
    "sched.limit": "时间上限（秒）",
    "sched.limit_short": "时间上限",
    "sched.unit": "秒",
    "sched.run": "运行排程",
    "sched.running": "排程运行中…",
    "sched.phase.queued": "排队中",
    "sched.phase.reading": "读取请求",
    "sched.phase.prepare": "准备",
    "sched.phase.people": "保证每人一场",
    "sched.phase.bound": "计算上限",
    "sched.phase.greedy": "安排与修补",
    "sched.phase.trade": "交换优化",
    "sched.phase.exact": "精确求解",
    "sched.phase.writing": "写入会面",
    "sched.phase.done": "完成",
    "sched.none": "尚未运行过排程。",
    "sched.latest": "最近一次：{when}",
    "sched.meetings": "会面",
    "sched.bound": "上限",
    "sched.placed": "本次新增",
    "sched.without": "仍无会面的人",
    "sched.skipped": "因冲突跳过",
    "sched.status.optimal": "已证明最优",
    "sched.status.feasible": "可行解（未证明最优）",
    "sched.failed": "排程失败：{error}",
    "sched.seconds": "用时 {n} 秒",
  },
  en: {
    "sched.heading": "Optimal scheduler",
    "sched.intro": "Schedules every accepted request still waiting for a slot: first as many people as possible get at least one meeting, then as many meetings as possible; confirmed meetings stay where they are.",
    "sched.limit": "Time limit (seconds)",
    "sched.limit_short": "Time limit",
    "sched.unit": "s",
    "sched.run": "Run the scheduler",
    "sched.running": "Scheduler running…",
    "sched.phase.queued": "Queued",
    "sched.phase.reading": "Reading requests",
    "sched.phase.prepare": "Preparing",
    "sched.phase.people": "One meeting for everyone",
    "sched.phase.bound": "Computing the bound",
    "sched.phase.greedy": "Placing and repairing",
    "sched.phase.trade": "Trading seats",
    "sched.phase.exact": "Exact search",
    "sched.phase.writing": "Saving meetings",
    "sched.phase.done": "Done",
    "sched.none": "The scheduler has not run yet.",
    "sched.latest": "Latest run: {when}",
    "sched.meetings": "Meetings",
    "sched.bound": "Upper bound",
    "sched.placed": "New this run",
    "sched.without": "People still without one",
    "sched.skipped": "Skipped (clashes)",
    "sched.status.optimal": "Proven optimal",
    "sched.status.feasible": "Feasible (not proven optimal)",
    "sched.failed": "The run failed: {error}",
    "sched.seconds": "{n} s",
  },
});

const phaseText = (phase) => (has(`sched.phase.${phase}`) ? t(`sched.phase.${phase}`) : phase);

let mounts = 0; // each panel's own ids: a label finds its own input, even beside another panel

export function mountScheduler(root) {
  const limitId = `sched-limit-${++mounts}`;
  let run = null; // the latest run, as the server sent it
  let live = null; // {phase, percent} while a run goes on
  let error = "";
  let busy = false;
  let stopped = false;
  let limit = 30;

  const figure = (label, value) =>
    h("div", { class: "sched-figure" }, h("dt", {}, label), h("dd", {}, String(value)));

  const resultView = () => {
    if (!run) return h("p", { class: "muted" }, t("sched.none"));
    const r = run.result || {};
    const when = h("p", { class: "muted small" }, t("sched.latest", { when: dateTime(run.started_at) }));
    if (run.status === "failed") return [when, h("p", { class: "error", role: "alert" }, t("sched.failed", { error: run.error }))];
    if (run.status !== "finished") return when;
    const summary = r.summary ? r.summary[getLang()] || r.summary.en : "";
    return [
      when,
      h("p", { class: "sched-summary" }, summary),
      h(
        "dl",
        { class: "sched-figures" },
        figure(t("sched.meetings"), r.meetings),
        figure(t("sched.bound"), r.upper_bound),
        figure(t("sched.placed"), r.placed),
        figure(t("sched.without"), r.people_without),
        r.skipped ? figure(t("sched.skipped"), r.skipped) : null,
      ),
      h(
        "p",
        { class: "muted small" },
        `${t(`sched.status.${r.solver_status}`)} · ${t("sched.seconds", { n: r.seconds })}`,
      ),
    ];
  };

  const render = () => {
    if (stopped) return;
    const running = busy || (run && run.status === "running");
    const progress = live || (run && run.status === "running" ? { phase: run.phase, percent: run.percent } : null);
    const input = h("input", {
      type: "number",
      min: "1",
      max: "600",
      step: "1",
      value: String(limit),
      id: limitId,
      class: "sched-limit",
      inputmode: "numeric",
      "aria-label": t("sched.limit"), // the visible label is short; its unit sits beside the box
      oninput: (event) => {
        limit = Number(event.target.value);
      },
    });
    replace(
      root,
      h(
        "section",
        { class: "panel match-scheduler" },
        h("h2", {}, t("sched.heading")),
        h("p", { class: "muted" }, t("sched.intro")),
        h(
          "form",
          { class: "row sched-form", onsubmit: start },
          h("label", { for: limitId }, t("sched.limit_short")),
          h("span", { class: "sched-limit-box" }, input, h("span", { class: "sched-unit", "aria-hidden": "true" }, t("sched.unit"))),
          h("button", { type: "submit", class: "button button-primary", disabled: running ? true : null }, running ? t("sched.running") : t("sched.run")),
        ),
        running && progress
          ? h(
              "div",
              { class: "sched-progress", role: "status" },
              h("progress", { max: "100", value: String(progress.percent), "aria-label": phaseText(progress.phase) }),
              h("span", { class: "small" }, `${phaseText(progress.phase)} · ${progress.percent}%`),
            )
          : null,
        error ? h("p", { class: "error", role: "alert" }, error) : null,
        resultView(),
      ),
    );
  };

  // A fast run's `match.scheduler_finished` can arrive before the reply that started it, or
  // while the latest run is being read: a run already seen finished is never replaced by an
  // older answer saying it is still running.
  const keep = (next) => {
    if (!next) return run;
    if (run && run.id === next.id && run.status !== "running" && next.status === "running") return run;
    if (run && next.id < run.id) return run;
    return next;
  };

  async function load() {
    try {
      const body = await api("/api/match/scheduler/runs/latest");
      if (stopped) return;
      run = keep(body.run);
      if (run && run.status !== "running") live = null;
    } catch (e) {
      error = errorText(e);
    }
    render();
  }

  async function start(event) {
    event.preventDefault();
    if (!(limit > 0 && limit <= 600)) limit = 30;
    busy = true;
    error = "";
    live = { phase: "queued", percent: 0 };
    render();
    try {
      const body = await api("/api/match/scheduler/runs", { method: "POST", body: { time_limit: limit } });
      run = keep(body.run);
      if (run.status !== "running") live = null;
    } catch (e) {
      error = errorText(e);
      live = null;
    }
    busy = false;
    render();
  }

  const offTopic = realtime.subscribe(TOPIC, {
    onSnapshot: load,
    onEvent: (type, data) => {
      if (type === "match.scheduler_progress") {
        if (!run || data.run === run.id || data.run > run.id) {
          live = { phase: data.phase, percent: data.percent };
          if (run && data.run > run.id) load(); // another organiser's run began
          render();
        }
      } else if (type === "match.scheduler_finished") {
        run = data.run;
        live = null;
        render();
      }
    },
    onError: (e) => console.warn("scheduler panel: not live", e),
  });
  const offLang = onLangChange(render);
  render();
  load();
  return () => {
    stopped = true;
    offTopic?.();
    offLang();
  };
}

// The lobby (#/): the main stage first, then the eight forums, refreshed every 10 s.

import { getForums } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { errorText, hhmm, onLangChange, pick, t } from "./i18n.js";

const REFRESH_MS = 10_000;

export function mountLobby(root) {
  let forums = null;
  let failure = null;
  let controller = null;
  let stopped = false;

  const load = async () => {
    if (document.hidden || stopped) return;
    controller?.abort();
    controller = new AbortController();
    try {
      const body = await getForums({ signal: controller.signal });
      forums = [...body.forums].sort((a, b) => a.position - b.position || a.id - b.id);
      failure = null;
    } catch (error) {
      if (error?.name === "AbortError") return;
      failure = error;
    }
    if (!stopped) render();
  };

  const render = () => {
    const stages = (forums || []).filter((f) => f.kind === "stage");
    const rooms = (forums || []).filter((f) => f.kind !== "stage");
    replace(
      root,
      h(
        "section",
        { class: "lobby" },
        h(
          "div",
          { class: "lobby-intro" },
          h("h1", {}, t("lobby.heading")),
          h("p", {}, t("lobby.intro")),
        ),
        failure
          ? h("p", { class: "notice notice-error", role: "status" }, t("lobby.load_failed"), " ",
              h("span", { class: "muted" }, `(${errorText(failure)})`))
          : null,
        forums === null && !failure
          ? h("p", { class: "notice", role: "status" }, t("lobby.loading"))
          : null,
        forums !== null && forums.length === 0 ? h("p", { class: "notice" }, t("lobby.empty")) : null,
        stages.map(stageCard),
        rooms.length
          ? h("div", { class: "forum-grid" }, rooms.map((f, i) => forumCard(f, i + 1)))
          : null,
      ),
    );
  };

  const onVisible = () => {
    if (!document.hidden) load();
  };
  document.addEventListener("visibilitychange", onVisible);
  const timer = setInterval(load, REFRESH_MS);
  const offLang = onLangChange(render);
  render();
  load();

  return () => {
    stopped = true;
    clearInterval(timer);
    controller?.abort();
    offLang();
    document.removeEventListener("visibilitychange", onVisible);
  };
}

function stageCard(forum) {
  return h(
    "a",
    { class: "card stage-card", href: `#/forum/${forum.id}` },
    h(
      "div",
      { class: "card-top" },
      h("span", { class: "chip chip-accent" }, t("lobby.stage_label")),
      audience(forum.audience),
    ),
    h("h2", { class: "stage-title" }, pick(forum.title)),
    h("div", { class: "stage-sessions" }, nowAndNext(forum)),
    h("span", { class: "stage-cta" }, t("lobby.enter"), " →"),
  );
}

function forumCard(forum, number) {
  return h(
    "a",
    { class: "card forum-card", href: `#/forum/${forum.id}` },
    h(
      "div",
      { class: "card-top" },
      h("span", { class: "chip" }, t("lobby.forum_label", { n: number })),
      audience(forum.audience),
    ),
    h("h3", { class: "forum-title" }, pick(forum.title)),
    nowAndNext(forum),
  );
}

function nowAndNext(forum) {
  return h(
    "dl",
    { class: "now-next" },
    sessionLine("now", forum.now),
    sessionLine("next", forum.next),
  );
}

function sessionLine(which, session) {
  const label =
    which === "now" && session
      ? h("dt", { class: "now-label is-live" }, h("span", { class: "live-dot" }), t("lobby.now"))
      : h("dt", { class: `${which}-label` }, t(`lobby.${which}`));
  if (!session) {
    return h(
      "div",
      { class: `session-line ${which} is-empty` },
      label,
      h("dd", { class: "muted" }, t(which === "now" ? "lobby.nothing_now" : "lobby.nothing_next")),
    );
  }
  return h(
    "div",
    { class: `session-line ${which}` },
    label,
    h(
      "dd",
      {},
      h("time", { class: "session-time", datetime: session.starts_at }, sessionTimes(session, which)),
      h("span", { class: "session-title" }, pick(session.title)),
    ),
  );
}

function sessionTimes(session, which) {
  return which === "now"
    ? `${hhmm(session.starts_at)}–${hhmm(session.ends_at)}`
    : hhmm(session.starts_at);
}

export function audience(count) {
  const n = Number.isFinite(count) ? count : 0;
  return h(
    "span",
    { class: "audience", title: t("audience", { n }) },
    icon("eye", "icon icon-small"),
    h("span", {}, t("audience", { n: n.toLocaleString() })),
  );
}

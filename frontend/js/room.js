// A forum room (#/forum/<id>): title, player, programme, live chat and how many are watching.

import { ApiError, getForum } from "./api.js";
import { chatPanel } from "./chat.js";
import { h, icon, replace } from "./dom.js";
import { errorText, hhmm, listOf, onLangChange, pick, t, timeZoneName } from "./i18n.js";
import { streamPlayer } from "./player.js";
import { realtime } from "./realtime.js";

const PROGRAMME_TICK_MS = 30_000;

export function mountRoom(root, { id }) {
  const forumId = Number(id);
  let forum = null;
  let presence = null;
  let stream = null; // the player, while the room has a stream_url
  let stopped = false;
  const cleanups = [];

  const head = h("div", { class: "room-head" });
  const player = h("section", { class: "player" });
  const programme = h("section", { class: "panel programme" });
  const chat = chatPanel(forumId);
  const badge = h("span", { class: "watching-badge", hidden: true });

  const renderHead = () => {
    replace(
      head,
      h("a", { class: "back-link", href: "#/" }, icon("back", "icon icon-small"), t("room.back")),
      h(
        "div",
        { class: "room-title-row" },
        h("div", { class: "room-title-block" },
          h("span", { class: forum.kind === "stage" ? "chip chip-accent" : "chip" },
            t(forum.kind === "stage" ? "lobby.stage_label" : "room.forum_kind")),
          h("h1", { class: "room-title" }, pick(forum.title)),
        ),
        badge,
      ),
    );
    document.title = `${pick(forum.title)} · Shubo Live`;
  };

  const renderBadge = () => {
    badge.hidden = presence === null;
    badge.classList.toggle("is-stale", !realtime.isOpen); // a count from before the drop
    replace(badge, h("span", { class: "live-dot" }), t("audience", { n: (presence ?? 0).toLocaleString() }));
  };

  const renderPlayer = () => {
    const url = safeStreamUrl(forum.stream_url);
    if (url) {
      // Built once: re-rendering (a language switch) must not interrupt playback.
      if (stream?.url !== url) {
        stream?.stop();
        stream = streamPlayer(url);
        replace(player, stream.element);
      }
      stream.render();
      return;
    }
    stream?.stop();
    stream = null;
    const upcoming = nextSession(forum.sessions || []);
    replace(
      player,
      h(
        "div",
        { class: "player-frame player-placeholder", role: "status" },
        h("div", { class: "placeholder-grid", "aria-hidden": "true" }),
        h(
          "div",
          { class: "placeholder-body" },
          h("span", { class: "placeholder-icon" }, icon("play", "icon")),
          h("p", { class: "placeholder-title" }, t("room.stream_soon")),
          h(
            "p",
            { class: "placeholder-sub" },
            upcoming
              ? t("room.stream_soon_next", { time: hhmm(upcoming.starts_at), title: pick(upcoming.title) })
              : t("room.stream_soon_none"),
          ),
        ),
      ),
    );
  };

  const renderProgramme = () => {
    const now = Date.now();
    const sessions = [...(forum.sessions || [])].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    replace(
      programme,
      h("h2", { class: "panel-title" }, icon("clock", "icon icon-small"), t("room.programme")),
      h("p", { class: "muted small" }, t("room.times_local", { tz: timeZoneName() || "—" })),
      sessions.length === 0
        ? h("p", { class: "muted" }, t("room.no_sessions"))
        : h(
            "ol",
            { class: "session-list" },
            sessions.map((s) => {
              const start = Date.parse(s.starts_at);
              const end = Date.parse(s.ends_at);
              const state = end <= now ? "is-past" : start <= now ? "is-live" : "is-upcoming";
              return h(
                "li",
                { class: `session-item ${state}` },
                h("time", { class: "session-when", datetime: s.starts_at }, `${hhmm(s.starts_at)}–${hhmm(s.ends_at)}`),
                h(
                  "div",
                  { class: "session-what" },
                  h(
                    "p",
                    { class: "session-name" },
                    pick(s.title),
                    state === "is-live" ? h("span", { class: "tag tag-live" }, h("span", { class: "live-dot" }), t("live")) : null,
                    state === "is-past" ? h("span", { class: "tag" }, t("room.ended")) : null,
                  ),
                  s.speakers.length
                    ? h("p", { class: "session-speakers muted" }, t("room.speakers", { names: listOf(s.speakers.map((p) => p.name)) }))
                    : null,
                ),
              );
            }),
          ),
    );
  };

  const renderAll = () => {
    if (!forum) return;
    renderHead();
    renderBadge();
    renderPlayer();
    renderProgramme();
  };

  // Loading the room.
  replace(root, h("p", { class: "notice", role: "status" }, t("room.loading")));
  const controller = new AbortController();
  getForum(forumId, { signal: controller.signal }).then(
    (body) => {
      if (stopped) return;
      forum = body;
      replace(
        root,
        h(
          "section",
          { class: "room" },
          h("div", { class: "room-layout" }, head, player, chat.element, programme),
        ),
      );
      renderAll();
      cleanups.push(onLangChange(renderAll));
      cleanups.push(realtime.onStatus(() => renderBadge()));
      const tick = setInterval(() => {
        renderProgramme();
        if (!forum.stream_url) renderPlayer();
      }, PROGRAMME_TICK_MS);
      cleanups.push(() => clearInterval(tick));
      cleanups.push(
        chat.start({
          onPresence: (count) => {
            // The count includes this tab once subscribed, even before the server's next push.
            presence = Math.max(count, 1);
            renderBadge();
          },
        }),
      );
    },
    (error) => {
      if (stopped || error?.name === "AbortError") return;
      const missing = error instanceof ApiError && (error.status === 404 || error.code === "bad_request");
      replace(
        root,
        h(
          "section",
          { class: "panel empty-state" },
          h("h1", {}, missing ? t("room.not_found") : errorText(error)),
          h("a", { class: "button button-primary", href: "#/" }, t("notfound.back")),
        ),
      );
    },
  );

  return () => {
    stopped = true;
    controller.abort();
    chat.stop();
    stream?.stop();
    for (const fn of cleanups) fn();
    document.title = t("app.title");
  };
}

function nextSession(sessions) {
  const now = Date.now();
  const sorted = [...sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  return sorted.find((s) => Date.parse(s.starts_at) > now) || null;
}

function safeStreamUrl(value) {
  if (!value) return null;
  try {
    const url = new URL(value, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

// A shelf of replays: the lobby's newest (all rooms) and a room's own. Cards link to the replay
// page (#/replay/<id>); a room's shelf follows `replay.ready` and `replay.changed` on the room's
// topic (the room page passes them on), newest version of each replay kept.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { dateTime, pick, t } from "./i18n.js";
import "./replay_strings.js";
import { currentAccount, onAccountChange } from "./session.js";

export const REPLAY_EVENTS = new Set(["replay.ready", "replay.changed"]);

/** "42 min", "35 s": a replay's length. */
export function lengthOf(seconds) {
  if (!(seconds > 0)) return "";
  return seconds < 60
    ? t("replay.duration_short", { sec: Math.round(seconds) })
    : t("replay.duration", { min: Math.round(seconds / 60) });
}

/** The replays after `replay` arrives: added, replaced if newer, dropped once hidden. */
export function withReplay(replays, replay, { keepHidden = false } = {}) {
  const known = replays.find((r) => r.id === replay.id);
  if (known && known.version >= replay.version) return replays;
  const rest = replays.filter((r) => r.id !== replay.id);
  if (replay.hidden && !keepHidden) return rest;
  return [replay, ...rest].sort((a, b) => b.started_at.localeCompare(a.started_at) || b.id - a.id);
}

function card(replay, { showRoom }) {
  const sessions = replay.chapters.map((c) => pick(c.title));
  return h(
    "li",
    { class: replay.hidden ? "replay-card is-hidden" : "replay-card", dataset: { replay: replay.id } },
    h(
      "a",
      { class: "replay-card-link", href: `#/replay/${replay.id}` },
      h("span", { class: "replay-card-play", "aria-hidden": "true" }, "▶"),
      h(
        "span",
        { class: "replay-card-body" },
        showRoom ? h("span", { class: "replay-card-room" }, pick(replay.forum.title)) : null,
        h("span", { class: "replay-card-title" }, sessions[0] || t("replay.watch")),
        sessions.length > 1 ? h("span", { class: "replay-card-more muted small" }, sessions.slice(1).join(" · ")) : null,
        h(
          "span",
          { class: "replay-card-meta muted small" },
          dateTime(replay.started_at),
          replay.duration ? ` · ${lengthOf(replay.duration)}` : "",
          replay.hidden ? ` · ${t("replay.hidden_badge")}` : "",
        ),
      ),
    ),
  );
}

/**
 * replayShelf({forumId, limit, showRoom, heading, onChange})
 *   -> {element, apply(event data), replayOf(session id), render(), stop()}
 * Without forumId: every room's newest. Renders nothing while there is no replay, unless
 * `alwaysShow` (a room's page says there is none yet). `onChange()` after the replays changed.
 */
export function replayShelf({ forumId = null, limit = 6, showRoom = true, heading, alwaysShow = false, onChange = null }) {
  const element = h("section", { class: "replay-shelf", hidden: true, "aria-label": t(heading) });
  const controller = new AbortController();
  let replays = null;

  const render = () => {
    const shown = (replays || []).slice(0, limit);
    element.hidden = replays === null || (shown.length === 0 && !alwaysShow);
    element.setAttribute("aria-label", t(heading));
    replace(
      element,
      h("h2", { class: "replay-shelf-heading" }, t(heading)),
      shown.length
        ? h("ul", { class: "replay-shelf-list" }, shown.map((r) => card(r, { showRoom })))
        : h("p", { class: "muted small" }, t("replay.shelf_empty")),
    );
  };

  // Organisers see hidden replays too (marked), to show one again; who is signed in may be
  // learned after the shelf was made: the list is read again when it changes.
  let organiser = false;
  let asked = null;
  const load = () => {
    organiser = currentAccount()?.role === "organizer";
    const query = new URLSearchParams({ limit: String(limit) });
    if (forumId !== null) query.set("forum", String(forumId));
    if (organiser) query.set("hidden", "1");
    if (asked === query.toString()) return;
    asked = query.toString();
    api(`/api/replays?${query}`, { signal: controller.signal })
      .then((found) => {
        // Events heard while we asked are newer than the list.
        let merged = found.replays;
        for (const r of replays || []) merged = withReplay(merged, r, { keepHidden: organiser });
        replays = merged;
        render();
        onChange?.();
      })
      .catch((error) => {
        if (error.name !== "AbortError") console.warn("replays: not loaded", error);
      });
  };
  load();
  const offAccount = onAccountChange(() => load());

  return {
    element,
    render,
    apply(replay) {
      if (!replay || typeof replay.id !== "number") return;
      replays = withReplay(replays || [], replay, { keepHidden: organiser });
      render();
      onChange?.();
    },
    /** The newest replay holding the session (as a chapter), or null. */
    replayOf: (sessionId) => (replays || []).find((r) => r.chapters.some((c) => c.session === sessionId)) || null,
    stop: () => {
      controller.abort();
      offAccount();
    },
  };
}

// The lobby (#/): the main stage first, then the eight forums, then the way to the expo hall.
// How many watch each room comes live over the tab's socket (topic `lobby:forums`); now/next
// are refreshed every minute.

import { getForums } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { errorText, getLang, hhmm, onLangChange, pick, roleName, t } from "./i18n.js";
import { roomHref, takeWelcome } from "./nav.js";
import { REPLAY_EVENTS, replayShelf } from "./replay_shelf.js";
import { realtime } from "./realtime.js";
import { applyRoomChange, mergeRooms } from "./room_changes.js";
// --- releases: the newest three releases, live over `hall:all` ---
import { HALL_TOPIC, mountLobbyReleases } from "./releases.js";
// --- end releases ---

const REFRESH_MS = 60_000;
const LOBBY_TOPIC = "lobby:forums";
const stale = () => realtime.everOpen && !realtime.isOpen; // live counts, then the socket dropped

export function mountLobby(root) {
  let forums = null;
  let failure = null;
  let controller = null;
  let stopped = false;
  let shown = null; // what the page shows, but for the counts (they change in place)
  const counts = new Map(); // room topic -> how many watch it, the newest we know
  let summaryAt = -1; // when the last live summary came (performance.now())
  const badges = new Map(); // room topic -> its audience badges on the page
  const welcome = takeWelcome(); // the role an invitation just gave, to greet with
  // --- releases: one element, kept across renders; the strip fills it and follows hall:all ---
  const releaseStrip = h("div", { class: "lobby-releases" });
  const releases = mountLobbyReleases(releaseStrip);
  // The newest replays of every room (replay_shelf.js), kept across renders like the strip.
  const replays = replayShelf({ limit: 6, heading: "replay.shelf_heading" });
  const unfollowHall = realtime.subscribe(HALL_TOPIC, {
    onEvent: (type, data) => releases.onEvent(type, data),
    onError: (error) => console.warn("lobby: no live releases", error),
  });
  // --- end releases ---

  const load = async () => {
    if (document.hidden || stopped) return;
    controller?.abort();
    controller = new AbortController();
    const askedAt = performance.now();
    try {
      const body = await getForums({ signal: controller.signal });
      // A room an organiser changed while we asked stays as its newer event left it.
      forums = mergeRooms(forums, body.forums);
      failure = null;
      // A summary that came while we asked is newer than the list's counts.
      if (summaryAt < askedAt) for (const f of forums) counts.set(f.topic, f.audience);
    } catch (error) {
      if (error?.name === "AbortError") return;
      failure = error;
    }
    if (stopped) return;
    const next = JSON.stringify([forums?.map(({ audience: _, ...rest }) => rest), failure?.code]);
    if (next === shown) updateCounts(); // only numbers changed: no new cards under the pointer
    else render();
  };

  const countOf = (forum) => counts.get(forum.topic) ?? forum.audience;

  const updateCounts = () => {
    for (const [topic, elements] of badges) {
      if (!counts.has(topic)) continue;
      for (const el of elements) setAudience(el, counts.get(topic));
    }
  };

  const badgeFor = (forum) => {
    const el = audience(countOf(forum));
    if (forum.topic) {
      if (!badges.has(forum.topic)) badges.set(forum.topic, []);
      badges.get(forum.topic).push(el);
    }
    return el;
  };

  const render = () => {
    badges.clear();
    shown = JSON.stringify([forums?.map(({ audience: _, ...rest }) => rest), failure?.code]);
    const stages = (forums || []).filter((f) => f.kind === "stage");
    const rooms = (forums || []).filter((f) => f.kind !== "stage");
    replace(
      root,
      h(
        "section",
        { class: stale() ? "lobby is-stale" : "lobby" },
        h(
          "div",
          { class: "lobby-intro" },
          h("h1", {}, t("lobby.heading")),
          h("p", {}, t("lobby.intro")),
        ),
        welcome
          ? h(
              "p",
              { class: "notice lobby-welcome", role: "status" },
              t("lobby.welcome"),
              " ",
              h("span", { class: "chip chip-accent" }, roleName(welcome)),
              " ",
              h("a", { href: "#/profile" }, t("lobby.welcome_profile")),
            )
          : null,
        failure
          ? h("p", { class: "notice notice-error", role: "status" }, t("lobby.load_failed"), " ",
              h("span", { class: "muted" }, `(${errorText(failure)})`))
          : null,
        forums === null && !failure
          ? h("p", { class: "notice", role: "status" }, t("lobby.loading"))
          : null,
        forums !== null && forums.length === 0 ? h("p", { class: "notice" }, t("lobby.empty")) : null,
        stages.map((f) => stageCard(f, badgeFor(f))),
        rooms.length
          ? h("div", { class: "forum-grid" }, rooms.map((f, i) => forumCard(f, i + 1, badgeFor(f))))
          : null,
        replays.element,
        releaseStrip, // --- releases ---
        hallCard(),
        scheduleExports(),
      ),
    );
  };

  const onVisible = () => {
    if (!document.hidden) load();
  };
  document.addEventListener("visibilitychange", onVisible);
  const timer = setInterval(load, REFRESH_MS);
  const offLang = onLangChange(render);
  const unsubscribe = realtime.subscribe(LOBBY_TOPIC, {
    onEvent: (type, data) => {
      // An organiser changed a programme (programme.js): now and next may have changed.
      if (type.startsWith("programme.")) return load(); // saved, deleted or a whole import
      if (REPLAY_EVENTS.has(type)) return replays.apply(data); // a stream ended, or hidden
      // An organiser renamed or moved a room (the console): follow it, newest version wins.
      if (type === "forum.room_changed") {
        const next = applyRoomChange(forums, data);
        if (next) {
          forums = next;
          render();
        }
        return;
      }
      if (type !== "presence.summary" || !data?.counts || typeof data.counts !== "object") return;
      summaryAt = performance.now();
      for (const [topic, n] of Object.entries(data.counts)) {
        if (Number.isFinite(n)) counts.set(topic, n);
      }
      updateCounts();
    },
    onError: (error) => console.warn("lobby: no live counts", error),
  });
  // Counts from before a drop are dimmed. Back from it, what changed meanwhile comes with the
  // list: the server pushes a summary only when a count changes again.
  let dropped = false;
  const offStatus = realtime.onStatus(({ state, everOpen }) => {
    root.querySelector(".lobby")?.classList.toggle("is-stale", stale());
    if (state !== "open" && everOpen) dropped = true;
    else if (state === "open" && dropped) {
      dropped = false;
      load();
    }
  });
  render();
  load();

  return () => {
    stopped = true;
    clearInterval(timer);
    controller?.abort();
    offLang();
    offStatus();
    unsubscribe();
    unfollowHall(); // --- releases ---
    releases.stop(); // --- releases ---
    replays.stop();
    document.removeEventListener("visibilitychange", onVisible);
  };
}

function stageCard(forum, badge) {
  return h(
    "a",
    { class: "card stage-card", href: roomHref(forum) },
    h(
      "div",
      { class: "card-top" },
      h("span", { class: "chip chip-accent" }, t("lobby.stage_label")),
      badge,
    ),
    h("h2", { class: "stage-title" }, pick(forum.title)),
    h("div", { class: "stage-sessions" }, nowAndNext(forum)),
    h("span", { class: "stage-cta" }, t("lobby.enter"), " →"),
  );
}

function forumCard(forum, number, badge) {
  return h(
    "a",
    { class: "card forum-card", href: roomHref(forum) },
    h(
      "div",
      { class: "card-top" },
      h("span", { class: "chip" }, t("lobby.forum_label", { n: number })),
      badge,
    ),
    h("h3", { class: "forum-title" }, pick(forum.title)),
    nowAndNext(forum),
  );
}

/** The whole programme for calendars and other event tools (forums/interchange.py). */
function scheduleExports() {
  const link = (href, label) => h("a", { href, download: "" }, label);
  return h(
    "p",
    { class: "schedule-exports muted small" },
    t("lobby.exports"),
    " ",
    link(`/api/programme/schedule.ics?lang=${getLang()}`, t("lobby.export_ical")),
    " · ",
    link("/api/programme/schedule.xml", "frab XML"),
    " · ",
    link("/api/programme/schedule.json", "pretalx / c3voc JSON"),
  );
}

function hallCard() {
  return h(
    "a",
    { class: "card hall-card", href: "#/hall" },
    h("div", { class: "card-top" }, h("span", { class: "chip chip-accent" }, t("nav.hall"))),
    h("h2", { class: "hall-card-title" }, t("lobby.hall_title")),
    h("p", { class: "muted" }, t("lobby.hall_text")),
    h("span", { class: "stage-cta" }, t("lobby.hall_enter"), " →"),
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
  const el = h("span", { class: "audience" }, icon("eye", "icon icon-small"), h("span", {}));
  setAudience(el, count);
  return el;
}

/** Show `count` in an audience badge made by audience(). */
export function setAudience(el, count) {
  const n = Number.isFinite(count) ? count : 0;
  if (el.dataset.count === String(n)) return;
  el.dataset.count = String(n);
  el.title = t("audience", { n });
  replace(el.lastElementChild, t("audience", { n: n.toLocaleString() }));
}

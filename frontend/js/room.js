// A forum room (#/forum/<slug>): title and state, player and reactions, the speakers and
// moderators present, the programme, and a side panel of tabs (chat, Q&A, polls).

import { starButton } from "./agenda.js";
import { ApiError, getForum, getForumBySlug } from "./api.js";
import { chatPanel } from "./chat.js";
import { pollsPanel } from "./polls.js";
import { qaPanel } from "./qa.js";
import { h, icon, replace } from "./dom.js";
import { addStrings, errorText, hhmm, listOf, onLangChange, pick, roleName, t, timeZoneName } from "./i18n.js";
import { streamPlayer } from "./player.js";
import { followProgramme } from "./programme.js";
import { reactionBar } from "./reactions.js";
import { replaceRoute, roomHref } from "./nav.js";
import { realtime } from "./realtime.js";
import { REPLAY_EVENTS, replayShelf } from "./replay_shelf.js";
import { applyRoomChange } from "./room_changes.js";
import { roomStatus } from "./status.js";
import { STREAM_EVENT, isNewer, playPlan, streamStateOf, withExternal } from "./stream_state.js";
import { BOTH } from "./stream_strings.js";

const PROGRAMME_TICK_MS = 30_000;
const SIDE_MARGIN_PX = 16; // between the side panel and the window's bottom edge
const SIDE_MIN_PX = 280; // the side panel is never fitted shorter than this
// Where the side panel sticks beside the player (room.css: static below this width).
const wideLayout = window.matchMedia?.("(min-width: 961px)");

addStrings({
  zh: {
    "room.status_live": "直播中",
    "room.status_starting_soon": "{time} 即将开始",
    "room.status_between": "稍后继续 · {time}",
    "room.status_ended": "今日已结束",
    "room.slate_back": "{time} 回来，敬请稍候",
    "room.slate_next": "下一场：{title}",
    "room.slate_ended": "本直播间今日已结束",
    "room.slate_ended_sub": "回到大厅看看其他直播间",
    "room.on_stage": "在场嘉宾",
    "room.side_label": "互动区",
    "room.tab_chat": "聊天",
  },
  en: {
    "room.status_live": "Live",
    "room.status_starting_soon": "Starting soon · {time}",
    "room.status_between": "Back at {time}",
    "room.status_ended": "Ended for today",
    "room.slate_back": "Back at {time}",
    "room.slate_next": "Next: {title}",
    "room.slate_ended": "Ended for today",
    "room.slate_ended_sub": "The lobby has the other rooms",
    "room.on_stage": "In the room",
    "room.side_label": "Take part",
    "room.tab_chat": "Chat",
  },
});

/**
 * The side panel's tabs: each `{id, label, panel}` where panel is `{element, start(), stop()}`.
 * Q&A and polls add themselves here (one line each) when their modules land.
 */
function sideTabs(forumId, chat) {
  return [
    { id: "chat", label: "room.tab_chat", panel: chat },
    { id: "qa", label: "room.tab_qa", panel: qaPanel(forumId) },
    { id: "polls", label: "room.tab_polls", panel: pollsPanel(forumId) },
  ];
}

/**
 * The room at #/forum/<slug>. An old link by row id (#/forum/4) finds the room and moves to its
 * slug in place (Back does not return to the old address).
 */
export function mountRoom(root, { room, query }) {
  let stopped = false;
  let close = null;
  const controller = new AbortController();
  const byId = /^\d{1,10}$/.test(room);
  // Slugs are lower case; one typed off a poster in capitals moves to its own address.
  const slug = room.toLowerCase();
  replace(root, h("p", { class: "notice", role: "status" }, t("room.loading")));
  (byId ? getForum : getForumBySlug)(byId ? room : slug, { signal: controller.signal }).then(
    (body) => {
      if (stopped) return;
      if (byId || slug !== room) {
        const search = query?.toString();
        replaceRoute(`${roomHref(body)}${search ? `?${search}` : ""}`);
        return;
      }
      close = openRoom(root, body, query);
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
    close?.();
  };
}

/** The room's page for `loaded` (GET /api/forums/…), until the returned function is called. */
function openRoom(root, loaded, query) {
  const forumId = loaded.id;
  let forum = null;
  let presence = null;
  let stream = null; // the player, while the room has a stream_url
  // The room's ingest state (stream_state.js), newest version kept; null where the server has
  // no ingest: then the room plays its external URL while a session is on, as it always did.
  let ingest = streamStateOf(loaded.stream, loaded.stream_url);
  let stopped = false;
  const cleanups = [];

  const head = h("div", { class: "room-head" });
  const screen = h("div", { class: "player-screen" });
  const reactions = reactionBar(forumId);
  const chat = chatPanel(forumId);
  // The moderators' room tools go under the player (on phones: above the chat's tabs), where
  // opening them leaves the chat its full height, beside them on wide screens.
  const player = h(
    "section",
    { class: "player" },
    h("div", { class: "player-stage" }, screen, reactions.layer),
    reactions.bar,
    chat.tools,
  );
  const programme = h("section", { class: "panel programme" });
  // The room's replays, under its programme; a session a replay holds links to its chapter.
  const shelf = replayShelf({
    forumId,
    limit: 12,
    showRoom: false,
    heading: "replay.shelf_room_heading",
    onChange: () => forum && renderProgramme(),
  });
  // Opened at the window's edge: brought into view whole (the chat stays where it is).
  chat.tools.addEventListener("toggle", () => {
    if (!chat.tools.open) return;
    const still = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    chat.tools.scrollIntoView({ block: "nearest", behavior: still ? "auto" : "smooth" });
  });
  // The stream's changes read out (live, dropped, back, ended): only changes, not the first state.
  const announcer = h("p", { class: "stream-announce", role: "status", "aria-live": "polite" });
  player.append(announcer);
  const badge = h("span", { class: "watching-badge", hidden: true });
  const statusChip = h("span", { class: "room-status", role: "status" });
  const roster = h("p", { class: "room-roster", hidden: true });
  let people = []; // speakers and moderators present (presence.roster)
  const tabs = sideTabs(forumId, chat);
  // `?tab=qa` opens on that tab (the Q&A link of a speaker's "my sessions").
  const asked = query?.get("tab");
  let activeTab = tabs.some((tab) => tab.id === asked) ? asked : tabs[0].id;
  const tabBar = h("div", { class: "side-tabs", role: "tablist" });
  const side = h("section", { class: "room-side" }, tabBar, tabs.map((tab) => tab.panel.element));
  const layout = h("div", { class: "room-layout" }, head, player, side, programme);

  // The side panel sticks below the header at most the window's height, but it fits the part of
  // the window it can take now: below the expo's banner (or whatever is above the room) at the
  // top of the page, and above the footer at the bottom (where it would otherwise be pushed up
  // under the header). Its --side-fit (room.css) follows the page's scroll and size.
  let fitFrame = 0;
  const fitSide = () => {
    if (!side.isConnected) return;
    if (!(wideLayout?.matches ?? true)) {
      side.style.removeProperty("--side-fit");
      return;
    }
    const stickyTop = parseFloat(getComputedStyle(side).top) || 0;
    const top = Math.max(stickyTop, layout.getBoundingClientRect().top);
    // The main column's end: the side panel may not outgrow it (it would lengthen the page).
    const bottom = Math.min(window.innerHeight - SIDE_MARGIN_PX, programme.getBoundingClientRect().bottom);
    const fit = `${Math.max(SIDE_MIN_PX, Math.floor(bottom - top))}px`;
    if (side.style.getPropertyValue("--side-fit") !== fit) side.style.setProperty("--side-fit", fit);
  };
  const refitSide = () => {
    if (!fitFrame) fitFrame = requestAnimationFrame(() => ((fitFrame = 0), fitSide()));
  };

  const renderHead = () => {
    replace(
      head,
      h("a", { class: "back-link", href: "#/" }, icon("back", "icon icon-small"), t("room.back")),
      h(
        "div",
        { class: "room-title-row" },
        h("div", { class: "room-title-block" },
          h("div", { class: "room-chips" },
            h("span", { class: forum.kind === "stage" ? "chip chip-accent" : "chip" },
              t(forum.kind === "stage" ? "lobby.stage_label" : "room.forum_kind")),
            statusChip,
          ),
          h("h1", { class: "room-title" }, pick(forum.title)),
        ),
        badge,
      ),
      roster,
    );
    renderStatus();
    renderRoster();
    document.title = `${pick(forum.title)} · Shubo Live`;
  };

  const renderStatus = () => {
    const { state, session } = roomStatus(forum.sessions || [], Date.now());
    const plan = ingest ? playPlan(ingest) : null;
    if (plan && plan.mode !== "external" && (state === "live" || plan.mode !== "offline")) {
      // The room's own stream says what is on air, whatever the programme expects.
      statusChip.className = `room-status room-status-stream-${plan.mode}`;
      replace(statusChip, plan.mode === "live" ? h("span", { class: "live-dot" }) : null, t(`stream.chip_${plan.mode}`));
      return;
    }
    statusChip.className = `room-status room-status-${state}`;
    replace(
      statusChip,
      state === "live" ? h("span", { class: "live-dot" }) : null,
      t(`room.status_${state}`, { time: session ? hhmm(session.starts_at) : "" }),
    );
  };

  const renderRoster = () => {
    roster.hidden = people.length === 0;
    replace(
      roster,
      h("span", { class: "room-roster-label" }, t("room.on_stage")),
      people.map((p) =>
        h("span", { class: `person-chip role-${p.role}` }, h("span", { class: "person-name" }, p.name), h("span", { class: "person-role" }, roleName(p.role))),
      ),
    );
  };

  const renderTabs = () => {
    replace(
      tabBar,
      tabs.map((tab) =>
        h(
          "button",
          {
            type: "button",
            role: "tab",
            id: `tab-${tab.id}`,
            class: tab.id === activeTab ? "side-tab is-active" : "side-tab",
            "aria-selected": tab.id === activeTab ? "true" : "false",
            "aria-controls": `tabpanel-${tab.id}`,
            onclick: () => {
              activeTab = tab.id;
              renderTabs();
            },
          },
          t(tab.label),
        ),
      ),
    );
    tabBar.setAttribute("aria-label", t("room.side_label"));
    tabBar.hidden = tabs.length < 2;
    for (const tab of tabs) {
      tab.panel.element.id = `tabpanel-${tab.id}`;
      tab.panel.element.setAttribute("role", "tabpanel");
      tab.panel.element.setAttribute("aria-labelledby", `tab-${tab.id}`);
      tab.panel.element.hidden = tab.id !== activeTab;
    }
  };

  const renderBadge = () => {
    badge.hidden = presence === null;
    badge.classList.toggle("is-stale", !realtime.isOpen); // a count from before the drop
    replace(badge, h("span", { class: "live-dot" }), t("audience", { n: (presence ?? 0).toLocaleString() }));
  };

  // The stream plays while a session is on; otherwise a slate says when the room is back (or
  // that it is over for today) instead of playing whatever the stream URL serves.
  let slate = null; // what the slate says now
  let held = null; // the slate over the last frame while the publisher is gone
  let shownPublisher = null;
  const liveLabel = () => (ingest?.since ? t("stream.live_since", { time: hhmm(ingest.since) }) : t("player.live"));
  const renderPlayer = () => {
    const plan = ingest ? playPlan(ingest) : null;
    if (plan && plan.mode !== "external") return renderIngest(plan);
    renderProgrammed(plan ? safeStreamUrl(plan.url) : safeStreamUrl(forum.stream_url));
  };

  const ingestPlayer = (url) => {
    if (stream?.url === url && stream.persistent) return;
    stream?.stop();
    stream = streamPlayer(url, { persistent: true, label: liveLabel });
    stream.persistent = true;
    replace(screen, stream.element);
    slate = null;
  };

  // The ingest's states: the picture while live, the slate over the last frame while the
  // publisher is gone (the playlist retried), the offline poster otherwise.
  const renderIngest = (plan) => {
    const url = safeStreamUrl(plan.url);
    if (plan.mode === "live" && url) {
      const switched = stream?.persistent && stream.url === url && shownPublisher && ingest.publisher !== shownPublisher;
      const back = held !== null;
      ingestPlayer(url);
      dropHeld();
      // Back from a drop, or another publisher (the backup) on the same playlist: load it again.
      if (back || switched) stream.reload();
      shownPublisher = ingest.publisher;
      stream.element.classList.remove("is-interrupted");
      stream.render();
      return;
    }
    if (plan.mode === "interrupted") {
      const target = url || stream?.url;
      if (target) {
        const lastFrame = held === null && stream?.persistent ? stream.frame() : null;
        const before = stream;
        ingestPlayer(target);
        if (stream !== before) dropHeld(); // another playlist: its own slate
        if (held === null) {
          held = h(
            "div",
            { class: "stream-slate", "aria-hidden": "true" },
            lastFrame,
            h("div", { class: "stream-slate-shade" }),
            h(
              "div",
              { class: "stream-slate-body" },
              h("span", { class: "stream-slate-pulse" }, h("span"), h("span"), h("span")),
              h("p", { class: "stream-slate-title", lang: "zh-CN" }, BOTH.slate[0]),
              h("p", { class: "stream-slate-title stream-slate-title-en", lang: "en" }, BOTH.slate[1]),
              h("p", { class: "stream-slate-sub" }),
            ),
          );
          stream.element.append(held);
          stream.element.classList.add("is-interrupted");
          // Nothing to fetch until a publisher is back: its `live` event reloads the player
          // (every viewer asking for a missing playlist would only load nginx).
          stream.hold();
        }
        held.querySelector(".stream-slate-sub").textContent = t("stream.slate_sub");
        stream.render();
        return;
      }
    }
    dropHeld();
    stream?.stop();
    stream = null;
    shownPublisher = null;
    if (plan.mode === "interrupted") {
      // Opened during a drop, with no playlist to ask for yet (the room view names none): the
      // slate alone; the next stream.state brings the picture.
      const key = `interrupted\n${t("stream.slate_sub")}`;
      if (slate === key) return;
      slate = key;
      replace(
        screen,
        h(
          "div",
          { class: "player-frame player-placeholder stream-slate-alone" },
          h("div", { class: "placeholder-grid", "aria-hidden": "true" }),
          h(
            "div",
            { class: "stream-slate" },
            h("div", { class: "stream-slate-shade" }),
            h(
              "div",
              { class: "stream-slate-body" },
              h("span", { class: "stream-slate-pulse", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
              h("p", { class: "stream-slate-title", lang: "zh-CN" }, BOTH.slate[0]),
              h("p", { class: "stream-slate-title stream-slate-title-en", lang: "en" }, BOTH.slate[1]),
              h("p", { class: "stream-slate-sub" }, t("stream.slate_sub")),
            ),
          ),
        ),
      );
      return;
    }
    // Offline: the poster.
    const upcoming = nextSession(forum.sessions || []);
    const sub = upcoming
      ? t("stream.offline_next", { time: hhmm(upcoming.starts_at), title: pick(upcoming.title) })
      : t("stream.offline_none");
    const key = `offline\n${plan.mode}\n${sub}`;
    if (slate === key) return;
    slate = key;
    replace(
      screen,
      h(
        "div",
        { class: "player-frame player-placeholder player-slate stream-offline" },
        h("div", { class: "placeholder-grid", "aria-hidden": "true" }),
        h(
          "div",
          { class: "placeholder-body" },
          h("span", { class: "placeholder-icon" }, icon("clock", "icon")),
          h("p", { class: "placeholder-title", lang: "zh-CN" }, BOTH.offline[0]),
          h("p", { class: "placeholder-title stream-offline-en", lang: "en" }, BOTH.offline[1]),
          h("p", { class: "placeholder-sub" }, sub),
        ),
      ),
    );
  };

  const dropHeld = () => {
    held?.remove();
    held = null;
  };

  // A room with no ingest (or one streamed from an external URL): as before the ingest.
  const renderProgrammed = (url) => {
    dropHeld();
    if (stream?.persistent) {
      stream.stop();
      stream = null;
    }
    const { state, session } = roomStatus(forum.sessions || [], Date.now());
    if (url && state === "live") {
      // Built once: re-rendering (a language switch, the clock's tick) must not interrupt it.
      if (stream?.url !== url) {
        stream?.stop();
        stream = streamPlayer(url);
        replace(screen, stream.element);
      }
      stream.render();
      slate = null;
      return;
    }
    stream?.stop();
    stream = null;
    let title;
    let sub;
    if (state === "live") {
      // On the programme, with no stream (yet).
      const upcoming = nextSession(forum.sessions || []);
      title = t("room.stream_soon");
      sub = upcoming
        ? t("room.stream_soon_next", { time: hhmm(upcoming.starts_at), title: pick(upcoming.title) })
        : t("room.stream_soon_none");
    } else if (state === "ended") {
      title = t("room.slate_ended");
      sub = t("room.slate_ended_sub");
    } else {
      title = t("room.slate_back", { time: hhmm(session.starts_at) });
      sub = t("room.slate_next", { title: pick(session.title) });
    }
    // Redrawn only when its words change: it is a live region, read out when it is.
    if (slate === `${state}\n${title}\n${sub}`) return;
    slate = `${state}\n${title}\n${sub}`;
    replace(
      screen,
      h(
        "div",
        { class: `player-frame player-placeholder player-slate player-slate-${state}`, role: "status" },
        h("div", { class: "placeholder-grid", "aria-hidden": "true" }),
        h(
          "div",
          { class: "placeholder-body" },
          h("span", { class: "placeholder-icon" }, icon(state === "ended" ? "clock" : "play", "icon")),
          h("p", { class: "placeholder-title" }, title),
          h("p", { class: "placeholder-sub" }, sub),
        ),
      ),
    );
  };

  // A `stream.state` event: kept if newer than what the page shows (an older one that arrives
  // late is dropped), then the player follows and the change is read out.
  const takeStream = (next) => {
    if (!isNewer(ingest, next)) return;
    const before = ingest;
    ingest = next;
    renderPlayer();
    renderStatus();
    let said = null;
    if (next.state !== before?.state) said = `stream.announce_${next.state}`;
    else if (next.state === "live" && next.publisher === "backup" && before?.publisher === "main") said = "stream.announce_switched";
    if (said) announcer.textContent = t(said);
  };

  const renderProgramme = () => {
    const now = Date.now();
    const sessions = [...(forum.sessions || [])].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    // Abstracts someone opened stay open across re-renders (the tick, a live programme change).
    const opened = new Set([...programme.querySelectorAll("details[open]")].map((d) => d.dataset.session));
    const names = (people) => listOf(people.map((p) => p.name));
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
              const abstract = pick(s.abstract);
              const replay = shelf.replayOf(s.id);
              return h(
                "li",
                { class: `session-item ${state}`, dataset: { session: String(s.id) } },
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
                    replay
                      ? h("a", { class: "tag tag-replay", href: `#/replay/${replay.id}/${s.id}` }, "▶ ", t("replay.link"))
                      : null,
                  ),
                  s.speakers.length
                    ? h("p", { class: "session-speakers muted" }, t("room.speakers", { names: names(s.speakers) }))
                    : null,
                  s.moderators.length
                    ? h("p", { class: "session-speakers muted" }, t("agenda.moderators", { names: names(s.moderators) }))
                    : null,
                  abstract
                    ? h(
                        "details",
                        { class: "session-abstract", open: opened.has(String(s.id)), dataset: { session: String(s.id) } },
                        h("summary", { class: "small" }, t("programme.abstract")),
                        h("p", { class: "small" }, abstract),
                      )
                    : null,
                ),
                starButton(s),
              );
            }),
          ),
      shelf.element,
    );
    shelf.render();
  };

  const renderAll = () => {
    if (!forum) return;
    renderHead();
    renderBadge();
    renderPlayer();
    renderProgramme();
    renderTabs();
  };

  // The room, loaded by mountRoom.
  forum = loaded;
  replace(
    root,
    h(
      "section",
      { class: "room" },
      layout,
    ),
  );
  renderAll();
  fitSide();
  window.addEventListener("scroll", fitSide, { passive: true });
  window.addEventListener("resize", refitSide);
  wideLayout?.addEventListener?.("change", refitSide);
  // The banner coming or going, the header's height, the programme changing.
  const resized = new ResizeObserver(refitSide);
  resized.observe(document.body);
  resized.observe(layout);
  cleanups.push(() => {
    window.removeEventListener("scroll", fitSide);
    window.removeEventListener("resize", refitSide);
    wideLayout?.removeEventListener?.("change", refitSide);
    resized.disconnect();
    cancelAnimationFrame(fitFrame);
  });
  cleanups.push(onLangChange(renderAll));
  cleanups.push(realtime.onStatus(() => renderBadge()));
  const tick = setInterval(() => {
    renderProgramme();
    renderStatus();
    renderPlayer(); // a session starting or ending starts or stops the stream
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
  for (const tab of tabs.slice(1)) {
    tab.panel.start();
    cleanups.push(() => tab.panel.stop());
  }
  reactions.start();
  cleanups.push(() => reactions.stop());
  // The programme as organisers change it (programme.js), without a reload.
  cleanups.push(followProgramme(forumId, () => forum.sessions, (sessions) => ((forum.sessions = sessions), renderProgramme(), renderStatus(), renderPlayer())));
  cleanups.push(
    realtime.subscribe(`forum:${forumId}`, {
      onEvent: (type, data) => {
        if (type === "presence.roster") {
          people = Array.isArray(data?.people) ? data.people : [];
          renderRoster();
        } else if (type === "forum.room_changed" && data?.forum_id === forum.id) {
          // An organiser changed the room (the console): its titles and stream follow,
          // unless this page already shows a newer version (room_changes.js).
          const [next] = applyRoomChange([forum], data) || [];
          if (!next) return;
          const streamChanged = next.stream_url !== forum.stream_url;
          forum = next;
          if (streamChanged) ingest = withExternal(ingest, next.stream_url);
          renderHead();
          if (streamChanged) renderPlayer();
        } else if (REPLAY_EVENTS.has(type) && data?.forum?.id === forum.id) {
          shelf.apply(data);
        } else if (type === STREAM_EVENT && data?.forum === forum.id) {
          takeStream(streamStateOf(data));
        } else if (type === "programme.imported") {
          // A whole programme was imported (forums/interchange.py): read this room's again.
          getForum(forumId).then((fresh) => {
            if (stopped) return;
            forum.sessions = fresh.sessions;
            renderProgramme();
            renderStatus();
          }, () => {});
        }
      },
    }),
  );

  return () => {
    stopped = true;
    shelf.stop();
    chat.stop();
    dropHeld();
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

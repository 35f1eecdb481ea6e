// A replay (#/replay/<id>, or #/replay/<id>/<session> to start at that session's chapter): the
// recording of a room's stream with its chapters from the programme. The current chapter is
// marked as it plays; a chapter's button seeks to it. Organisers hide it from viewers or show it
// again; the page follows `replay.changed` on the room's topic (a viewer's page says it is gone).

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { dateTime, errorText, onLangChange, pick, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { lengthOf } from "./replay_shelf.js";
import "./replay_strings.js";
import { currentAccount, onAccountChange } from "./session.js";

const HLS_MODULE = "/vendor/hls.js/hls.min.mjs";

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const [hh, mm, ss] = hms.map((n) => String(n).padStart(2, "0"));
  return hms[0] ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Which chapter `time` (seconds into the media) is in: the last one begun, or -1. */
export function chapterAt(chapters, time) {
  let found = -1;
  chapters.forEach((c, i) => {
    if (c.at <= time + 0.25) found = i;
  });
  return found;
}

/** The media element playing `replay` (an MP4 natively; the demo's HLS through hls.js). */
function mediaFor(replay, onFail) {
  const video = h("video", { class: "replay-video", controls: true, playsinline: true, preload: "metadata" });
  video.addEventListener("error", onFail);
  let hls = null;
  if (replay.kind === "hls" && !video.canPlayType("application/vnd.apple.mpegurl")) {
    import(HLS_MODULE)
      .then(({ default: Hls }) => {
        hls = new Hls({ enableWorker: false });
        hls.loadSource(replay.url);
        hls.attachMedia(video);
      })
      .catch(onFail);
  } else {
    video.src = replay.url;
  }
  return { video, stop: () => (hls?.destroy(), video.removeAttribute("src"), video.load()) };
}

export function mountReplay(root, { id, session }) {
  const replayId = Number(id);
  const startSession = session ? Number(session) : null;
  const controller = new AbortController();
  let replay = null;
  let failure = null; // "not_found" | an error
  let media = null;
  let mediaFailed = false;
  let current = -1;
  let hideError = null;
  let busy = false;
  let unsubscribe = null;

  const chapterList = h("ol", { class: "replay-chapters" });
  const organiser = () => currentAccount()?.role === "organizer";

  const renderChapters = () => {
    if (!replay) return;
    replace(
      chapterList,
      replay.chapters.map((c, i) =>
        h(
          "li",
          { class: i === current ? "replay-chapter is-current" : "replay-chapter" },
          h(
            "button",
            {
              type: "button",
              class: "replay-chapter-seek",
              "aria-current": i === current ? "true" : false,
              onclick: () => {
                media.video.currentTime = c.at;
                media.video.play?.().catch(() => {});
              },
            },
            h("span", { class: "replay-chapter-time" }, clock(c.at)),
            h("span", { class: "replay-chapter-title" }, pick(c.title)),
            i === current ? h("span", { class: "replay-chapter-now small" }, t("replay.now_playing")) : null,
          ),
        ),
      ),
    );
  };

  const toggleHidden = async () => {
    busy = true;
    hideError = null;
    render();
    try {
      const next = await api(`/api/replays/${replayId}/hidden`, { method: "POST", body: { hidden: !replay.hidden } });
      if (next.version > replay.version) replay = next;
    } catch (error) {
      hideError = error;
    }
    busy = false;
    render();
  };

  const render = () => {
    if (failure) {
      replace(
        root,
        h("section", { class: "panel empty-state" },
          h("p", {}, failure === "not_found" ? t("replay.not_found") : errorText(failure)),
          h("a", { class: "button", href: "#/" }, t("notfound.back"))),
      );
      document.title = `${t("replay.shelf_heading")} · Shubo Live`;
      return;
    }
    if (!replay) {
      replace(root, h("p", { class: "notice", role: "status" }, t("replay.loading")));
      return;
    }
    document.title = `${pick(replay.forum.title)} · ${t("replay.shelf_heading")} · Shubo Live`;
    renderChapters();
    replace(
      root,
      h(
        "div",
        { class: "replay-page" },
        h("a", { class: "back-link", href: `#/forum/${replay.forum.slug}` }, icon("back", "icon icon-small"), t("replay.back_room")),
        h(
          "header",
          { class: "replay-head" },
          h("div", { class: "room-chips" },
            h("span", { class: "chip" }, t("replay.shelf_heading")),
            replay.hidden ? h("span", { class: "chip chip-warning" }, t("replay.hidden_badge")) : null),
          h("h1", { class: "replay-title" }, pick(replay.forum.title)),
          h(
            "p",
            { class: "muted" },
            t("replay.recorded_at", { when: dateTime(replay.started_at) }),
            replay.duration ? ` · ${lengthOf(replay.duration)}` : "",
            replay.publisher === "backup" ? ` · ${t("replay.backup")}` : "",
          ),
        ),
        h(
          "div",
          { class: "replay-layout" },
          h("section", { class: "replay-player" },
            media.video,
            mediaFailed ? h("p", { class: "notice notice-error", role: "alert" }, t("replay.media_failed")) : null),
          h(
            "section",
            { class: "panel replay-side" },
            h("h2", {}, t("replay.chapters")),
            replay.chapters.length ? chapterList : h("p", { class: "muted small" }, t("replay.chapters_none")),
            organiser()
              ? h(
                  "div",
                  { class: "replay-organiser" },
                  replay.hidden ? h("p", { class: "small muted" }, t("replay.hidden_note")) : null,
                  h("button", { type: "button", class: "button", disabled: busy, onclick: toggleHidden },
                    t(replay.hidden ? "replay.show" : "replay.hide")),
                  hideError ? h("p", { class: "notice notice-error small", role: "alert" }, t("replay.hide_failed", { error: errorText(hideError) })) : null,
                )
              : null,
          ),
        ),
      ),
    );
  };

  const onChanged = (data) => {
    if (!replay || data?.id !== replay.id || !(data.version > replay.version)) return;
    if (data.hidden && !organiser()) {
      replay = data; // its version: shown again later is newer
      failure = "not_found";
      media?.stop();
      media = null;
    } else if (media === null) {
      show(data); // hidden while watched, now shown again: back from the start
      failure = null;
    } else {
      replay = data;
    }
    render();
  };

  /** The replay on the page: its media element made, starting at the chapter asked for. */
  const show = (found) => {
    replay = found;
    mediaFailed = false;
    current = -1;
    const made = mediaFor(replay, () => {
      mediaFailed = true;
      render();
    });
    const { video } = made;
    const start = replay.chapters.find((c) => c.session === startSession);
    if (start) video.addEventListener("loadedmetadata", () => (video.currentTime = start.at), { once: true });
    const follow = () => {
      const now = chapterAt(replay.chapters, video.currentTime);
      if (now !== current) {
        current = now;
        renderChapters();
      }
    };
    for (const event of ["loadedmetadata", "timeupdate", "seeked"]) video.addEventListener(event, follow);
    media = made;
  };

  api(`/api/replays/${replayId}`, { signal: controller.signal })
    .then((found) => {
      show(found);
      unsubscribe = realtime.subscribe(`forum:${replay.forum.id}`, {
        onEvent: (type, data) => type === "replay.changed" && onChanged(data),
      });
      render();
    })
    .catch((error) => {
      if (error.name === "AbortError") return;
      failure = error.status === 404 ? "not_found" : error;
      render();
    });

  render();
  const offLang = onLangChange(render);
  const offAccount = onAccountChange(render);
  return () => {
    controller.abort();
    media?.stop();
    unsubscribe?.();
    offLang();
    offAccount();
  };
}

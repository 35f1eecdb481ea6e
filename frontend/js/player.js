// The room's video player: a muted, autoplaying <video> for the room's live HLS stream, shown as
// live: no seek bar (the browser's controls are off), a LIVE badge and a sound switch. Browsers
// that play HLS themselves get the URL as is; elsewhere hls.js (vendored, frontend/vendor/) is
// loaded on first need, set up for live playback, and feeds the video through Media Source
// Extensions. The room (room.js) shows it only while a session is on; a slate otherwise.

import { h, icon, replace } from "./dom.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  zh: { "player.live": "直播", "player.unmute": "取消静音", "player.mute": "静音" },
  en: { "player.live": "LIVE", "player.unmute": "Unmute", "player.mute": "Mute" },
});

// hls.js for a live stream: start a few segments behind the live edge, catch up when it drifts
// far behind (a stalled tab), keep little back buffer (nobody seeks back), and ask for the
// playlist again soon after a failed load.
const HLS_LIVE_CONFIG = {
  enableWorker: false, // the page's CSP allows scripts from 'self' only, not hls.js's blob: worker
  liveSyncDurationCount: 3,
  liveMaxLatencyDurationCount: 10,
  maxLiveSyncPlaybackRate: 1.5,
  backBufferLength: 30,
  manifestLoadingMaxRetry: 4,
  levelLoadingMaxRetry: 4,
};

const HLS_TYPE = "application/vnd.apple.mpegurl";
const HLS_MODULE = "/vendor/hls.js/hls.min.mjs";

// A persistent player asks for the playlist again after a failure: soon at first (it appears
// about a second after a publish starts: the first frame is not kept waiting), then every RETRY_MS.
const FIRST_RETRY_MS = 400;
const RETRY_MS = 2_000;

/**
 * streamPlayer(url, {persistent, label}) -> { url, element, video, render(), reload(), hold(), frame(), stop() }
 * `render()` redraws its text in the current language without touching playback.
 * `persistent` (the ingest's own playlist): a failure to load is retried every RETRY_MS instead
 * of shown (the playlist appears a second or two after a publish starts, and comes back after a
 * drop). `label()` gives the LIVE badge's text. `reload()` loads the playlist again now;
 * `frame()` is a canvas with the picture shown now (null before the first frame).
 */
export function streamPlayer(url, { persistent = false, label = null } = {}) {
  // Muted, so browsers let it autoplay; looped, so a recorded clip (the demo's) keeps playing.
  // A live stream never ends, so `loop` only matters for recordings. No `controls`: their seek
  // bar would scrub a live stream (and the demo clip's 8 seconds).
  const video = h("video", {
    class: "player-video",
    muted: true,
    autoplay: true,
    playsinline: true,
    loop: true,
    preload: "auto",
  });
  video.muted = true;
  const error = h("div", { class: "player-error", role: "alert", hidden: true });
  const badge = h("span", { class: "player-live" });
  const sound = h("button", {
    type: "button",
    class: "player-sound",
    onclick: () => {
      video.muted = !video.muted;
      if (!video.muted) play();
      render();
    },
  });
  const bar = h("div", { class: "player-bar" }, badge, sound);
  const element = h("div", { class: "player-frame" }, video, bar, error);
  let problem = null; // null, "failed" or "unsupported"
  let hls = null;
  let stopped = false;
  let retry = 0; // the timer of the next attempt (persistent players)
  let failures = 0; // in a row, since the playlist last loaded
  let attempt = 0; // bumped by every (re)load: a late answer to an older one is ignored

  const render = () => {
    error.hidden = problem === null;
    video.hidden = problem !== null;
    bar.hidden = problem !== null;
    replace(badge, h("span", { class: "live-dot", "aria-hidden": "true" }), label ? label() : t("player.live"));
    const muteLabel = t(video.muted ? "player.unmute" : "player.mute");
    sound.setAttribute("aria-label", muteLabel);
    sound.setAttribute("aria-pressed", String(!video.muted));
    replace(sound, icon(video.muted ? "soundOff" : "sound", "icon"), h("span", { class: "player-sound-text" }, muteLabel));
    if (problem === null) return;
    replace(
      error,
      h("span", { class: "placeholder-icon" }, icon("play", "icon")),
      h("p", { class: "placeholder-title" }, t(problem === "unsupported" ? "room.stream_unsupported" : "room.stream_error")),
      h("p", { class: "placeholder-sub" }, t("room.stream_error_hint")),
    );
  };
  const fail = (kind = "failed") => {
    if (stopped || problem) return;
    if (persistent && kind === "failed") {
      // The ingest's playlist comes and goes with its publisher: ask again in a moment.
      hls?.destroy();
      hls = null;
      clearTimeout(retry);
      failures += 1;
      retry = setTimeout(load, Math.min(RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1)));
      return;
    }
    problem = kind;
    hls?.destroy();
    hls = null;
    render();
  };
  const play = () => video.play().catch(() => {}); // autoplay refused: the controls are there

  video.addEventListener("error", () => fail());
  const isHls = new URL(url).pathname.endsWith(".m3u8");
  const load = () => {
    if (stopped) return;
    clearTimeout(retry);
    attempt += 1;
    const mine = attempt;
    hls?.destroy();
    hls = null;
    if (!isHls || video.canPlayType(HLS_TYPE) !== "") {
      video.src = url;
      if (mine > 1) play();
      return;
    }
    import(HLS_MODULE).then(
      ({ default: Hls }) => {
        if (stopped || mine !== attempt) return;
        if (!Hls.isSupported()) return fail("unsupported");
        hls = new Hls(HLS_LIVE_CONFIG);
        let recoveries = 0;
        hls.on(Hls.Events.ERROR, (_event, data) => {
          if (!data.fatal || mine !== attempt) return;
          // A live stream hiccups: decode errors are recovered from once or twice, as hls.js
          // advises; a stream that cannot be loaded at all is a failure to show.
          if (data.type === Hls.ErrorTypes.MEDIA_ERROR && recoveries < 2) {
            recoveries += 1;
            hls.recoverMediaError();
            return;
          }
          fail();
        });
        hls.on(Hls.Events.MANIFEST_PARSED, () => ((failures = 0), play()));
        hls.loadSource(url);
        hls.attachMedia(video);
      },
      () => fail(),
    );
  };
  load();

  const reload = () => {
    if (stopped) return;
    problem = null;
    render();
    load();
  };

  // Stop asking for the playlist (its publisher is gone: the room's slate is up) until
  // reload(); the picture shown stays.
  const hold = () => {
    clearTimeout(retry);
    attempt += 1; // a load under way is dropped
    hls?.destroy();
    hls = null;
  };

  const frame = () => {
    if (video.readyState < 2 || !video.videoWidth) return null;
    const canvas = h("canvas", { class: "player-last-frame", "aria-hidden": "true" });
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    try {
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    } catch {
      return null;
    }
    return canvas;
  };

  const stop = () => {
    stopped = true;
    clearTimeout(retry);
    hls?.destroy();
    hls = null;
    video.pause();
    video.removeAttribute("src");
    video.load();
  };

  render();
  return { url, element, video, render, reload, hold, frame, stop };
}

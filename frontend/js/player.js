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

/**
 * streamPlayer(url) -> { url, element, render(), stop() }
 * `render()` redraws its text in the current language without touching playback.
 */
export function streamPlayer(url) {
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

  const render = () => {
    error.hidden = problem === null;
    video.hidden = problem !== null;
    bar.hidden = problem !== null;
    replace(badge, h("span", { class: "live-dot", "aria-hidden": "true" }), t("player.live"));
    const label = t(video.muted ? "player.unmute" : "player.mute");
    sound.setAttribute("aria-label", label);
    sound.setAttribute("aria-pressed", String(!video.muted));
    replace(sound, icon(video.muted ? "soundOff" : "sound", "icon"), h("span", { class: "player-sound-text" }, label));
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
    problem = kind;
    hls?.destroy();
    hls = null;
    render();
  };
  const play = () => video.play().catch(() => {}); // autoplay refused: the controls are there

  video.addEventListener("error", () => fail());
  const isHls = new URL(url).pathname.endsWith(".m3u8");
  if (!isHls || video.canPlayType(HLS_TYPE) !== "") {
    video.src = url;
  } else {
    import(HLS_MODULE).then(
      ({ default: Hls }) => {
        if (stopped) return;
        if (!Hls.isSupported()) return fail("unsupported");
        hls = new Hls(HLS_LIVE_CONFIG);
        let recoveries = 0;
        hls.on(Hls.Events.ERROR, (_event, data) => {
          if (!data.fatal) return;
          // A live stream hiccups: decode errors are recovered from once or twice, as hls.js
          // advises; a stream that cannot be loaded at all is a failure to show.
          if (data.type === Hls.ErrorTypes.MEDIA_ERROR && recoveries < 2) {
            recoveries += 1;
            hls.recoverMediaError();
            return;
          }
          fail();
        });
        hls.on(Hls.Events.MANIFEST_PARSED, play);
        hls.loadSource(url);
        hls.attachMedia(video);
      },
      () => fail(),
    );
  }

  const stop = () => {
    stopped = true;
    hls?.destroy();
    hls = null;
    video.pause();
    video.removeAttribute("src");
    video.load();
  };

  render();
  return { url, element, render, stop };
}

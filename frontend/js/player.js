// The room's video player: a muted, autoplaying <video> for the room's HLS stream. Browsers that
// play HLS themselves get the URL as is; elsewhere hls.js (vendored, frontend/vendor/) is loaded
// on first need and feeds the video through Media Source Extensions.

import { h, icon, replace } from "./dom.js";
import { t } from "./i18n.js";

const HLS_TYPE = "application/vnd.apple.mpegurl";
const HLS_MODULE = "/vendor/hls.js/hls.min.mjs";

/**
 * streamPlayer(url) -> { url, element, render(), stop() }
 * `render()` redraws its text in the current language without touching playback.
 */
export function streamPlayer(url) {
  // Muted, so browsers let it autoplay; looped, so a recorded clip (the demo's) keeps playing.
  // A live stream never ends, so `loop` only matters for recordings.
  const video = h("video", {
    class: "player-video",
    controls: true,
    muted: true,
    autoplay: true,
    playsinline: true,
    loop: true,
    preload: "auto",
  });
  video.muted = true;
  const error = h("div", { class: "player-error", role: "alert", hidden: true });
  const element = h("div", { class: "player-frame" }, video, error);
  let problem = null; // null, "failed" or "unsupported"
  let hls = null;
  let stopped = false;

  const render = () => {
    error.hidden = problem === null;
    video.hidden = problem !== null;
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
        // No worker: the page's CSP allows scripts from 'self' only, not hls.js's blob: worker.
        hls = new Hls({ enableWorker: false });
        hls.on(Hls.Events.ERROR, (_event, data) => {
          if (data.fatal) fail();
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

  return { url, element, render, stop };
}

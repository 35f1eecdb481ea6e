// A booth page's visit, for the booth's dashboard and the hall report: `booth.visit` when the page
// opens, again once a minute while it stays open (a heartbeat that keeps the dwell time) and
// after every reconnect with the visit's token (the same visit goes on: no new one is counted),
// and `booth.leave` when the page closes or moves on (expo/hall/visits.py).
//
//   const stop = trackVisit(exhibitorId);   // on mount
//   stop();                                 // on unmount

import { realtime } from "./realtime.js";

const HEARTBEAT_MS = 60_000;

export function trackVisit(exhibitorId) {
  const exhibitor = Number(exhibitorId);
  let token = null;
  let stopped = false;
  let timer = null;
  let wasOpen = false;

  const say = async () => {
    if (stopped || !realtime.isOpen) return;
    try {
      const reply = await realtime.request("booth.visit", token ? { exhibitor, visit: token } : { exhibitor });
      token = reply.visit;
    } catch {
      // offline or refused: the next heartbeat or reconnect tries again
    }
  };
  const leave = () => {
    if (token && realtime.isOpen) realtime.request("booth.leave", { exhibitor, visit: token }).catch(() => {});
  };

  const offStatus = realtime.onStatus((status) => {
    const open = status.state === "open";
    if (open && !wasOpen) say(); // first open, and every reconnect: resume with the token
    wasOpen = open;
  });
  timer = setInterval(say, HEARTBEAT_MS);
  const onHide = () => leave();
  window.addEventListener("pagehide", onHide);

  return () => {
    if (stopped) return;
    leave();
    stopped = true;
    clearInterval(timer);
    offStatus();
    window.removeEventListener("pagehide", onHide);
  };
}

// A room's ingest state (streams/, docs/streams.md) as the page keeps it: from the room view's
// `stream` object and from `stream.state` events on `forum:<id>`. Each carries a `version` that
// grows with every change of the room's stream; a page keeps the newest it has seen, so an
// event that arrives late never undoes a newer one. This module imports nothing (Node tests
// its rules), and it decides what the room's player shows.

export const STREAM_EVENT = "stream.state";
const STATES = new Set(["live", "interrupted", "offline"]);

/** `data` (an event's data or a room view's `stream`, with the view's `stream_url` beside it)
 * in the one shape the page uses; older servers send no `state`: it follows from `live`. */
export function streamStateOf(data, streamUrl) {
  if (!data || typeof data !== "object") return null;
  const state = STATES.has(data.state) ? data.state : data.live ? "live" : "offline";
  return {
    state,
    live: state === "live",
    since: data.since || null,
    interrupted_since: data.interrupted_since || null,
    publisher: data.publisher === "main" || data.publisher === "backup" ? data.publisher : null,
    version: typeof data.version === "number" ? data.version : 0,
    hls_url: typeof data.hls_url === "string" ? data.hls_url : null,
    stream_url: typeof (data.stream_url ?? streamUrl) === "string" ? (data.stream_url ?? streamUrl) : null,
  };
}

/** Whether `next` is newer than `known` (strictly: the same version is the same state). */
export function isNewer(known, next) {
  return Boolean(next) && (!known || next.version > known.version);
}

/** The room's external URL (organisers', it wins over the ingest), as far as `s` tells. */
export function externalOf(s) {
  if (!s?.stream_url) return null;
  if (s.state === "live") return s.hls_url && s.stream_url !== s.hls_url ? s.stream_url : null;
  return s.stream_url === s.hls_url ? null : s.stream_url;
}

/**
 * What the player shows for `s`:
 * - {mode: "live", url}: a publisher is on air (or an external URL while the ingest is live);
 * - {mode: "external", url}: the room's external URL, played while the programme has a
 *   session on (as before the ingest);
 * - {mode: "interrupted", url}: the slate over the last frame, the playlist retried;
 * - {mode: "offline"}: the offline poster.
 * `s` null (no ingest on this server) is for the caller: the external URL as before.
 */
export function playPlan(s) {
  const external = externalOf(s);
  if (s.state === "live") {
    const url = external || s.stream_url || s.hls_url;
    return url ? { mode: "live", url } : { mode: "offline" };
  }
  if (external) return { mode: "external", url: external };
  if (s.state === "interrupted") return { mode: "interrupted", url: s.hls_url || s.stream_url };
  return { mode: "offline" };
}

/** `s` after an organiser changed the room's external URL to `external` (`forum.room_changed`
 * carries the room's own setting, not what the player plays). */
export function withExternal(s, external) {
  if (!s) return s;
  const ingest = s.state === "offline" ? null : s.hls_url;
  return { ...s, stream_url: external || ingest || (s.state === "live" && !s.hls_url ? s.stream_url : null) };
}

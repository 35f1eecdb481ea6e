// A room's state from its programme, as forums/domain.py's room_status decides it on the server:
// live while a session runs, starting soon within 15 minutes of the next, between sessions,
// ended when nothing follows today.

export const STARTING_SOON_MS = 15 * 60_000;

/** {state: "live"|"starting_soon"|"between"|"ended"|"idle", session} at time `now` (ms). */
export function roomStatus(sessions, now) {
  const sorted = [...sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  if (sorted.length === 0) return { state: "idle", session: null };
  const current = sorted.find((s) => Date.parse(s.starts_at) <= now && now < Date.parse(s.ends_at));
  if (current) return { state: "live", session: current };
  const next = sorted.find((s) => Date.parse(s.starts_at) > now);
  if (!next) return { state: "ended", session: null };
  const soon = Date.parse(next.starts_at) - now <= STARTING_SOON_MS;
  return { state: soon ? "starting_soon" : "between", session: next };
}

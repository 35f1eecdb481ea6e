// A room's state from its programme, by the same rule as forums/domain.py's room_status on the
// server (so a page can keep it current between loads): live while a session runs; starting
// soon within 15 minutes of the next; between sessions while more follow today (a day in
// Guiyang, UTC+8, the expo's time zone); ended when nothing more is on today.

export const STARTING_SOON_MS = 15 * 60_000;
const EXPO_OFFSET_MS = 8 * 3_600_000;

const expoDay = (ms) => Math.floor((ms + EXPO_OFFSET_MS) / 86_400_000);

/** {state: "live"|"starting_soon"|"between"|"ended", session} at time `now` (ms). */
export function roomStatus(sessions, now) {
  const sorted = [...sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const current = sorted.find((s) => Date.parse(s.starts_at) <= now && now < Date.parse(s.ends_at));
  if (current) return { state: "live", session: current };
  const next = sorted.find((s) => Date.parse(s.starts_at) > now);
  if (!next) return { state: "ended", session: null };
  const starts = Date.parse(next.starts_at);
  if (starts - now <= STARTING_SOON_MS) return { state: "starting_soon", session: next };
  if (expoDay(starts) === expoDay(now)) return { state: "between", session: next };
  return { state: "ended", session: null };
}

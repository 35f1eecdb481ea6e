// When an expo announcement shows: a pure rule (no DOM, no socket), shared by the page banner
// (announcements.js) and the console (console/announcements.js), run under Node in
// tests/unit/test_announcement_window.py. Times are ms on the server's clock.

const ms = (iso) => (iso ? Date.parse(iso) : NaN);

/** Which announcement a page shows at `now` (ms on the server's clock): the newest to have
 * started of those in their window, not withdrawn and not dismissed; null if none. */
export function showing(announcements, now, dismissed = new Set()) {
  const live = announcements.filter(
    (a) =>
      !a.withdrawn_at &&
      !dismissed.has(Number(a.id)) &&
      ms(a.starts_at ?? a.created_at) <= now &&
      !(ms(a.ends_at) <= now),
  );
  live.sort((x, y) => ms(y.starts_at ?? y.created_at) - ms(x.starts_at ?? x.created_at) || y.id - x.id);
  return live[0] ?? null;
}

/** The next moment after `now` when what shows may change (a start or an end), or null. */
export function nextChange(announcements, now) {
  const times = announcements
    .filter((a) => !a.withdrawn_at)
    .flatMap((a) => [ms(a.starts_at), ms(a.ends_at)])
    .filter((t) => Number.isFinite(t) && t > now);
  return times.length ? Math.min(...times) : null;
}

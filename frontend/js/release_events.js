// How a list of published releases follows `hall:all` (no DOM: tested under Node,
// tests/unit/test_release_events.py).

/** Keep `list` newest first as live events come: a newer version replaces, a withdrawal
 * removes. Returns the new list (or null when the event changes nothing). */
export function applyReleaseEvent(list, type, data, { accept = () => true } = {}) {
  if (!Array.isArray(list) || !data || !Number.isInteger(data.id)) return null;
  const index = list.findIndex((r) => r.id === data.id);
  if (type === "release.withdrawn") {
    if (index < 0 || list[index].version > data.version) return null;
    return list.filter((r) => r.id !== data.id);
  }
  if (type !== "release.published" || !accept(data)) return null;
  if (index >= 0) {
    if (list[index].version >= data.version) return null;
    const next = [...list];
    next[index] = data;
    return next;
  }
  // Newest first by when it went live: an older release edited while live keeps its place.
  return [data, ...list].sort(
    (a, b) => String(b.published_at).localeCompare(String(a.published_at)) || b.id - a.id,
  );
}

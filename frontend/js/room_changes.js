// Rooms as organisers change them (the console's rooms tab, forums/room_edit.py): each change
// comes as `forum.room_changed` on `lobby:forums` and on the room's own topic, carrying the
// room's whole state and its settings version. A page keeps the newest it has seen per room,
// so an older event (or an older list read while a change was on its way) never undoes a
// newer one.

export const LOBBY_TOPIC = "lobby:forums";

/** The fields of a room that `forum.room_changed` carries, as the forum list names them. */
function fieldsOf(state) {
  return {
    slug: state.slug,
    position: state.position,
    title: state.title,
    stream_url: state.stream_url,
    pre_moderation: state.pre_moderation,
    slow_mode_seconds: state.slow_mode_seconds,
    version: state.version,
  };
}

/** `forums` (a list as GET /api/forums gives it) with `state` applied, if newer than what the
 * list has for that room; null when it changes nothing (older, or a room the list lacks). */
export function applyRoomChange(forums, state) {
  if (!Array.isArray(forums) || !state || typeof state.version !== "number") return null;
  const at = forums.findIndex((f) => f.id === state.forum_id);
  if (at < 0 || (typeof forums[at].version === "number" && state.version < forums[at].version)) {
    return null;
  }
  const next = [...forums];
  next[at] = { ...forums[at], ...fieldsOf(state) };
  return sortRooms(next);
}

/** A freshly read list, keeping any room the page already knows at a newer version. */
export function mergeRooms(known, fresh) {
  if (!Array.isArray(known)) return sortRooms(fresh);
  const byId = new Map(known.map((f) => [f.id, f]));
  return sortRooms(
    fresh.map((f) => {
      const mine = byId.get(f.id);
      return mine && mine.version > f.version ? { ...f, ...pickRoom(mine) } : f;
    }),
  );
}

function pickRoom(f) {
  const { slug, position, title, stream_url, pre_moderation, slow_mode_seconds, version } = f;
  return { slug, position, title, stream_url, pre_moderation, slow_mode_seconds, version };
}

export function sortRooms(forums) {
  return [...forums].sort((a, b) => a.position - b.position || a.id - b.id);
}

/** Call `onChange(state)` for every `forum.room_changed` on the lobby's topic, over `realtime`
 * (the page's connection: this module imports nothing, so Node tests its rules). Returns the
 * function that stops following. */
export function followRooms(realtime, onChange, handlers = {}) {
  return realtime.subscribe(LOBBY_TOPIC, {
    ...handlers,
    onEvent: (type, data, envelope) => {
      if (type === "forum.room_changed") onChange(data);
      handlers.onEvent?.(type, data, envelope);
    },
  });
}

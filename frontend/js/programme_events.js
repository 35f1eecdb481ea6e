// How a page's list of a room's sessions follows the programme's events: a pure rule (no DOM,
// no socket), so that it runs under Node in tests/unit/test_programme_events.py.
//
// <= {"type": "programme.session_saved", "topic": "forum:2", "data": {"session": {..., "version": 3}}}
// <= {"type": "programme.session_deleted", "topic": "forum:2", "data": {"id": 7, "forum_id": 2, "guid": "...", "version": 4}}
// (`version` on a deletion only when the session moved to another room.)

import { versionBook } from "./versions.js";

export const byStart = (a, b) => a.starts_at.localeCompare(b.starts_at) || a.id - b.id;

/** The sessions after a programme event: saved ones replace (or join), deleted ones leave;
 * `forumId` keeps only that room's (a session can move to another room). `book` (versions.js,
 * kept next to the list) holds the highest version applied per session, deleted ones included:
 * a save older than it (two edits announced in the opposite order to their commits, or a late
 * save of a session deleted or moved away since) changes nothing. A session deleted for good is
 * a tombstone at Infinity; one moved out of the room, at the version of the move, so that a
 * later move back still shows. */
export function applyProgrammeEvent(sessions, type, data, forumId, book = versionBook()) {
  if (type === "programme.session_saved" && data?.session) {
    const known = sessions.find((s) => s.id === data.session.id);
    if (known && data.session.version < known.version) return sessions;
    if (!book.take(sessionKey(data.session), data.session.version)) return sessions;
    const others = sessions.filter((s) => s.id !== data.session.id);
    const mine = forumId === undefined || data.session.forum_id === forumId;
    return (mine ? [...others, data.session] : others).sort(byStart);
  }
  if (type === "programme.session_deleted" && Number.isInteger(data?.id)) {
    // A move out of the room carries the move's version; a delete carries none: for good.
    const version = typeof data.version === "number" ? data.version : Infinity;
    if (!book.take(sessionKey(data), version)) return sessions; // a move out, older than what we have
    return sessions.filter((s) => s.id !== data.id);
  }
  return null; // not a programme event
}

// By id and guid: SQLite may give a deleted session's id to the next one, which is no revival.
const sessionKey = (s) => `${s.id}:${s.guid ?? ""}`;

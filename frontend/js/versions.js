// State events (a question's state, a poll's, a session, a room's settings) carry the version
// of the row they describe, bumped in the same transaction as the change. Two processes may
// announce two changes in the opposite order to their commits, so a page keeps the highest
// version it has applied per object and drops older events; an equal one is a repeat and is
// applied again (changing nothing). The same rule as forums.domain.Versions.

export function versionBook() {
  const seen = new Map(); // key -> highest version applied

  return {
    /** Whether an event at `version` for `key` is to be applied (noted if so). An event with
     * no version (from a server before versions) is applied as it comes. */
    take(key, version) {
      if (typeof version !== "number") return true;
      const known = seen.get(key);
      if (known !== undefined && version < known) return false;
      seen.set(key, version);
      return true;
    },
    /** A snapshot replaces everything: start again from its versions. */
    reset() {
      seen.clear();
    },
  };
}

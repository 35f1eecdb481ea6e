// Going to a page in place of the current history entry, and a word for the page that follows.

/** Route to `hash` (e.g. "#/") replacing the current history entry, so that what the address
 * bar held (an invitation's token, say) is gone from it and from Back. */
export function replaceRoute(hash) {
  const oldURL = location.href;
  history.replaceState(null, "", hash);
  // replaceState fires no hashchange: tell the router and the header ourselves.
  window.dispatchEvent(new HashChangeEvent("hashchange", { oldURL, newURL: location.href }));
}

/** A room's address: its slug, stable across databases and readable (row ids are neither). */
export function roomHref(forum) {
  return `#/forum/${encodeURIComponent(forum.slug)}`;
}

let welcome = null; // the role an accepted invitation just gave, for the lobby to greet

export function welcomeAs(role) {
  welcome = role;
}

/** The role to greet once, if any (taking it: the next visit to the lobby has no greeting). */
export function takeWelcome() {
  const role = welcome;
  welcome = null;
  return role;
}

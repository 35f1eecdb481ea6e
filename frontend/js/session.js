// Who is signed in. The session itself is an HttpOnly cookie this code never sees.

import { api, ApiError } from "./api.js";

let account; // undefined: not known yet; null: signed out; else the account
const listeners = new Set();

export function currentAccount() {
  return account;
}

/** Call `fn(account)` whenever who is signed in changes; returns the function that stops it. */
export function onAccountChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function set(next) {
  account = next;
  for (const fn of [...listeners]) fn(account);
}

/** Who is signed in now, as an answer that signed this browser in told (a password reset). */
export function setAccount(next) {
  set(next);
}

const isUnauthorized = (error) => error instanceof ApiError && error.status === 401;

export async function loadAccount() {
  try {
    const body = await api("/api/me");
    set(body.account);
  } catch (error) {
    if (isUnauthorized(error)) set(null);
    else if (account === undefined) set(null);
    // a network failure keeps what we knew
  }
  return account;
}

/** The server ended our session (a websocket closed with 4001): whoever the cookie now names,
 * if anyone (another tab may have signed in since), else signed out. Unlike loadAccount, a
 * failure does not keep the old account: that session is over. */
export async function refreshAfterSignOut() {
  try {
    const body = await api("/api/me");
    set(body.account);
  } catch {
    set(null);
  }
  return account;
}

export async function signIn(email, password) {
  const body = await api("/api/session", { method: "POST", body: { email, password } });
  set(body.account);
  return account;
}

/** Register (as an attendee) and be signed in: `form` is {email, password, display_name,
 * organisation, title, language}. */
export async function register(form) {
  const body = await api("/api/accounts", { method: "POST", body: form });
  set(body.account);
  return account;
}

/** Accept an invitation: `form` is {token} when signed in as the invited account, or {token,
 * display_name, password} to create it (and be signed in as it). The account comes back with
 * its new role. */
export async function acceptInvitation(form) {
  const body = await api("/api/invitations/accept", { method: "POST", body: form });
  set(body.account);
  return account;
}

/** Change one's own profile: any of {display_name, organisation, title, language}. */
export async function updateProfile(changes) {
  const body = await api("/api/me", { method: "PATCH", body: changes });
  set(body.account);
  return account;
}

let languageSaves = 0;

/** Remember the UI language in the account, quietly: the newest choice wins, a failure
 * (offline, say) only means the account keeps its old language. */
export async function saveLanguage(tag) {
  if (!account || account.language === tag) return;
  const mine = ++languageSaves;
  try {
    const body = await api("/api/me", { method: "PATCH", body: { language: tag } });
    if (mine === languageSaves && account && account.id === body.account.id) set(body.account);
  } catch (error) {
    if (isUnauthorized(error)) set(null);
    else console.warn("the language was not saved to the account", error);
  }
}

export async function signOut() {
  try {
    await api("/api/session", { method: "DELETE" });
  } catch (error) {
    if (!isUnauthorized(error)) throw error; // 401: the session had ended already
  }
  set(null);
}

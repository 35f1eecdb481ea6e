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

export async function loadAccount() {
  try {
    const body = await api("/api/me");
    set(body.account);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) set(null);
    else if (account === undefined) set(null);
    // a network failure keeps what we knew
  }
  return account;
}

export async function signIn(email, password) {
  const body = await api("/api/session", { method: "POST", body: { email, password } });
  set(body.account);
  return account;
}

export async function signOut() {
  await api("/api/session", { method: "DELETE" });
  set(null);
}

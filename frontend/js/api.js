// HTTP helpers: JSON in and out; failures become ApiError with the server's stable code.

export class ApiError extends Error {
  constructor(code, message, status = 0, details = undefined, retryAfter = undefined) {
    super(message || code);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.retryAfter = retryAfter; // seconds, with rate_limited
  }
}

// A saturated database answers 503 `database.busy` with retry_after: a read, or a request the
// caller marks as safe to send twice (`retry: true`, e.g. a queue join, which returns the
// ticket held already), is sent again after that long (with jitter, so a crowd that was turned
// away together does not come back together), a few times at most.
const BUSY_ATTEMPTS = 3;

const sleep = (seconds, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, seconds * 1000);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason ?? new DOMException("Aborted", "AbortError"));
    }, { once: true });
  });

/** fetch JSON from our own server; throws ApiError({code, message}) on any failure. */
export async function api(path, { method = "GET", body, signal, retry } = {}) {
  const again = retry ?? (method === "GET" || method === "HEAD");
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await apiOnce(path, { method, body, signal });
    } catch (error) {
      const busy = error instanceof ApiError && error.code === "database.busy";
      if (!busy || !again || attempt >= BUSY_ATTEMPTS) throw error;
      await sleep((error.retryAfter || 1) * (0.5 + Math.random()), signal);
    }
  }
}

async function apiOnce(path, { method, body, signal }) {
  const init = {
    method,
    signal,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError("network", String(error?.message || error));
  }
  let payload = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("application/json")) {
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
  }
  if (!response.ok) {
    const err = payload?.error;
    throw new ApiError(
      err?.code || (response.status >= 500 ? "internal" : "bad_request"),
      err?.message || response.statusText,
      response.status,
      err?.details,
      Number.isFinite(err?.retry_after) ? err.retry_after : undefined,
    );
  }
  return payload;
}

export const getForums = (opts) => api("/api/forums", opts);
export const getForum = (id, opts) => api(`/api/forums/${encodeURIComponent(id)}`, opts);
export const getForumBySlug = (slug, opts) =>
  api(`/api/forums/by-slug?${new URLSearchParams({ slug })}`, opts);
export const getChat = (id, { limit = 50, before, ...opts } = {}) => {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before) query.set("before", String(before));
  return api(`/api/forums/${encodeURIComponent(id)}/chat?${query}`, opts);
};
// --- hall search --- The hall is paged (at most 48 a page); the console's picker reads the first
// page. The hall itself searches with hall.js's getHall.
export const getExhibitors = (opts) => api("/api/exhibitors?per_page=48", opts);
// --- end hall search ---
/** What an invitation link offers. The token goes in the body: never in a URL, which logs keep. */
export const openInvitation = (token, opts) =>
  api("/api/invitations/open", { method: "POST", body: { token }, ...opts });

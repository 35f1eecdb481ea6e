// The tab's one websocket to the server (/ws): commands with replies matched by id, topic
// subscriptions that resume where they left off after a reconnect, and the connection status.
//
// => {"type": "chat.send", "id": "c7", "data": {...}}          command
// <- {"type": "ok", "id": "c7", "data": {...}}  or  {"type": "error", "id": "c7", "error": {...}}
// <= {"type": "chat.message_posted", "topic": "forum:3", "seq": 1042, "data": {...}}   event

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;
const STABLE_AFTER_MS = 5_000; // a connection that lived this long resets the backoff
const REQUEST_TIMEOUT_MS = 15_000;
const RESUBSCRIBE_AFTER_MS = 3_000; // after a transient subscribe failure (broker down)

/** How long to wait before asking for a topic again after `error`: when the server said
 * (`rate_limited` with retry_after, in a storm), that and up to a quarter more, so tabs refused
 * together do not all come back in the same instant; otherwise a few seconds. */
function resubscribeDelay(error) {
  const seconds = error.retryAfter;
  if (!Number.isFinite(seconds) || seconds <= 0) return RESUBSCRIBE_AFTER_MS;
  return Math.min(BACKOFF_CAP_MS, seconds * 1000 * (1 + Math.random() / 4));
}

// Close codes from the server (expo/realtime/closecodes.py) after which we come back at once.
const QUICK_RETRY = new Set([1001, 1012, 4008]);
// The session ended (signed out, here or elsewhere): the socket's identity is gone.
const SIGNED_OUT = 4001;
const SIGNED_OUT_AGAIN_MS = 5_000; // a second 4001 this soon: back off instead (never loop)
// Subscribe errors that retrying will not fix.
const PERMANENT = (code) =>
  ["bad_request", "not_found", "forbidden", "unauthorized"].includes(code) ||
  code.endsWith(".unknown") ||
  code.endsWith(".banned") || // until a moderator lifts it: `resubscribe` then
  code.startsWith("subscribe.");

export class RealtimeError extends Error {
  constructor(code, message, details = undefined, retryAfter = undefined) {
    super(message || code);
    this.name = "RealtimeError";
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter; // seconds, with rate_limited
  }
}

function defaultUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

export class Realtime {
  constructor(url = defaultUrl()) {
    this.url = url;
    this.ws = null;
    this.state = "idle"; // idle | connecting | open | waiting (for the next attempt)
    this.attempt = 0; // failed attempts in a row
    this.retryAt = 0; // when the next attempt starts (state "waiting")
    this.everOpen = false;
    this.openedAt = 0;
    this.connections = 0; // sockets started so far
    this.timer = null;
    this.nextId = 1;
    this.pending = new Map(); // command id -> {resolve, reject, timer}
    this.topics = new Map(); // topic -> subscription state
    this.statusListeners = new Set();
    this.signedOutListeners = new Set();
    this.accountListeners = new Set();
    this.signedOutAt = 0;
    window.addEventListener("online", () => this.retryNow());
  }

  // --- connection ---------------------------------------------------------------------

  start() {
    if (this.state === "idle") this._connect();
  }

  get isOpen() {
    return this.state === "open";
  }

  /** The status now and on every change: {state, attempt, retryAt, everOpen}. */
  onStatus(fn) {
    this.statusListeners.add(fn);
    fn(this.status());
    return () => this.statusListeners.delete(fn);
  }

  status() {
    return {
      state: this.state,
      attempt: this.attempt,
      retryAt: this.retryAt,
      everOpen: this.everOpen,
    };
  }

  /** Call `fn()` when the server closes the socket because its session ended (4001: signed
   * out, in this tab or another). Returns the function that stops it. */
  onSignedOut(fn) {
    this.signedOutListeners.add(fn);
    return () => this.signedOutListeners.delete(fn);
  }

  /** Call `fn(account)` when the server says this socket's account changed (its name or
   * role, here or on another process: `account.changed`). Returns the function that stops it. */
  onAccountChanged(fn) {
    this.accountListeners.add(fn);
    return () => this.accountListeners.delete(fn);
  }

  /** Resolves true once the socket is open (false after `timeout` ms). */
  waitOpen(timeout = 5_000) {
    if (this.isOpen) return Promise.resolve(true);
    return new Promise((resolve) => {
      let off = () => {};
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeout);
      off = this.onStatus((status) => {
        if (status.state !== "open") return;
        clearTimeout(timer);
        queueMicrotask(() => off());
        resolve(true);
      });
    });
  }

  /** Follow `topic` again after the server refused or ended it (a ban that was lifted),
   * resuming from the last seq seen. Does nothing while it is followed or not wanted. */
  resubscribe(topic) {
    const sub = this.topics.get(topic);
    if (sub && !sub.active && !sub.inflight && this.isOpen) this._sendSubscribe(sub);
  }

  /** Skip the rest of the backoff wait. */
  retryNow() {
    if (this.state === "waiting") this._connect();
  }

  /** Open a fresh socket now, e.g. after signing in or out: the server reads the session
   * cookie only at the handshake. Subscriptions resume from their last seq. */
  reconnect() {
    const old = this.ws;
    this.ws = null;
    if (old) {
      this._dropConnection("disconnected");
      try {
        old.close(1000, "reconnecting");
      } catch {
        // already closed
      }
    }
    this.attempt = 0;
    this._connect();
  }

  _setState(state) {
    this.state = state;
    const status = this.status();
    for (const fn of [...this.statusListeners]) fn(status);
  }

  _connect() {
    clearTimeout(this.timer);
    this.timer = null;
    let ws;
    this.connections += 1;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this._scheduleRetry();
      return;
    }
    this.ws = ws;
    this._setState("connecting");
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.openedAt = Date.now();
      this.everOpen = true;
      this._setState("open");
      for (const sub of this.topics.values()) this._sendSubscribe(sub);
    };
    ws.onmessage = (event) => {
      if (ws === this.ws) this._onFrame(event.data);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this._dropConnection("disconnected");
      if (this.openedAt && Date.now() - this.openedAt > STABLE_AFTER_MS) this.attempt = 0;
      this.openedAt = 0;
      if (event.code === SIGNED_OUT) this._signedOut();
      else this._scheduleRetry(QUICK_RETRY.has(event.code));
    };
    ws.onerror = () => {}; // a close event always follows
  }

  _signedOut() {
    // Never resume as the old user: the server revoked the session, so the same cookie now
    // opens an anonymous socket (or a new session's, if another tab signed in since). The
    // listeners find out who is signed in; the topics resume from their seq as anyone may.
    for (const fn of [...this.signedOutListeners]) {
      try {
        fn();
      } catch (error) {
        console.error("realtime: a signed-out handler failed", error);
      }
    }
    const now = Date.now();
    const again = now - this.signedOutAt < SIGNED_OUT_AGAIN_MS;
    this.signedOutAt = now;
    if (again) {
      this._scheduleRetry();
    } else {
      this.attempt = 0; // a fresh start, not an outage: no offline banner
      this._connect();
    }
  }

  _dropConnection(code) {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new RealtimeError(code));
      this.pending.delete(id);
    }
    for (const sub of this.topics.values()) {
      sub.active = false;
      sub.inflight = false;
      sub.buffer = [];
    }
  }

  _scheduleRetry(quick = false) {
    // Exponential backoff with jitter: 50-100 % of min(cap, base * 2^attempt).
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (quick ? 0 : this.attempt));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this._connect(), delay);
    this._setState("waiting");
  }

  // --- commands -----------------------------------------------------------------------

  /** Send a command; resolves with the ok reply's data, rejects with a RealtimeError. */
  request(type, data = {}, { timeout = REQUEST_TIMEOUT_MS } = {}) {
    if (!this.isOpen || !this.ws) return Promise.reject(new RealtimeError("offline"));
    const id = `c${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RealtimeError("timeout"));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.ws.send(JSON.stringify({ type, id, data }));
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RealtimeError("offline", String(error)));
      }
    });
  }

  _onFrame(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      console.warn("realtime: a frame that is not JSON", text);
      return;
    }
    if (msg.type === "ok" || msg.type === "error") {
      const entry = this.pending.get(msg.id);
      if (!entry) {
        if (msg.type === "error") console.warn("realtime: error without a command", msg.error);
        return;
      }
      this.pending.delete(msg.id);
      clearTimeout(entry.timer);
      if (msg.type === "ok") entry.resolve(msg.data ?? {});
      else {
        const err = msg.error || {};
        const wait = Number.isFinite(err.retry_after) ? err.retry_after : undefined;
        entry.reject(new RealtimeError(err.code || "internal", err.message, err.details, wait));
      }
      return;
    }
    if (typeof msg.topic === "string") this._onEvent(msg);
    else if (msg.type === "account.changed") {
      for (const fn of [...this.accountListeners]) {
        try {
          fn(msg.data?.account);
        } catch (error) {
          console.error("realtime: an account-changed handler failed", error);
        }
      }
    }
  }

  // --- topics -------------------------------------------------------------------------

  /**
   * Follow a topic. `handlers`: onEvent(type, data, envelope) for every event,
   * onSnapshot() whenever the page must (re)load its snapshot (first subscription, a resume
   * beyond the replay window, a reset), onPresence(count), onError(error) when the server
   * refuses the topic, onFollowing() on every subscribe the server accepts (a resume too: what
   * onError showed, say a ban that was lifted, is over). Returns the function that stops
   * following.
   */
  subscribe(topic, handlers) {
    let sub = this.topics.get(topic);
    if (!sub) {
      sub = {
        topic,
        handlers: new Set(),
        seq: null,
        epoch: null,
        active: false,
        inflight: false,
        buffer: [],
        presence: null,
      };
      this.topics.set(topic, sub);
      sub.handlers.add(handlers);
      if (this.isOpen) this._sendSubscribe(sub);
    } else {
      sub.handlers.add(handlers);
      if (sub.active) {
        handlers.onSnapshot?.();
        if (sub.presence !== null) handlers.onPresence?.(sub.presence);
      }
    }
    return () => this._release(sub, handlers);
  }

  _release(sub, handlers) {
    sub.handlers.delete(handlers);
    if (sub.handlers.size || this.topics.get(sub.topic) !== sub) return;
    this.topics.delete(sub.topic);
    if (this.isOpen && (sub.active || sub.inflight)) {
      this.request("unsubscribe", { topic: sub.topic }).catch(() => {});
    }
  }

  _sendSubscribe(sub) {
    const ws = this.ws;
    sub.inflight = true;
    sub.active = false;
    sub.buffer = [];
    const data = { topic: sub.topic };
    if (sub.seq !== null && sub.epoch) {
      // A seq means nothing without its epoch; the server refuses `since` alone.
      data.since = sub.seq;
      data.epoch = sub.epoch;
    }
    this.request("subscribe", data).then(
      (reply) => {
        if (ws !== this.ws || this.topics.get(sub.topic) !== sub) return;
        this._subscribed(sub, reply);
      },
      (error) => {
        if (ws !== this.ws || this.topics.get(sub.topic) !== sub) return;
        sub.inflight = false;
        sub.buffer = [];
        if (error.code === "disconnected" || error.code === "offline") return; // resumes on reconnect
        if (error.code === "subscribe.already") {
          sub.active = true; // cannot happen on a socket we track; keep going if it does
          return;
        }
        if (PERMANENT(error.code)) {
          for (const h of [...sub.handlers]) h.onError?.(error);
          return;
        }
        setTimeout(() => {
          if (ws === this.ws && this.isOpen && this.topics.get(sub.topic) === sub && !sub.active) {
            this._sendSubscribe(sub);
          }
        }, resubscribeDelay(error));
      },
    );
  }

  _subscribed(sub, reply) {
    // Resumed: the server replayed what we missed (those events came before this reply).
    const resumed = sub.seq !== null && !reply.reload;
    const previous = sub.seq;
    const buffered = sub.buffer;
    sub.buffer = [];
    sub.inflight = false;
    sub.active = true;
    sub.epoch = reply.epoch ?? sub.epoch;
    for (const msg of buffered) {
      if (!resumed || msg.seq > previous) this._dispatch(sub, msg);
    }
    sub.seq = typeof reply.seq === "number" ? reply.seq : sub.seq;
    for (const h of [...sub.handlers]) h.onFollowing?.();
    if (!resumed) for (const h of [...sub.handlers]) h.onSnapshot?.();
    if (typeof reply.presence === "number") this._presence(sub, reply.presence);
  }

  _onEvent(msg) {
    const sub = this.topics.get(msg.topic);
    if (!sub) return;
    if (msg.type === "subscription.ended") {
      // The server took this socket off the topic (a ban). Stay off it until `resubscribe`;
      // keep seq and epoch, so coming back replays what was missed.
      sub.active = false;
      sub.inflight = false;
      sub.buffer = [];
      const reason = String(msg.data?.reason || "subscription.ended");
      const error = new RealtimeError(reason, reason);
      for (const h of [...sub.handlers]) {
        h.onEvent?.(msg.type, msg.data, msg);
        h.onError?.(error);
      }
      return;
    }
    if (msg.type === "presence.changed") {
      this._presence(sub, msg.data?.count ?? 0);
      return;
    }
    if (msg.type === "subscription.reset") {
      // The server lost history we may have missed: start over from a fresh snapshot.
      sub.epoch = msg.data?.epoch ?? sub.epoch;
      sub.seq = msg.data?.seq ?? sub.seq;
      sub.buffer = [];
      for (const h of [...sub.handlers]) h.onSnapshot?.();
      return;
    }
    if (sub.inflight) {
      sub.buffer.push(msg); // replayed or caught-up events: sorted out when the reply comes
      return;
    }
    if (typeof msg.seq === "number" && sub.seq !== null) {
      if (msg.seq <= sub.seq) return; // seen already
      if (msg.seq > sub.seq + 1) {
        console.warn(`realtime: ${msg.topic} skipped from seq ${sub.seq} to ${msg.seq}`);
      }
    }
    this._dispatch(sub, msg);
  }

  _dispatch(sub, msg) {
    if (typeof msg.seq === "number") sub.seq = Math.max(sub.seq ?? 0, msg.seq);
    for (const h of [...sub.handlers]) {
      try {
        h.onEvent?.(msg.type, msg.data, msg);
      } catch (error) {
        console.error("realtime: an event handler failed", error);
      }
    }
  }

  _presence(sub, count) {
    sub.presence = count;
    for (const h of [...sub.handlers]) h.onPresence?.(count);
  }
}

/** The tab's one connection. */
export const realtime = new Realtime();

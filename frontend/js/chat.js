// A room's live chat: history over HTTP, live messages over the tab's websocket, deduplicated
// by message id and kept in id order. Whatever users wrote goes in as text nodes only.

import { getChat } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { errorText, hhmm, onLangChange, t } from "./i18n.js";
import { signInHref } from "./header.js";
import { realtime } from "./realtime.js";
import { currentAccount, loadAccount, onAccountChange } from "./session.js";

const HISTORY_LIMIT = 50;
const MAX_SHOWN = 300;
const MAX_CHARS = 500; // forums/domain.py MAX_CHAT_CHARS
const NEAR_BOTTOM_PX = 80;
const touch = window.matchMedia?.("(pointer: coarse)").matches ?? false;

export function chatPanel(forumId) {
  const messages = new Map(); // id -> <li>
  let ids = []; // shown ids, ascending
  let status = "loading"; // loading | ready | failed
  let refused = null; // the server refused the topic
  let sendError = null;
  let sending = false;
  let fetchGeneration = 0;
  let loadedOnce = false;
  let started = false;

  const list = h("ol", { class: "chat-list", role: "log" });
  const statusLine = h("p", { class: "chat-status muted" });
  const log = h("div", { class: "chat-log", tabindex: "0" }, statusLine, list);
  const pill = h("button", { type: "button", class: "new-messages", hidden: true });
  const compose = h("div", { class: "chat-compose" });
  const title = h("h2", { class: "panel-title" });
  const element = h(
    "aside",
    { class: "panel chat-panel" },
    title,
    h("div", { class: "chat-log-wrap" }, log, pill),
    compose,
  );

  const textarea = h("textarea", {
    class: "chat-input",
    rows: "2",
    maxlength: String(MAX_CHARS),
    name: "text",
    autocomplete: "off",
    enterkeyhint: "send",
  });
  const sendButton = h("button", { type: "submit", class: "button button-primary chat-send" });
  const counter = h("span", { class: "chat-counter muted", "aria-live": "polite" });
  const errorLine = h("p", { class: "chat-error", role: "alert" });
  const form = h(
    "form",
    { class: "chat-form", onsubmit: (e) => (e.preventDefault(), send()) },
    h("div", { class: "chat-input-row" }, textarea, sendButton),
    h("div", { class: "chat-form-foot" }, errorLine, counter),
  );

  // --- the list -----------------------------------------------------------------------

  const nearBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX;
  const toBottom = () => {
    log.scrollTop = log.scrollHeight;
    pill.hidden = true;
  };

  const isOwn = (authorId) => authorId != null && String(authorId) === String(currentAccount()?.id);

  function markOwn() {
    for (const li of messages.values()) li.classList.toggle("is-own", isOwn(li.dataset.author));
  }

  function messageItem(msg) {
    const author = msg.author?.id ?? "";
    return h(
      "li",
      {
        class: isOwn(author) ? "chat-msg is-own" : "chat-msg",
        dataset: { id: String(msg.id), author: String(author) },
      },
      h(
        "div",
        { class: "chat-meta" },
        h("span", { class: "chat-author" }, String(msg.author?.name ?? "")),
        h("time", { class: "chat-time", datetime: String(msg.created_at ?? "") }, hhmm(msg.created_at)),
      ),
      h("p", { class: "chat-text" }, String(msg.text ?? "")),
    );
  }

  /** Show a message unless it is shown already; keeps id order. */
  function add(msg) {
    const id = Number(msg?.id);
    if (!Number.isFinite(id) || messages.has(id)) return false;
    const li = messageItem(msg);
    messages.set(id, li);
    if (!ids.length || id > ids[ids.length - 1]) {
      ids.push(id);
      list.appendChild(li);
    } else {
      const at = ids.findIndex((other) => other > id);
      list.insertBefore(li, messages.get(ids[at]));
      ids.splice(at, 0, id);
    }
    while (ids.length > MAX_SHOWN) remove(ids[0]);
    return true;
  }

  function remove(id) {
    messages.get(id)?.remove();
    messages.delete(id);
    ids = ids.filter((other) => other !== id);
  }

  function addLive(msg, { own = false } = {}) {
    const stick = nearBottom();
    if (!add(msg)) return;
    renderStatus();
    if (stick || own) toBottom();
    else pill.hidden = false;
  }

  /** (Re)load the snapshot: the latest messages, merged with what arrived live meanwhile. */
  async function loadHistory() {
    const generation = ++fetchGeneration;
    if (!loadedOnce) {
      status = "loading";
      renderStatus();
    }
    let body;
    try {
      body = await getChat(forumId, { limit: HISTORY_LIMIT });
    } catch (error) {
      if (generation !== fetchGeneration || !started) return;
      if (!loadedOnce) status = "failed";
      renderStatus();
      return;
    }
    if (generation !== fetchGeneration || !started) return;
    const snapshot = body.messages || [];
    const stick = !loadedOnce || nearBottom();
    if (snapshot.length) {
      const inSnapshot = new Set(snapshot.map((m) => Number(m.id)));
      const highest = Math.max(...inSnapshot);
      // Keep what the snapshot vouches for, plus live messages newer than it: an older one
      // may sit before a gap we cannot see, and one inside it but missing is gone.
      for (const id of [...ids]) {
        if (id <= highest && !inSnapshot.has(id)) remove(id);
      }
      for (const msg of snapshot) add(msg);
    }
    loadedOnce = true;
    status = "ready";
    renderStatus();
    if (stick) toBottom();
  }

  // --- sending ------------------------------------------------------------------------

  async function send({ retried = false } = {}) {
    if (sending) return;
    const text = textarea.value.trim();
    if (!text) {
      showError({ code: "chat.empty" });
      return;
    }
    sending = true;
    sendError = null;
    renderCompose();
    try {
      const reply = await realtime.request("chat.send", { forum: forumId, text });
      textarea.value = "";
      if (reply?.message) addLive(reply.message, { own: true });
      else toBottom();
    } catch (error) {
      sending = false;
      if (error.code === "unauthorized" && !retried) {
        // The socket may predate a sign-in made elsewhere: check, and try once on a new one.
        const account = await loadAccount();
        if (account && started) {
          realtime.reconnect();
          if (await realtime.waitOpen()) return send({ retried: true });
        }
      }
      showError(error);
      return;
    }
    sending = false;
    renderCompose();
    textarea.focus({ preventScroll: true });
  }

  function showError(error) {
    sendError = error;
    renderCompose();
  }

  // --- rendering ----------------------------------------------------------------------

  function renderStatus() {
    let text = "";
    if (refused) text = errorText(refused);
    else if (status === "loading" && !ids.length) text = t("chat.loading");
    else if (status === "failed" && !ids.length) text = t("chat.load_failed");
    else if (!ids.length) text = t("chat.empty");
    statusLine.hidden = !text;
    replace(statusLine, text);
  }

  function renderCompose() {
    const account = currentAccount();
    if (account === null) {
      replace(
        compose,
        h(
          "p",
          { class: "chat-signin" },
          t("chat.signin_prompt"),
          " ",
          h("a", { class: "button button-small button-primary", href: signInHref() }, t("chat.signin_link")),
        ),
      );
      return;
    }
    textarea.placeholder = t(touch ? "chat.placeholder_touch" : "chat.placeholder");
    textarea.setAttribute("aria-label", t("chat.heading"));
    sendButton.disabled = sending;
    replace(sendButton, icon("send", "icon icon-small"), h("span", {}, sending ? t("chat.sending") : t("chat.send")));
    const left = MAX_CHARS - textarea.value.length;
    replace(counter, left <= 50 ? t("chat.chars_left", { n: left }) : "");
    if (sendError) {
      const needsSignIn = sendError.code === "unauthorized";
      replace(
        errorLine,
        needsSignIn ? t("chat.signin_prompt") : errorText(sendError),
        needsSignIn ? " " : null,
        needsSignIn ? h("a", { href: signInHref() }, t("chat.signin_link")) : null,
      );
      errorLine.hidden = false;
    } else {
      replace(errorLine);
      errorLine.hidden = true;
    }
    if (!compose.contains(form)) replace(compose, form);
  }

  function renderAll() {
    replace(title, t("chat.heading"));
    replace(pill, t("chat.new_messages"));
    renderStatus();
    renderCompose();
  }

  textarea.addEventListener("keydown", (e) => {
    // Enter sends (touch keyboards label it "send"), Shift+Enter breaks the line; never while
    // an IME is composing (中文输入 confirms its candidates with Enter).
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  });
  textarea.addEventListener("input", () => {
    if (sendError && sendError.code !== "unauthorized") sendError = null;
    renderCompose();
  });
  log.addEventListener("scroll", () => {
    if (nearBottom()) pill.hidden = true;
  });
  pill.addEventListener("click", toBottom);

  renderAll();

  // --- lifecycle ----------------------------------------------------------------------

  const stops = [];
  return {
    element,
    /** Follow the room's topic; `onPresence(count)` gets the audience. Returns stop(). */
    start({ onPresence } = {}) {
      started = true;
      renderAll(); // who is signed in may have become known since the panel was built
      stops.push(onLangChange(renderAll));
      stops.push(
        onAccountChange(() => {
          sendError = null;
          renderCompose();
          markOwn();
        }),
      );
      stops.push(
        realtime.subscribe(`forum:${forumId}`, {
          onSnapshot: () => loadHistory(),
          onEvent: (type, data) => {
            if (type === "chat.message_posted") addLive(data);
          },
          onPresence: (count) => onPresence?.(count),
          onError: (error) => {
            refused = error;
            renderStatus();
          },
        }),
      );
      // The socket's first subscription brings the snapshot; do not wait long for it.
      const fallback = setTimeout(() => {
        if (!loadedOnce && fetchGeneration === 0) loadHistory();
      }, realtime.isOpen ? 3_000 : 1_000);
      stops.push(() => clearTimeout(fallback));
      return () => this.stop();
    },
    stop() {
      started = false;
      for (const fn of stops.splice(0)) fn();
    },
  };
}

// A room's live chat: history over HTTP (paging back on demand), live messages over the tab's
// websocket, deduplicated by message id and kept in id order; deleted messages vanish. Whatever
// users wrote goes in as text nodes only. Moderation (pinned announcement, slow mode, mutes and
// bans, per-message tools) comes from moderation.js.

import { getChat } from "./api.js";
import { h, icon, linkified, replace } from "./dom.js";
import { addStrings, errorText, getLang, hhmm, onLangChange, t } from "./i18n.js";
import { signInHref } from "./header.js";
import { visibleLength } from "./text.js";
import { roomModeration } from "./moderation.js";
import { realtime } from "./realtime.js";
import { currentAccount, loadAccount, onAccountChange } from "./session.js";

const HISTORY_LIMIT = 50;
const MAX_SHOWN = 300; // live messages kept; paging back raises it by what it brought
const MAX_SHOWN_CAP = 3_000;
const MAX_CHARS = 500; // forums/domain.py MAX_CHAT_CHARS, characters as people see them
// maxlength counts UTF-16 units, so it only bounds what the column holds (forums/domain.py
// CHAT_COLUMN code points); the counter and the server bound what people see.
const MAX_STORED = 2000;
const NEAR_BOTTOM_PX = 80;
const touch = window.matchMedia?.("(pointer: coarse)").matches ?? false;

addStrings({
  zh: { "chat.load_earlier": "加载更早的消息", "chat.loading_earlier": "正在加载…" },
  en: { "chat.load_earlier": "Load earlier messages", "chat.loading_earlier": "Loading…" },
});

/** The exhibitor a staff member's message comes from, as a small badge beside the name. */
function staffBadge(exhibitor) {
  if (!exhibitor || typeof exhibitor !== "object") return null;
  const names = { zh: String(exhibitor.name_zh ?? ""), en: String(exhibitor.name_en ?? "") };
  return h("span", { class: "chat-badge", title: `${names.zh} · ${names.en}`, dataset: names }, badgeName(names));
}

const badgeName = ({ zh, en }) => (getLang() === "zh" ? zh || en : en || zh);

/** Where a forum room's chat comes from; a booth's chat (booth_chat.js) hands over its own. */
export function forumChatSource(forumId) {
  return {
    topic: `forum:${forumId}`,
    page: (opts) => getChat(forumId, opts),
    send: (text) => realtime.request("chat.send", { forum: forumId, text }),
    posted: "chat.message_posted",
    deleted: "chat.message_deleted",
    moderation: (opts) => roomModeration(forumId, opts),
  };
}

/** A live chat panel: a forum room's (`chatPanel(forumId)`), or any chat that follows the same
 * rules when given its `source` (topic, history pages, send, event names, moderation). */
export function chatPanel(forumId, source = forumChatSource(forumId)) {
  const messages = new Map(); // id -> <li>
  const shown = new Map(); // id -> the message, for redrawing its tools
  let ids = []; // shown ids, ascending
  let maxShown = MAX_SHOWN;
  let hasEarlier = false; // the server may hold older messages than the first shown
  let loadingEarlier = false;
  let status = "loading"; // loading | ready | failed
  let refused = null; // the server refused the topic
  let sendError = null;
  let sending = false;
  let fetchGeneration = 0;
  let loadedOnce = false;
  let started = false;

  const list = h("ol", { class: "chat-list", role: "log" });
  const statusLine = h("p", { class: "chat-status muted" });
  const earlier = h("button", {
    type: "button",
    class: "chat-earlier button button-small button-ghost",
    hidden: true,
    onclick: () => loadEarlier(),
  });
  const log = h("div", { class: "chat-log", tabindex: "0" }, earlier, statusLine, list);
  const pill = h("button", { type: "button", class: "new-messages", hidden: true });
  const compose = h("div", { class: "chat-compose" });
  const title = h("h2", { class: "panel-title" });
  // A mute or ban that starts (or ends) replaces whatever the compose box said last.
  const mod = source.moderation({ onBlockedChange: () => ((sendError = null), renderCompose()) });
  const element = h(
    "aside",
    { class: "panel chat-panel" },
    title,
    mod.pinnedBox,
    mod.flashLine,
    h("div", { class: "chat-log-wrap" }, log, pill),
    mod.slowLine,
    mod.notice,
    compose,
  );

  const textarea = h("textarea", {
    class: "chat-input",
    rows: "2",
    maxlength: String(MAX_STORED),
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
  // Whether the log showed its newest messages when it last scrolled: it keeps showing them when
  // it changes size (the pinned announcement or the room tools appear above it).
  let atBottom = true;
  const toBottom = () => {
    log.scrollTop = log.scrollHeight;
    pill.hidden = true;
  };

  const isOwn = (authorId) => authorId != null && String(authorId) === String(currentAccount()?.id);

  function markOwn() {
    for (const [id, li] of messages) {
      const own = isOwn(li.dataset.author);
      li.classList.toggle("is-own", own);
      li.querySelector(".chat-actions")?.replaceWith(mod.messageTools(shown.get(id), { own }));
    }
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
        staffBadge(msg.exhibitor),
        h("time", { class: "chat-time", datetime: String(msg.created_at ?? "") }, hhmm(msg.created_at)),
        mod.messageTools(msg, { own: isOwn(author) }),
      ),
      h("p", { class: "chat-text" }, linkified(msg.text)),
    );
  }

  /** Show a message unless it is shown already; keeps id order. */
  function add(msg) {
    const id = Number(msg?.id);
    if (!Number.isFinite(id) || messages.has(id)) return false;
    const li = messageItem(msg);
    messages.set(id, li);
    shown.set(id, msg);
    if (!ids.length || id > ids[ids.length - 1]) {
      ids.push(id);
      list.appendChild(li);
    } else {
      const at = ids.findIndex((other) => other > id);
      list.insertBefore(li, messages.get(ids[at]));
      ids.splice(at, 0, id);
    }
    while (ids.length > maxShown) {
      remove(ids[0]);
      hasEarlier = true;
    }
    return true;
  }

  function remove(id) {
    messages.get(id)?.remove();
    messages.delete(id);
    shown.delete(id);
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
      body = await source.page({ limit: HISTORY_LIMIT });
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
      // A full page starts at the oldest it holds; a short one holds all there is.
      const lowest = snapshot.length < HISTORY_LIMIT ? 0 : Math.min(...inSnapshot);
      // Keep what the snapshot vouches for, live messages newer than it and pages read back
      // before it: one inside its span but missing was deleted.
      for (const id of [...ids]) {
        if (id >= lowest && id <= highest && !inSnapshot.has(id)) remove(id);
      }
      for (const msg of snapshot) add(msg);
    }
    if (!loadedOnce || ids.length <= snapshot.length) hasEarlier = snapshot.length >= HISTORY_LIMIT;
    loadedOnce = true;
    status = "ready";
    renderStatus();
    if (stick) toBottom();
  }

  /** Page back: the messages before the first one shown, keeping the view where it was. */
  async function loadEarlier() {
    if (loadingEarlier || !ids.length) return;
    loadingEarlier = true;
    renderStatus();
    let body;
    try {
      body = await source.page({ limit: HISTORY_LIMIT, before: ids[0] });
    } catch (error) {
      loadingEarlier = false;
      renderStatus();
      return;
    }
    loadingEarlier = false;
    if (!started) return;
    const older = body.messages || [];
    const fromBottom = log.scrollHeight - log.scrollTop;
    maxShown = Math.min(MAX_SHOWN_CAP, maxShown + older.length);
    for (const msg of older) add(msg);
    hasEarlier = older.length >= HISTORY_LIMIT && ids.length < maxShown;
    renderStatus();
    log.scrollTop = log.scrollHeight - fromBottom;
  }

  function deleted(id) {
    if (!messages.has(id)) return;
    remove(id);
    renderStatus();
  }

  // --- sending ------------------------------------------------------------------------

  async function send({ retried = false } = {}) {
    if (sending || mod.blocked) return;
    const text = textarea.value.trim();
    if (!text) {
      showError({ code: "chat.empty" });
      return;
    }
    sending = true;
    sendError = null;
    renderCompose();
    try {
      const reply = await source.send(text);
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
      if (mod.onRefusal(error)) {
        sendError = null;
        renderCompose();
        return;
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
    earlier.hidden = !(loadedOnce && hasEarlier && ids.length);
    earlier.disabled = loadingEarlier;
    replace(earlier, t(loadingEarlier ? "chat.loading_earlier" : "chat.load_earlier"));
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
    const left = MAX_CHARS - visibleLength(textarea.value);
    sendButton.disabled = sending || mod.blocked || left < 0;
    textarea.disabled = mod.blocked;
    replace(sendButton, icon("send", "icon icon-small"), h("span", {}, sending ? t("chat.sending") : t("chat.send")));
    replace(counter, left <= 50 ? t("chat.chars_left", { n: left }) : "");
    if (sendError) {
      const needsSignIn = sendError.code === "unauthorized";
      const slow = sendError.code === "chat.slow_mode" && Number.isFinite(sendError.retryAfter);
      replace(
        errorLine,
        needsSignIn
          ? t("chat.signin_prompt")
          : slow
            ? t("mod.slow_wait", { n: Math.max(1, Math.ceil(sendError.retryAfter)) })
            : errorText(sendError),
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
    for (const li of messages.values()) {
      const badge = li.querySelector(".chat-badge");
      if (badge) badge.textContent = badgeName(badge.dataset); // the page's language now
    }
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
    atBottom = nearBottom();
    if (atBottom) pill.hidden = true;
  });
  new ResizeObserver(() => {
    if (atBottom) log.scrollTop = log.scrollHeight;
  }).observe(log);
  pill.addEventListener("click", toBottom);

  renderAll();

  // --- lifecycle ----------------------------------------------------------------------

  const stops = [];
  return {
    element,
    /** The moderators' room tools (hidden for everyone else): the room places them outside the
     * chat panel, whose messages they would otherwise crowd out. */
    tools: mod.tools,
    /** Follow the room's topic; `onPresence(count)` gets the audience. Returns stop(). */
    start({ onPresence } = {}) {
      started = true;
      mod.start();
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
        realtime.subscribe(source.topic, {
          onSnapshot: () => {
            loadHistory();
            mod.load();
          },
          onFollowing: () => {
            if (!refused) return;
            refused = null; // following the room again (a ban was lifted)
            renderStatus();
          },
          onEvent: (type, data) => {
            if (type === source.posted) addLive(data);
            else if (type === source.deleted) deleted(Number(data?.id));
            else mod.onRoomEvent(type, data);
          },
          onPresence: (count) => onPresence?.(count),
          onError: (error) => {
            refused = error;
            mod.onRefusal(error); // banned: the compose box says until when
            renderStatus();
          },
        }),
      );
      // The socket's first subscription brings the snapshot; do not wait long for it.
      const fallback = setTimeout(() => {
        if (!loadedOnce && fetchGeneration === 0) {
          loadHistory();
          mod.load();
        }
      }, realtime.isOpen ? 3_000 : 1_000);
      stops.push(() => clearTimeout(fallback));
      return () => this.stop();
    },
    stop() {
      started = false;
      mod.stop();
      for (const fn of stops.splice(0)) fn();
    },
  };
}

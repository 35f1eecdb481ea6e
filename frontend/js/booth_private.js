// "Talk privately to the staff": a visitor's 1:1 chat with a booth's staff. The conversation
// opens on demand (the same one while it is open), answers arrive on the visitor's own topic
// (`account:<id>`), and the panel marks them read while it shows them. `privateThread` draws
// a conversation's messages for both sides (the staff's inbox, booth_inbox.js, uses it too).
//
// Mount: `const stop = mountPrivateChat(el, { id: exhibitorId })`; call stop() when leaving.

import { api } from "./api.js";
import { h, linkified, replace } from "./dom.js";
import { addStrings, errorText, hhmm, onLangChange, t } from "./i18n.js";
import { signInHref } from "./header.js";
import { realtime } from "./realtime.js";
import { currentAccount, loadAccount, onAccountChange } from "./session.js";
import { visibleLength } from "./text.js";

const MAX_CHARS = 500; // expo/chat_rules.py MAX_CHAT_CHARS

addStrings({
  zh: {
    "private.heading": "私聊展台工作人员",
    "private.intro": "只有本展台的工作人员能看到你在这里写的内容。",
    "private.open": "私下咨询工作人员",
    "private.signin": "登录后即可私聊展台工作人员",
    "private.waiting": "已通知工作人员，请稍候…",
    "private.waiting_offline": "工作人员暂不在线：请留下问题，他们回来后会在这里回复您。",
    "private.claimed": "{name} 正在为你解答",
    "private.closed": "对话已结束。",
    "private.close": "结束对话",
    "private.again": "重新咨询",
    "private.placeholder": "写下你的问题…",
    "private.empty": "还没有消息。",
    "private.staff": "工作人员",
    "err.private.closed": "对话已结束。",
    "err.private.claimed": "另一位工作人员正在回复这位访客。",
    "err.private.not_claimed": "请先认领对话再回复。",
    "err.private.own_booth": "工作人员无法与自己的展台私聊。",
    "err.private.unknown": "没有这个对话。",
  },
  en: {
    "private.heading": "Talk privately to the staff",
    "private.intro": "Only this booth's staff see what you write here.",
    "private.open": "Talk privately to the staff",
    "private.signin": "Sign in to talk privately to the booth's staff",
    "private.waiting": "The staff have been told; please wait…",
    "private.waiting_offline": "No staff are online now: leave your question, they will answer here when they are back.",
    "private.claimed": "{name} is answering you",
    "private.closed": "This conversation has ended.",
    "private.close": "End conversation",
    "private.again": "Ask again",
    "private.placeholder": "Write your question…",
    "private.empty": "No messages yet.",
    "private.staff": "Staff",
    "err.private.closed": "This conversation has ended.",
    "err.private.claimed": "Another staff member is answering this visitor.",
    "err.private.not_claimed": "Claim the conversation before answering.",
    "err.private.own_booth": "Staff cannot chat privately with their own booth.",
    "err.private.unknown": "There is no such conversation.",
  },
});

export const getMyConversations = (opts) => api("/api/me/conversations", opts);
export const getConversation = (booth, id, opts) =>
  api(`/api/exhibitors/${encodeURIComponent(booth)}/conversations/${encodeURIComponent(id)}/messages`, opts);

/** A conversation's messages, oldest first, each once (by id); user text only as text. */
export function privateThread() {
  const list = h("ol", { class: "private-list", role: "log", "aria-live": "polite" });
  const empty = h("p", { class: "private-empty muted" });
  const element = h("div", { class: "private-log" }, empty, list);
  const seen = new Set();
  const render = () => {
    empty.hidden = seen.size > 0;
    replace(empty, t("private.empty"));
  };
  return {
    element,
    add(msg) {
      const id = Number(msg?.id);
      if (!Number.isFinite(id) || seen.has(id)) return false;
      seen.add(id);
      const own = String(msg.author?.id) === String(currentAccount()?.id);
      list.appendChild(
        h(
          "li",
          { class: `private-msg${own ? " is-own" : ""}${msg.from_staff ? " is-staff" : ""}`, dataset: { id: String(id) } },
          h(
            "div",
            { class: "private-meta" },
            h("span", { class: "private-author" }, String(msg.author?.name ?? "")),
            msg.from_staff ? h("span", { class: "chat-badge" }, t("private.staff")) : null,
            h("time", { datetime: String(msg.created_at ?? "") }, hhmm(msg.created_at)),
          ),
          h("p", { class: "private-text" }, linkified(msg.text)),
        ),
      );
      element.scrollTop = element.scrollHeight;
      render();
      return true;
    },
    clear() {
      seen.clear();
      replace(list);
      render();
    },
    render,
  };
}

/** A compose box: Enter sends (not while an IME composes), a counter near the limit. */
export function privateCompose(onSend, placeholder = "private.placeholder") {
  const input = h("textarea", { class: "chat-input private-input", rows: "2", maxlength: "2000", name: "text" });
  const button = h("button", { type: "submit", class: "button button-primary" });
  const error = h("p", { class: "chat-error", role: "alert", hidden: true });
  let busy = false;
  const submit = async () => {
    const text = input.value.trim();
    if (!text || busy || visibleLength(text) > MAX_CHARS) return;
    busy = true;
    button.disabled = true;
    try {
      await onSend(text);
      if (input.value.trim() === text) input.value = ""; // not what was typed meanwhile
      error.hidden = true;
    } catch (failure) {
      error.hidden = false;
      replace(error, errorText(failure));
    } finally {
      busy = false;
      button.disabled = false;
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  const element = h(
    "form",
    { class: "private-form", onsubmit: (e) => (e.preventDefault(), submit()) },
    h("div", { class: "chat-input-row" }, input, button),
    error,
  );
  return {
    element,
    input,
    render() {
      input.placeholder = t(placeholder);
      input.setAttribute("aria-label", t(placeholder));
      replace(button, t("chat.send"));
    },
    set disabled(value) {
      input.disabled = value;
      button.disabled = value;
    },
  };
}

/** The visitor's private chat with booth `booth.id`, in `el`. Returns stop(). */
export function mountPrivateChat(el, booth) {
  const boothId = Number(booth.id);
  let staffOnline = Number.isFinite(booth.staff_online) ? booth.staff_online : null; // booth.js's live figure
  let conversation = null;
  let stopped = false;
  let failure = null;
  const thread = privateThread();
  const compose = privateCompose(async (text) => {
    const reply = await realtime.request("booth.private.send", {
      exhibitor: boothId,
      conversation: conversation.id,
      text,
    });
    thread.add(reply.message);
    conversation = reply.conversation;
    render();
  });
  const state = h("p", { class: "private-state muted", role: "status" });
  const body = h("div", { class: "private-body" });
  const element = h("section", { class: "panel private-panel", dataset: { booth: String(boothId) } }, body);
  el.appendChild(element);

  const markRead = () => {
    if (conversation && conversation.unread > 0 && conversation.state !== "closed" && !document.hidden) {
      realtime
        .request("booth.private.read", { exhibitor: boothId, conversation: conversation.id })
        .then((reply) => {
          conversation = reply.conversation;
        })
        .catch(() => {});
    }
  };

  async function open() {
    failure = null;
    try {
      const reply = await realtime.request("booth.private.open", { exhibitor: boothId });
      conversation = reply.conversation;
      thread.clear();
      for (const msg of reply.messages || []) thread.add(msg);
    } catch (error) {
      failure = error;
    }
    render();
    markRead();
    compose.input.focus({ preventScroll: true });
  }

  async function resume() {
    if (!currentAccount()) return;
    try {
      const mine = (await getMyConversations()).conversations || [];
      const found = mine.find((c) => Number(c.exhibitor_id) === boothId && c.state !== "closed");
      if (found && !stopped) {
        conversation = found;
        const page = await getConversation(boothId, found.id);
        for (const msg of page.messages || []) thread.add(msg);
        conversation = page.conversation;
        markRead();
      }
    } catch {
      /* the button still opens one */
    }
    if (!stopped) render();
  }

  async function close() {
    try {
      const reply = await realtime.request("booth.private.close", { exhibitor: boothId, conversation: conversation.id });
      conversation = reply.conversation;
    } catch (error) {
      failure = error;
    }
    render();
  }

  function stateText() {
    if (!conversation) return "";
    if (conversation.state === "closed") return t("private.closed");
    if (conversation.state === "claimed") return t("private.claimed", { name: conversation.claimed_by?.name ?? "" });
    return t(staffOnline === 0 ? "private.waiting_offline" : "private.waiting");
  }

  function render() {
    const me = currentAccount();
    const title = h("h2", { class: "panel-title" }, t("private.heading"));
    if (!me) {
      replace(body, title, h("p", { class: "chat-signin" }, t("private.signin"), " ", h("a", { class: "button button-small button-primary", href: signInHref() }, t("chat.signin_link"))));
      return;
    }
    compose.render();
    replace(state, stateText());
    const error = failure ? h("p", { class: "chat-error", role: "alert" }, errorText(failure)) : null;
    if (!conversation) {
      replace(
        body,
        title,
        h("p", { class: "muted" }, t("private.intro")),
        error,
        h("button", { type: "button", class: "button button-primary private-open", onclick: open }, t("private.open")),
      );
      return;
    }
    const closed = conversation.state === "closed";
    compose.disabled = closed;
    replace(
      body,
      h("div", { class: "private-head" }, title, closed ? null : h("button", { type: "button", class: "button button-small button-ghost private-close", onclick: close }, t("private.close"))),
      state,
      thread.element,
      error,
      closed ? h("button", { type: "button", class: "button button-primary private-open", onclick: open }, t("private.again")) : compose.element,
    );
    thread.render();
  }

  const stops = [onLangChange(render)];
  const follow = () => {
    const me = currentAccount();
    if (!me) return;
    stops.push(
      realtime.subscribe(`account:${me.id}`, {
        onEvent: (type, data) => {
          const c = data?.conversation;
          if (!c || Number(c.exhibitor_id) !== boothId) return;
          if (conversation && c.id !== conversation.id && c.state === "closed") return;
          if (conversation && c.id === conversation.id && c.version < conversation.version) return;
          conversation = c;
          if (type === "booth.private_posted") thread.add(data.message);
          render();
          markRead();
        },
      }),
    );
  };
  stops.push(
    onAccountChange(() => {
      conversation = null;
      thread.clear();
      render();
      resume();
    }),
  );
  const onStaff = (event) => {
    if (Number(event.detail?.exhibitor) !== boothId || !Number.isFinite(event.detail?.n)) return;
    staffOnline = event.detail.n;
    render();
  };
  window.addEventListener("booth:staff-online", onStaff);
  stops.push(() => window.removeEventListener("booth:staff-online", onStaff));
  render();
  loadAccount().then(() => {
    if (stopped) return;
    follow();
    resume();
  });
  return () => {
    stopped = true;
    for (const fn of stops.splice(0)) fn();
    element.remove();
  };
}

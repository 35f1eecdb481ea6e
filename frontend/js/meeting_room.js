// A meeting's room (#/meeting/<id>): the meeting's two people, their private chat and a 1:1
// video call (meeting_call.js). Only the two may open it; the server refuses anyone else.
// Everything live comes on the topic `meeting:<id>`: chat lines (`meeting.message_posted`) and
// the call's signals (`meeting.signal`, the page drops its own). A cancelled meeting's room is
// read-only: the chat stays readable, nobody writes or calls.

import { api } from "./api.js";
import { h, linkified, replace } from "./dom.js";
import { addStrings, dateTime, errorText, hhmm, onLangChange, pick, t, timeZoneName } from "./i18n.js";
import "./match_errors.js"; // err.match.* words, shared by the matchmaking pages
import { signInHref } from "./header.js";
import { createCall } from "./meeting_call.js";
import { realtime } from "./realtime.js";
import { currentAccount, loadAccount, onAccountChange } from "./session.js";
import { visibleLength } from "./text.js";

const MAX_CHARS = 500; // expo/chat_rules.py MAX_CHAT_CHARS

addStrings({
  zh: {
    "mroom.title": "洽谈室",
    "mroom.with": "与 {name} 的洽谈",
    "mroom.when": "{when}–{end}（{zone}）",
    "mroom.video": "视频通话",
    "mroom.chat": "私聊",
    "mroom.chat_intro": "只有您和对方能看到这里的消息。",
    "mroom.start": "开启摄像头",
    "mroom.mute": "静音",
    "mroom.unmute": "取消静音",
    "mroom.camera_off": "关闭摄像头",
    "mroom.camera_on": "打开摄像头",
    "mroom.hangup": "挂断",
    "mroom.state.idle": "开启摄像头即可加入通话。",
    "mroom.state.waiting": "正在等待对方加入…",
    "mroom.state.connecting": "正在连接…",
    "mroom.state.connected": "已连接",
    "mroom.state.other_on": "对方已开启摄像头，开启您的摄像头即可通话。",
    "mroom.you": "您",
    "mroom.them": "对方",
    "mroom.placeholder": "给对方留言…",
    "mroom.send": "发送",
    "mroom.empty": "还没有消息。打个招呼吧！",
    "mroom.older": "更早的消息",
    "mroom.cancelled": "这场洽谈已取消：洽谈室只读。",
    "mroom.signin": "登录后进入洽谈室。",
    "mroom.signin_link": "登录",
    "mroom.back": "返回我的洽谈",
    "mroom.no_camera": "无法使用摄像头或麦克风：{why}",
    "mroom.unknown": "没有这场洽谈。",
    "mroom.forbidden": "只有这场洽谈的双方可以进入洽谈室。",
  },
  en: {
    "mroom.title": "Meeting room",
    "mroom.with": "Meeting with {name}",
    "mroom.when": "{when}–{end} ({zone})",
    "mroom.video": "Video call",
    "mroom.chat": "Private chat",
    "mroom.chat_intro": "Only the two of you see these messages.",
    "mroom.start": "Start camera",
    "mroom.mute": "Mute",
    "mroom.unmute": "Unmute",
    "mroom.camera_off": "Camera off",
    "mroom.camera_on": "Camera on",
    "mroom.hangup": "Hang up",
    "mroom.state.idle": "Start your camera to join the call.",
    "mroom.state.waiting": "Waiting for the other person…",
    "mroom.state.connecting": "Connecting…",
    "mroom.state.connected": "Connected",
    "mroom.state.other_on": "The other person is on the call: turn your camera on to join.",
    "mroom.you": "You",
    "mroom.them": "Them",
    "mroom.placeholder": "Write to the other person…",
    "mroom.send": "Send",
    "mroom.empty": "No messages yet. Say hello!",
    "mroom.older": "Older messages",
    "mroom.cancelled": "This meeting was cancelled: the room is read-only.",
    "mroom.signin": "Sign in to enter the meeting room.",
    "mroom.signin_link": "Sign in",
    "mroom.back": "Back to my meetings",
    "mroom.no_camera": "The camera or microphone cannot be used: {why}",
    "mroom.unknown": "There is no such meeting.",
    "mroom.forbidden": "Only the meeting's two people may enter its room.",
  },
});

const roomOf = (id) => api(`/api/match/meetings/${encodeURIComponent(id)}/room`);
const messagesOf = (id, before) =>
  api(`/api/match/meetings/${encodeURIComponent(id)}/messages?limit=50${before ? `&before=${before}` : ""}`);

// The meetings part may word these codes for its own pages; the room says them its own way
// (its keys, so no string is defined twice).
const ROOM_WORDS = { "match.meeting_cancelled": "mroom.cancelled", "match.unknown_meeting": "mroom.unknown" };
const roomError = (error) => (ROOM_WORDS[error?.code] ? t(ROOM_WORDS[error.code]) : errorText(error));

/** Who the other person is, in one line: "Name · Title · Company". */
function company(person) {
  if (person?.exhibitor) return pick({ zh: person.exhibitor.name_zh, en: person.exhibitor.name_en });
  return person?.organisation || "";
}

export function mountMeetingRoom(root, { id }) {
  const meetingId = Number(id);
  let info = null; // GET .../room
  let failure = null;
  let cancelled = false;
  let stopped = false;
  let more = false;
  let muted = false;
  let cameraOn = true;
  let callError = null;
  let otherOnCall = false; // their `ready`/offer reached us: they started their camera
  const seen = new Set();
  const stops = [];

  // --- the chat ---
  const list = h("ol", { class: "mroom-list", role: "log", "aria-live": "polite" });
  const empty = h("p", { class: "mroom-empty muted" });
  const olderButton = h("button", { type: "button", class: "button button-small button-ghost mroom-older", onclick: () => loadOlder() });
  const log = h("div", { class: "mroom-log" }, olderButton, empty, list);
  const input = h("textarea", { class: "chat-input mroom-input", rows: "2", maxlength: "2000", name: "text" });
  const sendButton = h("button", { type: "submit", class: "button button-primary mroom-send" });
  const sendError = h("p", { class: "chat-error", role: "alert", hidden: true });
  const form = h(
    "form",
    { class: "mroom-form", onsubmit: (e) => (e.preventDefault(), say()) },
    h("div", { class: "chat-input-row" }, input, sendButton),
    sendError,
  );
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      say();
    }
  });

  function line(msg) {
    const own = Number(msg.account) === Number(currentAccount()?.id);
    return h(
      "li",
      { class: `mroom-msg${own ? " is-own" : ""}`, dataset: { id: String(msg.id) } },
      h(
        "div",
        { class: "mroom-meta" },
        h("span", { class: "mroom-author" }, own ? t("mroom.you") : String(msg.name ?? "")),
        h("time", { datetime: String(msg.created_at ?? "") }, hhmm(msg.created_at)),
      ),
      h("p", { class: "mroom-text" }, linkified(String(msg.text ?? ""))),
    );
  }

  function addMessages(messages, { older = false } = {}) {
    const fresh = messages.filter((m) => Number.isFinite(Number(m?.id)) && !seen.has(Number(m.id)));
    for (const m of fresh) seen.add(Number(m.id));
    const nodes = fresh.map(line);
    if (older) list.prepend(...nodes);
    else {
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      list.append(...nodes);
      if (atBottom || !older) log.scrollTop = log.scrollHeight;
    }
    renderChatState();
  }

  function renderChatState() {
    empty.hidden = seen.size > 0;
    replace(empty, t("mroom.empty"));
    olderButton.hidden = !more;
    replace(olderButton, t("mroom.older"));
    input.placeholder = t("mroom.placeholder");
    input.setAttribute("aria-label", t("mroom.placeholder"));
    replace(sendButton, t("mroom.send"));
    input.disabled = sendButton.disabled = cancelled;
  }

  async function loadLatest() {
    const page = await messagesOf(meetingId);
    more = page.more;
    addMessages(page.messages || []);
  }

  async function loadOlder() {
    const oldest = Math.min(...seen);
    if (!Number.isFinite(oldest)) return;
    const page = await messagesOf(meetingId, oldest);
    more = page.more;
    addMessages(page.messages || [], { older: true });
  }

  let sending = false;
  async function say() {
    const text = input.value.trim();
    if (!text || sending || cancelled || visibleLength(text) > MAX_CHARS) return;
    sending = true;
    sendButton.disabled = true;
    try {
      const reply = await realtime.request("meeting.say", { meeting: meetingId, text });
      addMessages([reply.message]);
      if (input.value.trim() === text) input.value = "";
      sendError.hidden = true;
    } catch (error) {
      if (error.code === "match.meeting_cancelled") setCancelled();
      sendError.hidden = false;
      replace(sendError, roomError(error));
    } finally {
      sending = false;
      sendButton.disabled = cancelled;
    }
  }

  // --- the call ---
  const remoteVideo = h("video", { class: "mroom-remote", autoplay: true, playsinline: true });
  const localVideo = h("video", { class: "mroom-local", autoplay: true, playsinline: true, muted: true });
  localVideo.muted = true; // the attribute alone does not mute a srcObject stream in every browser
  const stateText = h("p", { class: "mroom-state", role: "status", "aria-live": "polite" });
  const controls = h("div", { class: "mroom-controls" });
  const stage = h("div", { class: "mroom-stage" }, remoteVideo, localVideo);
  let call = null;

  const signal = (kind, payload) =>
    realtime.request("meeting.signal", { meeting: meetingId, kind, payload }).catch((error) => {
      if (error.code === "match.meeting_cancelled") setCancelled();
      else if (kind !== "ice") console.warn("meeting room: signal refused", error);
    });

  function makeCall() {
    const me = Number(currentAccount()?.id);
    const other = Number(info.meeting.with.account);
    return createCall({
      polite: me > other, // both sides agree without talking: the higher id gives way
      iceServers: info.ice_servers || [],
      send: signal,
      onState: () => renderCall(),
      local: localVideo,
      remote: remoteVideo,
    });
  }

  async function startCall() {
    callError = null;
    call ??= makeCall();
    try {
      await call.start();
      muted = false;
      cameraOn = true;
    } catch (error) {
      callError = t("mroom.no_camera", { why: error?.message || String(error) });
    }
    renderCall();
  }

  function renderCall() {
    const state = call?.state ?? "idle";
    stage.dataset.state = state;
    const active = call?.active;
    // Before one's own camera is on, say so when the other person is on the call already.
    const invited = !active && otherOnCall && !cancelled;
    replace(stateText, callError || t(invited ? "mroom.state.other_on" : `mroom.state.${state}`));
    stateText.classList.toggle("is-connected", state === "connected");
    stateText.classList.toggle("is-invited", invited && !callError);
    replace(
      controls,
      active
        ? [
            h("button", { type: "button", class: "button button-small mroom-mute", "aria-pressed": String(muted), onclick: () => (call.mute((muted = !muted)), renderCall()) }, t(muted ? "mroom.unmute" : "mroom.mute")),
            h("button", { type: "button", class: "button button-small mroom-camera", "aria-pressed": String(!cameraOn), onclick: () => (call.camera((cameraOn = !cameraOn)), renderCall()) }, t(cameraOn ? "mroom.camera_off" : "mroom.camera_on")),
            h("button", { type: "button", class: "button button-small button-danger mroom-hangup", onclick: () => (call.hangUp(), renderCall()) }, t("mroom.hangup")),
          ]
        : h("button", { type: "button", class: "button button-primary mroom-start", disabled: cancelled, onclick: startCall }, t("mroom.start")),
    );
  }

  function setCancelled() {
    if (cancelled) return;
    cancelled = true;
    call?.hangUp();
    render();
  }

  // --- the page ---
  const body = h("div", { class: "mroom-body" });
  const element = h("section", { class: "mroom", dataset: { meeting: String(meetingId) } }, body);
  replace(root, element);

  // Built once and updated in place: moving a playing <video> out of the document pauses it.
  const head = h("header", { class: "mroom-head panel" });
  const videoTitle = h("h2", { class: "panel-title" });
  const chatTitle = h("h2", { class: "panel-title" });
  const chatIntro = h("p", { class: "muted mroom-intro" });
  const videoPanel = h("section", { class: "panel mroom-video" }, videoTitle, stage, stateText, controls);
  const chatPanel = h("section", { class: "panel mroom-chat" }, chatTitle, chatIntro, log, form);
  const grid = h("div", { class: "mroom-grid" }, videoPanel, chatPanel);

  function renderHead() {
    const other = info.meeting.with;
    const slot = info.meeting.slot;
    const when = slot
      ? t("mroom.when", { when: dateTime(slot.starts_at), end: hhmm(slot.ends_at), zone: timeZoneName() })
      : "";
    const about = [other.title, company(other)].filter(Boolean).join(" · ");
    replace(
      head,
      h("p", { class: "mroom-kicker muted" }, t("mroom.title")),
      h("h1", { class: "mroom-title" }, t("mroom.with", { name: other.name })),
      about ? h("p", { class: "mroom-about" }, about) : null,
      when ? h("p", { class: "mroom-when" }, h("time", { datetime: slot.starts_at }, when)) : null,
      cancelled ? h("p", { class: "mroom-cancelled", role: "alert" }, t("mroom.cancelled")) : null,
    );
  }

  function render() {
    document.title = `${t("mroom.title")} · Shubo Live`;
    if (!currentAccount()) {
      replace(
        body,
        h("div", { class: "panel empty-state" }, h("p", {}, t("mroom.signin")), h("a", { class: "button button-primary", href: signInHref() }, t("mroom.signin_link"))),
      );
      return;
    }
    if (failure) {
      const text = failure.code === "forbidden" ? t("mroom.forbidden") : roomError(failure);
      replace(body, h("div", { class: "panel empty-state" }, h("p", { role: "alert" }, text), h("a", { class: "button", href: "#/meetings" }, t("mroom.back"))));
      return;
    }
    if (!info) return;
    renderHead();
    renderChatState();
    renderCall();
    replace(videoTitle, t("mroom.video"));
    videoPanel.setAttribute("aria-label", t("mroom.video"));
    replace(chatTitle, t("mroom.chat"));
    chatPanel.setAttribute("aria-label", t("mroom.chat"));
    replace(chatIntro, t("mroom.chat_intro"));
    if (head.parentNode !== body || grid.parentNode !== body) {
      replace(body, head, grid);
      log.scrollTop = log.scrollHeight;
    }
  }

  async function load() {
    failure = null;
    try {
      info = await roomOf(meetingId);
      cancelled = info.meeting.status === "cancelled";
      await loadLatest();
    } catch (error) {
      failure = error;
    }
    if (stopped) return;
    render();
    if (info && !failure) follow();
  }

  let following = false;
  function follow() {
    if (following) return;
    following = true;
    const me = () => Number(currentAccount()?.id);
    stops.push(
      realtime.subscribe(`meeting:${meetingId}`, {
        onEvent: (type, data) => {
          if (type === "meeting.message_posted") addMessages([data]);
          else if (type === "meeting.signal") {
            if (Number(data?.from) !== me()) {
              const was = otherOnCall;
              if (data.kind === "ready" || data.kind === "offer") otherOnCall = true;
              else if (data.kind === "hangup") otherOnCall = false;
              call?.handle(data.kind, data.payload);
              if (was !== otherOnCall && !call?.active) renderCall();
            }
          } else if (type === "match.meeting_changed" && data?.meeting?.status === "cancelled") {
            setCancelled();
          }
        },
        // Followed again after the socket came back: lines said meanwhile are read back, and
        // the call asks the other side for a fresh offer (signals are not replayed).
        onFollowing: () => {
          loadLatest().catch(() => {});
          call?.rejoin();
        },
        onError: (error) => {
          failure = error;
          render();
        },
      }),
    );
    // The meetings part tells both people of a moved or cancelled meeting on their own topic.
    stops.push(
      realtime.subscribe(`account:${me()}`, {
        onEvent: (type, data) => {
          const changed = data?.meeting;
          if (type !== "match.meeting_changed" || Number(changed?.id) !== meetingId) return;
          if (Number(changed.version) < Number(info.meeting.version)) return;
          info.meeting.version = changed.version;
          if (changed.slot) info.meeting.slot = changed.slot;
          if (changed.status === "cancelled") setCancelled();
          else render();
        },
      }),
    );
  }

  stops.push(onLangChange(render));
  // Leaving the page (a reload, closing the tab): tell the other side at once, best effort,
  // rather than leaving them on a frozen picture until their browser notices.
  const leave = () => call?.hangUp();
  window.addEventListener("pagehide", leave);
  stops.push(() => window.removeEventListener("pagehide", leave));
  stops.push(
    onAccountChange(() => {
      if (!stopped) render();
    }),
  );
  loadAccount().then(() => {
    if (stopped) return;
    if (currentAccount()) load();
    else render();
  });
  return () => {
    stopped = true;
    call?.hangUp();
    for (const fn of stops.splice(0)) fn();
  };
}

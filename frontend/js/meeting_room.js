// A room with a private chat and a 1:1 video call (meeting_call.js) for its two people: a
// meeting's (#/meeting/<id>, below) and a booth queue's call (#/queue-call/<ticket>,
// queue_call.js). One page serves both; what differs is in a small description of the room:
//
//   mountCallRoom(root, {
//     id, idField: "meeting",                     // the room's id, as its commands name it
//     say: "meeting.say", signal: "meeting.signal", topic: "meeting:7",
//     room: () => api(...), messages: (before) => api(...),   // GET .../room, .../messages
//     other: (info) => person,                    // the other one: {account, name, title, ...}
//     state: (info) => "open" | "pending" | "closed",
//     older(fresh, info) -> bool,                 // a read room older than what events told
//     refused: {code: "closed" | "pending"},      // refusals that tell the room's state
//     head: (info) => ({kicker, title, lines}),   // the header card's words
//     notice: (info, state) => text | null,       // why the room is not open (yet)
//     onEvent(type, data, info) -> bool,          // the room topic's other events: changed?
//     follow(info, changed, reload) -> [stop],    // other topics that tell the room's state
//     title, signin, back: [href, key], failure(error) -> text,
//   });
//
// The chat lines come as `meeting.message_posted` and the call's signals as `meeting.signal`
// (the page drops its own) on the room's topic, for both kinds of room. A room that is not open
// is read-only: the chat stays readable, nobody writes or calls.

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
    "mroom.empty_closed": "没有消息。",
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
    "mroom.empty_closed": "No messages.",
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

/** Who the other person is, in one line: "Name · Title · Company". */
function company(person) {
  if (person?.exhibitor) return pick({ zh: person.exhibitor.name_zh, en: person.exhibitor.name_en });
  return person?.organisation || "";
}

// --- a meeting's room ------------------------------------------------------------------------

// The meetings part may word these codes for its own pages; the room says them its own way
// (its keys, so no string is defined twice).
const MEETING_WORDS = { "match.meeting_cancelled": "mroom.cancelled", "match.unknown_meeting": "mroom.unknown" };

/** The description of meeting `id`'s room (for mountCallRoom). */
export function meetingRoom(id) {
  const path = `/api/match/meetings/${encodeURIComponent(id)}`;
  const me = () => Number(currentAccount()?.id);
  return {
    id,
    idField: "meeting",
    say: "meeting.say",
    signal: "meeting.signal",
    topic: `meeting:${id}`,
    dataset: { meeting: String(id) },
    room: () => api(`${path}/room`),
    messages: (before) => api(`${path}/messages?limit=50${before ? `&before=${before}` : ""}`),
    other: (info) => info.meeting.with,
    state: (info) => (info.meeting.status === "cancelled" ? "closed" : "open"),
    refused: { "match.meeting_cancelled": "closed" },
    head(info) {
      const slot = info.meeting.slot;
      const when = slot
        ? t("mroom.when", { when: dateTime(slot.starts_at), end: hhmm(slot.ends_at), zone: timeZoneName() })
        : "";
      return {
        kicker: t("mroom.title"),
        title: t("mroom.with", { name: info.meeting.with.name }),
        lines: when ? [h("p", { class: "mroom-when" }, h("time", { datetime: slot.starts_at }, when))] : [],
      };
    },
    notice: (info, state) => (state === "closed" ? t("mroom.cancelled") : null),
    onEvent(type, data, info) {
      if (type !== "match.meeting_changed" || data?.meeting?.status !== "cancelled") return false;
      info.meeting.status = "cancelled";
      return true;
    },
    // The meetings part tells both people of a moved or cancelled meeting on their own topic.
    follow: (info, changed) => [
      realtime.subscribe(`account:${me()}`, {
        onEvent: (type, data) => {
          const meeting = data?.meeting;
          if (type !== "match.meeting_changed" || Number(meeting?.id) !== id) return;
          if (Number(meeting.version) < Number(info.meeting.version)) return;
          info.meeting.version = meeting.version;
          if (meeting.slot) info.meeting.slot = meeting.slot;
          if (meeting.status) info.meeting.status = meeting.status;
          changed();
        },
      }),
    ],
    title: "mroom.title",
    signin: "mroom.signin",
    back: ["#/meetings", "mroom.back"],
    failure: (error) =>
      error?.code === "forbidden"
        ? t("mroom.forbidden")
        : MEETING_WORDS[error?.code]
          ? t(MEETING_WORDS[error.code])
          : errorText(error),
  };
}

export function mountMeetingRoom(root, { id }) {
  return mountCallRoom(root, meetingRoom(Number(id)));
}

// --- the room, whichever its kind ----------------------------------------------------------------

export function mountCallRoom(root, room) {
  let info = null; // GET .../room
  let failure = null;
  let state = "open"; // open | pending (not answered yet) | closed (read-only)
  let stopped = false;
  let more = false;
  let muted = false;
  let cameraOn = true;
  let callError = null;
  let otherOnCall = false; // their `ready`/offer reached us: they started their camera
  const seen = new Set();
  const stops = [];
  const open = () => state === "open";

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
    replace(empty, t(state === "closed" ? "mroom.empty_closed" : "mroom.empty"));
    // Lines are built once: one's own keep "You" in the language of the moment.
    for (const el of list.querySelectorAll(".is-own .mroom-author")) el.textContent = t("mroom.you");
    olderButton.hidden = !more;
    replace(olderButton, t("mroom.older"));
    input.placeholder = t("mroom.placeholder");
    input.setAttribute("aria-label", t("mroom.placeholder"));
    replace(sendButton, t("mroom.send"));
    input.disabled = sendButton.disabled = !open();
  }

  async function loadLatest() {
    const page = await room.messages();
    more = page.more;
    addMessages(page.messages || []);
  }

  async function loadOlder() {
    const oldest = Math.min(...seen);
    if (!Number.isFinite(oldest)) return;
    const page = await room.messages(oldest);
    more = page.more;
    addMessages(page.messages || [], { older: true });
  }

  let sending = false;
  async function say() {
    const text = input.value.trim();
    if (!text || sending || !open() || visibleLength(text) > MAX_CHARS) return;
    sending = true;
    sendButton.disabled = true;
    try {
      const reply = await realtime.request(room.say, { [room.idField]: room.id, text });
      addMessages([reply.message]);
      if (input.value.trim() === text) input.value = "";
      sendError.hidden = true;
    } catch (error) {
      refusedBecause(error);
      sendError.hidden = false;
      replace(sendError, room.failure(error));
    } finally {
      sending = false;
      sendButton.disabled = !open();
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
    realtime.request(room.signal, { [room.idField]: room.id, kind, payload }).catch((error) => {
      if (!refusedBecause(error) && kind !== "ice") console.warn("room: signal refused", error);
    });

  function makeCall() {
    const me = Number(currentAccount()?.id);
    const other = Number(room.other(info)?.account);
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
    const callState = call?.state ?? "idle";
    stage.dataset.state = callState;
    const active = call?.active;
    // Before one's own camera is on, say so when the other person is on the call already.
    const invited = !active && otherOnCall && open();
    const pending = state === "pending" ? room.notice(info, state) : null;
    replace(stateText, callError || pending || t(invited ? "mroom.state.other_on" : `mroom.state.${callState}`));
    stateText.classList.toggle("is-connected", callState === "connected");
    stateText.classList.toggle("is-invited", invited && !callError);
    replace(
      controls,
      active
        ? [
            h("button", { type: "button", class: "button button-small mroom-mute", "aria-pressed": String(muted), onclick: () => (call.mute((muted = !muted)), renderCall()) }, t(muted ? "mroom.unmute" : "mroom.mute")),
            h("button", { type: "button", class: "button button-small mroom-camera", "aria-pressed": String(!cameraOn), onclick: () => (call.camera((cameraOn = !cameraOn)), renderCall()) }, t(cameraOn ? "mroom.camera_off" : "mroom.camera_on")),
            h("button", { type: "button", class: "button button-small button-danger mroom-hangup", onclick: () => (call.hangUp(), renderCall()) }, t("mroom.hangup")),
          ]
        : h("button", { type: "button", class: "button button-primary mroom-start", disabled: !open(), onclick: startCall }, t("mroom.start")),
    );
  }

  function setState(next) {
    if (next === state) return;
    state = next;
    if (!open()) call?.hangUp();
    render();
  }

  // --- the page ---
  const body = h("div", { class: "mroom-body" });
  const element = h("section", { class: "mroom", dataset: room.dataset || {} }, body);
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
    const other = room.other(info) || {};
    const about = [other.title, company(other)].filter(Boolean).join(" · ");
    const words = room.head(info);
    const notice = open() ? null : room.notice(info, state);
    replace(
      head,
      h("p", { class: "mroom-kicker muted" }, words.kicker),
      h("h1", { class: "mroom-title" }, words.title),
      about ? h("p", { class: "mroom-about" }, about) : null,
      words.lines,
      !notice
        ? null
        : state === "closed"
          ? h("p", { class: "mroom-cancelled", role: "alert" }, notice)
          : h("p", { class: "mroom-pending", role: "status" }, notice),
    );
  }

  function render() {
    document.title = `${t(room.title)} · Shubo Live`;
    if (!currentAccount()) {
      replace(
        body,
        h("div", { class: "panel empty-state" }, h("p", {}, t(room.signin)), h("a", { class: "button button-primary", href: signInHref() }, t("mroom.signin_link"))),
      );
      return;
    }
    if (failure) {
      const [href, key] = room.back;
      replace(body, h("div", { class: "panel empty-state" }, h("p", { role: "alert" }, room.failure(failure)), h("a", { class: "button", href }, t(key))));
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

  /** The room's facts changed (its own topic, or another the room follows): say so. */
  function changed() {
    if (stopped || !info) return;
    const next = room.state(info);
    if (next !== state) setState(next);
    else render();
  }

  /** Read the room again (in place: what follows it keeps its hold on `info`). */
  async function reload() {
    try {
      const fresh = await room.room();
      if (stopped || !info) return;
      // A read that left before an event it now overtook would bring the older state back.
      if (room.older?.(fresh, info)) return;
      Object.assign(info, fresh);
      changed();
    } catch (error) {
      console.warn("room: not read again", error);
    }
  }

  /** A refusal that says the room is not open (any more, or yet): shown at once, then the
   * room is read again for the whole story. */
  function refusedBecause(error) {
    const next = room.refused?.[error?.code];
    if (!next) return false;
    setState(next);
    reload();
    return true;
  }

  async function load() {
    failure = null;
    try {
      info = await room.room();
      state = room.state(info);
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
      realtime.subscribe(room.topic, {
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
          } else if (room.onEvent?.(type, data, info)) changed();
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
    stops.push(...(room.follow?.(info, changed, reload) ?? []));
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

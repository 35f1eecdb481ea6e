// A room's moderation as its chat panel shows it: the pinned announcement and the slow mode (for
// everyone), the person's own mute or ban, and for moderators the room tools (slow mode, pin,
// who is muted or banned) and per-message delete / mute / ban. Commands are forums/moderation.py's.

import { getForum } from "./api.js";
import { organiserAnnouncementForm } from "./announcements.js";
import { h, replace } from "./dom.js";
import { addStrings, dateTime, errorText, hhmm, onLangChange, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";
import { versionBook } from "./versions.js";

const SLOW_MODE_CHOICES = [0, 10, 30, 60]; // seconds; the server takes any up to an hour
const DURATIONS = [
  [5, "mod.for_5m"],
  [60, "mod.for_1h"],
  ["day", "mod.for_day"],
];
const PIN_MAX = 500;
const FLASH_MS = 6_000;
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's longest wait

addStrings({
  zh: {
    "mod.pinned": "置顶公告",
    "mod.slow_mode_on": "慢速模式：每 {n} 秒可发一条消息",
    "mod.slow_wait": "慢速模式：请 {n} 秒后再发",
    "mod.muted_until": "你已被主持人禁言，至 {when}。你仍可观看和阅读聊天。",
    "mod.banned_until": "你已被移出本直播间，至 {when}。",
    "mod.delete": "删除",
    "mod.delete_confirm": "删除这条消息？所有人都将看不到它。",
    "mod.delete_for_all": "为所有人删除",
    "mod.mute": "禁言",
    "mod.ban": "封禁",
    "mod.cancel": "取消",
    "mod.reason": "原因（选填）",
    "mod.for_5m": "5 分钟",
    "mod.for_1h": "1 小时",
    "mod.for_day": "今天内",
    "mod.mute_who": "禁言 {name}：",
    "mod.ban_who": "封禁 {name}：",
    "mod.tools": "主持工具",
    "mod.slow_mode": "慢速模式",
    "mod.slow_off": "关闭",
    "mod.slow_n": "{n} 秒",
    "mod.pin_label": "置顶公告",
    "mod.pin_placeholder": "写一条显示在聊天上方的公告…",
    "mod.pin": "置顶",
    "mod.unpin": "取消置顶",
    "mod.sanctions": "禁言与封禁",
    "mod.no_sanctions": "目前没有人被禁言或封禁。",
    "mod.kind_mute": "禁言",
    "mod.kind_ban": "封禁",
    "mod.until": "至 {when}",
    "mod.lift": "解除",
    "mod.done_delete": "消息已删除。",
    "mod.done_mute": "已禁言 {name}，至 {when}。",
    "mod.done_ban": "已封禁 {name}，至 {when}。",
    "mod.done_lift": "已解除 {name} 的限制。",
    "mod.done_slow": "慢速模式已更新。",
    "mod.done_pin": "公告已更新。",
    "err.chat.muted": "你已被禁言，暂时不能发言。",
    "err.forum.banned": "你已被移出本直播间。",
    "err.chat.not_author": "只有作者或主持人可以删除这条消息。",
    "err.chat.unknown_message": "这条消息已不存在。",
    "err.moderation.staff": "不能禁言或封禁主持人和组织者。",
    "err.moderation.self": "不能禁言或封禁自己。",
    "err.account.unknown": "找不到这个用户。",
    "err.announcement.empty": "请先写公告内容。",
    "err.announcement.too_long": "公告最多 500 字。",
  },
  en: {
    "mod.pinned": "Pinned",
    "mod.slow_mode_on": "Slow mode: one message every {n} s",
    "mod.slow_wait": "Slow mode: wait {n} s before your next message",
    "mod.muted_until": "A moderator muted you until {when}. You can still watch and read the chat.",
    "mod.banned_until": "A moderator removed you from this room until {when}.",
    "mod.delete": "Delete",
    "mod.delete_confirm": "Delete this message? Nobody will see it any more.",
    "mod.delete_for_all": "Delete for everyone",
    "mod.mute": "Mute",
    "mod.ban": "Ban",
    "mod.cancel": "Cancel",
    "mod.reason": "Reason (optional)",
    "mod.for_5m": "5 min",
    "mod.for_1h": "1 hour",
    "mod.for_day": "Rest of day",
    "mod.mute_who": "Mute {name}:",
    "mod.ban_who": "Ban {name}:",
    "mod.tools": "Room tools",
    "mod.slow_mode": "Slow mode",
    "mod.slow_off": "Off",
    "mod.slow_n": "{n} s",
    "mod.pin_label": "Pinned announcement",
    "mod.pin_placeholder": "An announcement to show above the chat…",
    "mod.pin": "Pin",
    "mod.unpin": "Unpin",
    "mod.sanctions": "Muted and banned",
    "mod.no_sanctions": "No one is muted or banned.",
    "mod.kind_mute": "Muted",
    "mod.kind_ban": "Banned",
    "mod.until": "until {when}",
    "mod.lift": "Lift",
    "mod.done_delete": "Message deleted.",
    "mod.done_mute": "Muted {name} until {when}.",
    "mod.done_ban": "Banned {name} until {when}.",
    "mod.done_lift": "Lifted {name}'s restrictions.",
    "mod.done_slow": "Slow mode updated.",
    "mod.done_pin": "Announcement updated.",
    "err.chat.muted": "You are muted and cannot chat for now.",
    "err.forum.banned": "You were removed from this room.",
    "err.chat.not_author": "Only its author or a moderator can delete this message.",
    "err.chat.unknown_message": "That message is gone already.",
    "err.moderation.staff": "Moderators and organisers cannot be muted or banned.",
    "err.moderation.self": "You cannot mute or ban yourself.",
    "err.account.unknown": "There is no such user.",
    "err.announcement.empty": "Write the announcement first.",
    "err.announcement.too_long": "Announcements are at most 500 characters.",
  },
});

export const isModerator = (account) => account?.role === "moderator" || account?.role === "organizer";

/** A time to the minute: "14:05" today, with the date when further off. */
export function untilText(iso) {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return "";
  return at - Date.now() < 20 * 3600 * 1000 ? hhmm(iso) : dateTime(iso);
}

// The person's own standing in each open room ({muted, banned}: ISO ends or null), as the
// chat's moderation follows it: the room's other panels (Q&A) close their boxes by it too.
const standings = new Map(); // forumId -> {muted, banned}
const standingListeners = new Set(); // [forumId, fn]

/** Call `fn({muted, banned})` with the person's standing in `forumId` now (if known) and on
 * every change; returns the stop function. */
export function onStanding(forumId, fn) {
  const entry = [forumId, fn];
  standingListeners.add(entry);
  if (standings.has(forumId)) fn(standings.get(forumId));
  return () => standingListeners.delete(entry);
}

function publishStanding(forumId, standing) {
  standings.set(forumId, standing);
  for (const [id, fn] of standingListeners) if (id === forumId) fn(standing);
}

/**
 * The moderation side of one room's chat panel. `onBlockedChange()` is called when the person's
 * own mute or ban starts or ends (the panel then redraws its compose box).
 */
export function roomModeration(forumId, { onBlockedChange } = {}) {
  let slowMode = 0;
  let pinned = null; // {text, at}
  // The room's settings' version each was last set at: an older change, late, is dropped.
  const versions = versionBook();
  let muted = null; // ISO time the own mute ends
  let banned = null; // ISO time the own ban ends
  let sanctions = []; // moderators: the room's mutes and bans in force
  let flash = null; // {text, error}
  let flashTimer = null;
  let expiryTimer = null;
  let forumGeneration = 0;
  const stops = [];
  let personal = null; // stop() of the account:<id> subscription
  let backstage = null; // stop() of the backstage:<id> subscription

  const pinnedBox = h("div", { class: "pinned-announcement", role: "note", hidden: true });
  const slowLine = h("p", { class: "slow-mode-line", hidden: true });
  const notice = h("p", { class: "sanction-notice", role: "alert", hidden: true });
  const flashLine = h("p", { class: "mod-flash mod-room-flash", role: "status", "aria-live": "polite", hidden: true });
  const tools = h("details", { class: "mod-tools", hidden: true });
  const slowSelect = h("select", { class: "mod-select", name: "slow_mode" });
  const pinInput = h("input", { type: "text", class: "mod-pin-input", maxlength: String(PIN_MAX), name: "announcement", autocomplete: "off" });
  const pinButton = h("button", { type: "submit", class: "button button-small button-primary" });
  const unpinButton = h("button", { type: "button", class: "button button-small button-ghost" });
  const sanctionList = h("ul", { class: "mod-sanctions" });
  const announceForm = organiserAnnouncementForm();

  slowSelect.addEventListener("change", () =>
    act("forum.set_slow_mode", { forum: forumId, seconds: Number(slowSelect.value) }, () => t("mod.done_slow")),
  );
  unpinButton.addEventListener("click", () => act("forum.unpin", { forum: forumId }, () => t("mod.done_pin")));
  const pinForm = h(
    "form",
    {
      class: "mod-pin",
      onsubmit: (e) => {
        e.preventDefault();
        act("forum.pin", { forum: forumId, text: pinInput.value }, () => {
          pinInput.value = "";
          return t("mod.done_pin");
        });
      },
    },
    h("label", { class: "mod-label", for: `mod-pin-${forumId}` }, ""),
    h("div", { class: "mod-pin-row" }, pinInput, pinButton, unpinButton),
  );
  pinInput.id = `mod-pin-${forumId}`;

  const me = () => currentAccount();
  const moderating = () => isModerator(me());

  // --- acting -------------------------------------------------------------------------

  async function act(type, data, done) {
    try {
      const reply = await realtime.request(type, data);
      showFlash(done(reply));
      if (type.startsWith("forum.") && moderating()) refreshSanctions();
      return reply;
    } catch (error) {
      showFlash(errorText(error), true);
      if (type === "forum.set_slow_mode") renderTools(); // back to what the room has
      return null;
    }
  }

  function showFlash(text, error = false) {
    flash = text ? { text, error } : null;
    clearTimeout(flashTimer);
    if (flash) flashTimer = setTimeout(() => showFlash(null), FLASH_MS);
    flashLine.hidden = !flash;
    flashLine.classList.toggle("is-error", Boolean(flash?.error));
    replace(flashLine, flash?.text ?? "");
  }

  async function refreshSanctions() {
    if (!moderating()) return;
    try {
      const reply = await realtime.request("forum.list_sanctions", { forum: forumId });
      sanctions = reply.sanctions || [];
    } catch {
      return; // offline or no longer a moderator: keep the list we have
    }
    renderSanctions();
  }

  /** Delete / mute / ban for one chat message (what this person may do to it). */
  function messageTools(msg, { own }) {
    const box = h("span", { class: "chat-actions" });
    const name = String(msg.author?.name ?? "");
    const authorId = Number(msg.author?.id);
    const showButtons = () => {
      const mod = moderating();
      // Delete stands apart from Mute and Ban (a divider between), and asks first: a slip of
      // the finger removes nobody's message.
      const person = mod && !own;
      replace(
        box,
        own || mod
          ? h("button", { type: "button", class: "chat-action", dataset: { action: "delete" }, onclick: () => confirmRemove() }, t("mod.delete"))
          : null,
        person ? h("span", { class: "chat-action-divider", "aria-hidden": "true" }) : null,
        person ? h("button", { type: "button", class: "chat-action", dataset: { action: "mute" }, onclick: () => choose("mute") }, t("mod.mute")) : null,
        person ? h("button", { type: "button", class: "chat-action is-danger", dataset: { action: "ban" }, onclick: () => choose("ban") }, t("mod.ban")) : null,
      );
    };
    const back = () => {
      box.classList.remove("is-choosing");
      showButtons();
    };
    const remove = () => act("chat.delete", { forum: forumId, message: Number(msg.id) }, () => t("mod.done_delete"));
    const confirmRemove = () => {
      box.classList.add("is-choosing");
      const cancel = h("button", { type: "button", class: "chat-action", onclick: back }, t("mod.cancel"));
      replace(
        box,
        h("span", { class: "chat-action-label" }, t("mod.delete_confirm")),
        h(
          "button",
          {
            type: "button",
            class: "chat-action is-danger",
            dataset: { action: "delete-confirm" },
            onclick: async () => {
              back();
              await remove();
            },
          },
          t("mod.delete_for_all"),
        ),
        cancel,
      );
      cancel.focus(); // Enter or a second tap on the same spot keeps the message
    };
    const choose = (kind) => {
      box.classList.add("is-choosing");
      // Why, for the moderation log and the person's notice (optional; the server cleans it).
      const reason = h("input", {
        type: "text",
        class: "chat-reason",
        maxlength: "300",
        autocomplete: "off",
        placeholder: t("mod.reason"),
        "aria-label": t("mod.reason"),
      });
      replace(
        box,
        h("span", { class: "chat-action-label" }, t(kind === "mute" ? "mod.mute_who" : "mod.ban_who", { name })),
        reason,
        DURATIONS.map(([duration, label]) =>
          h(
            "button",
            {
              type: "button",
              class: kind === "ban" ? "chat-action is-danger" : "chat-action",
              dataset: { duration: String(duration) },
              onclick: async () => {
                box.classList.remove("is-choosing");
                showButtons();
                const data = { forum: forumId, account: authorId, duration, reason: reason.value };
                await act(`forum.${kind}`, data, (reply) =>
                  t(kind === "mute" ? "mod.done_mute" : "mod.done_ban", { name, when: untilText(reply.sanction?.until) }),
                );
              },
            },
            t(label),
          ),
        ),
        h(
          "button",
          {
            type: "button",
            class: "chat-action",
            onclick: () => {
              box.classList.remove("is-choosing");
              showButtons();
            },
          },
          t("mod.cancel"),
        ),
      );
    };
    showButtons();
    box.refresh = showButtons;
    return box;
  }

  // --- what the room and the person are told -----------------------------------------

  /** Read the room's slow mode and pinned announcement (on every chat snapshot). */
  async function load() {
    const generation = ++forumGeneration;
    try {
      const forum = await getForum(forumId);
      if (generation !== forumGeneration) return;
      if (versions.take("slow_mode", forum.version)) slowMode = Number(forum.slow_mode_seconds) || 0;
      if (versions.take("announcement", forum.version)) pinned = forum.announcement || null;
    } catch {
      return; // the chat says what failed; these keep their last known state
    }
    renderRoom();
    renderTools();
    refreshSanctions();
    refreshStanding();
  }

  /** The person's own mute or ban, as the server has it (say, after a reload). */
  async function refreshStanding() {
    const account = me();
    if (!account?.id) return;
    let reply;
    try {
      reply = await realtime.request("forum.standing", { forum: forumId });
    } catch {
      return; // offline: a refusal of chat.send tells them soon enough
    }
    if (me()?.id !== account.id) return;
    muted = reply.muted_until ?? null;
    banned = reply.banned_until ?? null;
    setBlocked();
    rejoinIfFree();
  }

  /** A ban lifted or over: follow the room's topics again, resuming from their seq. However the
   * tab got off them (evicted by the ban, or refused when it subscribed during the ban: a page
   * opened or a socket reconnected meanwhile); `resubscribe` does nothing while one is followed
   * or not wanted. A banned speaker left the backstage too (its Q&A queue). */
  function rejoinIfFree() {
    if (banned !== null) return;
    realtime.resubscribe(`forum:${forumId}`);
    realtime.resubscribe(`backstage:${forumId}`);
  }

  /** A room event; returns true when it was moderation's. */
  function onRoomEvent(type, data) {
    if (type === "moderation.slow_mode_changed") {
      if (!versions.take("slow_mode", data?.version)) return true;
      slowMode = Number(data?.seconds) || 0;
      renderRoom();
      renderTools();
      return true;
    }
    if (type === "moderation.announcement_changed") {
      if (!versions.take("announcement", data?.version)) return true;
      pinned = data?.announcement || null;
      renderRoom();
      renderTools();
      return true;
    }
    if (type === "subscription.ended" && data?.reason === "forum.banned") {
      // The ban's end comes on the personal topic; until then we only know that it began.
      banned = banned || "";
      setBlocked();
      return true;
    }
    return false;
  }

  /** A refusal of chat.send: the person learns of their own mute or ban this way too. */
  function onRefusal(error) {
    const until = error?.details?.until ?? "";
    if (error?.code === "chat.muted") muted = until;
    else if (error?.code === "forum.banned") banned = until;
    else return false;
    setBlocked();
    return true;
  }

  function onPersonal(type, data) {
    if (Number(data?.forum_id) !== forumId) return;
    if (type !== "moderation.sanction_imposed" && type !== "moderation.sanction_lifted") return;
    if (!versions.take(`sanction:${data.kind}`, data.version)) return; // older news, late
    const on = type === "moderation.sanction_imposed";
    if (data.kind === "ban") {
      banned = on ? data.until : null;
      if (on) muted = muted ?? data.until; // a ban mutes too
    } else muted = on ? data.until : null;
    if (!on && data.kind === "ban" && muted === data.until) muted = null;
    setBlocked();
    rejoinIfFree();
  }

  function onStaff(type) {
    if (type === "moderation.sanction_imposed" || type === "moderation.sanction_lifted") refreshSanctions();
  }

  function setBlocked() {
    publishStanding(forumId, { muted, banned });
    renderNotice();
    onBlockedChange?.();
    scheduleExpiry();
  }

  /** A mute or ban ends by itself: ask again just after the sooner end. */
  function scheduleExpiry() {
    clearTimeout(expiryTimer);
    const ends = [muted, banned].map((iso) => Date.parse(iso ?? "")).filter(Number.isFinite);
    if (!ends.length) return;
    const wait = Math.min(...ends) - Date.now() + 1_000;
    expiryTimer = setTimeout(() => refreshStanding(), Math.min(Math.max(wait, 1_000), MAX_TIMER_MS));
  }

  // --- rendering ----------------------------------------------------------------------

  function renderRoom() {
    pinnedBox.hidden = !pinned;
    if (pinned) {
      replace(
        pinnedBox,
        h("span", { class: "pinned-label" }, "📌 ", t("mod.pinned")),
        h("p", { class: "pinned-text" }, String(pinned.text ?? "")),
      );
    }
    slowLine.hidden = !slowMode;
    replace(slowLine, slowMode ? t("mod.slow_mode_on", { n: slowMode }) : "");
  }

  function renderNotice() {
    let text = "";
    if (banned !== null) text = t("mod.banned_until", { when: untilText(banned) || "—" });
    else if (muted !== null) text = t("mod.muted_until", { when: untilText(muted) || "—" });
    notice.hidden = !text;
    replace(notice, text);
  }

  function renderTools() {
    const mod = moderating();
    tools.hidden = !mod;
    if (!mod) return;
    const choices = SLOW_MODE_CHOICES.includes(slowMode) ? SLOW_MODE_CHOICES : [...SLOW_MODE_CHOICES, slowMode];
    replace(
      slowSelect,
      choices.map((n) => h("option", { value: String(n), selected: n === slowMode }, n ? t("mod.slow_n", { n }) : t("mod.slow_off"))),
    );
    slowSelect.value = String(slowMode);
    pinInput.placeholder = t("mod.pin_placeholder");
    replace(pinForm.querySelector(".mod-label"), t("mod.pin_label"));
    replace(pinButton, t("mod.pin"));
    replace(unpinButton, t("mod.unpin"));
    unpinButton.hidden = !pinned;
    if (!tools.firstChild) {
      tools.append(
        h("summary", { class: "mod-summary" }),
        h(
          "div",
          { class: "mod-body" },
          h("label", { class: "mod-field mod-inline" }, h("span", { class: "mod-label mod-slow-label" }), slowSelect),
          pinForm,
          h("div", { class: "mod-field" }, h("span", { class: "mod-label mod-sanctions-label" }), sanctionList),
          announceForm.element,
        ),
      );
    }
    replace(tools.querySelector(".mod-summary"), t("mod.tools"));
    replace(tools.querySelector(".mod-slow-label"), t("mod.slow_mode"));
    replace(tools.querySelector(".mod-sanctions-label"), t("mod.sanctions"));
    announceForm.render();
    renderSanctions();
  }

  function renderSanctions() {
    if (!moderating()) return;
    if (!sanctions.length) {
      replace(sanctionList, h("li", { class: "muted small" }, t("mod.no_sanctions")));
      return;
    }
    replace(
      sanctionList,
      sanctions.map((s) =>
        h(
          "li",
          { class: "mod-sanction" },
          h("span", { class: `tag mod-kind-${s.kind}` }, t(`mod.kind_${s.kind}`)),
          h("span", { class: "mod-sanction-name" }, String(s.account?.name ?? "")),
          h("span", { class: "muted small" }, t("mod.until", { when: untilText(s.until) })),
          h(
            "button",
            {
              type: "button",
              class: "button button-small button-ghost",
              onclick: () =>
                act("forum.lift", { forum: forumId, account: s.account.id, kind: s.kind }, () =>
                  t("mod.done_lift", { name: String(s.account?.name ?? "") }),
                ),
            },
            t("mod.lift"),
          ),
        ),
      ),
    );
  }

  function renderAll() {
    renderRoom();
    renderNotice();
    renderTools();
    showFlash(null); // said in the language of its moment: gone with a switch
  }

  // --- following the person's and the staff's topics -----------------------------------

  function follow() {
    personal?.();
    backstage?.();
    personal = backstage = null;
    const account = me();
    if (account?.id) {
      personal = realtime.subscribe(`account:${account.id}`, { onEvent: onPersonal });
    }
    if (moderating()) {
      backstage = realtime.subscribe(`backstage:${forumId}`, { onEvent: onStaff, onError: () => {} });
    }
  }

  renderAll();

  return {
    pinnedBox,
    slowLine,
    notice,
    flashLine,
    tools,
    messageTools,
    load,
    onRoomEvent,
    onRefusal,
    /** Muted or banned here: the compose box is closed. */
    get blocked() {
      return muted !== null || banned !== null;
    },
    start() {
      follow();
      renderAll();
      stops.push(onLangChange(renderAll));
      stops.push(
        onAccountChange(() => {
          muted = banned = null;
          publishStanding(forumId, { muted, banned });
          sanctions = [];
          follow();
          renderAll();
          refreshSanctions();
          refreshStanding();
          onBlockedChange?.();
        }),
      );
    },
    stop() {
      forumGeneration += 1;
      standings.delete(forumId);
      clearTimeout(flashTimer);
      clearTimeout(expiryTimer);
      personal?.();
      backstage?.();
      personal = backstage = null;
      for (const fn of stops.splice(0)) fn();
    },
  };
}

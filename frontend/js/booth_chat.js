// A booth's public chat: the forum rooms' chat panel (chat.js) fed by the booth's topic, its
// history and its commands, with the booth's own moderation: the author or the booth's staff
// delete a message; the booth's staff mute or ban a visitor from the booth's chat.
//
// Mount: `const stop = mountBoothChat(el, { id: exhibitorId })`; call stop() when leaving.

import { api } from "./api.js";
import { chatPanel } from "./chat.js";
import { h, replace } from "./dom.js";
import { addStrings, dateTime, errorText, onLangChange, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";

addStrings({
  zh: {
    "booth_chat.heading": "展位聊天",
    "booth_chat.muted": "展台工作人员已将你禁言，至 {until}。",
    "booth_chat.banned": "展台工作人员已将你移出本展位，至 {until}。",
    "booth_chat.mute": "禁言 10 分钟",
    "booth_chat.ban": "移出（今天）",
    "booth_chat.done_mute": "已禁言。",
    "booth_chat.done_ban": "已移出。",
    "err.booth.banned": "你已被移出本展位。",
    "err.booth.chat_unknown": "这条消息已不存在。",
  },
  en: {
    "booth_chat.heading": "Booth chat",
    "booth_chat.muted": "The booth's staff muted you until {until}.",
    "booth_chat.banned": "The booth's staff removed you from this booth until {until}.",
    "booth_chat.mute": "Mute 10 min",
    "booth_chat.ban": "Remove (today)",
    "booth_chat.done_mute": "Muted.",
    "booth_chat.done_ban": "Removed.",
    "err.booth.banned": "You were removed from this booth.",
    "err.booth.chat_unknown": "That message is gone.",
  },
});

export const getBoothChat = (id, { limit = 50, before, ...opts } = {}) => {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before) query.set("before", String(before));
  return api(`/api/exhibitors/${encodeURIComponent(id)}/chat?${query}`, opts);
};

/** Staff of this booth (they moderate its chat), or an organiser. */
export function isBoothStaff(boothId) {
  const me = currentAccount();
  return !!me && (me.role === "organizer" || (me.role === "exhibitor" && Number(me.exhibitor_id) === Number(boothId)));
}

/** The booth's moderation, in the shape chat.js's panel expects of a room's. */
function boothModeration(boothId, { onBlockedChange } = {}) {
  let muted = null; // ISO time
  let banned = null;
  const notice = h("p", { class: "chat-notice", role: "status", hidden: true });
  const flashLine = h("p", { class: "chat-flash muted", role: "status", hidden: true });
  const empty = () => h("div", { hidden: true });
  const stops = [];

  const renderNotice = () => {
    const text = banned
      ? t("booth_chat.banned", { until: dateTime(banned) })
      : muted
        ? t("booth_chat.muted", { until: dateTime(muted) })
        : "";
    notice.hidden = !text;
    replace(notice, text);
  };
  const flash = (text) => {
    flashLine.hidden = !text;
    replace(flashLine, text);
  };
  const act = async (type, data, done) => {
    try {
      await realtime.request(type, data);
      flash(done());
    } catch (error) {
      flash(errorText(error));
    }
  };

  function messageTools(msg, { own }) {
    const staff = isBoothStaff(boothId);
    const authorId = Number(msg.author?.id);
    const person = staff && !own && !msg.staff;
    return h(
      "span",
      { class: "chat-actions" },
      own || staff
        ? h(
            "button",
            {
              type: "button",
              class: "chat-action",
              dataset: { action: "delete" },
              onclick: () => act("booth.chat.delete", { exhibitor: Number(boothId), message: Number(msg.id) }, () => t("mod.done_delete")),
            },
            t("mod.delete"),
          )
        : null,
      person
        ? h(
            "button",
            {
              type: "button",
              class: "chat-action",
              dataset: { action: "mute" },
              onclick: () => act("booth.mute", { exhibitor: Number(boothId), account: authorId, duration: 10 }, () => t("booth_chat.done_mute")),
            },
            t("booth_chat.mute"),
          )
        : null,
      person
        ? h(
            "button",
            {
              type: "button",
              class: "chat-action is-danger",
              dataset: { action: "ban" },
              onclick: () => act("booth.ban", { exhibitor: Number(boothId), account: authorId, duration: "day" }, () => t("booth_chat.done_ban")),
            },
            t("booth_chat.ban"),
          )
        : null,
    );
  }

  const setStanding = (next) => {
    muted = next.muted ?? null;
    banned = next.banned ?? null;
    renderNotice();
    onBlockedChange?.();
  };

  return {
    pinnedBox: empty(),
    slowLine: empty(),
    notice,
    flashLine,
    tools: empty(),
    messageTools,
    load() {},
    onRoomEvent() {},
    /** A refusal that says the person is muted or banned closes the compose box. */
    onRefusal(error) {
      const until = error?.details?.until ?? null;
      if (error?.code === "chat.muted") setStanding({ muted: until, banned });
      else if (error?.code === "booth.banned") setStanding({ muted: until, banned: until });
      else return false;
      return true;
    },
    get blocked() {
      return muted !== null || banned !== null;
    },
    start() {
      renderNotice();
      stops.push(onLangChange(renderNotice));
      stops.push(onAccountChange(() => setStanding({})));
      // Told on one's own topic when the booth's staff mute, ban or lift (booth_chat.py).
      const me = currentAccount();
      if (me) {
        stops.push(
          realtime.subscribe(`account:${me.id}`, {
            onEvent: (type, data) => {
              if (Number(data?.exhibitor_id) !== Number(boothId)) return;
              if (type === "booth.sanction_imposed") {
                if (data.kind === "ban") setStanding({ muted: data.until, banned: data.until });
                else setStanding({ muted: data.until, banned });
              } else if (type === "booth.sanction_lifted") {
                if (data.kind === "ban") {
                  setStanding({ muted, banned: null });
                  realtime.resubscribe(`booth:${boothId}`);
                } else setStanding({ muted: null, banned });
              }
            },
          }),
        );
      }
    },
    stop() {
      for (const fn of stops.splice(0)) fn();
    },
  };
}

/** The chat panel of booth `booth.id`, mounted in `el`. Returns stop(). */
export function mountBoothChat(el, booth) {
  const id = Number(booth.id);
  const panel = chatPanel(id, {
    topic: `booth:${id}`,
    page: (opts) => getBoothChat(id, opts),
    send: (text) => realtime.request("booth.chat.send", { exhibitor: id, text }),
    posted: "booth.chat_posted",
    deleted: "booth.chat_deleted",
    moderation: (opts) => boothModeration(id, opts),
  });
  panel.element.classList.add("booth-chat");
  const retitle = () => {
    const title = panel.element.querySelector(".panel-title");
    if (title) title.textContent = t("booth_chat.heading");
  };
  el.appendChild(panel.element);
  const stop = panel.start();
  retitle();
  const offLang = onLangChange(retitle);
  return () => {
    offLang();
    stop();
    panel.element.remove();
  };
}

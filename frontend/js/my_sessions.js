// A speaker's or moderator's own sessions (#/my-sessions): where and when they speak or
// moderate, with links to the room and its Q&A. Follows programme edits: every save and
// deletion is announced on `lobby:forums` too, and the page then asks again.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, dateTime, errorText, hhmm, onLangChange, pick, t } from "./i18n.js";
import { roomHref } from "./nav.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";

const LOBBY_TOPIC = "lobby:forums";

addStrings({
  zh: {
    "nav.my_sessions": "我的日程",
    "mine.heading": "我的日程",
    "mine.intro": "您作为演讲嘉宾或主持人参加的场次。节目单有改动时，这里会自动更新。",
    "mine.empty": "节目单上还没有您的场次。",
    "mine.signed_out": "登录后查看您的场次。",
    "mine.loading": "正在加载…",
    "mine.role.speaker": "演讲",
    "mine.role.moderator": "主持",
    "mine.room": "进入直播间",
    "mine.qa": "问答",
    "mine.ended": "已结束",
  },
  en: {
    "nav.my_sessions": "My sessions",
    "mine.heading": "My sessions",
    "mine.intro": "Where you speak or moderate. This page follows changes to the programme as they happen.",
    "mine.empty": "You are not on the programme yet.",
    "mine.signed_out": "Sign in to see your sessions.",
    "mine.loading": "Loading…",
    "mine.role.speaker": "Speaking",
    "mine.role.moderator": "Moderating",
    "mine.room": "Go to the room",
    "mine.qa": "Q&A",
    "mine.ended": "Ended",
  },
});

export function mountMySessions(root) {
  let sessions = null;
  let error = null;
  let stopped = false;
  let asking = null;
  let again = false;

  const load = async () => {
    if (asking) {
      again = true; // an edit came while asking: ask once more afterwards
      return;
    }
    if (!currentAccount()) return render();
    asking = api("/api/me/sessions");
    try {
      sessions = (await asking).sessions;
      error = null;
    } catch (err) {
      error = err;
    }
    asking = null;
    render();
    if (again && !stopped) {
      again = false;
      load();
    }
  };

  const item = ({ roles, room, session }) => {
    const ended = new Date(session.ends_at) < new Date();
    const others = [...session.speakers, ...session.moderators].filter(
      (p) => p.account_id !== currentAccount()?.id,
    );
    return h(
      "li",
      { class: ended ? "my-session is-ended" : "my-session", dataset: { session: String(session.id) } },
      h(
        "div",
        { class: "my-session-when" },
        h("time", { datetime: session.starts_at }, dateTime(session.starts_at)),
        " – ",
        h("time", { datetime: session.ends_at }, hhmm(session.ends_at)),
        ended ? h("span", { class: "chip" }, t("mine.ended")) : null,
      ),
      h("h2", { class: "my-session-title" }, pick(session.title)),
      h(
        "p",
        { class: "my-session-where" },
        roles.map((role) => h("span", { class: "chip chip-accent" }, t(`mine.role.${role}`))),
        " ",
        h("span", { class: "my-session-room" }, pick(room.title)),
      ),
      others.length ? h("p", { class: "muted" }, others.map((p) => p.name).join(" · ")) : null,
      h(
        "div",
        { class: "form-actions" },
        h("a", { class: "button button-primary button-small", href: roomHref(room) }, t("mine.room")),
        h("a", { class: "button button-ghost button-small", href: `${roomHref(room)}?tab=qa` }, t("mine.qa")),
      ),
    );
  };

  const render = () => {
    if (stopped) return;
    const account = currentAccount();
    let body;
    if (account === undefined || (account && sessions === null && !error)) {
      body = h("p", { class: "notice", role: "status" }, t("mine.loading"));
    } else if (account === null) {
      body = h(
        "p",
        { class: "notice" },
        t("mine.signed_out"),
        " ",
        h("a", { href: "#/signin?next=%2Fmy-sessions" }, t("nav.signin")),
      );
    } else if (error) {
      body = h("p", { class: "notice notice-error", role: "alert" }, errorText(error));
    } else if (!sessions.length) {
      body = h("p", { class: "notice my-sessions-empty" }, t("mine.empty"));
    } else {
      body = h("ol", { class: "my-sessions-list" }, sessions.map(item));
    }
    replace(
      root,
      h(
        "section",
        { class: "panel my-sessions" },
        h("h1", {}, t("mine.heading")),
        h("p", { class: "muted" }, t("mine.intro")),
        body,
      ),
    );
  };

  const unsubscribe = realtime.subscribe(LOBBY_TOPIC, {
    onEvent: (type) => {
      if (type.startsWith("programme.")) load(); // saved, deleted or a whole import
    },
    onSnapshot: () => load(), // back from a drop beyond the replay window
  });
  const offLang = onLangChange(render);
  const offAccount = onAccountChange(() => {
    sessions = null;
    load();
  });
  render();
  load();
  return () => {
    stopped = true;
    unsubscribe();
    offLang();
    offAccount();
  };
}

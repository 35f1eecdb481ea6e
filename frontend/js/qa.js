// A room's Q&A: ask the speakers, upvote what others asked, see what was answered. Speakers and
// moderators also see the queue (pending questions) on the room's backstage topic, and
// moderators approve, pin, answer and hide. Whatever people wrote goes in as text nodes only.
//
// The snapshot comes over HTTP (GET /api/forums/<id>/questions); live changes come from
// `forum:<id>` (what everyone may see) and, for staff, `backstage:<id>` (everything).

import { api } from "./api.js";
import { onStanding, untilText } from "./moderation.js";
import { h, icon, linkified, replace } from "./dom.js";
import { addStrings, errorText, hhmm, onLangChange, t } from "./i18n.js";
import { signInHref } from "./header.js";
import { realtime } from "./realtime.js";
import { currentAccount, loadAccount, onAccountChange } from "./session.js";
import { visibleLength } from "./text.js";
import { versionBook } from "./versions.js";

const MAX_CHARS = 300; // forums/qa_rules.py MAX_QUESTION_CHARS, characters as people see them
// maxlength counts UTF-16 units, so it only bounds what the column holds (forums/qa_rules.py
// QUESTION_COLUMN code points); the counter and the server bound what people see.
const MAX_STORED = 2000;
const MODERATORS = new Set(["moderator", "organizer"]);
const RANK = { visible: 0, pending: 1, answered: 2, hidden: 3 }; // forums.domain.question_order
const touch = window.matchMedia?.("(pointer: coarse)").matches ?? false;

addStrings({
  zh: {
    "room.tab_qa": "问答",
    "qa.heading": "向嘉宾提问",
    "qa.loading": "正在加载问题…",
    "qa.load_failed": "问题加载失败。",
    "qa.empty": "还没有人提问，来提第一个问题吧。",
    "qa.placeholder": "向嘉宾提问…（Enter 提交）",
    "qa.placeholder_touch": "向嘉宾提问…",
    "qa.ask": "提问",
    "qa.asking": "提交中…",
    "qa.signin_prompt": "登录后即可提问和点赞",
    "qa.signin_link": "去登录",
    "qa.premoderated": "本场提问需主持人审核后显示。",
    "qa.sent_pending": "已提交，等待主持人审核。",
    "qa.upvote": "赞同这个问题",
    "qa.unvote": "取消赞同",
    "qa.votes": "{n} 票",
    "qa.pinned": "置顶",
    "qa.answered": "已回答",
    "qa.pending": "待审核",
    "qa.hidden": "已隐藏",
    "qa.hidden_mine": "已被主持人隐藏，仅您可见",
    "qa.mine": "我的提问",
    "qa.section_queue": "待审核（{n}）",
    "qa.section_open": "问题（{n}）",
    "qa.section_answered": "已回答（{n}）",
    "qa.section_hidden": "已隐藏（{n}）",
    "qa.queue_empty": "暂无待审核的问题。",
    "qa.approve": "通过",
    "qa.restore": "恢复",
    "qa.hide": "隐藏",
    "qa.pin": "置顶",
    "qa.unpin": "取消置顶",
    "qa.answer": "标为已回答",
    "qa.unanswer": "标为未回答",
    "qa.pre_moderation": "提问需审核",
    "qa.staff_note": "您是本场工作人员，可以看到所有问题。",
    "qa.chars_left": "还可输入 {n} 字",
    "err.qa.empty": "请先写下您的问题。",
    "err.qa.too_long": "问题太长了（最多 300 字）。",
    "err.qa.muted": "您已被主持人禁言，暂时不能提问。",
    "err.qa.already_voted": "您已经赞同过这个问题了。",
    "err.qa.not_voted": "您还没有赞同这个问题。",
    "err.qa.not_votable": "这个问题现在不能点赞。",
    "err.qa.bad_move": "这个问题的状态已经变了，请刷新后再试。",
    "err.qa.not_approved": "这个问题还在等待主持人审核，审核后才能回答。",
    "err.qa.unknown": "这个问题已经不存在了。",
  },
  en: {
    "room.tab_qa": "Q&A",
    "qa.heading": "Ask the speakers",
    "qa.loading": "Loading questions…",
    "qa.load_failed": "Could not load the questions.",
    "qa.empty": "No questions yet: ask the first one.",
    "qa.placeholder": "Ask the speakers… (Enter to send)",
    "qa.placeholder_touch": "Ask the speakers…",
    "qa.ask": "Ask",
    "qa.asking": "Sending…",
    "qa.signin_prompt": "Sign in to ask and upvote",
    "qa.signin_link": "Sign in",
    "qa.premoderated": "Questions appear here once a moderator approves them.",
    "qa.sent_pending": "Sent: waiting for a moderator's approval.",
    "qa.upvote": "Upvote this question",
    "qa.unvote": "Take back your upvote",
    "qa.votes": "{n} votes",
    "qa.votes_one": "1 vote",
    "qa.pinned": "Pinned",
    "qa.answered": "Answered",
    "qa.pending": "Awaiting approval",
    "qa.hidden": "Hidden",
    "qa.hidden_mine": "Hidden by a moderator: only you see it",
    "qa.mine": "Yours",
    "qa.section_queue": "Awaiting approval ({n})",
    "qa.section_open": "Questions ({n})",
    "qa.section_answered": "Answered ({n})",
    "qa.section_hidden": "Hidden ({n})",
    "qa.queue_empty": "Nothing is waiting for approval.",
    "qa.approve": "Approve",
    "qa.restore": "Restore",
    "qa.hide": "Hide",
    "qa.pin": "Pin",
    "qa.unpin": "Unpin",
    "qa.answer": "Mark answered",
    "qa.unanswer": "Mark unanswered",
    "qa.pre_moderation": "Approve questions first",
    "qa.staff_note": "You are on this room's staff: you see every question.",
    "qa.chars_left": "{n} characters left",
    "qa.chars_left_one": "1 character left",
    "err.qa.empty": "Write your question first.",
    "err.qa.too_long": "That question is too long (300 characters at most).",
    "err.qa.muted": "A moderator muted you here; you cannot ask for now.",
    "err.qa.already_voted": "You upvoted this question already.",
    "err.qa.not_voted": "You have not upvoted this question.",
    "err.qa.not_votable": "This question takes no votes now.",
    "err.qa.bad_move": "That question changed meanwhile; reload and try again.",
    "err.qa.not_approved": "A moderator approves this question before it can be answered.",
    "err.qa.unknown": "That question is gone.",
  },
});

/**
 * Follows a room for a panel: `forum:<id>` always, `backstage:<id>` while the snapshot says
 * the caller is staff. Loads the snapshot whenever either topic asks for one; events that
 * arrive while it loads are applied again after it when they are newer than it.
 * handlers: load() -> snapshot body, onSnapshot(body), onEvent(type, data, "room"|"backstage"),
 * onFailed(error), onRefused(error) when the room refuses the caller, onRefused(null) once it
 * takes them back.
 */
export function roomFeed(forumId, handlers) {
  const roomTopic = `forum:${forumId}`;
  const backTopic = `backstage:${forumId}`;
  let started = false;
  let generation = 0;
  let held = null; // events seen while a snapshot loads
  let loadedOnce = false;
  let stopBack = null;
  let refused = false; // the room's topic was refused (a ban)
  const stops = [];

  const deliver = (msg) =>
    handlers.onEvent(msg.type, msg.data ?? {}, msg.topic === backTopic ? "backstage" : "room");

  function onMessage(msg) {
    held?.push(msg);
    deliver(msg);
  }

  async function reload() {
    const mine = ++generation;
    held = [];
    let body;
    try {
      body = await handlers.load();
    } catch (error) {
      if (mine !== generation || !started) return;
      held = null;
      handlers.onFailed?.(error);
      return;
    }
    if (mine !== generation || !started) return;
    const seen = held;
    held = null;
    loadedOnce = true;
    handlers.onSnapshot(body);
    const upTo = { [roomTopic]: body.seq, [backTopic]: body.backstage ? body.backstage.seq : Infinity };
    for (const msg of seen) {
      if (typeof msg.seq === "number" && msg.seq > (upTo[msg.topic] ?? Infinity)) deliver(msg);
    }
    followBackstage(Boolean(body.backstage));
  }

  function followBackstage(yes) {
    if (yes && !stopBack) {
      stopBack = realtime.subscribe(backTopic, {
        onSnapshot: () => reload(),
        onEvent: (type, data, msg) => onMessage(msg),
      });
    } else if (!yes && stopBack) {
      stopBack();
      stopBack = null;
    }
  }

  return {
    reload,
    start() {
      started = true;
      stops.push(
        realtime.subscribe(roomTopic, {
          onSnapshot: () => reload(),
          onEvent: (type, data, msg) => onMessage(msg),
          onError: (error) => {
            refused = true;
            handlers.onRefused?.(error);
          },
          onFollowing: () => {
            if (!refused) return;
            refused = false;
            handlers.onRefused?.(null); // back in the room (a ban was lifted)
          },
        }),
      );
      // Who is signed in decides what the snapshot holds (and whether to follow backstage).
      stops.push(onAccountChange(() => reload()));
      const fallback = setTimeout(() => {
        if (!loadedOnce && generation === 0) reload();
      }, realtime.isOpen ? 3_000 : 1_000);
      stops.push(() => clearTimeout(fallback));
    },
    stop() {
      started = false;
      followBackstage(false);
      for (const fn of stops.splice(0)) fn();
    },
  };
}

/** The room's order: pinned first, then open by votes (earlier first on a tie), then the
 * queue, then answered, then hidden (forums.domain.question_order). */
function byRoomOrder(a, b) {
  return (
    Number(b.pinned) - Number(a.pinned) ||
    RANK[a.state] - RANK[b.state] ||
    b.votes - a.votes ||
    Date.parse(a.created_at) - Date.parse(b.created_at) ||
    a.id - b.id
  );
}

export function qaPanel(forumId) {
  const questions = new Map(); // id -> question as the server showed it, plus voted_by_me, mine
  const versions = versionBook(); // id -> newest version applied: older moves are dropped
  let staff = false;
  let preModeration = false;
  let status = "loading"; // loading | ready | failed
  let refused = null;
  let notice = null; // {error} or {info: key} under the ask box
  let asking = false;
  let switching = false;
  let standing = { muted: null, banned: null }; // moderation.js: the person's own mute or ban
  const busy = new Set(); // question ids with a command in flight

  const title = h("h2", { class: "qa-title" });
  const tools = h("div", { class: "qa-tools" });
  const statusLine = h("p", { class: "qa-status muted" });
  const body = h("div", { class: "qa-body" });
  const scroller = h("div", { class: "qa-scroll", tabindex: "0" }, statusLine, body);
  const compose = h("div", { class: "qa-compose" });
  const element = h("section", { class: "panel qa-panel" }, title, tools, scroller, compose);

  const textarea = h("textarea", {
    class: "qa-input",
    rows: "2",
    maxlength: String(MAX_STORED),
    name: "question",
    autocomplete: "off",
    enterkeyhint: "send",
  });
  const askButton = h("button", { type: "submit", class: "button button-primary qa-ask-button" });
  const noteLine = h("p", { class: "qa-note", role: "status" });
  const counter = h("span", { class: "qa-counter muted" });
  const form = h(
    "form",
    { class: "qa-form", onsubmit: (e) => (e.preventDefault(), ask()) },
    h("div", { class: "qa-input-row" }, textarea, askButton),
    h("div", { class: "qa-form-foot" }, noteLine, counter),
  );

  const me = () => currentAccount();
  const isModerator = () => staff && MODERATORS.has(me()?.role);

  // --- state ----------------------------------------------------------------------------

  function upsert(data) {
    const id = Number(data?.id);
    if (!Number.isFinite(id)) return;
    const before = questions.get(id);
    const account = me();
    questions.set(id, {
      ...data,
      voted_by_me: before?.voted_by_me ?? false,
      mine: before?.mine ?? (account != null && data.author?.id === account.id),
    });
  }

  function onEvent(type, data, from) {
    // Staff take questions from the backstage (one ordered stream of every change); the room's
    // topic still brings everyone's vote counts and the room's settings.
    const mineToTake = staff ? from === "backstage" : from === "room";
    const news = () => versions.take(Number(data.id), data.version);
    if ((type === "question.asked" || type === "question.updated") && mineToTake) {
      if (!news()) return;
      upsert(data);
    } else if (type === "question.removed" && mineToTake) {
      if (!news()) return;
      // One's own question stays in one's list, marked hidden (the personal topic brings the
      // whole of it too); the room's others simply lose it.
      const own = questions.get(Number(data.id));
      if (own?.mine && !staff) questions.set(Number(data.id), { ...own, state: "hidden", version: data.version });
      else questions.delete(Number(data.id));
    } else if (type === "question.votes") {
      for (const { id, votes } of data.votes || []) {
        const q = questions.get(Number(id));
        if (q) q.votes = votes;
      }
    } else if (type === "qa.pre_moderation_changed") {
      if (!versions.take("pre_moderation", data.version)) return; // an older switch, late
      preModeration = Boolean(data.pre_moderation);
    }
    else return;
    render();
  }

  // An attendee's own topic tells them when a moderator hides their pending question (the
  // room's topic never carried it).
  let personal = null; // {id, stop}
  function followPersonal() {
    const id = !staff && me() ? me().id : null;
    if (personal?.id === id) return;
    personal?.stop();
    personal = null;
    if (id == null) return;
    const stop = realtime.subscribe(`account:${id}`, {
      onEvent: (type, data) => {
        if (
          type === "question.updated" &&
          Number(data.forum_id) === forumId &&
          versions.take(Number(data.id), data.version)
        ) {
          upsert(data);
          render();
        }
      },
    });
    personal = { id, stop };
  }

  const feed = roomFeed(forumId, {
    load: () => api(`/api/forums/${encodeURIComponent(forumId)}/questions`),
    onSnapshot(snapshot) {
      staff = Boolean(snapshot.staff);
      questions.clear();
      versions.reset();
      // The flag at the room's settings' version: an older switch that comes later is dropped.
      versions.take("pre_moderation", snapshot.version);
      preModeration = Boolean(snapshot.pre_moderation);
      for (const q of snapshot.questions || []) {
        questions.set(Number(q.id), q);
        versions.take(Number(q.id), q.version);
      }
      status = "ready";
      followPersonal();
      renderAll();
    },
    onEvent,
    onFailed() {
      if (status !== "ready") status = "failed";
      render();
    },
    onRefused(error) {
      refused = error;
      render();
    },
  });

  // --- commands -------------------------------------------------------------------------

  async function ask({ retried = false } = {}) {
    if (asking) return;
    const text = textarea.value.trim();
    if (!text) {
      notice = { error: { code: "qa.empty" } };
      renderCompose();
      return;
    }
    asking = true;
    notice = null;
    renderCompose();
    try {
      const reply = await realtime.request("question.ask", { forum: forumId, text });
      textarea.value = "";
      if (reply?.question) {
        questions.set(Number(reply.question.id), reply.question);
        if (reply.question.state === "pending") notice = { info: "qa.sent_pending" };
      }
    } catch (error) {
      asking = false;
      if (error.code === "unauthorized" && !retried && (await signedInSince())) return ask({ retried: true });
      notice = { error };
      renderCompose();
      return;
    }
    asking = false;
    render();
    textarea.focus({ preventScroll: true });
  }

  /** The socket may predate a sign-in made elsewhere: check, and move to a new socket. */
  async function signedInSince() {
    const account = await loadAccount();
    if (!account) return false;
    realtime.reconnect();
    return realtime.waitOpen();
  }

  async function toggleVote(q) {
    if (!me()) {
      notice = { error: { code: "unauthorized" } };
      renderCompose();
      return;
    }
    await act(q.id, q.voted_by_me ? "question.unvote" : "question.vote", { question: q.id }, (reply) => {
      const current = questions.get(q.id);
      if (current) Object.assign(current, { votes: reply.votes, voted_by_me: reply.voted_by_me });
    });
  }

  async function act(id, type, data, done) {
    if (busy.has(id)) return;
    busy.add(id);
    render();
    try {
      const reply = await realtime.request(type, data);
      done?.(reply);
      if (reply?.question) upsert(reply.question);
      notice = null;
    } catch (error) {
      const current = questions.get(id);
      if (current && error.code === "qa.already_voted") current.voted_by_me = true;
      else if (current && error.code === "qa.not_voted") current.voted_by_me = false;
      else notice = { error };
    } finally {
      busy.delete(id);
      render();
    }
  }

  async function setPreModeration(enabled) {
    switching = true;
    renderTools();
    try {
      const reply = await realtime.request("forum.set_pre_moderation", { forum: forumId, enabled });
      // Unless a newer switch (another moderator's) was applied meanwhile.
      if (versions.take("pre_moderation", reply.version)) preModeration = reply.pre_moderation;
    } catch (error) {
      notice = { error };
    }
    switching = false;
    render();
  }

  // --- rendering ------------------------------------------------------------------------

  function voteButton(q) {
    const open = q.state === "visible";
    return h(
      "button",
      {
        type: "button",
        class: q.voted_by_me ? "qa-vote is-voted" : "qa-vote",
        "aria-pressed": q.voted_by_me ? "true" : "false",
        title: t(q.voted_by_me ? "qa.unvote" : "qa.upvote"),
        "aria-label": `${t(q.voted_by_me ? "qa.unvote" : "qa.upvote")} · ${t("qa.votes", { n: q.votes })}`,
        disabled: !open || busy.has(q.id),
        dataset: { action: "vote", id: String(q.id) },
        onclick: () => toggleVote(q),
      },
      h("span", { class: "qa-arrow", "aria-hidden": "true" }, "▲"),
      h("span", { class: "qa-count" }, String(q.votes)),
    );
  }

  function actionButton(q, key, type, data) {
    return h(
      "button",
      {
        type: "button",
        class: "button button-small button-ghost qa-action",
        disabled: busy.has(q.id),
        dataset: { action: key, id: String(q.id) },
        onclick: () => act(q.id, type, { question: q.id, ...data }),
      },
      t(`qa.${key}`),
    );
  }

  function staffActions(q) {
    if (!staff) return null;
    const moderator = isModerator();
    const buttons = [];
    if (moderator && q.state === "pending") buttons.push(actionButton(q, "approve", "question.approve"));
    if (moderator && q.state === "hidden") buttons.push(actionButton(q, "restore", "question.approve"));
    // Answering a pending question shows it to the room: the moderators' call (qa.not_approved).
    if (q.state === "visible" || (moderator && q.state === "pending")) buttons.push(actionButton(q, "answer", "question.answer", { answered: true }));
    if (q.state === "answered") buttons.push(actionButton(q, "unanswer", "question.answer", { answered: false }));
    if (moderator && (q.state === "visible" || q.state === "answered")) {
      buttons.push(actionButton(q, q.pinned ? "unpin" : "pin", "question.pin", { pinned: !q.pinned }));
    }
    if (moderator && q.state !== "hidden") buttons.push(actionButton(q, "hide", "question.hide"));
    return buttons.length ? h("div", { class: "qa-actions" }, buttons) : null;
  }

  function item(q) {
    const classes = ["qa-item", `is-${q.state}`];
    if (q.pinned) classes.push("is-pinned");
    if (q.mine) classes.push("is-own");
    return h(
      "li",
      { class: classes.join(" "), dataset: { id: String(q.id) } },
      voteButton(q),
      h(
        "div",
        { class: "qa-main" },
        h("p", { class: "qa-text" }, linkified(q.text)),
        h(
          "p",
          { class: "qa-meta" },
          h("span", { class: "qa-author" }, String(q.author?.name ?? "")),
          h("time", { class: "qa-time", datetime: String(q.created_at ?? "") }, hhmm(q.created_at)),
          q.pinned ? h("span", { class: "tag tag-pinned" }, t("qa.pinned")) : null,
          q.state === "answered" ? h("span", { class: "tag tag-answered" }, t("qa.answered")) : null,
          q.state === "pending" ? h("span", { class: "tag tag-pending" }, t("qa.pending")) : null,
          q.state === "hidden"
            ? h("span", { class: "tag tag-hidden" }, t(staff ? "qa.hidden" : "qa.hidden_mine"))
            : null,
          q.mine ? h("span", { class: "tag tag-own" }, t("qa.mine")) : null,
        ),
        staffActions(q),
      ),
    );
  }

  function section(cls, heading, list, { empty = null } = {}) {
    if (!list.length && !empty) return null;
    return h(
      "section",
      { class: `qa-section ${cls}` },
      h("h3", { class: "qa-section-title" }, heading),
      list.length ? h("ol", { class: "qa-list" }, list.map(item)) : h("p", { class: "muted small" }, empty),
    );
  }

  function render() {
    const all = [...questions.values()].sort(byRoomOrder);
    const queue = all.filter((q) => q.state === "pending" && staff);
    // Attendees see their own pending questions among the open ones, marked.
    const open = all.filter(
      (q) => q.state === "visible" || (!staff && q.mine && (q.state === "pending" || q.state === "hidden")),
    );
    const answered = all.filter((q) => q.state === "answered");
    const hidden = all.filter((q) => q.state === "hidden");
    const focused = document.activeElement?.dataset;
    const refocus = focused && body.contains(document.activeElement) ? { ...focused } : null;
    replace(
      body,
      staff ? section("qa-queue", t("qa.section_queue", { n: queue.length }), queue, { empty: t("qa.queue_empty") }) : null,
      section("qa-open", t("qa.section_open", { n: open.length }), open),
      section("qa-answered", t("qa.section_answered", { n: answered.length }), answered),
      staff && hidden.length
        ? h(
            "details",
            { class: "qa-section qa-hidden" },
            h("summary", { class: "qa-section-title" }, t("qa.section_hidden", { n: hidden.length })),
            h("ol", { class: "qa-list" }, hidden.map(item)),
          )
        : null,
    );
    if (refocus?.action) {
      body.querySelector(`[data-action="${CSS.escape(refocus.action)}"][data-id="${CSS.escape(refocus.id ?? "")}"]`)?.focus({ preventScroll: true });
    }
    let text = "";
    if (refused) text = errorText(refused);
    else if (status === "loading" && !all.length) text = t("qa.loading");
    else if (status === "failed" && !all.length) text = t("qa.load_failed");
    else if (!open.length && !answered.length && !queue.length) text = t("qa.empty");
    statusLine.hidden = !text;
    replace(statusLine, text);
    renderTools();
    renderCompose();
  }

  function renderTools() {
    if (!staff) {
      replace(tools);
      tools.hidden = true;
      return;
    }
    tools.hidden = false;
    const toggle = isModerator()
      ? h(
          "label",
          { class: "qa-switch" },
          h("input", {
            type: "checkbox",
            class: "qa-switch-input",
            checked: preModeration,
            disabled: switching,
            onchange: (e) => setPreModeration(e.target.checked),
          }),
          h("span", { class: "qa-switch-track", "aria-hidden": "true" }),
          h("span", {}, t("qa.pre_moderation")),
        )
      : null;
    replace(tools, h("p", { class: "muted small" }, t("qa.staff_note")), toggle);
  }

  function renderCompose() {
    if (me() === null) {
      replace(
        compose,
        h(
          "p",
          { class: "qa-signin" },
          t("qa.signin_prompt"),
          " ",
          h("a", { class: "button button-small button-primary", href: signInHref() }, t("qa.signin_link")),
        ),
      );
      return;
    }
    textarea.placeholder = t(touch ? "qa.placeholder_touch" : "qa.placeholder");
    textarea.setAttribute("aria-label", t("qa.heading"));
    const left = MAX_CHARS - visibleLength(textarea.value);
    // Muted (or banned) here: closed with the reason and its end, as the chat's box is, rather
    // than refusing after one has typed a question.
    const blockedUntil = standing.banned ?? standing.muted;
    const blocked = blockedUntil !== null && blockedUntil !== undefined;
    textarea.disabled = blocked;
    askButton.disabled = asking || left < 0 || blocked;
    replace(askButton, icon("send", "icon icon-small"), h("span", {}, asking ? t("qa.asking") : t("qa.ask")));
    replace(counter, left <= 50 ? t("qa.chars_left", { n: left }) : "");
    let line = preModeration && !isModerator() ? t("qa.premoderated") : "";
    noteLine.className = "qa-note muted";
    if (notice?.info) line = t(notice.info);
    if (blocked) {
      noteLine.className = "qa-note qa-error";
      line = t(standing.banned != null ? "mod.banned_until" : "mod.muted_until", {
        when: untilText(blockedUntil) || "—",
      });
    } else if (notice?.error) {
      noteLine.className = "qa-note qa-error";
      line = notice.error.code === "unauthorized" ? t("qa.signin_prompt") : errorText(notice.error);
    }
    replace(noteLine, line);
    noteLine.hidden = !line;
    if (!compose.contains(form)) replace(compose, form);
  }

  function renderAll() {
    replace(title, icon("user", "icon icon-small"), t("qa.heading"));
    render();
  }

  textarea.addEventListener("keydown", (e) => {
    // Enter asks, Shift+Enter breaks the line; never while an IME is composing.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      ask();
    }
  });
  textarea.addEventListener("input", () => {
    if (notice) notice = null;
    renderCompose();
  });

  renderAll();

  const stops = [];
  return {
    element,
    start() {
      renderAll();
      stops.push(onLangChange(renderAll));
      stops.push(
        onStanding(forumId, (now) => {
          standing = now;
          renderCompose();
        }),
      );
      feed.start();
      stops.push(() => feed.stop());
      return () => this.stop();
    },
    stop() {
      for (const fn of stops.splice(0)) fn();
      personal?.stop();
      personal = null;
    },
  };
}

// Recommendations on #/matchmaking (商务撮合): whom to meet, each with its one-line reason, and
// what to do about them: request a meeting (with a short note), hide them, or block them.
//
// mountRecommendations(root) fills `root` and returns a function that stops it. The page that
// mounts it (the profiles part's) tells it the profile changed by dispatching
// `match:profile-saved` on `document`. When the profile is empty it shows a link to
// #/matchmaking/profile (the profile tab), and dispatches `match:edit-profile` (bubbling) from
// `root` as it is followed.
//
// Everything a person wrote (names, offers, needs, notes) goes through h(): text, never markup.

import { api, ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { meetingNoteForm } from "./meeting_note_form.js";
import { addStrings, errorText, getLang, has, onLangChange, pick, t } from "./i18n.js";
import "./match_errors.js"; // err.match.* words, shared by the matchmaking pages

addStrings({
  zh: {
    "matchrec.heading": "为您推荐",
    "matchrec.lead": "根据您的需求、提供的内容、行业与意向匹配，每条都说明理由。",
    "matchrec.loading": "正在计算推荐…",
    "matchrec.empty_profile": "先填写您的撮合资料：您提供什么、需要什么、所属行业与意向。填好后这里会出现为您推荐的人。",
    "matchrec.fill_profile": "填写撮合资料",
    "matchrec.none": "暂时没有合适的推荐。补充您的需求与提供内容，或稍后再来看看。",
    "matchrec.failed": "推荐加载失败：{reason}",
    "matchrec.retry": "重试",
    "matchrec.offer": "提供",
    "matchrec.need": "需要",
    "matchrec.why": "推荐理由",
    "matchrec.request": "约见洽谈",
    "matchrec.note_label": "附言（可选，最多 300 字）",
    "matchrec.note_placeholder": "简单介绍您自己和想聊的内容",
    "matchrec.send": "发送约见请求",
    "matchrec.cancel": "取消",
    "matchrec.sent": "约见请求已发送，等待对方回复。",
    "matchrec.hide": "不感兴趣",
    "matchrec.block": "屏蔽",
    "matchrec.block_confirm": "屏蔽 {name}？屏蔽后您与对方在商务撮合中将互相不可见（推荐、资料、约见请求）。",
    "matchrec.hidden": "已隐藏 {name}。",
    "matchrec.blocked": "已屏蔽 {name}。",
    "matchrec.intent.buy": "采购",
    "matchrec.intent.sell": "销售",
    "matchrec.intent.invest": "投资",
    "matchrec.intent.partner": "合作",
    "matchrec.intent.hire": "招聘",
  },
  en: {
    "matchrec.heading": "Recommended for you",
    "matchrec.lead": "Matched on what you need and offer, your industries and intents; each says why.",
    "matchrec.loading": "Finding people for you…",
    "matchrec.empty_profile": "Fill in your matchmaking profile first: what you offer, what you need, your industries and intents. People recommended for you will appear here.",
    "matchrec.fill_profile": "Fill in my profile",
    "matchrec.none": "No good matches yet. Say more about what you need and offer, or look again later.",
    "matchrec.failed": "Recommendations did not load: {reason}",
    "matchrec.retry": "Try again",
    "matchrec.offer": "Offers",
    "matchrec.need": "Needs",
    "matchrec.why": "Why",
    "matchrec.request": "Request a meeting",
    "matchrec.note_label": "Note (optional, up to 300 characters)",
    "matchrec.note_placeholder": "Who you are and what you would like to discuss",
    "matchrec.send": "Send request",
    "matchrec.cancel": "Cancel",
    "matchrec.sent": "Request sent; waiting for their answer.",
    "matchrec.hide": "Not interested",
    "matchrec.block": "Block",
    "matchrec.block_confirm": "Block {name}? You will no longer see each other anywhere in matchmaking (recommendations, profiles, requests).",
    "matchrec.hidden": "{name} is hidden.",
    "matchrec.blocked": "{name} is blocked.",
    "matchrec.intent.buy": "Buying",
    "matchrec.intent.sell": "Selling",
    "matchrec.intent.invest": "Investing",
    "matchrec.intent.partner": "Partnering",
    "matchrec.intent.hire": "Hiring",
  },
});

const NOTE_MAX = 300; // the server's limit (NOTE_LIMIT in matchmaking/meeting_rules.py)
const STYLESHEET = "css/match_recommendations.css";

function ensureStylesheet() {
  if (document.querySelector(`link[href="${STYLESHEET}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLESHEET }));
}

/** A refusal in words: match_errors.js's for the codes it knows, else the server's message
 * (with its code). */
function refusal(error) {
  const text = errorText(error);
  if (error?.code && has(`err.${error.code}`)) return text;
  return error?.code && !text.includes(error.code) ? `${text} (${error.code})` : text;
}

export function mountRecommendations(root) {
  ensureStylesheet();
  const state = {
    phase: "loading", // loading | ready | failed
    items: [],
    profileEmpty: false,
    error: null,
    notice: "",
    // per account: {open, note, sending, sent, error}
    drafts: new Map(),
  };
  let controller = null;
  let stopped = false;

  const draftOf = (id) => {
    if (!state.drafts.has(id)) state.drafts.set(id, { open: false, note: "", sending: false, sent: false, error: "" });
    return state.drafts.get(id);
  };

  async function load() {
    controller?.abort();
    controller = new AbortController();
    state.phase = "loading";
    render();
    try {
      const body = await api("/api/match/recommendations?k=20", { signal: controller.signal });
      state.items = body.recommendations || [];
      state.profileEmpty = Boolean(body.profile_empty);
      state.phase = "ready";
    } catch (error) {
      if (error?.name === "AbortError") return;
      state.error = error;
      state.phase = "failed";
    }
    if (!stopped) render();
  }

  async function send(item) {
    const draft = draftOf(item.account);
    draft.sending = true;
    draft.error = "";
    render();
    try {
      await api("/api/match/requests", {
        method: "POST",
        body: { recipient: item.account, note: draft.note.trim() },
      });
      draft.sent = true;
      draft.open = false;
    } catch (error) {
      draft.error = refusal(error instanceof ApiError ? error : { message: String(error) });
    }
    draft.sending = false;
    render();
  }

  async function drop(item, kind) {
    const name = item.name;
    if (kind === "block" && !window.confirm(t("matchrec.block_confirm", { name }))) return;
    const path = kind === "block" ? "blocks" : "hidden";
    try {
      await api(`/api/match/${path}/${encodeURIComponent(item.account)}`, { method: "POST" });
      state.items = state.items.filter((i) => i.account !== item.account);
      state.notice = t(kind === "block" ? "matchrec.blocked" : "matchrec.hidden", { name });
    } catch (error) {
      state.notice = refusal(error);
    }
    render();
  }

  function company(item) {
    const e = item.exhibitor;
    if (!e) return "";
    return getLang() === "zh" ? e.name_zh || e.name_en : e.name_en || e.name_zh;
  }

  function industryLabel(item, key) {
    const found = (item.industry_labels || []).find((l) => l.key === key);
    return found ? pick(found) : key;
  }

  function card(item) {
    const draft = draftOf(item.account);
    const subtitle = [item.title, company(item)].filter(Boolean).join(" · ");
    return h(
      "article",
      { class: "matchrec-card panel", dataset: { account: String(item.account) } },
      h(
        "header",
        { class: "matchrec-head" },
        h("h3", { class: "matchrec-name" }, item.name),
        subtitle ? h("p", { class: "matchrec-sub muted" }, subtitle) : null,
      ),
      h(
        "p",
        { class: "matchrec-reason" },
        h("span", { class: "chip chip-accent" }, t("matchrec.why")),
        " ",
        h("span", { class: "matchrec-reason-text" }, (item.reason && (item.reason[getLang()] || item.reason.en)) || ""),
      ),
      h(
        "div",
        { class: "matchrec-chips" },
        (item.intents || []).map((i) => h("span", { class: "chip matchrec-intent" }, t(`matchrec.intent.${i}`))),
        (item.industries || []).map((k) => h("span", { class: "chip" }, industryLabel(item, k))),
      ),
      item.offer
        ? h("p", { class: "matchrec-text" }, h("strong", {}, `${t("matchrec.offer")}: `), item.offer)
        : null,
      item.need
        ? h("p", { class: "matchrec-text" }, h("strong", {}, `${t("matchrec.need")}: `), item.need)
        : null,
      openRequestLine(item), // --- open_request (an earlier request with this person) ---
      draft.sent ? h("p", { class: "matchrec-sent", role: "status" }, t("matchrec.sent")) : null,
      draft.open && !draft.sent ? noteBox(item, draft) : null,
      draft.error ? h("p", { class: "notice notice-error matchrec-error", role: "alert" }, draft.error) : null,
      h(
        "div",
        { class: "form-actions matchrec-actions" },
        draft.sent || draft.open || item.open_request // --- open_request: no second request ---
          ? null
          : h(
              "button",
              {
                type: "button",
                class: "button button-primary button-small matchrec-request",
                onclick: () => {
                  draft.open = true;
                  draft.error = "";
                  render();
                  root.querySelector(`[data-account="${item.account}"] textarea`)?.focus();
                },
              },
              t("matchrec.request"),
            ),
        h(
          "button",
          { type: "button", class: "button button-ghost button-small matchrec-hide", onclick: () => drop(item, "hide") },
          t("matchrec.hide"),
        ),
        h(
          "button",
          { type: "button", class: "button button-ghost button-small matchrec-block", onclick: () => drop(item, "block") },
          t("matchrec.block"),
        ),
      ),
    );
  }

  function noteBox(item, draft) {
    return meetingNoteForm({
      prefix: "matchrec",
      account: item.account,
      draft,
      noteMax: NOTE_MAX,
      words: {
        placeholder: t("matchrec.note_placeholder"),
        label: t("matchrec.note_label"),
        send: t("matchrec.send"),
        cancel: t("matchrec.cancel"),
      },
      onSend: () => send(item),
      onCancel: () => {
        draft.open = false;
        draft.error = "";
        render();
      },
    });
  }

  function body() {
    if (state.phase === "loading") return h("p", { class: "muted", role: "status" }, t("matchrec.loading"));
    if (state.phase === "failed")
      return h(
        "div",
        { class: "notice notice-error", role: "alert" },
        t("matchrec.failed", { reason: refusal(state.error) }),
        " ",
        h("button", { type: "button", class: "button button-ghost button-small", onclick: load }, t("matchrec.retry")),
      );
    if (state.profileEmpty)
      return h(
        "div",
        { class: "notice matchrec-empty-profile" },
        h("p", {}, t("matchrec.empty_profile")),
        h(
          "a",
          {
            class: "button button-primary button-small",
            href: "#/matchmaking/profile",
            onclick: () => root.dispatchEvent(new CustomEvent("match:edit-profile", { bubbles: true })),
          },
          t("matchrec.fill_profile"),
        ),
      );
    if (!state.items.length) return h("p", { class: "muted matchrec-none" }, t("matchrec.none"));
    return h("div", { class: "matchrec-list" }, state.items.map(card));
  }

  function render() {
    if (stopped) return;
    replace(
      root,
      h(
        "section",
        { class: "matchrec" },
        h("h2", {}, t("matchrec.heading")),
        h("p", { class: "muted" }, t("matchrec.lead")),
        state.notice ? h("p", { class: "notice matchrec-notice", role: "status" }, state.notice) : null,
        body(),
      ),
    );
  }

  const stopLang = onLangChange(render);
  const onSaved = () => load();
  document.addEventListener("match:profile-saved", onSaved);
  load();
  return () => {
    stopped = true;
    controller?.abort();
    stopLang();
    document.removeEventListener("match:profile-saved", onSaved);
  };
}

// --- open_request (console/new-user trial item 5) ---
// A card whose person already has an open request or a meeting with the reader says so instead
// of offering "Request a meeting" (the server's `open_request` on each recommendation).
addStrings({
  zh: {
    "matchrec.open.sent": "已发送约见",
    "matchrec.open.received": "对方已向您发出约见",
    "matchrec.open.accepted": "已接受，等待安排时段",
    "matchrec.open.arranged": "已安排",
  },
  en: {
    "matchrec.open.sent": "Request sent",
    "matchrec.open.received": "They have asked to meet you",
    "matchrec.open.accepted": "Accepted, waiting for a slot",
    "matchrec.open.arranged": "Meeting arranged",
  },
});

function openRequestLine(item) {
  const open = item.open_request;
  if (!open) return null;
  const key =
    open.meeting != null
      ? "arranged"
      : open.status === "accepted"
        ? "accepted"
        : open.direction === "received"
          ? "received"
          : "sent";
  return h(
    "p",
    { class: "matchrec-open chip chip-accent", role: "status", dataset: { open: key } },
    open.meeting != null ? h("a", { href: "#/meetings" }, t(`matchrec.open.${key}`)) : t(`matchrec.open.${key}`),
  );
}
// --- end open_request ---

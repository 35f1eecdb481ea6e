// `#/booth/<id>/inbox`: the booth staff's inbox of private chats. Waiting visitors first (and
// since when), unread counts, who has claimed what; a staff member claims a conversation (only
// one can: the server decides) and answers it. Live over the websocket (`booth-staff:<id>`).

import { api } from "./api.js";
import { privateCompose, privateThread, getConversation } from "./booth_private.js";
import { staffPageTools } from "./booth_staff_tools.js";
import { h, replace } from "./dom.js";
import { addStrings, errorText, hhmm, onLangChange, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, loadAccount } from "./session.js";

addStrings({
  zh: {
    "inbox.heading": "私聊收件箱",
    "inbox.waiting_count": "{n} 位访客在等待",
    "inbox.none": "暂时没有私聊。",
    "inbox.waiting_since": "等待自 {time}",
    "inbox.claimed_by": "{name} 已认领",
    "inbox.claimed_by_me": "由我解答",
    "inbox.closed": "已结束",
    "inbox.claim": "认领",
    "inbox.release": "放回",
    "inbox.close": "结束对话",
    "inbox.pick": "选择一个对话查看。",
    "inbox.back": "返回列表",
    "inbox.staff_only": "只有本展台的工作人员可以查看收件箱。",
    "inbox.unread": "{n} 条未读",
    "inbox.placeholder": "写下你的回复…",
  },
  en: {
    "inbox.heading": "Private chats",
    "inbox.waiting_count": "{n} waiting",
    "inbox.none": "No private chats yet.",
    "inbox.waiting_since": "Waiting since {time}",
    "inbox.claimed_by": "Claimed by {name}",
    "inbox.claimed_by_me": "Yours to answer",
    "inbox.closed": "Ended",
    "inbox.claim": "Claim",
    "inbox.release": "Release",
    "inbox.close": "End conversation",
    "inbox.pick": "Pick a conversation to read it.",
    "inbox.back": "Back to the list",
    "inbox.staff_only": "Only this booth's staff see its inbox.",
    "inbox.unread": "{n} unread",
    "inbox.placeholder": "Write your answer…",
  },
});

export const getInbox = (booth, opts) => api(`/api/exhibitors/${encodeURIComponent(booth)}/conversations`, opts);

export function mountBoothInbox(root, { booth }) {
  const boothId = Number(booth);
  const conversations = new Map(); // id -> view (staff side)
  let selected = null; // conversation id
  let failure = null;
  let actionError = null;
  let stopped = false;
  const thread = privateThread();
  const compose = privateCompose(async (text) => {
    const reply = await realtime.request("booth.private.send", { exhibitor: boothId, conversation: selected, text });
    thread.add(reply.message);
    upsert(reply.conversation);
  }, "inbox.placeholder");
  const page = h("section", { class: "inbox-page", dataset: { booth: String(boothId) } });
  root.appendChild(page);

  const mine = (c) => c?.claimed_by && String(c.claimed_by.id) === String(currentAccount()?.id);

  function upsert(c) {
    if (!c || Number(c.exhibitor_id) !== boothId) return;
    const known = conversations.get(c.id);
    if (known && c.version < known.version) return; // an older change, late
    conversations.set(c.id, c);
    render();
  }

  function ordered() {
    const rank = (c) => (c.state === "waiting" ? 0 : c.state === "claimed" ? 1 : 2);
    return [...conversations.values()].sort(
      (a, b) =>
        rank(a) - rank(b) ||
        String(a.waiting_since ?? "~").localeCompare(String(b.waiting_since ?? "~")) ||
        String(b.last?.at ?? "").localeCompare(String(a.last?.at ?? "")),
    );
  }

  async function act(type) {
    actionError = null;
    try {
      const reply = await realtime.request(type, { exhibitor: boothId, conversation: selected });
      upsert(reply.conversation);
    } catch (error) {
      actionError = error;
      render();
    }
  }

  function markRead() {
    const c = conversations.get(selected);
    if (c && c.unread > 0 && !document.hidden) {
      realtime
        .request("booth.private.read", { exhibitor: boothId, conversation: selected })
        .then((reply) => upsert(reply.conversation))
        .catch(() => {});
    }
  }

  async function select(id) {
    selected = id;
    actionError = null;
    thread.clear();
    render();
    try {
      const body = await getConversation(boothId, id);
      if (selected !== id || stopped) return;
      for (const msg of body.messages || []) thread.add(msg);
      upsert(body.conversation);
      markRead();
    } catch (error) {
      actionError = error;
      render();
    }
  }

  function item(c) {
    const status =
      c.state === "waiting"
        ? t("inbox.waiting_since", { time: hhmm(c.waiting_since || c.opened_at) })
        : c.state === "claimed"
          ? mine(c)
            ? t("inbox.claimed_by_me")
            : t("inbox.claimed_by", { name: c.claimed_by?.name ?? "" })
          : t("inbox.closed");
    return h(
      "li",
      {
        class: `inbox-item is-${c.state}${c.id === selected ? " is-selected" : ""}`,
        dataset: { id: String(c.id), state: c.state },
      },
      h(
        "button",
        { type: "button", class: "inbox-open", onclick: () => select(c.id) },
        h(
          "span",
          { class: "inbox-line" },
          h("span", { class: "inbox-name" }, String(c.visitor?.name ?? "")),
          c.unread > 0 ? h("span", { class: "inbox-unread", title: t("inbox.unread", { n: c.unread }) }, String(c.unread)) : null,
        ),
        h("span", { class: "inbox-last muted" }, String(c.last?.text ?? "")),
        h("span", { class: `inbox-status is-${c.state}` }, status),
      ),
      c.state === "waiting"
        ? h("button", { type: "button", class: "button button-small button-primary inbox-claim", onclick: async () => ((selected = c.id), await act("booth.private.claim"), select(c.id)) }, t("inbox.claim"))
        : null,
    );
  }

  function conversationView() {
    const c = conversations.get(selected);
    if (!c) return h("div", { class: "inbox-conversation is-empty" }, h("p", { class: "muted" }, t("inbox.pick")));
    const claimable = c.state === "waiting";
    const answering = c.state === "claimed" && mine(c);
    compose.render();
    compose.disabled = !answering;
    return h(
      "div",
      { class: "inbox-conversation" },
      h(
        "div",
        { class: "inbox-conversation-head" },
        h("button", { type: "button", class: "button button-small button-ghost inbox-back", onclick: () => ((selected = null), render()) }, t("inbox.back")),
        h("h2", { class: "panel-title" }, String(c.visitor?.name ?? "")),
        claimable ? h("button", { type: "button", class: "button button-small button-primary", onclick: () => act("booth.private.claim") }, t("inbox.claim")) : null,
        answering ? h("button", { type: "button", class: "button button-small", onclick: () => act("booth.private.release") }, t("inbox.release")) : null,
        c.state !== "closed" && (answering || claimable) ? h("button", { type: "button", class: "button button-small button-ghost", onclick: () => act("booth.private.close") }, t("inbox.close")) : null,
      ),
      thread.element,
      actionError ? h("p", { class: "chat-error", role: "alert" }, errorText(actionError)) : null,
      c.state === "closed" ? null : compose.element,
    );
  }

  function render() {
    if (stopped) return;
    const heading = h("h1", {}, t("inbox.heading"));
    if (failure) {
      replace(page, heading, h("p", { class: "notice" }, failure.status === 403 ? t("inbox.staff_only") : errorText(failure)));
      return;
    }
    const list = ordered();
    const waiting = list.filter((c) => c.state === "waiting").length;
    replace(
      page,
      h("div", { class: "inbox-head" }, heading, h("span", { class: "inbox-count", role: "status" }, t("inbox.waiting_count", { n: waiting }))),
      staffPageTools(boothId, "inbox"), // back to the booth, on to the dashboard, leads, releases
      h(
        "div",
        { class: `inbox-layout${selected ? " has-selected" : ""}` },
        h("ol", { class: "panel inbox-list" }, list.length ? list.map(item) : h("li", { class: "muted inbox-none" }, t("inbox.none"))),
        h("div", { class: "panel inbox-detail" }, conversationView()),
      ),
    );
    thread.render();
  }

  async function load() {
    try {
      const body = await getInbox(boothId);
      failure = null;
      for (const c of body.conversations || []) upsert(c);
    } catch (error) {
      failure = error;
    }
    render();
  }

  const stops = [onLangChange(render)];
  render();
  loadAccount().then(() => {
    if (stopped) return;
    stops.push(
      realtime.subscribe(`booth-staff:${boothId}`, {
        onSnapshot: load,
        onEvent: (type, data) => {
          if (type === "booth.conversation_changed") upsert(data?.conversation);
          else if (type === "booth.private_posted") {
            upsert(data?.conversation);
            if (data?.conversation?.id === selected && thread.add(data.message)) markRead();
          }
        },
        onError: (error) => {
          failure = error;
          render();
        },
      }),
    );
    load();
  });
  return () => {
    stopped = true;
    for (const fn of stops.splice(0)) fn();
    page.remove();
  };
}

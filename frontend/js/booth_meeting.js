// "Request a meeting / 约见洽谈" on a booth (#/booth/<id>): a signed-in participant who is not
// this booth's staff (nor an organiser) picks one of the booth's staff on duty who shows a
// matchmaking profile, writes a short note and sends POST /api/match/requests. Whom to list is
// found with what the booth page already has (booth.on_duty) and one profile read per person
// (GET /api/match/profiles/{id}: a 404 means no visible profile or a block either way, so that
// person is left out). Refusals are worded by match_errors.js.
//
//   const unmount = mountBoothMeeting(element, booth);

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { meetingNoteForm } from "./meeting_note_form.js";
import { addStrings, errorText, has, onLangChange, t } from "./i18n.js";
import { currentAccount, onAccountChange } from "./session.js";
import "./match_errors.js";

addStrings({
  zh: {
    "boothmeet.title": "约见洽谈",
    "boothmeet.intro": "选择一位展台工作人员，发送约见请求；对方接受后，系统会为您安排洽谈时段。",
    "boothmeet.request": "约见洽谈",
    "boothmeet.note_label": "附言（可选，最多 300 字）",
    "boothmeet.note_placeholder": "简单介绍您自己和想聊的内容",
    "boothmeet.send": "发送约见请求",
    "boothmeet.cancel": "取消",
    "boothmeet.sent": "约见请求已发送，等待对方回复。",
    "boothmeet.see_meetings": "查看我的洽谈",
  },
  en: {
    "boothmeet.title": "Request a meeting",
    "boothmeet.intro": "Choose one of the booth's staff and send a request; once they accept, a time slot is found for you both.",
    "boothmeet.request": "Request a meeting",
    "boothmeet.note_label": "Note (optional, up to 300 characters)",
    "boothmeet.note_placeholder": "Who you are and what you would like to discuss",
    "boothmeet.send": "Send request",
    "boothmeet.cancel": "Cancel",
    "boothmeet.sent": "Request sent; waiting for their answer.",
    "boothmeet.see_meetings": "My meetings",
  },
});

const NOTE_MAX = 300; // the server's limit (NOTE_LIMIT in matchmaking/meeting_rules.py)

/** May this account ask this booth's staff for a meeting? Participants only, not its staff. */
export function canRequest(me, boothId) {
  if (!me || me.role === "organizer") return false;
  return !(me.role === "exhibitor" && Number(me.exhibitor_id) === Number(boothId));
}

function refusal(error) {
  const text = errorText(error);
  if (error?.code && has(`err.${error.code}`)) return text;
  return error?.code && !text.includes(error.code) ? `${text} (${error.code})` : text;
}

export function mountBoothMeeting(el, booth) {
  let me = currentAccount();
  let people = []; // [{account, name, title}] with a visible profile
  const drafts = new Map(); // account -> {open, note, sending, sent, error}
  let stopped = false;
  const draftOf = (id) => {
    if (!drafts.has(id)) drafts.set(id, { open: false, note: "", sending: false, sent: false, error: "" });
    return drafts.get(id);
  };

  async function load() {
    const asked = me;
    const staff = (booth.on_duty || []).filter((p) => p.account_id && p.account_id !== me.id);
    const found = await Promise.all(
      staff.map((p) =>
        api(`/api/match/profiles/${encodeURIComponent(p.account_id)}`)
          .then((profile) => ({ account: p.account_id, name: profile.name || p.name, title: profile.title || p.title }))
          .catch(() => null), // no visible profile, or a block: not listed
      ),
    );
    // A request to one of them still waiting for an answer: say so rather than offer another.
    const mine = await api("/api/match/requests").catch(() => null);
    if (stopped || asked !== me) return; // signed out or in as someone else meanwhile
    people = found.filter(Boolean);
    for (const request of mine?.sent || []) {
      const to = Number(request.recipient?.id);
      if (request.status === "pending" && people.some((p) => p.account === to)) draftOf(to).sent = true;
    }
    render();
  }

  async function send(person) {
    const draft = draftOf(person.account);
    draft.sending = true;
    draft.error = "";
    render();
    try {
      await api("/api/match/requests", { method: "POST", body: { recipient: person.account, note: draft.note.trim() } });
      draft.sent = true;
      draft.open = false;
    } catch (error) {
      draft.error = refusal(error);
    }
    draft.sending = false;
    if (!stopped) render();
  }

  function noteBox(person, draft) {
    return meetingNoteForm({
      prefix: "boothmeet",
      account: person.account,
      draft,
      noteMax: NOTE_MAX,
      words: {
        placeholder: t("boothmeet.note_placeholder"),
        label: t("boothmeet.note_label"),
        send: t("boothmeet.send"),
        cancel: t("boothmeet.cancel"),
      },
      onSend: () => send(person),
      onCancel: () => {
        draft.open = false;
        draft.error = "";
        render();
      },
    });
  }

  function personRow(person) {
    const draft = draftOf(person.account);
    return h(
      "li",
      { class: "boothmeet-person", dataset: { account: String(person.account) } },
      h(
        "div",
        { class: "boothmeet-who" },
        h("span", { class: "duty-name" }, person.name || ""),
        person.title ? h("span", { class: "muted" }, ` · ${person.title}`) : null,
      ),
      draft.sent
        ? h(
            "p",
            { class: "notice", role: "status" },
            t("boothmeet.sent"),
            " ",
            h("a", { href: "#/meetings" }, t("boothmeet.see_meetings")),
          )
        : draft.open
          ? noteBox(person, draft)
          : h(
              "button",
              {
                type: "button",
                class: "button button-small boothmeet-open",
                onclick: () => {
                  draft.open = true;
                  render();
                  el.querySelector(`[data-account="${person.account}"] textarea`)?.focus();
                },
              },
              t("boothmeet.request"),
            ),
      draft.error ? h("p", { class: "notice notice-error", role: "alert" }, draft.error) : null,
    );
  }

  function render() {
    el.hidden = people.length === 0;
    if (!people.length) return replace(el);
    replace(
      el,
      h(
        "section",
        { class: "panel booth-section booth-meeting" },
        h("h2", { class: "panel-title" }, t("boothmeet.title")),
        h("p", { class: "muted" }, t("boothmeet.intro")),
        h("ul", { class: "duty-list boothmeet-list" }, people.map(personRow)),
      ),
    );
  }

  // Who is signed in may be learned after the booth has rendered (under load the page does not
  // wait for it), or change: the action follows the account.
  function follow(account) {
    me = account;
    people = [];
    drafts.clear();
    if (canRequest(me, booth.id)) load();
    else render();
  }

  el.hidden = true;
  const stopLang = onLangChange(render);
  const stopAccount = onAccountChange((account) => {
    if (account?.id !== me?.id || account?.role !== me?.role) follow(account);
  });
  follow(me);
  return () => {
    stopped = true;
    stopLang?.();
    stopAccount();
  };
}

// The programme: the organisers' editor (#/programme, #/programme?forum=<id>) and what every
// page needs to follow a room's programme live.
//
// POST /api/forums/<id>/sessions, PATCH and DELETE /api/sessions/<id>; every saved change is
// announced on the room's topic (and the lobby's):
// <= {"type": "programme.session_saved", "topic": "forum:2", "data": {"session": {...}}}
// <= {"type": "programme.session_deleted", "topic": "forum:2", "data": {"id": 7, "forum_id": 2, "guid": "..."}}
// (the deletion of a move to another room carries the move's `version`: programme_events.js)

import { api, getForum, getForums } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { signInHref } from "./header.js";
import { addStrings, errorText, getLang, hhmm, listOf, onLangChange, pick, t, timeZoneName } from "./i18n.js";
import { applyProgrammeEvent, byStart } from "./programme_events.js";
import { realtime } from "./realtime.js";
import { applyRoomChange, followRooms } from "./room_changes.js";
import { currentAccount, onAccountChange } from "./session.js";
import { versionBook } from "./versions.js";

export { applyProgrammeEvent };

const KINDS = ["talk", "keynote", "panel", "workshop", "ceremony", "release"];
const MAX = { title_zh: 200, title_en: 300, abstract: 4000, kind: 40, track: 80, name: 120 };

addStrings({
  zh: {
    "nav.programme": "议程管理",
    "programme.abstract": "简介",
    "programme.heading": "议程管理",
    "programme.intro": "为各论坛安排议程：时间、中英文标题与简介、嘉宾和主持人。保存后，所有打开的页面会立即更新。",
    "programme.organisers_only": "只有组委会（组织者）账号可以编辑议程。",
    "programme.signin": "请用组织者账号登录。",
    "programme.signin_link": "去登录",
    "programme.forum": "论坛",
    "programme.loading": "正在加载议程…",
    "programme.empty": "这个论坛还没有议程。",
    "programme.add": "添加议程",
    "programme.edit": "编辑",
    "programme.delete": "删除",
    "programme.confirm_delete": "确认删除",
    "programme.cancel": "取消",
    "programme.save": "保存",
    "programme.saving": "正在保存…",
    "programme.saved": "已保存。",
    "programme.deleted": "已删除。",
    "programme.new_heading": "新议程",
    "programme.edit_heading": "编辑议程",
    "programme.starts": "开始时间",
    "programme.ends": "结束时间",
    "programme.times_local": "时间为您的本地时间（{tz}）",
    "programme.title_zh": "中文标题",
    "programme.title_en": "英文标题",
    "programme.abstract_zh": "中文简介",
    "programme.abstract_en": "英文简介",
    "programme.kind": "类型",
    "programme.track": "专题",
    "programme.language": "演讲语言",
    "programme.speakers": "嘉宾",
    "programme.moderators": "主持人",
    "programme.pick_account": "选择账号…",
    "programme.add_account": "添加账号",
    "programme.name_placeholder": "或输入姓名（无账号）",
    "programme.add_name": "添加姓名",
    "programme.remove_person": "移除 {name}",
    "programme.no_people": "暂无",
    "programme.no_account": "无账号",
    "programme.kind.talk": "演讲",
    "programme.kind.keynote": "主旨演讲",
    "programme.kind.panel": "圆桌对话",
    "programme.kind.workshop": "工作坊",
    "programme.kind.ceremony": "仪式",
    "programme.kind.release": "发布",
    "programme.lang.zh": "中文",
    "programme.lang.en": "英文",
    "programme.people_of": "嘉宾：{speakers}",
    "programme.moderated_by": "主持：{names}",
    "programme.updated_elsewhere": "您正在编辑的议程刚被其他组织者删除或移到了别的论坛。",
    "err.schedule.room_taken": "时间冲突：本论坛该时段已有议程“{title}”（{time}）。",
    "err.schedule.person_busy": "{name} 在该时段已有安排：“{title}”（{time}）。",
    "err.schedule.bad_times": "结束时间必须晚于开始时间，且一场议程不超过 24 小时。",
    "err.programme.empty": "请填写{field}。",
    "err.programme.not_a_speaker": "只有嘉宾、主持人或组织者账号可以列入议程（也可以直接填写姓名）。",
    "err.programme.unknown_person": "找不到这个账号。",
    "err.session.unknown": "这场议程已被删除。",
    "programme.field.title": "标题（中文或英文）",
    "programme.field.name": "姓名",
  },
  en: {
    "nav.programme": "Programme",
    "programme.abstract": "Abstract",
    "programme.heading": "Programme editor",
    "programme.intro": "Schedule each forum's sessions: times, titles and abstracts in Chinese and English, speakers and moderators. Saved changes reach every open page at once.",
    "programme.organisers_only": "Only organiser accounts can edit the programme.",
    "programme.signin": "Sign in with an organiser account.",
    "programme.signin_link": "Sign in",
    "programme.forum": "Forum",
    "programme.loading": "Loading the programme…",
    "programme.empty": "This forum has no sessions yet.",
    "programme.add": "Add a session",
    "programme.edit": "Edit",
    "programme.delete": "Delete",
    "programme.confirm_delete": "Really delete",
    "programme.cancel": "Cancel",
    "programme.save": "Save",
    "programme.saving": "Saving…",
    "programme.saved": "Saved.",
    "programme.deleted": "Deleted.",
    "programme.new_heading": "New session",
    "programme.edit_heading": "Edit session",
    "programme.starts": "Starts",
    "programme.ends": "Ends",
    "programme.times_local": "Times are in your local time ({tz})",
    "programme.title_zh": "Title in Chinese",
    "programme.title_en": "Title in English",
    "programme.abstract_zh": "Abstract in Chinese",
    "programme.abstract_en": "Abstract in English",
    "programme.kind": "Kind",
    "programme.track": "Track",
    "programme.language": "Held in",
    "programme.speakers": "Speakers",
    "programme.moderators": "Moderators",
    "programme.pick_account": "Choose an account…",
    "programme.add_account": "Add account",
    "programme.name_placeholder": "or type a name (no account)",
    "programme.add_name": "Add name",
    "programme.remove_person": "Remove {name}",
    "programme.no_people": "None yet",
    "programme.no_account": "no account",
    "programme.kind.talk": "Talk",
    "programme.kind.keynote": "Keynote",
    "programme.kind.panel": "Panel",
    "programme.kind.workshop": "Workshop",
    "programme.kind.ceremony": "Ceremony",
    "programme.kind.release": "Release",
    "programme.lang.zh": "Chinese",
    "programme.lang.en": "English",
    "programme.people_of": "Speakers: {speakers}",
    "programme.moderated_by": "Moderated by {names}",
    "programme.updated_elsewhere": "The session you were editing was just deleted or moved to another forum by another organiser.",
    "err.schedule.room_taken": "Time clash: “{title}” ({time}) is on in this forum then.",
    "err.schedule.person_busy": "{name} is busy then: “{title}” ({time}).",
    "err.schedule.bad_times": "A session must end after it starts, and last 24 hours at most.",
    "err.programme.empty": "Please fill in the {field}.",
    "err.programme.not_a_speaker": "Only speaker, moderator or organiser accounts can be on the programme (or type the person's name).",
    "err.programme.unknown_person": "There is no such account.",
    "err.session.unknown": "This session has been deleted.",
    "programme.field.title": "title (in Chinese or English)",
    "programme.field.name": "name",
  },
});

// --- following a room's programme ------------------------------------------------------------

/** Follow forum `forumId`'s programme: `onChange(sessions)` with the new list (from
 * `getSessions()`, the list as the page has it now) on every saved or deleted session. `book`
 * is the page's version book for this list (one of its own if not given). Returns the function
 * that stops following. */
export function followProgramme(forumId, getSessions, onChange, book = versionBook()) {
  return realtime.subscribe(`forum:${forumId}`, {
    onEvent: (type, data) => {
      const next = applyProgrammeEvent(getSessions() || [], type, data, forumId, book);
      if (next) onChange(next);
    },
  });
}

/** A programme error in words: a conflict names the other session (and the person). */
export function programmeErrorText(error) {
  const details = error?.details || {};
  const other = details.session;
  if ((error?.code === "schedule.room_taken" || error?.code === "schedule.person_busy") && other) {
    return t(`err.${error.code}`, {
      title: pick(other.title),
      time: `${hhmm(other.starts_at)}–${hhmm(other.ends_at)}`,
      name: details.person?.name || "",
    });
  }
  if (error?.code === "programme.empty" && details.field) {
    return t("err.programme.empty", { field: t(`programme.field.${details.field}`) });
  }
  return errorText(error);
}

// --- the editor page -------------------------------------------------------------------------

export function mountProgramme(root, { query } = {}) {
  let forums = null;
  let forumId = Number(query?.get("forum")) || null;
  let forum = null; // the chosen forum, with its sessions
  let people = null; // accounts that may be speakers or moderators
  let failure = null;
  let editing = null; // null, "new", or a session
  let confirming = null; // the id of a session whose delete waits for confirmation
  let flash = null; // a line about the last change: () => its text in the page's language
  let stopped = false;
  let unfollow = null;
  let book = versionBook(); // the chosen forum's sessions: the highest version applied of each
  const form = sessionForm({
    onSaved: (session) => {
      editing = null;
      flash = () => t("programme.saved");
      upsert(session);
      render();
    },
    onCancel: () => {
      editing = null;
      render();
    },
    people: () => people || [],
  });

  const upsert = (session) => {
    if (!forum) return;
    forum.sessions = applyProgrammeEvent(forum.sessions, "programme.session_saved", { session }, forum.id, book);
  };

  const loadForum = async (id) => {
    unfollow?.();
    unfollow = null;
    forum = null;
    editing = null;
    render();
    try {
      const body = await getForum(id);
      if (stopped || id !== forumId) return;
      forum = body;
      failure = null;
      book = versionBook(); // a fresh list: versions start again from it
      unfollow = followProgramme(id, () => forum?.sessions, (sessions) => {
        forum.sessions = sessions;
        // Someone else deleted (or moved away) the session being edited here: say so.
        if (editing && editing !== "new" && !sessions.some((s) => s.id === editing.id)) {
          editing = null;
          flash = () => t("programme.updated_elsewhere");
        }
        render();
      }, book);
    } catch (error) {
      failure = error;
    }
    render();
  };

  let startedFor = null; // whose editor this is ("id:role"), to start over for someone else
  const start = async () => {
    const account = currentAccount();
    startedFor = account ? `${account.id}:${account.role}` : String(account);
    if (!account || account.role !== "organizer") return render();
    try {
      const [list, candidates] = await Promise.all([getForums(), api("/api/programme/people")]);
      if (stopped) return;
      forums = [...list.forums].sort((a, b) => a.position - b.position);
      people = candidates.people;
      if (!forums.some((f) => f.id === forumId)) forumId = forums[0]?.id ?? null;
    } catch (error) {
      failure = error;
      return render();
    }
    if (forumId) loadForum(forumId);
    else render();
  };

  const remove = async (session) => {
    try {
      await api(`/api/sessions/${session.id}`, { method: "DELETE" });
      forum.sessions = forum.sessions.filter((s) => s.id !== session.id);
      flash = () => t("programme.deleted");
    } catch (error) {
      flash = () => programmeErrorText(error);
    }
    confirming = null;
    render();
  };

  const render = () => {
    const account = currentAccount();
    const head = h(
      "div",
      { class: "programme-head" },
      h("h1", {}, t("programme.heading")),
      h("p", { class: "muted" }, t("programme.intro")),
    );
    if (account === undefined) return replace(root, h("section", { class: "programme-editor" }, head));
    if (!account || account.role !== "organizer") {
      return replace(
        root,
        h(
          "section",
          { class: "programme-editor" },
          head,
          h(
            "p",
            { class: "notice" },
            t("programme.organisers_only"),
            " ",
            account ? null : h("a", { href: signInHref() }, t("programme.signin_link")),
          ),
        ),
      );
    }
    const picker = h(
      "select",
      {
        id: "programme-forum",
        class: "programme-forum",
        onchange: (event) => {
          forumId = Number(event.target.value);
          flash = null;
          history.replaceState(null, "", `#/programme?forum=${forumId}`);
          loadForum(forumId);
        },
      },
      (forums || []).map((f) => h("option", { value: String(f.id), selected: f.id === forumId }, pick(f.title))),
    );
    replace(
      root,
      h(
        "section",
        { class: "programme-editor" },
        head,
        failure ? h("p", { class: "notice notice-error", role: "alert" }, errorText(failure)) : null,
        h(
          "div",
          { class: "programme-bar" },
          h("div", { class: "field" }, h("label", { for: "programme-forum" }, t("programme.forum")), picker),
          h(
            "button",
            {
              type: "button",
              class: "button button-primary programme-add",
              disabled: !forum || editing === "new",
              onclick: () => {
                editing = "new";
                flash = null;
                form.open(null, forum, defaultStart(forum));
                render();
              },
            },
            "+ ",
            t("programme.add"),
          ),
        ),
        flash ? h("p", { class: "form-saved programme-flash", role: "status" }, flash()) : null,
        editing === "new" ? form.element : null,
        !forum ? h("p", { class: "notice", role: "status" }, t("programme.loading")) : null,
        forum ? h("p", { class: "muted small" }, t("programme.times_local", { tz: timeZoneName() || "—" })) : null,
        forum && forum.sessions.length === 0 ? h("p", { class: "notice" }, t("programme.empty")) : null,
        forum
          ? h(
              "ol",
              { class: "programme-list" },
              forum.sessions.map((s) =>
                editing?.id === s.id
                  ? h("li", { class: "programme-item is-editing" }, form.element)
                  : sessionRow(s),
              ),
            )
          : null,
      ),
    );
  };

  const sessionRow = (s) =>
    h(
      "li",
      { class: "programme-item", dataset: { session: String(s.id) } },
      h("time", { class: "programme-when", datetime: s.starts_at }, `${dayLabel(s.starts_at)} ${hhmm(s.starts_at)}–${hhmm(s.ends_at)}`),
      h(
        "div",
        { class: "programme-what" },
        h("p", { class: "programme-title" }, pick(s.title), " ", h("span", { class: "chip" }, kindName(s.kind))),
        s.speakers.length ? h("p", { class: "muted small" }, t("programme.people_of", { speakers: listOf(s.speakers.map((p) => p.name)) })) : null,
        s.moderators.length ? h("p", { class: "muted small" }, t("programme.moderated_by", { names: listOf(s.moderators.map((p) => p.name)) })) : null,
      ),
      h(
        "div",
        { class: "programme-actions" },
        h("button", {
          type: "button",
          class: "button button-small",
          onclick: () => {
            editing = s;
            confirming = null;
            flash = null;
            form.open(s, forum);
            render();
          },
        }, t("programme.edit")),
        confirming === s.id
          ? [
              h("button", { type: "button", class: "button button-small button-danger", onclick: () => remove(s) }, t("programme.confirm_delete")),
              h("button", { type: "button", class: "button button-small button-ghost", onclick: () => ((confirming = null), render()) }, t("programme.cancel")),
            ]
          : h("button", { type: "button", class: "button button-small button-ghost", onclick: () => ((confirming = s.id), render()) }, t("programme.delete")),
      ),
    );

  const stops = [
    // An organiser renamed or moved a room (the console): the picker follows, in place, so a
    // session being edited here is left alone.
    followRooms(realtime, (state) => {
      const next = applyRoomChange(forums, state);
      if (!next) return;
      forums = next;
      const picker = root.querySelector("#programme-forum");
      if (!picker) return;
      replace(picker, forums.map((f) => h("option", { value: String(f.id), selected: f.id === forumId }, pick(f.title))));
    }),
    onLangChange(() => {
      form.relabel();
      render();
    }),
    onAccountChange((account) => {
      // A new language saved to the account is a change too: start over only for someone else.
      const who = account ? `${account.id}:${account.role}` : String(account);
      if (who !== startedFor) start();
    }),
  ];
  render();
  start();
  return () => {
    stopped = true;
    unfollow?.();
    for (const fn of stops) fn();
  };
}

function kindName(kind) {
  return KINDS.includes(kind) ? t(`programme.kind.${kind}`) : kind;
}

function dayLabel(iso) {
  const d = new Date(iso);
  return `${d.getMonth() + 1}/${d.getDate()}`;
}

/** A free start for a new session: the end of the forum's last one, else the next full hour. */
function defaultStart(forum) {
  const last = [...(forum?.sessions || [])].sort(byStart).at(-1);
  const start = last ? new Date(last.ends_at) : new Date();
  if (!last) start.setMinutes(60, 0, 0);
  return start;
}

// --- the session form ------------------------------------------------------------------------

/** "2026-05-26T09:00" in local time, as <input type="datetime-local"> takes it. */
function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function sessionForm({ onSaved, onCancel, people }) {
  let session = null; // the session being edited, or null for a new one
  let forum = null;
  let busy = false;
  let error = null;
  let chosen = { speakers: [], moderators: [] }; // [{account_id} | {name}], with names shown
  let kindWanted = null; // what open() puts in the selects once their options are built
  let languageWanted = null;

  const input = (name, attrs = {}) => h("input", { id: `session-${name}`, name, type: "text", ...attrs });
  const area = (name, attrs = {}) => h("textarea", { id: `session-${name}`, name, rows: "3", maxlength: String(MAX.abstract), ...attrs });
  const inputs = {
    starts_at: input("starts_at", { type: "datetime-local", required: true }),
    ends_at: input("ends_at", { type: "datetime-local", required: true }),
    title_zh: input("title_zh", { maxlength: String(MAX.title_zh), lang: "zh-CN" }),
    title_en: input("title_en", { maxlength: String(MAX.title_en), lang: "en" }),
    abstract_zh: area("abstract_zh", { lang: "zh-CN" }),
    abstract_en: area("abstract_en", { lang: "en" }),
    kind: h("select", { id: "session-kind", name: "kind" }),
    track: input("track", { maxlength: String(MAX.track) }),
    language: h("select", { id: "session-language", name: "language" }),
  };
  const pickers = { speakers: personPicker("speakers"), moderators: personPicker("moderators") };
  const heading = h("h2", { class: "panel-title" });
  const errorLine = h("p", { class: "form-error", role: "alert", hidden: true });
  const save = h("button", { type: "submit", class: "button button-primary" });
  const cancel = h("button", { type: "button", class: "button button-ghost", onclick: () => onCancel() });
  const labels = {};
  const labelled = (name, key, el) => {
    labels[name] = [h("label", { for: el.id }), key];
    return h("div", { class: "field" }, labels[name][0], el);
  };
  const element = h(
    "form",
    { class: "panel session-form", novalidate: true, onsubmit: (e) => (e.preventDefault(), submit()) },
    heading,
    h("div", { class: "field-pair" }, labelled("starts_at", "programme.starts", inputs.starts_at), labelled("ends_at", "programme.ends", inputs.ends_at)),
    h("div", { class: "field-pair" }, labelled("title_zh", "programme.title_zh", inputs.title_zh), labelled("title_en", "programme.title_en", inputs.title_en)),
    h("div", { class: "field-pair" }, labelled("abstract_zh", "programme.abstract_zh", inputs.abstract_zh), labelled("abstract_en", "programme.abstract_en", inputs.abstract_en)),
    h("div", { class: "field-triple" }, labelled("kind", "programme.kind", inputs.kind), labelled("track", "programme.track", inputs.track), labelled("language", "programme.language", inputs.language)),
    h("div", { class: "field-pair" }, pickers.speakers.element, pickers.moderators.element),
    errorLine,
    h("div", { class: "form-actions" }, save, cancel),
  );

  function personPicker(list) {
    const select = h("select", { id: `session-${list}-account`, class: "person-account" });
    const name = h("input", { id: `session-${list}-name`, type: "text", class: "person-name", maxlength: String(MAX.name) });
    const chips = h("ul", { class: "person-chips" });
    const legend = h("legend", {});
    const addAccount = h("button", { type: "button", class: "button button-small", onclick: () => {
      const id = Number(select.value);
      const who = people().find((p) => p.account_id === id);
      if (who && !chosen[list].some((p) => p.account_id === id)) chosen[list].push({ account_id: id, name: who.name });
      select.value = "";
      paint();
    } });
    const addName = h("button", { type: "button", class: "button button-small", onclick: () => {
      const typed = name.value.trim();
      if (typed && !chosen[list].some((p) => p.account_id === undefined && p.name === typed)) chosen[list].push({ name: typed });
      name.value = "";
      paint();
    } });
    name.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        addName.click();
      }
    });
    const paint = () => {
      replace(legend, t(`programme.${list}`));
      replace(
        select,
        h("option", { value: "" }, t("programme.pick_account")),
        people().map((p) => h("option", { value: String(p.account_id) }, `${p.name} · ${roleLabel(p.role)}`)),
      );
      name.placeholder = t("programme.name_placeholder");
      replace(addAccount, t("programme.add_account"));
      replace(addName, t("programme.add_name"));
      replace(
        chips,
        chosen[list].length === 0
          ? h("li", { class: "muted small" }, t("programme.no_people"))
          : chosen[list].map((p, i) =>
              h(
                "li",
                { class: "person-chip" },
                p.name,
                p.account_id === undefined ? h("span", { class: "muted small" }, ` (${t("programme.no_account")})`) : null,
                h("button", {
                  type: "button",
                  class: "person-remove",
                  "aria-label": t("programme.remove_person", { name: p.name }),
                  onclick: () => {
                    chosen[list].splice(i, 1);
                    paint();
                  },
                }, "×"),
              ),
            ),
      );
    };
    return {
      element: h(
        "fieldset",
        { class: `person-picker person-picker-${list}` },
        legend,
        chips,
        h("div", { class: "person-add" }, select, addAccount),
        h("div", { class: "person-add" }, name, addName),
      ),
      paint,
    };
  }

  const relabel = () => {
    replace(heading, icon("clock", "icon icon-small"), t(session ? "programme.edit_heading" : "programme.new_heading"));
    for (const [label, key] of Object.values(labels)) replace(label, t(key));
    // Options are rebuilt in the page's language; an imported kind of its own stays choosable.
    const kind = kindWanted || inputs.kind.value || "talk";
    replace(inputs.kind, [...new Set([...KINDS, kind])].map((k) => h("option", { value: k }, kindName(k))));
    inputs.kind.value = kind;
    const lang = languageWanted || inputs.language.value || "zh";
    replace(inputs.language, ["zh", "en"].map((l) => h("option", { value: l }, t(`programme.lang.${l}`))));
    inputs.language.value = lang;
    kindWanted = languageWanted = null;
    replace(save, busy ? t("programme.saving") : t("programme.save"));
    save.disabled = busy;
    replace(cancel, t("programme.cancel"));
    pickers.speakers.paint();
    pickers.moderators.paint();
    errorLine.hidden = !error;
    replace(errorLine, error ? programmeErrorText(error) : "");
  };

  const open = (which, room, start = null) => {
    session = which;
    forum = room;
    error = null;
    busy = false;
    const starts = which ? new Date(which.starts_at) : start || new Date();
    const ends = which ? new Date(which.ends_at) : new Date(starts.getTime() + 45 * 60_000);
    inputs.starts_at.value = localInput(starts);
    inputs.ends_at.value = localInput(ends);
    inputs.title_zh.value = which?.title.zh ?? "";
    inputs.title_en.value = which?.title.en ?? "";
    inputs.abstract_zh.value = which?.abstract.zh ?? "";
    inputs.abstract_en.value = which?.abstract.en ?? "";
    inputs.track.value = which?.track ?? "";
    const asChosen = (p) => (p.account_id === null ? { name: p.name } : { account_id: p.account_id, name: p.name });
    chosen = { speakers: (which?.speakers || []).map(asChosen), moderators: (which?.moderators || []).map(asChosen) };
    kindWanted = which?.kind || "talk";
    languageWanted = which?.language || "zh";
    relabel();
    queueMicrotask(() => inputs.title_zh.focus());
  };

  const submit = async () => {
    if (busy) return;
    const starts = new Date(inputs.starts_at.value);
    const ends = new Date(inputs.ends_at.value);
    if (Number.isNaN(starts.getTime()) || Number.isNaN(ends.getTime())) {
      error = { code: "schedule.bad_times" };
      return relabel();
    }
    const person = (p) => (p.account_id === undefined ? { name: p.name } : { account_id: p.account_id });
    const body = {
      starts_at: starts.toISOString(),
      ends_at: ends.toISOString(),
      title: { zh: inputs.title_zh.value.trim(), en: inputs.title_en.value.trim() },
      abstract: { zh: inputs.abstract_zh.value.trim(), en: inputs.abstract_en.value.trim() },
      kind: inputs.kind.value,
      track: inputs.track.value.trim(),
      language: inputs.language.value,
      speakers: chosen.speakers.map(person),
      moderators: chosen.moderators.map(person),
    };
    busy = true;
    error = null;
    relabel();
    try {
      const reply = session
        ? await api(`/api/sessions/${session.id}`, { method: "PATCH", body })
        : await api(`/api/forums/${forum.id}/sessions`, { method: "POST", body });
      busy = false;
      onSaved(reply.session);
    } catch (err) {
      busy = false;
      error = err;
      relabel();
    }
  };

  return { element, open, relabel };
}

function roleLabel(role) {
  const names = {
    zh: { speaker: "嘉宾", moderator: "主持人", organizer: "组织者" },
    en: { speaker: "speaker", moderator: "moderator", organizer: "organiser" },
  };
  return names[getLang()]?.[role] || role;
}

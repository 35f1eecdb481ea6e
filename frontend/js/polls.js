// A room's polls: vote (one ballot each, changeable while the poll is open) and see the
// results when the moderator lets the room see them; moderators draft, open, close, reopen and
// delete. Whatever people wrote goes in as text nodes only.
//
// The snapshot comes over HTTP (GET /api/forums/<id>/polls); live changes come from
// `forum:<id>` and, for staff, `backstage:<id>` (drafts and hidden tallies).

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { addStrings, errorText, onLangChange, t } from "./i18n.js";
import { signInHref } from "./header.js";
import { roomFeed } from "./qa.js";
import { visibleLength } from "./text.js";
import { realtime } from "./realtime.js";
import { currentAccount } from "./session.js";
import { versionBook } from "./versions.js";

const MODERATORS = new Set(["moderator", "organizer"]);
const MIN_OPTIONS = 2;
const MAX_OPTIONS = 10; // forums/qa_rules.py
const MAX_OPTION_CHARS = 100; // characters as seen: forums/qa_rules.py MAX_OPTION_CHARS
const OPTION_INPUT_MAX = 2000; // UTF-16 units a request may carry (forums/polls.py: code points)
const OPTION_COUNTER_FROM = 40; // the counter shows from this many characters left
const STATE_ORDER = { open: 0, draft: 1, closed: 2 };

addStrings({
  zh: {
    "room.tab_polls": "投票",
    "polls.heading": "现场投票",
    "polls.loading": "正在加载投票…",
    "polls.load_failed": "投票加载失败。",
    "polls.empty": "目前还没有投票。",
    "polls.state_open": "进行中",
    "polls.state_closed": "已结束",
    "polls.state_draft": "草稿",
    "polls.multiple": "可多选",
    "polls.after_close": "结束后公布结果",
    "polls.vote": "投票",
    "polls.change_vote": "修改投票",
    "polls.voting": "提交中…",
    "polls.voted": "您已投票，投票结束前可以修改。",
    "polls.your_choice": "您的选择",
    "polls.voters": "共 {n} 人投票",
    "polls.result": "{pct}% · {n} 票",
    "polls.results_later": "结果将在投票结束后公布。",
    "polls.signin_prompt": "登录后即可参与投票",
    "polls.signin_link": "去登录",
    "polls.pick": "请先选择一个选项。",
    "polls.open": "开始投票",
    "polls.close": "结束投票",
    "polls.reopen": "重新开放",
    "polls.delete": "删除",
    "polls.new": "新建投票",
    "polls.chars_left": "还可输入 {n} 字",
    "polls.chars_over": "超出 {n} 字",
    "polls.edit": "编辑",
    "polls.editing": "正在编辑草稿",
    "polls.cancel": "取消",
    "polls.question": "问题",
    "polls.question_placeholder": "例如：您最关心哪个议题？",
    "polls.options": "选项（{min}–{max} 个）",
    "polls.option_n": "选项 {n}",
    "polls.add_option": "添加选项",
    "polls.remove_option": "删除选项 {n}",
    "polls.allow_multiple": "允许多选",
    "polls.results_when": "何时公布结果",
    "polls.live": "实时公布",
    "polls.later": "投票结束后公布",
    "polls.save_draft": "保存草稿",
    "polls.save_open": "保存并开始",
    "polls.staff_note": "结果隐藏时，只有工作人员能看到实时票数。",
    "err.poll.not_open": "这个投票现在没有开放。",
    "err.poll.bad_choice": "请选择有效的选项。",
    "err.poll.single_choice": "这个投票只能选一项。",
    "err.poll.bad_move": "投票的状态已经变了，请刷新后再试。",
    "err.poll.unknown": "这个投票已经不存在了。",
    "err.poll.empty": "请填写投票的问题。",
    "err.poll.too_long": "问题太长了（最多 300 字）。",
    "err.poll.bad_options": "投票需要 2 到 10 个选项。",
    "err.poll.duplicate_option": "选项不能重复。",
    "err.poll.option.empty": "选项不能为空。",
    "err.poll.option.too_long": "选项太长了（最多 100 字）。",
  },
  en: {
    "room.tab_polls": "Polls",
    "polls.heading": "Live polls",
    "polls.loading": "Loading polls…",
    "polls.load_failed": "Could not load the polls.",
    "polls.empty": "No polls yet.",
    "polls.state_open": "Open",
    "polls.state_closed": "Closed",
    "polls.state_draft": "Draft",
    "polls.multiple": "Several choices",
    "polls.after_close": "Results after closing",
    "polls.vote": "Vote",
    "polls.change_vote": "Change vote",
    "polls.voting": "Sending…",
    "polls.voted": "You voted; you may change your vote while the poll is open.",
    "polls.your_choice": "Your choice",
    "polls.voters": "{n} voters",
    "polls.voters_one": "1 voter",
    "polls.result": "{pct}% · {n}",
    "polls.results_later": "Results are shown when the poll closes.",
    "polls.signin_prompt": "Sign in to vote",
    "polls.signin_link": "Sign in",
    "polls.pick": "Choose an option first.",
    "polls.open": "Open",
    "polls.close": "Close",
    "polls.reopen": "Reopen",
    "polls.delete": "Delete",
    "polls.new": "New poll",
    "polls.edit": "Edit",
    "polls.editing": "Editing a draft",
    "polls.cancel": "Cancel",
    "polls.question": "Question",
    "polls.question_placeholder": "e.g. Which topic matters most to you?",
    "polls.options": "Options ({min}–{max})",
    "polls.option_n": "Option {n}",
    "polls.chars_left": "{n} characters left",
    "polls.chars_left_one": "1 character left",
    "polls.chars_over": "{n} characters too many",
    "polls.chars_over_one": "1 character too many",
    "polls.add_option": "Add option",
    "polls.remove_option": "Remove option {n}",
    "polls.allow_multiple": "Allow several choices",
    "polls.results_when": "Show results",
    "polls.live": "Live",
    "polls.later": "After closing",
    "polls.save_draft": "Save draft",
    "polls.save_open": "Save and open",
    "polls.staff_note": "While results are hidden, only staff see the live tally.",
    "err.poll.not_open": "This poll is not open.",
    "err.poll.bad_choice": "Choose one of the options.",
    "err.poll.single_choice": "This poll takes one choice.",
    "err.poll.bad_move": "That poll changed meanwhile; reload and try again.",
    "err.poll.unknown": "That poll is gone.",
    "err.poll.empty": "Write the poll's question.",
    "err.poll.too_long": "That question is too long (300 characters at most).",
    "err.poll.bad_options": "A poll has 2 to 10 options.",
    "err.poll.duplicate_option": "Each option must be different.",
    "err.poll.option.empty": "Options cannot be empty.",
    "err.poll.option.too_long": "That option is too long (100 characters at most).",
  },
});

export function pollsPanel(forumId) {
  const polls = new Map(); // id -> poll view, plus my_choices
  // (id, created_at) -> newest version applied: older moves are dropped. Keyed by creation too:
  // SQLite gives a deleted poll's id to the next one, which the first one's tombstone must not hide.
  const versions = versionBook();
  const pollKey = (id, createdAt) => `${Number(id)}@${createdAt ?? ""}`;
  const picked = new Map(); // id -> Set of options ticked on the page, not yet sent
  const errors = new Map(); // id -> the last error of a command on that poll
  const busy = new Set();
  let staff = false;
  let status = "loading";
  let refused = null;
  let drafting = false;
  let draft = freshDraft();
  let editing = null; // the id of the draft being rewritten, or null for a new poll
  let draftError = null;
  let saving = false;

  const title = h("h2", { class: "polls-title" });
  const tools = h("div", { class: "polls-tools" });
  const statusLine = h("p", { class: "polls-status muted" });
  const list = h("div", { class: "polls-list" });
  const element = h(
    "section",
    { class: "panel polls-panel" },
    title,
    h("div", { class: "polls-scroll", tabindex: "0" }, tools, statusLine, list),
  );

  const me = () => currentAccount();
  const isModerator = () => staff && MODERATORS.has(me()?.role);
  const resultsShown = (p) => staff || p.state === "closed" || (p.state === "open" && p.live_results);

  // --- state ----------------------------------------------------------------------------

  function upsert(data) {
    const id = Number(data?.id);
    if (!Number.isFinite(id)) return;
    const before = polls.get(id);
    const next = { ...data, my_choices: before?.my_choices ?? null };
    // A staff view keeps the tally it has when an event leaves it out.
    if (!next.results && before?.results && resultsShown(next)) next.results = before.results;
    if (!resultsShown(next)) next.results = null;
    polls.set(id, next);
  }

  function onEvent(type, data, from) {
    const mineToTake = staff ? from === "backstage" : from === "room";
    if (type === "poll.updated" && mineToTake) {
      if (!versions.take(pollKey(data.id, data.created_at), data.version)) return; // late
      upsert(data);
    } else if (type === "poll.removed" && mineToTake) {
      // Deleted for good: nothing later revives it (a new poll with its id is another key).
      versions.take(pollKey(data.id, data.created_at), Infinity);
      polls.delete(Number(data.id));
    } else if (type === "poll.results") {
      const poll = polls.get(Number(data.poll_id));
      if (!poll || !resultsShown(poll)) return;
      // A tally read before the poll's last move is of the poll as it was: dropped.
      if (!versions.take(pollKey(data.poll_id, poll.created_at), data.version)) return;
      poll.results = { counts: data.counts, voters: data.voters };
    } else return;
    render();
  }

  const feed = roomFeed(forumId, {
    load: () => api(`/api/forums/${encodeURIComponent(forumId)}/polls`),
    onSnapshot(snapshot) {
      staff = Boolean(snapshot.staff);
      polls.clear();
      versions.reset();
      for (const p of snapshot.polls || []) {
        polls.set(Number(p.id), p);
        versions.take(pollKey(p.id, p.created_at), p.version);
      }
      status = "ready";
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

  async function command(id, type, data, done) {
    if (busy.has(id)) return;
    busy.add(id);
    errors.delete(id);
    render();
    try {
      const reply = await realtime.request(type, data);
      done?.(reply);
      if (reply?.poll) upsert(reply.poll);
    } catch (error) {
      errors.set(id, error);
    } finally {
      busy.delete(id);
      render();
    }
  }

  function vote(poll) {
    const choices = [...(picked.get(poll.id) || [])].sort((a, b) => a - b);
    if (!choices.length) {
      errors.set(poll.id, { code: "polls.pick" });
      render();
      return;
    }
    command(poll.id, "poll.vote", { poll: poll.id, choices }, (reply) => {
      const current = polls.get(poll.id);
      if (current) current.my_choices = reply.choices;
      picked.delete(poll.id);
    });
  }

  async function save(openNow) {
    if (saving) return;
    if (draft.options.some((o) => visibleLength(o.trim()) > MAX_OPTION_CHARS)) return; // its counter says
    saving = true;
    draftError = null;
    renderTools(true);
    const data = {
      question: draft.question.trim(),
      options: draft.options.map((o) => o.trim()),
      multiple: draft.multiple,
      live_results: draft.live,
    };
    try {
      const reply = editing === null
        ? await realtime.request("poll.create", { forum: forumId, ...data })
        : await realtime.request("poll.update", { poll: editing, ...data });
      upsert(reply.poll);
      if (openNow) {
        const opened = await realtime.request("poll.open", { poll: reply.poll.id });
        upsert(opened.poll);
      }
      draft = freshDraft();
      drafting = false;
      editing = null;
    } catch (error) {
      draftError = error;
    }
    saving = false;
    render();
    renderTools(true);
  }

  // --- rendering ------------------------------------------------------------------------

  function chosen(poll) {
    return picked.get(poll.id) || new Set(poll.my_choices || []);
  }

  function ballot(poll) {
    const choices = chosen(poll);
    const kind = poll.multiple ? "checkbox" : "radio";
    const voted = Array.isArray(poll.my_choices) && poll.my_choices.length > 0;
    const changed = picked.has(poll.id);
    return h(
      "form",
      { class: "poll-ballot", onsubmit: (e) => (e.preventDefault(), vote(poll)) },
      h(
        "fieldset",
        { class: "poll-options" },
        h("legend", { class: "visually-hidden" }, poll.question),
        poll.options.map((option, index) =>
          h(
            "label",
            { class: choices.has(index) ? "poll-option is-chosen" : "poll-option" },
            h("input", {
              type: kind,
              name: `poll-${poll.id}`,
              value: String(index),
              checked: choices.has(index),
              disabled: busy.has(poll.id),
              onchange: (e) => {
                const next = poll.multiple ? new Set(chosen(poll)) : new Set();
                if (e.target.checked) next.add(index);
                else next.delete(index);
                picked.set(poll.id, next);
                errors.delete(poll.id);
                render();
              },
            }),
            h("span", { class: "poll-option-text" }, option),
            results(poll, index),
          ),
        ),
      ),
      h(
        "div",
        { class: "poll-ballot-foot" },
        h(
          "button",
          {
            type: "submit",
            class: voted && !changed ? "button button-small poll-submit" : "button button-small button-primary poll-submit",
            disabled: busy.has(poll.id) || (voted && !changed),
          },
          busy.has(poll.id) ? t("polls.voting") : t(voted ? "polls.change_vote" : "polls.vote"),
        ),
        voted ? h("span", { class: "poll-voted muted small" }, t("polls.voted")) : null,
      ),
    );
  }

  /** The bar and figures of one option, when the caller may see them. */
  function results(poll, index) {
    if (!poll.results || !resultsShown(poll)) return null;
    const count = poll.results.counts[index] ?? 0;
    const voters = poll.results.voters || 0;
    const pct = voters ? Math.round((count / voters) * 100) : 0;
    return h(
      "span",
      { class: "poll-result" },
      h("progress", { class: "poll-bar", max: "100", value: String(pct), "aria-hidden": "true" }),
      h("span", { class: "poll-figures" }, t("polls.result", { pct, n: count })),
    );
  }

  function resultList(poll) {
    const mine = new Set(poll.my_choices || []);
    return h(
      "ol",
      { class: "poll-options poll-results" },
      poll.options.map((option, index) =>
        h(
          "li",
          { class: mine.has(index) ? "poll-option is-chosen" : "poll-option" },
          h(
            "span",
            { class: "poll-option-text" },
            option,
            mine.has(index) ? h("span", { class: "tag tag-own" }, t("polls.your_choice")) : null,
          ),
          results(poll, index),
        ),
      ),
    );
  }

  function controls(poll) {
    if (!isModerator()) return null;
    const button = (key, type, primary = false) =>
      h(
        "button",
        {
          type: "button",
          class: primary ? "button button-small button-primary" : "button button-small button-ghost",
          disabled: busy.has(poll.id),
          dataset: { action: key },
          onclick: () => command(poll.id, type, { poll: poll.id }, type === "poll.delete" ? () => polls.delete(poll.id) : null),
        },
        t(`polls.${key}`),
      );
    const buttons = {
      draft: [button("open", "poll.open", true), editButton(poll), button("delete", "poll.delete")],
      open: [button("close", "poll.close", true)],
      closed: [button("reopen", "poll.reopen"), button("delete", "poll.delete")],
    }[poll.state];
    return h("div", { class: "poll-controls" }, buttons);
  }

  function card(poll) {
    const signedIn = Boolean(me());
    const open = poll.state === "open";
    const error = errors.get(poll.id);
    let main;
    if (open && signedIn) main = ballot(poll);
    else main = resultList(poll);
    return h(
      "article",
      { class: `poll-card is-${poll.state}`, dataset: { id: String(poll.id) } },
      h(
        "div",
        { class: "poll-head" },
        h("span", { class: open ? "chip chip-accent" : "chip" }, open ? h("span", { class: "live-dot" }) : null, t(`polls.state_${poll.state}`)),
        poll.multiple ? h("span", { class: "chip" }, t("polls.multiple")) : null,
        !poll.live_results ? h("span", { class: "chip" }, t("polls.after_close")) : null,
      ),
      h("h3", { class: "poll-question" }, poll.question),
      main,
      poll.results && resultsShown(poll)
        ? h("p", { class: "poll-voters muted small" }, t("polls.voters", { n: poll.results.voters }))
        : open
          ? h("p", { class: "poll-voters muted small" }, t("polls.results_later"))
          : null,
      open && !signedIn
        ? h(
            "p",
            { class: "poll-signin" },
            t("polls.signin_prompt"),
            " ",
            h("a", { class: "button button-small button-primary", href: signInHref() }, t("polls.signin_link")),
          )
        : null,
      error ? h("p", { class: "poll-error", role: "alert" }, error.code === "polls.pick" ? t("polls.pick") : errorText(error)) : null,
      controls(poll),
    );
  }

  function render() {
    const shown = [...polls.values()].sort(
      (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.id - a.id,
    );
    replace(list, shown.map(card));
    let text = "";
    if (refused) text = errorText(refused);
    else if (status === "loading" && !shown.length) text = t("polls.loading");
    else if (status === "failed" && !shown.length) text = t("polls.load_failed");
    else if (!shown.length) text = t("polls.empty");
    statusLine.hidden = !text;
    replace(statusLine, text);
    renderTools();
  }

  /** Rewrite a draft in the form above the list (poll.update; only drafts can change). */
  function editButton(poll) {
    return h(
      "button",
      {
        type: "button",
        class: "button button-small button-ghost",
        dataset: { action: "edit" },
        onclick: () => {
          draft = {
            question: poll.question,
            options: [...poll.options],
            multiple: poll.multiple,
            live: poll.live_results,
          };
          editing = poll.id;
          drafting = true;
          draftError = null;
          renderTools(true);
          tools.querySelector("[name=question]")?.focus();
        },
      },
      t("polls.edit"),
    );
  }

  /** The moderators' tools; a draft form already shown is rebuilt only when `force`d (it keeps
   * what is typed and where the focus is while events re-render the list). */
  function renderTools(force = false) {
    if (!isModerator()) {
      tools.hidden = true;
      replace(tools);
      return;
    }
    tools.hidden = false;
    if (!drafting) {
      replace(
        tools,
        h(
          "button",
          { type: "button", class: "button button-small button-primary polls-new", onclick: () => ((drafting = true), renderTools(true)) },
          "+ ",
          t("polls.new"),
        ),
        h("p", { class: "muted small" }, t("polls.staff_note")),
      );
      return;
    }
    if (!force && tools.querySelector(".poll-draft")) return;
    replace(tools, draftForm());
  }

  function draftForm() {
    const question = h("input", {
      class: "poll-input",
      name: "question",
      maxlength: "600", // UTF-16 units: the server's 300 characters (and its column) decide
      value: draft.question,
      placeholder: t("polls.question_placeholder"),
      oninput: (e) => (draft.question = e.target.value),
    });
    // Each option counts characters as people see them (text.js; forums/qa_rules.py counts the
    // same): `maxlength` (UTF-16 units) only bounds what a request carries, and a counter says
    // how many are left, or how many too many, near the limit.
    const counters = draft.options.map((_, i) =>
      h("span", { class: "poll-option-counter muted small", id: `poll-option-count-${i}`, "aria-live": "polite" }),
    );
    const saves = [
      h("button", { type: "submit", class: "button button-small", disabled: saving }, t("polls.save_draft")),
      h(
        "button",
        { type: "button", class: "button button-small button-primary", disabled: saving, onclick: () => save(true) },
        t("polls.save_open"),
      ),
    ];
    const refreshCounts = () => {
      let over = false;
      draft.options.forEach((value, i) => {
        const left = MAX_OPTION_CHARS - visibleLength(value);
        over ||= left < 0;
        const input = counters[i].previousElementSibling;
        input?.setAttribute("aria-invalid", String(left < 0));
        counters[i].classList.toggle("is-over", left < 0);
        replace(
          counters[i],
          left < 0 ? t("polls.chars_over", { n: -left }) : left <= OPTION_COUNTER_FROM ? t("polls.chars_left", { n: left }) : "",
        );
      });
      for (const button of saves) button.disabled = saving || over;
    };
    const options = draft.options.map((value, i) =>
      h(
        "div",
        { class: "poll-draft-option" },
        h("input", {
          class: "poll-input",
          name: `option-${i}`,
          maxlength: String(OPTION_INPUT_MAX),
          value,
          "aria-label": t("polls.option_n", { n: i + 1 }),
          "aria-describedby": `poll-option-count-${i}`,
          placeholder: t("polls.option_n", { n: i + 1 }),
          oninput: (e) => {
            draft.options[i] = e.target.value;
            refreshCounts();
          },
        }),
        counters[i],
        draft.options.length > MIN_OPTIONS
          ? h(
              "button",
              {
                type: "button",
                class: "button button-small button-ghost poll-remove-option",
                "aria-label": t("polls.remove_option", { n: i + 1 }),
                onclick: () => {
                  draft.options.splice(i, 1);
                  replace(tools, draftForm());
                },
              },
              "×",
            )
          : null,
      ),
    );
    refreshCounts();
    return h(
      "form",
      { class: "poll-draft", onsubmit: (e) => (e.preventDefault(), save(false)) },
      editing !== null ? h("p", { class: "chip chip-accent" }, t("polls.editing")) : null,
      h("label", { class: "poll-label" }, t("polls.question"), question),
      h(
        "fieldset",
        { class: "poll-draft-options" },
        h("legend", { class: "poll-label" }, t("polls.options", { min: MIN_OPTIONS, max: MAX_OPTIONS })),
        options,
        draft.options.length < MAX_OPTIONS
          ? h(
              "button",
              {
                type: "button",
                class: "button button-small button-ghost poll-add-option",
                onclick: () => {
                  draft.options.push("");
                  replace(tools, draftForm());
                  tools.querySelector(`[name="option-${draft.options.length - 1}"]`)?.focus();
                },
              },
              "+ ",
              t("polls.add_option"),
            )
          : null,
      ),
      h(
        "label",
        { class: "poll-check" },
        h("input", { type: "checkbox", name: "multiple", checked: draft.multiple, onchange: (e) => (draft.multiple = e.target.checked) }),
        t("polls.allow_multiple"),
      ),
      h(
        "fieldset",
        { class: "poll-when" },
        h("legend", { class: "poll-label" }, t("polls.results_when")),
        h(
          "label",
          { class: "poll-check" },
          h("input", { type: "radio", name: "when", checked: draft.live, onchange: () => (draft.live = true) }),
          t("polls.live"),
        ),
        h(
          "label",
          { class: "poll-check" },
          h("input", { type: "radio", name: "when", checked: !draft.live, onchange: () => (draft.live = false) }),
          t("polls.later"),
        ),
      ),
      draftError ? h("p", { class: "poll-error", role: "alert" }, errorText(draftError)) : null,
      h(
        "div",
        { class: "poll-draft-actions" },
        saves,
        h(
          "button",
          {
            type: "button",
            class: "button button-small button-ghost",
            onclick: () => {
              drafting = false;
              draftError = null;
              editing = null;
              draft = freshDraft();
              renderTools();
            },
          },
          t("polls.cancel"),
        ),
      ),
    );
  }

  function renderAll() {
    replace(title, icon("eye", "icon icon-small"), t("polls.heading"));
    render();
    renderTools(true);
  }

  renderAll();

  const stops = [];
  return {
    element,
    start() {
      renderAll();
      stops.push(onLangChange(renderAll));
      feed.start();
      stops.push(() => feed.stop());
      return () => this.stop();
    },
    stop() {
      for (const fn of stops.splice(0)) fn();
    },
  };
}

function freshDraft() {
  return { question: "", options: ["", ""], multiple: false, live: true };
}

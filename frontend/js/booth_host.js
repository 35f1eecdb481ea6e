// The booth's AI host (#/booth/<id>, booth.js PARTS): visitors ask a question and read the
// answer quoted from the booth's own material, every sentence with where it comes from (a
// document and its page, a product, the booth's text, or an FAQ the staff wrote); when the
// material does not answer, the host says so and points to the booth's queue. What the host
// answers anyone is shown live to everyone on the page (`host.answered` on `booth:<id>`).
// The booth's own staff (and organisers) switch it on or off and correct an answer: the
// correction becomes an FAQ entry the host prefers from then on.
//
//   const unmount = mountBoothHost(element, booth);

import { api } from "./api.js";
import { isBoothStaff } from "./booth_chat.js";
import { h, replace } from "./dom.js";
import { signInHref } from "./header.js";
import { addStrings, errorText, getLang, onLangChange, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";

addStrings({
  zh: {
    "host.heading": "AI 展位助手",
    "host.intro": "答案只摘自本展位的资料，并注明出处；资料里没有的，它会直说。",
    "host.placeholder": "向展位助手提问，例如：你们的产品能做什么？",
    "host.ask": "提问",
    "host.asking": "正在查找…",
    "host.sign_in": "登录后即可提问",
    "host.you": "你",
    "host.visitor": "访客",
    "host.name": "AI 展位助手",
    "host.source": "出处：{label}",
    "host.queue": "排队咨询工作人员",
    "host.off": "本展位未开启 AI 助手。",
    "host.staff_heading": "展位助手（工作人员）",
    "host.switch_on": "开启助手",
    "host.switch_off": "关闭助手",
    "host.is_on": "助手已开启：访客可以提问。",
    "host.is_off": "助手已关闭：访客看不到提问框。",
    "host.log": "最近的回答",
    "host.log_empty": "还没有人提问。",
    "host.declined": "未能回答",
    "host.correct": "更正",
    "host.correction": "正确的回答（将作为常见问题，助手今后优先引用）",
    "host.save": "保存更正",
    "host.saved": "已保存为常见问题。",
    "host.corrected": "已更正",
    "err.host.off": "本展位的 AI 助手已关闭。",
    "err.host.empty": "内容不能为空。",
    "err.host.answer_unknown": "这条回答已不存在。",
  },
  en: {
    "host.heading": "AI booth host",
    "host.intro": "Answers are quoted from this booth's own material, each with its source; what the material does not say, it tells you so.",
    "host.placeholder": "Ask the booth's host, e.g. what does your product do?",
    "host.ask": "Ask",
    "host.asking": "Looking…",
    "host.sign_in": "Sign in to ask",
    "host.you": "You",
    "host.visitor": "A visitor",
    "host.name": "AI booth host",
    "host.source": "Source: {label}",
    "host.queue": "Queue to ask a person",
    "host.off": "This booth has no AI host.",
    "host.staff_heading": "Booth host (staff)",
    "host.switch_on": "Switch the host on",
    "host.switch_off": "Switch the host off",
    "host.is_on": "The host is on: visitors can ask.",
    "host.is_off": "The host is off: visitors see no question box.",
    "host.log": "Latest answers",
    "host.log_empty": "Nobody has asked yet.",
    "host.declined": "Not answered",
    "host.correct": "Correct",
    "host.correction": "The right answer (kept as an FAQ entry the host quotes first)",
    "host.save": "Save the correction",
    "host.saved": "Saved as an FAQ entry.",
    "host.corrected": "Corrected",
    "err.host.off": "This booth's AI host is switched off.",
    "err.host.empty": "It cannot be empty.",
    "err.host.answer_unknown": "That answer is gone.",
  },
});

const MAX_SHOWN = 20; // exchanges kept on the page
const hostPath = (id, rest = "") => `/api/exhibitors/${encodeURIComponent(id)}/host${rest}`;

/** One answer: its quoted sentences, each with its source, or the host's decline (with the
 * way to the booth's queue, for a visitor). */
function answerBody(answer, { staff = false } = {}) {
  if (answer.declined) {
    return h(
      "div",
      { class: "host-decline" },
      h("p", {}, answer.message || ""),
      staff ? null : h(
        "button",
        {
          type: "button",
          class: "button button-small host-queue",
          onclick: () => document.getElementById("booth-queue")?.scrollIntoView({ behavior: "smooth", block: "center" }),
        },
        t("host.queue"),
      ),
    );
  }
  return h(
    "ol",
    { class: "host-sentences" },
    (answer.sentences || []).map((s) =>
      h("li", { class: "host-sentence" }, h("q", {}, s.text), " ", h("cite", { class: "host-source" }, t("host.source", { label: s.citation?.label || "" }))),
    ),
  );
}

export function mountBoothHost(el, booth) {
  const exhibitor = Number(booth.id);
  let enabled = null; // unknown until asked
  let busy = false;
  let failure = null;
  let stopped = false;
  const exchanges = []; // {question, answer, mine}
  const seen = new Set(); // answer ids shown (my reply and its event both come)
  const stops = [];

  const feed = h("div", { class: "host-feed", role: "log", "aria-live": "polite" });
  const input = h("input", { type: "text", class: "chat-input host-input", maxlength: "500", autocomplete: "off" });
  const askButton = h("button", { type: "submit", class: "button host-ask" });
  const form = h("form", { class: "host-form", onsubmit: (event) => ask(event) }, input, askButton);
  const error = h("p", { class: "host-error", role: "alert", hidden: true });
  const staffBox = h("div", { class: "host-staff", hidden: true });
  const section = h("section", { class: "panel booth-section host-panel", dataset: { exhibitor: String(exhibitor) } });
  replace(el, section);

  function show(answer, mine) {
    if (answer.id != null && seen.has(answer.id)) {
      // Its event came before my reply: it is still mine.
      const shown = exchanges.find((x) => x.answer.id === answer.id);
      if (shown && mine && !shown.mine) {
        shown.mine = true;
        renderFeed();
      }
      return;
    }
    if (answer.id != null) seen.add(answer.id);
    exchanges.push({ question: answer.question, answer, mine });
    exchanges.splice(0, Math.max(0, exchanges.length - MAX_SHOWN));
    renderFeed();
  }

  function renderFeed() {
    replace(
      feed,
      exchanges.map(({ question, answer, mine }) =>
        h(
          "div",
          { class: `host-exchange${answer.declined ? " is-declined" : ""}` },
          h("p", { class: "host-question" }, h("strong", {}, mine ? t("host.you") : t("host.visitor")), " ", question),
          h("div", { class: "host-answer" }, h("span", { class: "host-badge" }, t("host.name")), answerBody(answer)),
        ),
      ),
    );
    feed.scrollTop = feed.scrollHeight;
  }

  async function ask(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    busy = true;
    failure = null;
    render();
    try {
      const reply = await realtime.request("host.ask", { booth: exhibitor, text, lang: getLang() === "zh" ? "zh" : "en" });
      input.value = "";
      show(reply.answer, true);
    } catch (err) {
      failure = err;
      if (err?.code === "host.off") enabled = false;
    } finally {
      busy = false;
      render();
    }
  }

  async function loadStatus() {
    try {
      const body = await api(hostPath(exhibitor, "/status"));
      if (stopped) return;
      enabled = !!body.enabled;
    } catch {
      enabled = false; // no host shown when the server cannot say
    }
    render();
    renderStaff();
  }

  // --- the booth's staff ----------------------------------------------------------------

  let answersLog = null; // the staff's view of the latest answers
  let staffNote = "";

  async function loadLog() {
    try {
      const body = await api(hostPath(exhibitor, "/answers?limit=10"));
      if (stopped) return;
      answersLog = body.answers;
    } catch (err) {
      staffNote = errorText(err);
    }
    renderStaff();
  }

  async function switchHost() {
    try {
      const body = await api(hostPath(exhibitor), { method: "PUT", body: { enabled: !enabled } });
      enabled = !!body.host.enabled;
      staffNote = "";
    } catch (err) {
      staffNote = errorText(err);
    }
    render();
    renderStaff();
  }

  function correctionForm(answer) {
    const box = h("textarea", { class: "chat-input host-correction-text", rows: "3", maxlength: "2000", "aria-label": t("host.correction") });
    return h(
      "form",
      {
        class: "host-correction",
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            await api(hostPath(exhibitor, `/answers/${encodeURIComponent(answer.id)}/correction`), {
              method: "POST",
              body: { answer: box.value },
            });
            staffNote = t("host.saved");
            await loadLog();
          } catch (err) {
            staffNote = errorText(err);
            renderStaff();
          }
        },
      },
      h("label", {}, t("host.correction"), box),
      h("button", { type: "submit", class: "button button-small" }, t("host.save")),
    );
  }

  function renderStaff() {
    const staff = isBoothStaff(exhibitor);
    staffBox.hidden = !staff || enabled === null;
    if (staffBox.hidden) return;
    if (answersLog === null) {
      answersLog = [];
      loadLog();
    }
    replace(
      staffBox,
      h("h3", { class: "host-staff-title" }, t("host.staff_heading")),
      h("p", { class: "host-state" }, t(enabled ? "host.is_on" : "host.is_off")),
      h("button", { type: "button", class: "button button-small host-switch", onclick: switchHost }, t(enabled ? "host.switch_off" : "host.switch_on")),
      staffNote ? h("p", { class: "host-note", role: "status" }, staffNote) : null,
      h("h4", {}, t("host.log")),
      answersLog.length
        ? h(
            "ul",
            { class: "host-log" },
            answersLog.map((answer) =>
              h(
                "li",
                { class: "host-log-row" },
                h("p", { class: "host-question" }, answer.question),
                answer.corrected_at
                  ? h("span", { class: "chip" }, t("host.corrected"))
                  : answer.declined
                    ? h("span", { class: "chip is-warn" }, t("host.declined"))
                    : null,
                answerBody(answer, { staff: true }),
                answer.corrected_at ? null : h("details", {}, h("summary", {}, t("host.correct")), correctionForm(answer)),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("host.log_empty")),
    );
  }

  // --- the page ---------------------------------------------------------------------------

  function render() {
    if (stopped) return;
    const staff = isBoothStaff(exhibitor);
    // Visitors see nothing of a booth without a host; its staff see the switch.
    el.hidden = enabled === false && !staff;
    const signedIn = !!currentAccount();
    input.placeholder = t("host.placeholder");
    input.setAttribute("aria-label", t("host.placeholder"));
    askButton.textContent = busy ? t("host.asking") : t("host.ask");
    askButton.disabled = busy;
    error.hidden = !failure;
    replace(error, failure ? errorText(failure) : "");
    replace(
      section,
      h("h2", { class: "panel-title" }, t("host.heading")),
      enabled ? h("p", { class: "muted host-intro" }, t("host.intro")) : null,
      enabled === false ? h("p", { class: "muted" }, t("host.off")) : null,
      enabled ? feed : null,
      enabled ? (signedIn ? form : h("a", { class: "button host-sign-in", href: signInHref() }, t("host.sign_in"))) : null,
      error,
      staffBox,
    );
    renderFeed();
  }

  stops.push(
    realtime.subscribe(`booth:${exhibitor}`, {
      onEvent: (type, data) => {
        if (type === "host.answered" && data?.answer) show(data.answer, false);
      },
    }),
  );
  stops.push(onLangChange(() => (render(), renderStaff())));
  stops.push(onAccountChange(() => (render(), renderStaff())));
  render();
  loadStatus();
  return () => {
    stopped = true;
    for (const fn of stops.splice(0)) fn();
  };
}

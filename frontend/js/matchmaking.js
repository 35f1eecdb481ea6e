// Business matchmaking home (#/matchmaking, #/matchmaking/<tab>, 商务撮合): one's own profile
// (intents, industries, what one offers and needs, languages, the slots one can meet in,
// whether others see it), the recommendations (the recommend part's module) and the people
// one blocked. Saves carry the version the page saw: a save from a stale tab is refused with
// `match.stale` and the page offers to load what is stored, never overwriting it silently.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, errorText, getLang, hhmm, onLangChange, pick, t, timeZoneName } from "./i18n.js";
import "./match_errors.js"; // err.match.* words, shared by the matchmaking pages
import { currentAccount, onAccountChange } from "./session.js";
// --- recommend: the recommendations tab ---
import { mountRecommendations } from "./match_recommendations.js";
// --- end recommend ---
import { mountCoffee } from "./coffee.js"; // --- coffee ---

addStrings({
  zh: {
    "mm.heading": "商务撮合",
    "mm.intro": "填写您能提供什么、在寻找什么，以及哪些时段可以洽谈；我们据此为您推荐合适的洽谈对象。",
    "mm.signed_out": "商务撮合需要登录：登录后即可填写洽谈资料、获得推荐并预约一对一洽谈。",
    "mm.signin": "登录",
    "mm.signup": "注册账号",
    "mm.organiser": "组织方在控制台管理商务撮合的时段、设置和数据。",
    "mm.to_console": "前往控制台",
    "mm.tab.profile": "我的洽谈资料",
    "mm.tab.recommendations": "为您推荐",
    "mm.tab.blocked": "已屏蔽",
    "mm.meetings": "我的洽谈",
    "mm.loading": "正在加载…",
    "mm.for_company": "您代表 {name} 参加洽谈。",
    "mm.intents": "洽谈意向",
    "mm.intent.buy": "采购",
    "mm.intent.sell": "销售",
    "mm.intent.invest": "投资",
    "mm.intent.partner": "合作",
    "mm.intent.hire": "招聘",
    "mm.industries": "关注行业",
    "mm.offer": "我能提供",
    "mm.offer_hint": "例如：东数西算贵州枢纽的弹性算力",
    "mm.need": "我在寻找",
    "mm.need_hint": "例如：寻找数据交易合作伙伴",
    "mm.count": "{n}/{max} 字",
    "mm.languages": "洽谈语言",
    "mm.lang.zh": "中文",
    "mm.lang.en": "English",
    "mm.available": "可洽谈时段",
    "mm.available_hint": "时间按您所在时区（{tz}）显示。",
    "mm.no_slots": "组织方还没有设置洽谈时段。",
    "mm.day_all": "全选当天",
    "mm.day_none": "清空当天",
    "mm.visible": "让其他参会者看到我的资料并向我推荐",
    "mm.save": "保存",
    "mm.saving": "正在保存…",
    "mm.saved": "已保存",
    "mm.stale": "资料已在别处修改。",
    "mm.reload": "载入最新资料",
    "mm.blocked_intro": "您屏蔽的人看不到您，您也看不到他们。",
    "mm.blocked_none": "您没有屏蔽任何人。",
    "mm.unblock": "取消屏蔽",
  },
  en: {
    "mm.heading": "Business matchmaking",
    "mm.intro": "Say what you offer, what you are looking for and when you can meet; we recommend people worth meeting.",
    "mm.signed_out": "Matchmaking needs an account: sign in to fill in your profile, get recommendations and book 1:1 meetings.",
    "mm.signin": "Sign in",
    "mm.signup": "Create an account",
    "mm.organiser": "Organisers run matchmaking's slots, settings and figures from the console.",
    "mm.to_console": "Go to the console",
    "mm.tab.profile": "My profile",
    "mm.tab.recommendations": "Recommended",
    "mm.tab.blocked": "Blocked",
    "mm.meetings": "My meetings",
    "mm.loading": "Loading…",
    "mm.for_company": "You meet on behalf of {name}.",
    "mm.intents": "I am here to",
    "mm.intent.buy": "Buy",
    "mm.intent.sell": "Sell",
    "mm.intent.invest": "Invest",
    "mm.intent.partner": "Partner",
    "mm.intent.hire": "Hire",
    "mm.industries": "Industries",
    "mm.offer": "I offer",
    "mm.offer_hint": "e.g. elastic GPU capacity at the Guizhou hub",
    "mm.need": "I am looking for",
    "mm.need_hint": "e.g. partners in data trading",
    "mm.count": "{n}/{max}",
    "mm.languages": "Languages",
    "mm.lang.zh": "中文",
    "mm.lang.en": "English",
    "mm.available": "When I can meet",
    "mm.available_hint": "Times in your time zone ({tz}).",
    "mm.no_slots": "The organisers have not set meeting slots yet.",
    "mm.day_all": "Whole day",
    "mm.day_none": "Clear day",
    "mm.visible": "Show my profile to others and recommend me",
    "mm.save": "Save",
    "mm.saving": "Saving…",
    "mm.saved": "Saved",
    "mm.stale": "Your profile was changed elsewhere.",
    "mm.reload": "Load the latest",
    "mm.blocked_intro": "People you block do not see you, and you do not see them.",
    "mm.blocked_none": "You have blocked nobody.",
    "mm.unblock": "Unblock",
  },
});

const TABS = ["profile", "recommendations", "blocked", "coffee"]; // --- coffee ---
const LANGUAGES = ["zh", "en"];

const graphemes = (text) => {
  if (typeof Intl.Segmenter === "function") {
    return [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].length;
  }
  return [...text].length;
};

/** Slots grouped by the viewer's local day, in order. */
function byDay(slots) {
  const days = new Map();
  for (const slot of slots) {
    const d = new Date(slot.starts_at);
    const key = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    if (!days.has(key)) days.set(key, { key, date: d, slots: [] });
    days.get(key).slots.push(slot);
  }
  return [...days.values()];
}

function dayLabel(date) {
  const locale = getLang() === "zh" ? "zh-CN" : "en-GB";
  return new Intl.DateTimeFormat(locale, { weekday: "short", month: "long", day: "numeric" }).format(date);
}

export function mountMatchmaking(root, params = {}) {
  let stopped = false;
  let state = null; // {profile, vocabulary, slots}
  let draft = null;
  let error = null;
  let status = ""; // "", "saving", "saved", "stale"
  let blocked = null;
  let unmountTab = null;

  const account = () => currentAccount();
  const tab = () => {
    if (TABS.includes(params.tab)) return params.tab;
    return state && state.profile.version > 0 ? "recommendations" : "profile";
  };

  const fresh = (profile) => ({
    intents: new Set(profile.intents),
    industries: new Set(profile.industries),
    offer: profile.offer,
    need: profile.need,
    languages: new Set(profile.languages.length ? profile.languages : [getLang()]),
    available: new Set(profile.available),
    visible: profile.visible,
    version: profile.version,
  });

  const load = async () => {
    const who = account();
    if (!who || who.role === "organizer") return render();
    try {
      const [mine, slots] = await Promise.all([api("/api/match/profile"), api("/api/match/slots")]);
      if (stopped) return;
      state = { profile: mine.profile, vocabulary: mine.vocabulary, slots: slots.slots };
      draft = fresh(mine.profile);
      error = null;
    } catch (err) {
      error = err;
    }
    render();
    if (tab() === "blocked") loadBlocked();
  };

  const loadBlocked = async () => {
    try {
      blocked = (await api("/api/match/blocks")).blocked;
    } catch (err) {
      error = err;
    }
    if (!stopped && tab() === "blocked") render();
  };

  const save = async (event) => {
    event.preventDefault();
    status = "saving";
    error = null;
    renderStatus();
    const body = {
      intents: [...draft.intents],
      industries: [...draft.industries],
      offer: draft.offer,
      need: draft.need,
      languages: [...draft.languages],
      available: [...draft.available],
      visible: draft.visible,
      version: draft.version,
    };
    try {
      const saved = await api("/api/match/profile", { method: "PUT", body });
      state.profile = saved.profile;
      draft = fresh(saved.profile);
      status = "saved";
      render();
      // The recommendations read the saved profile: they reload on this.
      document.dispatchEvent(new CustomEvent("match:profile-saved"));
    } catch (err) {
      status = err.code === "match.stale" ? "stale" : "";
      error = err.code === "match.stale" ? null : err;
      renderStatus();
    }
  };

  // --- the editor's pieces ---------------------------------------------------------------------

  const toggle = (set, value, label, cls = "mm-chip") =>
    h(
      "button",
      {
        type: "button",
        class: cls,
        "aria-pressed": set.has(value) ? "true" : "false",
        dataset: { value },
        onclick: (e) => {
          if (set.has(value)) set.delete(value);
          else set.add(value);
          e.currentTarget.setAttribute("aria-pressed", set.has(value) ? "true" : "false");
          status = "";
          renderStatus();
        },
      },
      label,
    );

  const textField = (name, id) => {
    const max = state.vocabulary.text_limit;
    const counter = h("span", { class: "field-hint mm-count", id: `${id}-count` });
    const showCount = () => {
      const n = graphemes(draft[name]);
      counter.textContent = t("mm.count", { n, max });
      counter.classList.toggle("is-over", n > max);
    };
    const area = h("textarea", {
      id,
      name,
      rows: 3,
      maxlength: 600,
      placeholder: t(`mm.${name}_hint`),
      "aria-describedby": `${id}-count`,
      oninput: (e) => {
        draft[name] = e.target.value;
        showCount();
      },
    });
    area.value = draft[name];
    showCount();
    return h("div", { class: "field" }, h("label", { for: id }, t(`mm.${name}`)), area, counter);
  };

  const slotGrid = () => {
    if (!state.slots.length) return h("p", { class: "muted" }, t("mm.no_slots"));
    return h(
      "div",
      { class: "mm-days" },
      byDay(state.slots).map((day) =>
        h(
          "div",
          { class: "mm-day", dataset: { day: day.key } },
          h(
            "div",
            { class: "mm-day-head" },
            h("strong", {}, dayLabel(day.date)),
            h(
              "span",
              { class: "mm-day-tools" },
              h(
                "button",
                {
                  type: "button",
                  class: "button button-ghost button-small",
                  onclick: () => {
                    for (const s of day.slots) draft.available.add(s.id);
                    render();
                  },
                },
                t("mm.day_all"),
              ),
              h(
                "button",
                {
                  type: "button",
                  class: "button button-ghost button-small",
                  onclick: () => {
                    for (const s of day.slots) draft.available.delete(s.id);
                    render();
                  },
                },
                t("mm.day_none"),
              ),
            ),
          ),
          h(
            "div",
            { class: "mm-slots" },
            day.slots.map((slot) =>
              toggle(draft.available, slot.id, `${hhmm(slot.starts_at)}–${hhmm(slot.ends_at)}`, "mm-slot"),
            ),
          ),
        ),
      ),
    );
  };

  const statusLine = h("div", { class: "form-actions mm-status", "aria-live": "polite" });
  const renderStatus = () => {
    const parts = [];
    parts.push(
      h(
        "button",
        { type: "submit", class: "button button-primary", disabled: status === "saving" },
        status === "saving" ? t("mm.saving") : t("mm.save"),
      ),
    );
    if (status === "saved") parts.push(h("span", { class: "form-saved" }, t("mm.saved")));
    if (status === "stale") {
      parts.push(h("span", { class: "form-error" }, t("mm.stale")));
      parts.push(
        h(
          "button",
          {
            type: "button",
            class: "button button-ghost",
            onclick: () => {
              status = "";
              load();
            },
          },
          t("mm.reload"),
        ),
      );
    }
    if (error) parts.push(h("p", { class: "form-error", role: "alert" }, errorText(error)));
    replace(statusLine, parts);
  };

  const editor = () => {
    const profile = state.profile;
    renderStatus();
    return h(
      "form",
      { class: "mm-editor", onsubmit: save, novalidate: true },
      profile.exhibitor
        ? h("p", { class: "chip chip-accent mm-company" }, t("mm.for_company", { name: pick({ zh: profile.exhibitor.name_zh, en: profile.exhibitor.name_en }) }))
        : null,
      h(
        "fieldset",
        { class: "mm-group" },
        h("legend", {}, t("mm.intents")),
        h("div", { class: "mm-chips", id: "mm-intents" }, state.vocabulary.intents.map((i) => toggle(draft.intents, i, t(`mm.intent.${i}`)))),
      ),
      h(
        "fieldset",
        { class: "mm-group" },
        h("legend", {}, t("mm.industries")),
        h(
          "div",
          { class: "mm-chips", id: "mm-industries" },
          state.vocabulary.industries.map((i) => toggle(draft.industries, i.key, pick(i))),
        ),
      ),
      h("div", { class: "field-pair mm-texts" }, textField("offer", "mm-offer"), textField("need", "mm-need")),
      h(
        "fieldset",
        { class: "mm-group" },
        h("legend", {}, t("mm.languages")),
        h("div", { class: "mm-chips", id: "mm-languages" }, LANGUAGES.map((l) => toggle(draft.languages, l, t(`mm.lang.${l}`)))),
      ),
      h(
        "fieldset",
        { class: "mm-group" },
        h("legend", {}, t("mm.available")),
        h("p", { class: "field-hint" }, t("mm.available_hint", { tz: timeZoneName() })),
        slotGrid(),
      ),
      h(
        "label",
        { class: "mm-visible" },
        h("input", {
          type: "checkbox",
          id: "mm-visible",
          checked: draft.visible,
          onchange: (e) => {
            draft.visible = e.target.checked;
          },
        }),
        h("span", {}, t("mm.visible")),
      ),
      statusLine,
    );
  };

  const blockedList = () => {
    if (blocked === null) return h("p", { class: "muted" }, t("mm.loading"));
    return h(
      "div",
      { class: "mm-blocked" },
      h("p", { class: "muted" }, t("mm.blocked_intro")),
      blocked.length === 0
        ? h("p", { class: "muted mm-blocked-none" }, t("mm.blocked_none"))
        : h(
            "ul",
            { class: "mm-blocked-list" },
            blocked.map((person) =>
              h(
                "li",
                { class: "mm-blocked-item", dataset: { account: String(person.account) } },
                h("div", {}, h("strong", {}, person.name), h("div", { class: "muted" }, [person.title, person.organisation].filter(Boolean).join(" · "))),
                h(
                  "button",
                  {
                    type: "button",
                    class: "button button-ghost button-small",
                    onclick: async () => {
                      try {
                        await api(`/api/match/blocks/${person.account}`, { method: "DELETE" });
                        blocked = blocked.filter((b) => b.account !== person.account);
                      } catch (err) {
                        error = err;
                      }
                      render();
                    },
                  },
                  t("mm.unblock"),
                ),
              ),
            ),
          ),
    );
  };

  // --- the page -----------------------------------------------------------------------------

  const shell = (...body) =>
    h("section", { class: "mm-page" }, h("header", { class: "mm-head" }, h("h1", {}, t("mm.heading")), h("p", { class: "muted" }, t("mm.intro"))), ...body);

  const render = () => {
    if (stopped) return;
    unmountTab?.();
    unmountTab = null;
    const who = account();
    if (!who) {
      const next = encodeURIComponent(location.hash.replace(/^#/, "") || "/matchmaking");
      return replace(
        root,
        shell(
          h(
            "div",
            { class: "panel mm-signed-out" },
            h("p", {}, t("mm.signed_out")),
            h(
              "div",
              { class: "form-actions" },
              h("a", { class: "button button-primary", href: `#/signin?next=${next}` }, t("mm.signin")),
              h("a", { class: "button button-ghost", href: `#/signup?next=${next}` }, t("mm.signup")),
            ),
          ),
        ),
      );
    }
    if (who.role === "organizer") {
      return replace(
        root,
        shell(h("div", { class: "panel" }, h("p", {}, t("mm.organiser")), h("a", { class: "button button-primary", href: "#/console/matchmaking" }, t("mm.to_console")))),
      );
    }
    if (!state) {
      return replace(root, shell(error ? h("p", { class: "form-error" }, errorText(error)) : h("p", { class: "muted" }, t("mm.loading"))));
    }
    const current = tab();
    const tabs = h(
      "nav",
      { class: "mm-tabs", "aria-label": t("mm.heading") },
      TABS.map((name) =>
        h("a", { class: "mm-tab", href: `#/matchmaking/${name}`, "aria-current": name === current ? "page" : false }, t(`mm.tab.${name}`)),
      ),
      h("a", { class: "mm-tab mm-tab-meetings", href: "#/meetings" }, t("mm.meetings")),
    );
    const body = h("div", { class: "panel mm-body" });
    if (current === "profile") body.append(editor());
    else if (current === "blocked") body.append(blockedList());
    else if (current === "coffee") unmountTab = mountCoffee(body) || null; // --- coffee ---
    // --- recommend: the recommendations tab ---
    else unmountTab = mountRecommendations(body) || null;
    // --- end recommend ---
    replace(root, shell(tabs, body));
  };

  load();
  const offLang = onLangChange(render);
  // Another account (signing in or out) loads its own profile; the same account changing its
  // language (the header saves it to the account) keeps what is being edited.
  let shownFor = account()?.id ?? null;
  const offAccount = onAccountChange((next) => {
    if ((next?.id ?? null) === shownFor) return;
    shownFor = next?.id ?? null;
    state = null;
    draft = null;
    load();
  });
  return () => {
    stopped = true;
    unmountTab?.();
    offLang?.();
    offAccount?.();
  };
}

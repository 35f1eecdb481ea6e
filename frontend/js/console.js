// The organisers' console (#/console, #/console/<tab>): one page per part of running the expo.
// Each tab is a module of its own under js/console/ exporting `mount(root, {query})`, which
// returns the function that unmounts it; this shell only checks who may see it and switches tabs.

import { h, replace } from "./dom.js";
import { signInHref } from "./header.js";
import { addStrings, onLangChange, t } from "./i18n.js";
import { currentAccount, onAccountChange } from "./session.js";

addStrings({
  zh: {
    "nav.console": "组委会控制台",
    "console.heading": "组委会控制台",
    "console.intro": "在这里运营整场线上展：人员与邀请、接口令牌、直播间、议程导入、公告与审核记录，以及展馆的展商、发布审核与展厅报告。",
    "console.tabs": "控制台栏目",
    "console.organisers_only": "只有组委会（组织者）账号可以使用控制台。",
    "console.signin_link": "去登录",
    "console.unknown_tab": "没有这个栏目。",
    "console.tab.rooms": "直播间",
    "console.tab.tokens": "接口令牌",
    "console.tab.moderation": "审核记录",
    "console.tab.import": "议程导入",
    "console.tab.announcements": "公告",
    "console.people": "人员与邀请",
    // --- releases ---
    "console.tab.exhibitors": "展商",
    "console.tab.releases": "发布审核",
    "console.tab.hall_report": "展厅报告",
    "console.tab.matchmaking": "商务撮合",
    "console.tab.queues": "排队", // --- queue staff ---
    "console.tab.streams": "推流", // --- streams ---
  },
  en: {
    "nav.console": "Console",
    "console.heading": "Organisers' console",
    "console.intro":
      "Run the online expo from here: people and invitations, API tokens, rooms, programme import, announcements and the moderation log, and the hall's exhibitors, release approvals and the hall report.",
    "console.tabs": "Console sections",
    "console.organisers_only": "Only organiser accounts can use the console.",
    "console.signin_link": "Sign in",
    "console.unknown_tab": "There is no such section.",
    "console.tab.rooms": "Rooms",
    "console.tab.tokens": "API tokens",
    "console.tab.moderation": "Moderation log",
    "console.tab.import": "Programme import",
    "console.tab.announcements": "Announcements",
    "console.people": "People",
    // --- releases ---
    "console.tab.exhibitors": "Exhibitors",
    "console.tab.releases": "Releases",
    "console.tab.hall_report": "Hall report",
    "console.tab.matchmaking": "Matchmaking",
    "console.tab.queues": "Queues", // --- queue staff ---
    "console.tab.streams": "Streams", // --- streams ---
  },
});

/** The console's tabs, in order: [slug, label key, () => import of its module]. A module is
 * loaded when its tab is first opened, so attendees never download the console. */
export const TABS = [
  ["people", "console.people", () => import("./console/people.js")],
  ["rooms", "console.tab.rooms", () => import("./console/rooms.js")],
  ["streams", "console.tab.streams", () => import("./console/streams.js")], // --- streams ---
  ["tokens", "console.tab.tokens", () => import("./console/tokens.js")],
  ["moderation", "console.tab.moderation", () => import("./console/moderation.js")],
  ["import", "console.tab.import", () => import("./console/import.js")],
  ["announcements", "console.tab.announcements", () => import("./console/announcements.js")],
  // --- releases: the hall's pages ---
  ["exhibitors", "console.tab.exhibitors", () => import("./console/exhibitors.js")],
  ["releases", "console.tab.releases", () => import("./console/releases.js")],
  ["hall-report", "console.tab.hall_report", () => import("./console/hall_report.js")],
  // --- end releases ---
  // --- matchmaking: settings, slots, the dashboard and the scheduler ---
  ["matchmaking", "console.tab.matchmaking", () => import("./console/matchmaking.js")],
  // --- end matchmaking ---
  ["queues", "console.tab.queues", () => import("./console/queues.js")], // --- queue staff ---
];

export function mountConsole(root, { tab, query } = {}) {
  const slug = tab || TABS[0]?.[0] || "";
  let unmountTab = null;
  let stopped = false;
  let shownFor = null; // "id:role" the page was built for

  const tabNav = () =>
    h(
      "nav",
      { class: "console-tabs", "aria-label": t("console.tabs") },
      TABS.map(([name, key]) =>
        h(
          "a",
          {
            class: "console-tab",
            href: `#/console/${name}`,
            "aria-current": name === slug ? "page" : false,
          },
          t(key),
        ),
      ),
    );

  const head = () =>
    h(
      "div",
      { class: "console-head" },
      h("h1", {}, t("console.heading")),
      h("p", { class: "muted" }, t("console.intro")),
    );

  // On a phone the tab row scrolls sideways: bring the current tab into view (a tab far along
  // the row, e.g. matchmaking, would otherwise load off-screen).
  const showCurrentTab = () => {
    const current = root.querySelector('.console-tabs [aria-current="page"]');
    current?.scrollIntoView({ inline: "center", block: "nearest" });
  };

  const render = () => {
    const account = currentAccount();
    const who = account ? `${account.id}:${account.role}` : String(account);
    if (who === shownFor && unmountTab) {
      // Same person, new language: the shell's words change; the tab re-renders itself.
      const nav = root.querySelector(".console-tabs");
      if (nav) nav.replaceWith(tabNav());
      showCurrentTab();
      const top = root.querySelector(".console-head");
      if (top) top.replaceWith(head());
      return;
    }
    shownFor = who;
    unmountTab?.();
    unmountTab = null;
    if (account === undefined) return replace(root, h("section", { class: "console" }, head()));
    if (!account || account.role !== "organizer") {
      return replace(
        root,
        h(
          "section",
          { class: "console" },
          head(),
          h(
            "p",
            { class: "notice" },
            t("console.organisers_only"),
            " ",
            account ? null : h("a", { href: signInHref() }, t("console.signin_link")),
          ),
        ),
      );
    }
    const body = h("div", { class: "console-body" });
    replace(root, h("section", { class: "console" }, head(), tabNav(), body));
    showCurrentTab();
    const entry = TABS.find(([name]) => name === slug);
    if (!entry) return replace(body, h("p", { class: "notice" }, t("console.unknown_tab")));
    entry[2]().then((module) => {
      if (stopped || shownFor !== who) return;
      unmountTab = module.mount(body, { query }) || (() => {});
    });
  };

  render();
  const offLang = onLangChange(render);
  const offAccount = onAccountChange(render);
  return () => {
    stopped = true;
    offLang();
    offAccount();
    unmountTab?.();
  };
}

// The header (brand, the site's sections, language switch, who is signed in) and the offline
// banner.

import { myBoothLink } from "./my_booth.js"; // edit: "My booth"
import { h, icon, replace } from "./dom.js";
import {
  accountLangOf,
  addStrings,
  getLang,
  LANG_NAMES,
  LANGS,
  onLangChange,
  setLang,
  t,
} from "./i18n.js";
import { queueBadges } from "./queue_badge.js"; // --- queues ---
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange, saveLanguage, signOut } from "./session.js";

addStrings({
  zh: { "nav.menu": "菜单", "nav.account_menu": "账号菜单：{name}", "nav.profile": "个人资料" },
  en: {
    "nav.menu": "Menu",
    "nav.account_menu": "Account menu: {name}",
    "nav.profile": "Profile",
  },
});

// The header's two pop-ups: the sections on narrow screens ("nav") and the account's menu
// ("account"). At most one is open; a click elsewhere, Escape or a new page closes it.
let openPopup = null;

export function mountHeader(root) {
  const render = () => {
    const account = currentAccount();
    replace(
      root,
      h(
        "div",
        { class: "header-inner" },
        h(
          "a",
          { class: "brand", href: "#/" },
          h("span", { class: "brand-mark", "aria-hidden": "true" }, "数"),
          h(
            "span",
            { class: "brand-text" },
            h("span", { class: "brand-name" }, "Shubo Live · 数博会线上展"),
            h("span", { class: "brand-tagline" }, t("app.tagline")),
          ),
        ),
        h(
          "button",
          {
            type: "button",
            class: "nav-toggle",
            "data-popup": "nav", // a click on it is not a click away from the menu
            "aria-controls": "site-nav",
            "aria-expanded": String(openPopup === "nav"),
            "aria-label": t("nav.menu"),
            onclick: () => toggle("nav"),
          },
          icon("menu", "icon"),
        ),
        siteNav(),
        h(
          "div",
          { class: "header-tools" },
          h(
            "div",
            { class: "lang-switch", role: "group", "aria-label": t("lang.label") },
            LANGS.map((code) =>
              h(
                "button",
                {
                  type: "button",
                  class: "lang-option",
                  lang: code === "zh" ? "zh-CN" : "en",
                  "aria-pressed": String(code === getLang()),
                  onclick: () => switchLang(code),
                },
                LANG_NAMES[code],
              ),
            ),
          ),
          queueBadges(), // --- queues --- one pill per ticket of mine
          accountArea(account),
        ),
      ),
    );
    fit();
  };
  // The sections stay on the header's row while all their links fit there, else they fold into
  // the menu: measured, not guessed, since the words' widths depend on the language, the role and
  // the fonts. Measured with the sections on the row (a layout, no paint in between).
  const fit = () => {
    const nav = root.querySelector(".site-nav");
    if (!nav || nav.dataset.open === "true") return;
    root.classList.remove("header-compact");
    root.classList.toggle("header-compact", nav.scrollWidth > nav.clientWidth + 1);
  };
  const toggle = (popup) => {
    openPopup = openPopup === popup ? null : popup;
    render();
    // Keyboard users land in what they opened.
    if (openPopup === "account") root.querySelector(".account-menu a, .account-menu button")?.focus();
  };
  const close = () => {
    if (openPopup === null) return;
    openPopup = null;
    render();
  };
  onLangChange(render);
  // Someone else signed in (or out): what was open was theirs. The same person's account
  // refreshed (a saved language, a new name) leaves an open menu open.
  let shownAccount = currentAccount()?.id ?? null;
  onAccountChange(() => {
    const now = currentAccount()?.id ?? null;
    if (now !== shownAccount) openPopup = null;
    shownAccount = now;
    render();
  });
  window.addEventListener("hashchange", () => {
    openPopup = null; // a link in a pop-up was followed
    render(); // the sign-in links lead back to where one is
  });
  document.addEventListener("click", (event) => {
    if (openPopup && !event.composedPath().some((node) => node.dataset?.popup === openPopup)) {
      close();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || openPopup === null) return;
    const was = openPopup;
    close();
    root.querySelector(was === "nav" ? ".nav-toggle" : ".account-button")?.focus();
  });
  accountToggle = () => toggle("account");
  window.addEventListener("resize", fit);
  render();
  document.fonts?.ready.then(fit);
  // What sticks below the header (the room's side panel) starts under the sticky bar's real
  // height: the header's, and the offline banner's while it shows.
  const offline = document.getElementById("offline");
  const measure = () => {
    const banner = offline && !offline.hidden ? offline.offsetHeight : 0;
    document.documentElement.style.setProperty("--top-bar-h", `${root.offsetHeight + banner}px`);
  };
  const observer = new ResizeObserver(measure);
  observer.observe(root);
  if (offline) observer.observe(offline);
}

// The site's sections: [href, label key, the routes that are that page, who sees it (a role;
// "signed_in" for anyone signed in, or a list of roles; none: everyone)].
const SECTIONS = [
  ["#/", "nav.lobby", /^\/?$/],
  ["#/hall", "nav.hall", /^\/hall\/?$/],
  ["#/releases", "nav.releases", /^\/releases?(\/\d{1,10})?\/?$/], // the feed and a release
  ["#/matchmaking", "nav.matchmaking", /^\/matchmaking(\/[a-z-]{1,30})?\/?$/], // and its tabs
  ["#/agenda", "nav.agenda", /^\/agenda\/?$/, "signed_in"],
  ["#/my-sessions", "nav.my_sessions", /^\/my-sessions\/?$/, ["speaker", "moderator"]],
  ["#/programme", "nav.programme", /^\/programme\/?$/, "organizer"],
  ["#/console", "nav.console", /^\/console(\/.*)?$/, "organizer"],
];

function shownTo(who, account) {
  if (!who) return true;
  if (!account) return false;
  if (Array.isArray(who)) return who.includes(account.role); // any of these roles
  return who === "signed_in" || account.role === who;
}

let accountToggle = () => {};

function siteNav() {
  const path = location.hash.replace(/^#/, "").split("?")[0];
  return h(
    "nav",
    {
      id: "site-nav",
      class: "site-nav",
      "aria-label": t("nav.label"),
      "data-popup": "nav",
      "data-open": String(openPopup === "nav"),
    },
    SECTIONS.filter(([, , , who]) => shownTo(who, currentAccount())).map(([href, key, page]) =>
      h(
        "a",
        { class: "nav-link", href, "aria-current": page.test(path) ? "page" : false },
        t(key),
      ),
    ),
    // --- edit: "My booth" for an exhibitor's staff ---
    ...[myBoothLink(currentAccount())].filter(Boolean).map(([href, key]) =>
      h(
        "a",
        { class: "nav-link", href, "aria-current": `#${path}` === href ? "page" : false },
        t(key),
      ),
    ),
    // --- end edit ---
  );
}

/** The header's switch: this device at once and, when signed in, the account too (so signing
 * in elsewhere brings the same language). */
function switchLang(code) {
  setLang(code);
  if (currentAccount()) saveLanguage(accountLangOf(code));
}

function accountArea(account) {
  if (account === undefined) return h("div", { class: "account account-unknown" });
  if (account === null) {
    return h(
      "div",
      { class: "account" },
      h("a", { class: "button button-small button-ghost", href: signUpHref() }, t("nav.signup")),
      h("a", { class: "button button-small button-primary", href: signInHref() }, t("nav.signin")),
    );
  }
  // One compact button that opens the profile and signing out: the header stays one row
  // however long the name or the language's words.
  const open = openPopup === "account";
  return h(
    "div",
    { class: "account", "data-popup": "account" },
    h(
      "button",
      {
        type: "button",
        class: "account-name account-button",
        title: t("nav.signed_in_as", { name: account.display_name }),
        "aria-label": t("nav.account_menu", { name: account.display_name }),
        "aria-haspopup": "true",
        "aria-expanded": String(open),
        "aria-controls": "account-menu",
        onclick: () => accountToggle(),
      },
      icon("user", "icon icon-small"),
      h("span", { class: "account-name-text" }, account.display_name),
      icon("chevronDown", "icon icon-small account-chevron"),
    ),
    h(
      "div",
      { id: "account-menu", class: "account-menu", hidden: !open },
      // The control room, for organisers: in this menu, as the header's row is full at 1366 px.
      account.role === "organizer"
        ? h(
            "a",
            {
              class: "account-menu-item",
              href: "#/control",
              "aria-current": /^#\/control\/?$/.test(location.hash) ? "page" : false,
            },
            t("nav.control"),
          )
        : null,
      h(
        "a",
        {
          class: "account-menu-item",
          href: "#/certificates",
          "aria-current": /^#\/certificates\/?$/.test(location.hash) ? "page" : false,
        },
        t("nav.certificates"),
      ),
      h(
        "a",
        {
          class: "account-menu-item",
          href: "#/profile",
          "aria-current": /^#\/profile\/?$/.test(location.hash) ? "page" : false,
        },
        t("nav.profile"),
      ),
      h(
        "button",
        { type: "button", class: "account-menu-item", onclick: signOutHere },
        t("nav.signout"),
      ),
    ),
  );
}

/** Sign out, and reopen the socket anonymous. A failure is only logged: still signed in, the
 * pages stay as they are. */
export async function signOutHere() {
  const sockets = realtime.connections;
  try {
    await signOut();
  } catch (error) {
    console.warn("signing out failed", error);
  } finally {
    // The socket keeps its handshake's identity: start a new one, unless the server's 4001 (the
    // session ended) came first and a new one is under way already.
    if (realtime.connections === sockets) realtime.reconnect();
  }
}

/** Where the visitor is now, to come back to after signing in or up. */
function herePath() {
  const here = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = here.split("?");
  if (/^\/(signin|signup)\/?$/.test(path)) return new URLSearchParams(search).get("next") || "/";
  return here;
}

/** `#/signin` with a way back to where the visitor is now. */
export function signInHref() {
  const next = herePath();
  return next === "/" ? "#/signin" : `#/signin?next=${encodeURIComponent(next)}`;
}

/** `#/signup` with a way back to where the visitor is now. */
export function signUpHref() {
  const next = herePath();
  return next === "/" ? "#/signup" : `#/signup?next=${encodeURIComponent(next)}`;
}

export function mountOfflineBanner(root) {
  let ticker = null;
  let status = realtime.status();
  const render = () => {
    // Down: waiting to retry, or retrying after a failure. A first connection, or a fresh one
    // after signing in (attempt 0), is not worth a banner.
    const down =
      status.state === "waiting" || (status.state === "connecting" && status.attempt > 0);
    root.hidden = !down;
    if (!down) {
      clearInterval(ticker);
      ticker = null;
      replace(root);
      return;
    }
    const seconds = Math.max(0, Math.ceil((status.retryAt - Date.now()) / 1000));
    replace(
      root,
      h(
        "div",
        { class: "banner-inner" },
        icon("wifiOff", "icon"),
        h("span", { class: "banner-text" }, t("offline.banner")),
        status.state === "waiting" && seconds > 0
          ? h("span", { class: "banner-countdown" }, t("offline.retry_in", { s: seconds }))
          : null,
        status.state === "waiting"
          ? h(
              "button",
              { type: "button", class: "button button-small", onclick: () => realtime.retryNow() },
              t("offline.retry"),
            )
          : null,
      ),
    );
    if (!ticker) ticker = setInterval(render, 1000);
  };
  realtime.onStatus((next) => {
    status = next;
    render();
  });
  onLangChange(render);
}

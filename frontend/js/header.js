// The header (brand, the site's sections, language switch, who is signed in) and the offline
// banner.

import { h, icon, replace } from "./dom.js";
import { accountLangOf, getLang, LANG_NAMES, LANGS, onLangChange, setLang, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange, saveLanguage, signOut } from "./session.js";

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
          accountArea(account),
        ),
      ),
    );
  };
  onLangChange(render);
  onAccountChange(render);
  window.addEventListener("hashchange", render); // the sign-in links lead back to where one is
  render();
  // What sticks below the header (the room's side panel) starts under its real height: it takes
  // two rows when its links and tools do not fit on one (English, organisers, narrower screens).
  new ResizeObserver(() =>
    document.documentElement.style.setProperty("--top-bar-h", `${root.offsetHeight}px`),
  ).observe(root);
}

// The site's sections: [href, label key, the routes that are that page, who sees it (a role;
// "signed_in" for anyone signed in, or a list of roles; none: everyone)].
const SECTIONS = [
  ["#/", "nav.lobby", /^\/?$/],
  ["#/hall", "nav.hall", /^\/hall\/?$/],
  ["#/matchmaking", "nav.matchmaking", /^\/matchmaking\/?$/],
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

function siteNav() {
  const path = location.hash.replace(/^#/, "").split("?")[0];
  return h(
    "nav",
    { class: "site-nav", "aria-label": t("nav.label") },
    SECTIONS.filter(([, , , who]) => shownTo(who, currentAccount())).map(([href, key, page]) =>
      h(
        "a",
        { class: "nav-link", href, "aria-current": page.test(path) ? "page" : false },
        t(key),
      ),
    ),
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
  return h(
    "div",
    { class: "account" },
    h(
      "a",
      {
        class: "account-name",
        href: "#/profile",
        title: t("nav.signed_in_as", { name: account.display_name }),
        "aria-label": t("nav.profile_of", { name: account.display_name }),
      },
      icon("user", "icon icon-small"),
      h("span", { class: "account-name-text" }, account.display_name),
    ),
    h(
      "button",
      {
        type: "button",
        class: "button button-small button-ghost",
        onclick: signOutHere,
      },
      t("nav.signout"),
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

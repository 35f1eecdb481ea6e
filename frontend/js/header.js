// The header (brand, language switch, who is signed in) and the offline banner.

import { h, icon, replace } from "./dom.js";
import { getLang, LANGS, onLangChange, setLang, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange, signOut } from "./session.js";

const LANG_NAMES = { zh: "中文", en: "English" };

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
                  onclick: () => setLang(code),
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
  render();
}

function accountArea(account) {
  if (account === undefined) return h("div", { class: "account account-unknown" });
  if (account === null) {
    return h(
      "a",
      { class: "button button-small button-primary", href: signInHref() },
      t("nav.signin"),
    );
  }
  return h(
    "div",
    { class: "account" },
    h(
      "span",
      { class: "account-name", title: t("nav.signed_in_as", { name: account.display_name }) },
      icon("user", "icon icon-small"),
      h("span", { class: "account-name-text" }, account.display_name),
    ),
    h(
      "button",
      {
        type: "button",
        class: "button button-small button-ghost",
        onclick: async () => {
          try {
            await signOut();
          } finally {
            realtime.reconnect(); // the socket keeps its handshake's identity: start a new one
          }
        },
      },
      t("nav.signout"),
    ),
  );
}

/** `#/signin` with a way back to where the visitor is now. */
export function signInHref() {
  const here = location.hash.replace(/^#/, "") || "/";
  if (here.startsWith("/signin")) return `#${here}`;
  return `#/signin?next=${encodeURIComponent(here)}`;
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

// The sign-in page (#/signin?next=/forum/3).

import { h, replace } from "./dom.js";
import { forgotPanel } from "./forgot.js";
import { alreadySignedIn, safeNext } from "./forms.js";
import { errorText, langOfAccount, onLangChange, setLang, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange, signIn } from "./session.js";

export function mountSignIn(root, { query }) {
  const next = safeNext(query.get("next"));
  let error = null;
  let busy = false;

  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, id: "signin-email" });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true, id: "signin-password" });

  const forgot = forgotPanel(() => email.value.trim());

  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    error = null;
    render();
    try {
      const account = await signIn(email.value.trim(), password.value);
      setLang(langOfAccount(account.language)); // the account's language, as its profile says
      realtime.reconnect(); // the websocket learns who we are at its handshake
      location.hash = `#${next}`;
      return;
    } catch (err) {
      error = err;
      password.value = "";
    }
    busy = false;
    render();
    password.focus();
  };

  const render = () => {
    const account = currentAccount();
    if (account && !busy) {
      replace(root, alreadySignedIn(t("signin.heading"), account, next));
      return;
    }
    forgot.render();
    replace(
      root,
      h(
        "section",
        { class: "panel signin" },
        h("h1", {}, t("signin.heading")),
        h("p", { class: "muted" }, t("signin.intro")),
        h(
          "form",
          { class: "signin-form", onsubmit: submit },
          h("label", { for: "signin-email" }, t("signin.email")),
          email,
          h("label", { for: "signin-password" }, t("signin.password")),
          password,
          error ? h("p", { class: "form-error", role: "alert" }, errorText(error)) : null,
          h(
            "button",
            { type: "submit", class: "button button-primary button-block", disabled: busy },
            busy ? t("signin.submitting") : t("signin.submit"),
          ),
        ),
        forgot.node,
        h(
          "p",
          { class: "form-switch muted" },
          t("signin.no_account"),
          " ",
          h("a", { href: next === "/" ? "#/signup" : `#/signup?next=${encodeURIComponent(next)}` }, t("signin.signup_link")),
        ),
      ),
    );
  };

  const offLang = onLangChange(render);
  const offAccount = onAccountChange(render);
  render();
  if (!currentAccount()) queueMicrotask(() => email.focus());
  return () => {
    offLang();
    offAccount();
  };
}

// The sign-up page (#/signup?next=/forum/3): register as an attendee and land signed in.

import { h, replace } from "./dom.js";
import {
  accountErrorText,
  alreadySignedIn,
  field,
  fieldOfError,
  languageSelect,
  markInvalid,
  passwordRules,
  safeNext,
} from "./forms.js";
import { accountLangOf, getLang, langOfAccount, onLangChange, setLang, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange, register } from "./session.js";

// The server's limits (expo/accounts.py Register), so the browser stops longer input.
const MAX = { email: 254, password: 256, display_name: 80, organisation: 120, title: 80 };

export function mountSignUp(root, { query }) {
  const next = safeNext(query.get("next"));
  let error = null;
  let sent = {}; // what the failed attempt sent, to explain its error
  let busy = false;
  let done = false;
  let languageChosen = false; // until the visitor picks one, the page's language is the default

  const input = (name, attrs) =>
    h("input", { id: `signup-${name}`, name, maxlength: String(MAX[name]), ...attrs });
  const inputs = {
    email: input("email", {
      type: "email",
      autocomplete: "email",
      autocapitalize: "off",
      spellcheck: "false",
      required: true,
    }),
    password: input("password", { type: "password", autocomplete: "new-password", required: true }),
    display_name: input("display_name", { type: "text", autocomplete: "name", required: true }),
    organisation: input("organisation", { type: "text", autocomplete: "organization" }),
    title: input("title", { type: "text", autocomplete: "organization-title" }),
    language: languageSelect("signup-language", accountLangOf(getLang())),
  };
  inputs.language.addEventListener("change", () => {
    languageChosen = true;
  });
  for (const [name, el] of Object.entries(inputs)) {
    el.addEventListener("input", () => el.removeAttribute("aria-invalid"));
    if (name === "email") el.addEventListener("change", () => (el.value = el.value.trim()));
  }

  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    const form = {
      email: inputs.email.value.trim(),
      password: inputs.password.value,
      display_name: inputs.display_name.value.trim(),
      organisation: inputs.organisation.value.trim(),
      title: inputs.title.value.trim(),
      language: inputs.language.value,
    };
    busy = true;
    error = null;
    render();
    try {
      const account = await register(form);
      done = true;
      setLang(langOfAccount(account.language));
      realtime.reconnect(); // the websocket learns who we are at its handshake
      location.hash = `#${next}`;
      return;
    } catch (err) {
      error = err;
      sent = form;
    }
    busy = false;
    render();
    const name = fieldOfError(error);
    markInvalid(inputs, name);
    const target = inputs[name];
    if (target) {
      target.focus();
      if (name === "password" || name === "email") target.select();
    }
  };

  const errorLine = () => {
    if (!error) return null;
    const taken = error.code === "account.email_taken";
    return h(
      "p",
      { class: "form-error", role: "alert" },
      accountErrorText(error, sent),
      taken ? " " : null,
      taken ? h("a", { href: signInLink(next) }, t("signup.signin_link")) : null,
    );
  };

  const render = () => {
    if (done) return;
    if (!languageChosen) inputs.language.value = accountLangOf(getLang());
    const account = currentAccount();
    if (account && !busy) {
      replace(root, alreadySignedIn(t("signup.heading"), account, next));
      return;
    }
    replace(
      root,
      h(
        "section",
        { class: "panel signin signup" },
        h("h1", {}, t("signup.heading")),
        h("p", { class: "muted" }, t("signup.intro")),
        h(
          "form",
          { class: "account-form", onsubmit: submit },
          field(inputs.email, t("signup.email")),
          field(inputs.password, t("signup.password"), {
            hint: passwordRules(),
          }),
          field(inputs.display_name, t("signup.display_name"), { hint: t("signup.display_name_hint") }),
          h(
            "div",
            { class: "field-pair" },
            field(inputs.organisation, t("signup.organisation"), { optional: true }),
            field(inputs.title, t("signup.title"), { optional: true }),
          ),
          field(inputs.language, t("signup.language")),
          errorLine(),
          h(
            "button",
            { type: "submit", class: "button button-primary button-block", disabled: busy },
            busy ? t("signup.submitting") : t("signup.submit"),
          ),
        ),
        h(
          "p",
          { class: "form-switch muted" },
          t("signup.have_account"),
          " ",
          h("a", { href: signInLink(next) }, t("signup.signin_link")),
        ),
      ),
    );
  };

  const offLang = onLangChange(render);
  const offAccount = onAccountChange(render);
  render();
  if (!currentAccount()) queueMicrotask(() => inputs.email.focus());
  return () => {
    offLang();
    offAccount();
  };
}

function signInLink(next) {
  return next === "/" ? "#/signin" : `#/signin?next=${encodeURIComponent(next)}`;
}

// The profile page (#/profile): one's display name, organisation, title and language.

import { accountSettings } from "./account.js";
import { h, icon, replace } from "./dom.js";
import { accountErrorText, field, fieldOfError, languageSelect, markInvalid } from "./forms.js";
import { langOfAccount, onLangChange, roleName, setLang, t } from "./i18n.js";
import { currentAccount, onAccountChange, updateProfile } from "./session.js";

const FIELDS = ["display_name", "organisation", "title", "language"];
const MAX = { display_name: 80, organisation: 120, title: 80 };

export function mountProfile(root) {
  let error = null;
  let busy = false;
  let saved = false;
  let shownId = null; // whose values the inputs hold
  const baseline = {}; // the account's values as last put in the inputs

  const input = (name, attrs) =>
    h("input", { id: `profile-${name}`, name, type: "text", maxlength: String(MAX[name]), ...attrs });
  const inputs = {
    display_name: input("display_name", { autocomplete: "name", required: true }),
    organisation: input("organisation", { autocomplete: "organization" }),
    title: input("title", { autocomplete: "organization-title" }),
    language: languageSelect("profile-language", "zh-CN"),
  };
  for (const el of Object.values(inputs)) {
    const edited = () => {
      el.removeAttribute("aria-invalid");
      if (saved) {
        saved = false;
        replace(statusLine);
      }
    };
    el.addEventListener("input", edited);
    el.addEventListener("change", edited);
  }
  const statusLine = h("p", { class: "form-saved", role: "status" });
  const settings = accountSettings(); // exhibitor, email and password: kept across renders

  /** Put the account's values in the inputs, keeping what the person is editing (unless
   * `force`, or it is someone else's account now). */
  const fill = (account, force = false) => {
    const someoneElse = account.id !== shownId;
    for (const name of FIELDS) {
      const value = account[name] ?? "";
      if (force || someoneElse || inputs[name].value === baseline[name]) inputs[name].value = value;
      baseline[name] = value;
    }
    shownId = account.id;
  };

  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    const changes = {
      display_name: inputs.display_name.value.trim(),
      organisation: inputs.organisation.value.trim(),
      title: inputs.title.value.trim(),
      language: inputs.language.value,
    };
    busy = true;
    error = null;
    saved = false;
    render();
    try {
      const account = await updateProfile(changes);
      fill(account, true); // as the server keeps them (spaces tidied)
      saved = true;
      busy = false;
      setLang(langOfAccount(account.language)); // renders the page, in that language
      render();
      return;
    } catch (err) {
      error = err;
    }
    busy = false;
    render();
    const name = fieldOfError(error);
    markInvalid(inputs, name);
    inputs[name]?.focus();
  };

  const render = () => {
    const account = currentAccount();
    if (account === undefined) {
      replace(root, h("p", { class: "notice", role: "status" }, t("profile.loading")));
      return;
    }
    settings.refresh(account || null);
    if (account === null) {
      shownId = null;
      replace(
        root,
        h(
          "section",
          { class: "panel signin profile" },
          h("h1", {}, t("profile.heading")),
          h("p", { class: "muted" }, t("profile.signed_out")),
          h(
            "div",
            { class: "form-actions" },
            h("a", { class: "button button-primary", href: "#/signin?next=%2Fprofile" }, t("nav.signin")),
            h("a", { class: "button button-ghost", href: "#/signup?next=%2Fprofile" }, t("nav.signup")),
          ),
        ),
      );
      return;
    }
    fill(account);
    replace(statusLine, saved ? t("profile.saved") : "");
    replace(
      root,
      h(
        "section",
        { class: "panel signin profile" },
        h(
          "div",
          { class: "profile-head" },
          h("span", { class: "profile-avatar", "aria-hidden": "true" }, icon("user", "icon")),
          h(
            "div",
            { class: "profile-who" },
            h("h1", {}, t("profile.heading")),
            h(
              "p",
              { class: "muted" },
              t("profile.role"),
              " ",
              h("span", { class: "chip chip-accent" }, roleName(account.role)),
            ),
          ),
        ),
        h("p", { class: "muted" }, t("profile.intro")),
        h(
          "form",
          { class: "account-form", onsubmit: submit },
          field(inputs.display_name, t("signup.display_name")),
          h(
            "div",
            { class: "field-pair" },
            field(inputs.organisation, t("signup.organisation"), { optional: true }),
            field(inputs.title, t("signup.title"), { optional: true }),
          ),
          field(inputs.language, t("signup.language"), { hint: t("profile.language_hint") }),
          error ? h("p", { class: "form-error", role: "alert" }, accountErrorText(error)) : null,
          h(
            "div",
            { class: "form-actions" },
            h(
              "button",
              { type: "submit", class: "button button-primary", disabled: busy },
              busy ? t("profile.saving") : t("profile.save"),
            ),
            statusLine,
          ),
        ),
        SESSION_ROLES.has(account.role)
          ? h("p", { class: "profile-my-sessions" }, h("a", { href: "#/my-sessions" }, t("account.my_sessions_link")))
          : null,
        settings.root,
      ),
    );
  };

  const offLang = onLangChange(render);
  const offAccount = onAccountChange(render);
  render();
  return () => {
    offLang();
    offAccount();
    settings.stop();
  };
}

const SESSION_ROLES = new Set(["speaker", "moderator"]); // those the programme names

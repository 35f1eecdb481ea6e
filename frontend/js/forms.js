// Pieces shared by the account forms (sign-up, profile): labelled fields, the language picker,
// where to go afterwards, and the server's account errors in the page's language.

import { h } from "./dom.js";
import { errorText, has, LANG_NAMES, listOf, t } from "./i18n.js";

/** A labelled field around `input` (which has an id). `hint`: text or a node under it,
 * announced with the field; `optional` marks it as such. */
export function field(input, label, { hint = null, optional = false } = {}) {
  const hintId = `${input.id}-hint`;
  if (hint) input.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h(
      "label",
      { for: input.id },
      label,
      optional ? h("span", { class: "field-optional" }, t("signup.optional")) : null,
    ),
    input,
    hint ? h("div", { class: "field-hint", id: hintId }, hint) : null,
  );
}

/** A <select> of the account languages ("zh-CN" | "en"), each named in its own language. */
export function languageSelect(id, value) {
  const select = h(
    "select",
    { id, name: "language" },
    h("option", { value: "zh-CN", lang: "zh-CN" }, LANG_NAMES.zh),
    h("option", { value: "en", lang: "en" }, LANG_NAMES.en),
  );
  select.value = value;
  return select;
}

/** Mark the one field an error is about (aria-invalid), and clear the others. */
export function markInvalid(inputs, name) {
  for (const [key, input] of Object.entries(inputs)) {
    if (key === name) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

/** Which field an account error is about, if one. */
export function fieldOfError(error) {
  switch (error?.code) {
    case "account.email_taken":
    case "account.bad_email":
      return "email";
    case "account.weak_password":
      return "password";
    case "account.bad_name":
      return "display_name";
    case "bad_request":
      return error.details?.find((d) => d.field)?.field?.split(".")[0] || null;
    default:
      return null;
  }
}

/**
 * The message for an account error, in the page's language. `form` holds what was sent, so a
 * weak password can say why without reading the server's English message: the same rules as
 * expo/account_rules.py, the list of common passwords aside (whatever else it is, it is that).
 */
export function accountErrorText(error, form = {}) {
  if (error?.code === "account.weak_password" && typeof form.password === "string") {
    return t(`err.weak.${weakness(form)}`);
  }
  if (error?.code === "bad_request" && Array.isArray(error.details)) {
    const names = [...new Set(error.details.map((d) => String(d.field || "").split(".")[0]))];
    const known = names.filter((name) => name && has(`field.${name}`));
    if (known.length) return t("err.bad_fields", { fields: listOf(known.map((n) => t(`field.${n}`))) });
  }
  return errorText(error);
}

function weakness({ password, email = "", display_name: name = "" }) {
  if (password.length < 10) return "short";
  const lowered = password.toLowerCase();
  const address = email.trim().toLowerCase();
  const shown = name.split(/\s+/).filter(Boolean).join(" ").toLowerCase(); // as the server keeps it
  const personal = [address.split("@")[0], address, shown];
  if (personal.some((part) => part.length >= 4 && lowered.includes(part))) return "personal";
  return "common";
}

/** Only paths inside this app: "/forum/3", never "//elsewhere", a full URL, or back to the
 * sign-in and sign-up pages. */
export function safeNext(value) {
  if (!value || !value.startsWith("/") || value.startsWith("//")) return "/";
  if (/^\/(signin|signup)(\/|\?|$)/.test(value)) return "/";
  return value;
}

/** The password rules, shown under every field that sets a password. */
export function passwordRules() {
  return h(
    "div",
    { class: "password-rules" },
    h("span", {}, t("signup.password_rules")),
    h(
      "ul",
      {},
      h("li", {}, t("signup.rule_length")),
      h("li", {}, t("signup.rule_common")),
      h("li", {}, t("signup.rule_personal")),
    ),
  );
}

/** What the sign-in and sign-up pages show someone who is signed in already. */
export function alreadySignedIn(heading, account, next) {
  return h(
    "section",
    { class: "panel signin" },
    h("h1", {}, heading),
    h("p", {}, t("signin.already", { name: account.display_name })),
    h("a", { class: "button button-primary", href: `#${next}` }, t("signin.continue")),
  );
}

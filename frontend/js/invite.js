// The invitation page (#/invite/<token>): what the link offers (a role, for exhibitor staff an
// exhibitor), then accepting it, with a new account or, signed in, the one the address has.
// The token only ever travels in request bodies, never in a URL the server would log, and
// leaves the address bar once the invitation is accepted.

import { openInvitation } from "./api.js";
import { h, replace } from "./dom.js";
import { accountErrorText, field, fieldOfError, markInvalid, passwordRules } from "./forms.js";
import { signOutHere } from "./header.js";
import {
  accountLangOf,
  dateTime,
  errorText,
  getLang,
  onLangChange,
  pick,
  roleName,
  t,
} from "./i18n.js";
import { replaceRoute, welcomeAs } from "./nav.js";
import { realtime } from "./realtime.js";
import {
  acceptInvitation,
  currentAccount,
  loadAccount,
  onAccountChange,
  saveLanguage,
} from "./session.js";

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/; // as the server takes it (secrets.token_urlsafe)
// The link can no longer be used: nothing to retry.
const GONE = new Set(["invitation.unknown", "invitation.used", "invitation.expired", "invitation.revoked"]);
const MAX = { display_name: 80, password: 256 }; // expo/invitations.py Accept

export function mountInvite(root, { token = "" }) {
  let offer = null; // the invitation as POST /api/invitations/open shows it
  let failure = TOKEN.test(token) ? null : { code: "invitation.unknown" }; // it could not be opened
  let error = null; // why accepting failed
  let sent = {}; // what that attempt sent, to explain a weak password
  let busy = false;
  let done = false;
  let stopped = false;
  let controller = null;
  let focusForm = true; // the first time the form shows, the name field takes the focus

  const input = (name, attrs) =>
    h("input", { id: `invite-${name}`, name, maxlength: String(MAX[name]), required: true, ...attrs });
  const inputs = {
    display_name: input("display_name", { type: "text", autocomplete: "name" }),
    password: input("password", { type: "password", autocomplete: "new-password" }),
  };
  for (const el of Object.values(inputs)) {
    el.addEventListener("input", () => el.removeAttribute("aria-invalid"));
  }

  const load = async () => {
    controller?.abort();
    controller = new AbortController();
    failure = null;
    render();
    try {
      offer = (await openInvitation(token, { signal: controller.signal })).invitation;
      // The name the organisers suggested (a bulk invitation may carry one): a start, editable.
      if (offer.display_name && !inputs.display_name.value) inputs.display_name.value = offer.display_name;
    } catch (err) {
      if (err?.name === "AbortError") return;
      failure = err;
    }
    if (!stopped) render();
  };

  const accept = async (event) => {
    event?.preventDefault();
    if (busy || !offer) return;
    const form = { token };
    if (!offer.has_account) {
      form.display_name = inputs.display_name.value.trim();
      form.password = inputs.password.value;
    }
    busy = true;
    error = null;
    render();
    try {
      const account = await acceptInvitation(form);
      done = true;
      // The new account takes the language its page was in (the server gives it zh-CN).
      if (!offer.has_account) saveLanguage(accountLangOf(getLang()));
      realtime.reconnect(); // the websocket learns the account, and its new role, at its handshake
      welcomeAs(account.role);
      replaceRoute("#/");
      return;
    } catch (err) {
      error = err;
      sent = { ...form, email: offer.email };
    }
    busy = false;
    if (GONE.has(error.code)) {
      failure = error; // accepted or expired meanwhile
    } else if (error.code === "invitation.sign_in_first") {
      // The address has an account now, or our session ended: sign in as it to accept.
      offer = { ...offer, has_account: true };
      loadAccount();
    }
    render();
    if (offer.has_account) return;
    const name = fieldOfError(error);
    markInvalid(inputs, name);
    const target = inputs[name];
    if (target) {
      target.focus();
      target.select();
    }
  };

  const render = () => {
    if (done || stopped) return;
    if (failure) {
      replace(root, failurePanel(failure, load));
      return;
    }
    if (!offer) {
      replace(root, h("p", { class: "notice", role: "status" }, t("invite.loading")));
      return;
    }
    replace(
      root,
      h(
        "section",
        { class: "panel signin invite" },
        h("h1", {}, t("invite.heading")),
        h("p", { class: "muted" }, t("invite.lead")),
        offerList(offer),
        action(),
      ),
    );
    if (focusForm && !offer.has_account && !currentAccount() && currentAccount() !== undefined) {
      focusForm = false;
      inputs.display_name.focus();
    }
  };

  const errorLine = (extra = null) =>
    error
      ? h("p", { class: "form-error", role: "alert" }, accountErrorText(error, sent), extra)
      : null;

  const signOutButton = () =>
    h(
      "button",
      { type: "button", class: "button button-ghost", onclick: signOutHere },
      t("invite.signout"),
    );

  const action = () => {
    const account = currentAccount();
    if (account === undefined) return null; // who is signed in is not known yet
    if (!offer.has_account) {
      if (account && !busy) {
        // Accepting while signed in would make the account without signing in as it.
        return h(
          "div",
          { class: "invite-action" },
          h(
            "p",
            { class: "notice" },
            t("invite.other_new", { email: offer.email, name: account.display_name }),
          ),
          signOutButton(),
        );
      }
      return newAccountForm();
    }
    if (!account) {
      return h(
        "div",
        { class: "invite-action" },
        h("p", {}, t("invite.has_account", { email: offer.email })),
        errorLine(),
        h(
          "a",
          {
            class: "button button-primary button-block",
            href: `#/signin?next=${encodeURIComponent(`/invite/${token}`)}`,
          },
          t("invite.signin"),
        ),
      );
    }
    const otherAccount = error?.code === "invitation.other_account";
    return h(
      "div",
      { class: "invite-action" },
      h(
        "p",
        {},
        t("invite.signed_in_as", { name: account.display_name }),
        " ",
        h("span", { class: "chip" }, roleName(account.role)),
      ),
      h(
        "p",
        {},
        t("invite.becomes"),
        " ",
        h("span", { class: "chip chip-accent" }, roleName(offer.role)),
      ),
      errorLine(),
      otherAccount
        ? signOutButton()
        : h(
            "button",
            {
              type: "button",
              class: "button button-primary button-block",
              disabled: busy,
              onclick: accept,
            },
            busy ? t("invite.submitting") : t("invite.accept"),
          ),
    );
  };

  const newAccountForm = () =>
    h(
      "form",
      { class: "account-form invite-action", onsubmit: accept },
      h("p", { class: "muted" }, t("invite.new_intro")),
      // For password managers: the account's address, which the invitation fixes.
      h("input", {
        type: "email",
        name: "email",
        autocomplete: "username",
        value: offer.email,
        readonly: true,
        hidden: true,
        tabindex: "-1",
      }),
      field(inputs.display_name, t("signup.display_name"), { hint: t("signup.display_name_hint") }),
      field(inputs.password, t("signup.password"), {
        hint: passwordRules(),
      }),
      errorLine(),
      h(
        "button",
        { type: "submit", class: "button button-primary button-block", disabled: busy },
        busy ? t("invite.submitting") : t("invite.submit_new"),
      ),
    );

  const offLang = onLangChange(render);
  const offAccount = onAccountChange(() => {
    if (!busy && error?.code !== "invitation.sign_in_first") error = null; // a new situation
    render();
  });
  if (failure) render();
  else load();
  return () => {
    stopped = true;
    controller?.abort();
    offLang();
    offAccount();
  };
}

function offerList(offer) {
  const row = (label, value) => h("div", {}, h("dt", {}, label), h("dd", {}, value));
  return h(
    "dl",
    { class: "invite-offer" },
    row(t("invite.role"), h("span", { class: "chip chip-accent invite-role" }, roleName(offer.role))),
    offer.exhibitor
      ? row(t("invite.exhibitor"), h("span", { class: "invite-exhibitor" }, pick(offer.exhibitor.name)))
      : null,
    row(t("invite.email"), h("span", { class: "invite-email" }, offer.email)),
    row(
      t("invite.expires"),
      h("time", { datetime: offer.expires_at }, dateTime(offer.expires_at)),
    ),
  );
}

/** The link could not be opened: gone for good (unknown, accepted, expired), or a failure worth
 * another try. */
function failurePanel(failure, retry) {
  const gone = GONE.has(failure.code);
  return h(
    "section",
    { class: "panel signin invite" },
    h("h1", {}, t("invite.gone_heading")),
    h("p", { class: "notice notice-error invite-problem", role: "alert" }, errorText(failure)),
    h(
      "div",
      { class: "form-actions" },
      gone
        ? null
        : h("button", { type: "button", class: "button button-primary", onclick: retry }, t("invite.retry")),
      h("a", { class: `button ${gone ? "button-primary" : "button-ghost"}`, href: "#/" }, t("invite.to_lobby")),
    ),
  );
}

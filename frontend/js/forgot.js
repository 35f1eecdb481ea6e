// A forgotten password: the form on the sign-in page that asks for a link by email, and the page
// the link opens (#/reset/<token>) that sets a new password and signs this browser in. The
// server answers the request alike for every address, so the page does too.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { accountErrorText, field, passwordRules } from "./forms.js";
import { addStrings, errorText, langOfAccount, onLangChange, setLang, t } from "./i18n.js";
import { replaceRoute } from "./nav.js";
import { realtime } from "./realtime.js";
import { setAccount } from "./session.js";

addStrings({
  zh: {
    "forgot.toggle": "忘记密码？",
    "forgot.intro": "填写您的账号邮箱，我们会发送一个重设密码的链接。",
    "forgot.email": "账号地址",
    "forgot.submit": "发送重设链接",
    "forgot.sent": "如果 {email} 有账号，重设链接已发送到这个邮箱，请查收。链接只能用一次，很快会过期。",
    "forgot.no_mail": "本站未配置邮件发送。请联系主办方，由他们在核实身份后把重设链接交给您。",
    "reset.heading": "设置新密码",
    "reset.intro": "为您的账号设置一个新密码。设置后，所有设备上的登录都会退出，本浏览器将以新密码登录。",
    "reset.password": "新密码",
    "reset.submit": "设置新密码并登录",
    "reset.again": "重新申请重设链接",
  },
  en: {
    "forgot.toggle": "Forgot your password?",
    "forgot.intro": "Enter your account's email and we will send you a link to choose a new password.",
    "forgot.email": "Your account's address",
    "forgot.submit": "Send reset link",
    "forgot.sent": "If {email} has an account, a reset link is on its way to it. The link works once and soon expires.",
    "forgot.no_mail": "This site sends no email. Ask the organisers: once they know it is you, they hand you a reset link.",
    "reset.heading": "Choose a new password",
    "reset.intro": "Set a new password for your account. Every session on every device ends, and this browser signs in with the new password.",
    "reset.password": "New password",
    "reset.submit": "Set password and sign in",
    "reset.again": "Ask for a new link",
  },
});

/** The sign-in page's "forgot your password?" panel; `emailOf()` pre-fills the address typed
 * in the sign-in form. Returns {node, render} (the page re-renders it on each of its renders). */
export function forgotPanel(emailOf = () => "") {
  let busy = false;
  let answer = null; // {requested, mail_configured} and the address it is about
  let error = null;
  const email = h("input", { id: "forgot-email", type: "email", autocomplete: "username", required: true, maxlength: "254" });
  const details = h("details", { class: "forgot" });
  details.addEventListener("toggle", () => {
    if (details.open && !email.value) email.value = emailOf();
  });

  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    error = null;
    answer = null;
    render();
    const address = email.value.trim();
    try {
      answer = { ...(await api("/api/password/forgot", { method: "POST", body: { email: address } })), email: address };
    } catch (err) {
      error = err;
    }
    busy = false;
    render();
  };

  const render = () => {
    replace(
      details,
      h("summary", {}, t("forgot.toggle")),
      h(
        "form",
        { class: "account-form forgot-form", onsubmit: submit },
        h("p", { class: "muted" }, t("forgot.intro")),
        field(email, t("forgot.email")),
        error ? h("p", { class: "form-error", role: "alert" }, accountErrorText(error)) : null,
        answer
          ? h(
              "p",
              { class: "notice forgot-answer", role: "status" },
              answer.mail_configured ? t("forgot.sent", { email: answer.email }) : t("forgot.no_mail"),
            )
          : null,
        h("button", { type: "submit", class: "button button-ghost button-block", disabled: busy }, t("forgot.submit")),
      ),
    );
  };
  render();
  return { node: details, render };
}

/** #/reset/<token>: a new password, then signed in here. */
export function mountReset(root, { token = "" }) {
  let busy = false;
  let error = TOKEN.test(token) ? null : { code: "account_link.unknown" };
  let sent = {};
  let stopped = false;
  const password = h("input", { id: "reset-password", type: "password", autocomplete: "new-password", required: true, maxlength: "256" });
  password.addEventListener("input", () => password.removeAttribute("aria-invalid"));

  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    error = null;
    render();
    sent = { password: password.value };
    try {
      const body = await api("/api/password/reset", { method: "POST", body: { token, password: password.value } });
      setAccount(body.account);
      setLang(langOfAccount(body.account.language));
      realtime.reconnect(); // the websocket learns who we are at its handshake
      replaceRoute("#/"); // the used token leaves the address bar and history
      return;
    } catch (err) {
      error = err;
    }
    busy = false;
    render();
    if (error.code === "account.weak_password") {
      password.setAttribute("aria-invalid", "true");
      password.focus();
    }
  };

  // Whether the link can still be used, before a password is typed for nothing.
  const check = async () => {
    try {
      await api("/api/password/reset/open", { method: "POST", body: { token } });
    } catch (err) {
      if (GONE.has(err.code) && !busy) {
        error = err;
        render();
      }
    }
  };

  const render = () => {
    if (stopped) return;
    const gone = error && GONE.has(error.code);
    replace(
      root,
      h(
        "section",
        { class: "panel signin reset" },
        h("h1", {}, t("reset.heading")),
        gone
          ? [
              h("p", { class: "notice notice-error", role: "alert" }, errorText(error)),
              h("a", { class: "button button-primary", href: "#/signin" }, t("reset.again")),
            ]
          : h(
              "form",
              { class: "account-form", onsubmit: submit },
              h("p", { class: "muted" }, t("reset.intro")),
              field(password, t("reset.password"), { hint: passwordRules() }),
              error ? h("p", { class: "form-error", role: "alert" }, accountErrorText(error, sent)) : null,
              h("button", { type: "submit", class: "button button-primary button-block", disabled: busy }, t("reset.submit")),
            ),
      ),
    );
  };
  const offLang = onLangChange(render);
  render();
  if (!error) check();
  return () => {
    stopped = true;
    offLang();
  };
}

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/; // as the server makes it (secrets.token_urlsafe)
const GONE = new Set(["account_link.unknown", "account_link.used", "account_link.expired"]);

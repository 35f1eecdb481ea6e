// The account's own settings under the profile (#/profile): the exhibitor staff work for, the
// email (changed once the new address confirms, #/confirm-email/<token>) and the password
// (changing it ends every other session). Tokens travel in request bodies only.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { accountErrorText, field, passwordRules } from "./forms.js";
import { addStrings, errorText, getLang, onLangChange, t } from "./i18n.js";
import { loadAccount } from "./session.js";

addStrings({
  zh: {
    "account.exhibitor": "所属展商",
    "account.exhibitor_intro": "您在聊天中发言时，名字旁会显示这个展商的标识。",
    "account.email_heading": "登录邮箱",
    "account.email_current": "当前邮箱",
    "account.email_new": "新邮箱",
    "account.email_password": "当前密码",
    "account.email_submit": "发送确认邮件",
    "account.email_sent": "确认链接已发送到 {email}，{minutes} 分钟内有效。打开链接后邮箱才会更改。",
    "account.password_heading": "修改密码",
    "account.password_current": "当前密码",
    "account.password_new": "新密码",
    "account.password_submit": "修改密码",
    "account.password_done": "密码已修改。您在这里仍保持登录。",
    "account.password_done_n": "密码已修改。已退出其他 {n} 处登录。",
    "account.busy": "正在提交…",
    "account.my_sessions_link": "查看我的日程",
    "confirm.heading": "确认新邮箱",
    "confirm.working": "正在确认…",
    "confirm.done": "邮箱已改为 {email}。以后请用新邮箱登录。",
    "confirm.to_profile": "前往个人资料",
    "confirm.to_lobby": "返回大厅",
    "err.account.bad_password": "当前密码不正确。",
    "err.account.same_email": "这已经是您账号的邮箱了。",
    "err.mail.not_configured": "本站未配置邮件发送，无法确认新邮箱，请联系主办方。",
    "err.mail.unavailable": "邮件暂时发送失败，请稍后再试。",
    "err.account_link.unknown": "这个链接无效，请检查链接是否完整。",
    "err.account_link.used": "这个链接已经用过了。",
    "err.account_link.expired": "这个链接已过期，请重新申请。",
  },
  en: {
    "account.exhibitor": "Your exhibitor",
    "account.exhibitor_intro": "Your chat messages show this exhibitor's badge beside your name.",
    "account.email_heading": "Sign-in email",
    "account.email_current": "Current email",
    "account.email_new": "New email",
    "account.email_password": "Current password",
    "account.email_submit": "Send confirmation email",
    "account.email_sent": "We sent a confirmation link to {email}; it works for {minutes} minutes. Your email changes once you open it.",
    "account.password_heading": "Change password",
    "account.password_current": "Current password",
    "account.password_new": "New password",
    "account.password_submit": "Change password",
    "account.password_done": "Password changed. You are still signed in here.",
    "account.password_done_n": "Password changed. {n} other sessions were signed out.",
    "account.password_done_n_one": "Password changed. 1 other session was signed out.",
    "account.busy": "Sending…",
    "account.my_sessions_link": "See my sessions",
    "confirm.heading": "Confirm your new email",
    "confirm.working": "Confirming…",
    "confirm.done": "Your email is now {email}. Sign in with it from now on.",
    "confirm.to_profile": "Go to your profile",
    "confirm.to_lobby": "Back to the lobby",
    "err.account.bad_password": "The current password is wrong.",
    "err.account.same_email": "That is your account's email already.",
    "err.mail.not_configured": "This site sends no email, so a new address cannot be confirmed; ask the organisers.",
    "err.mail.unavailable": "The email could not be sent just now; try again soon.",
    "err.account_link.unknown": "This link is not valid; check that it is complete.",
    "err.account_link.used": "This link has been used already.",
    "err.account_link.expired": "This link has expired; ask for a new one.",
  },
});

/** The settings below the profile's form: an element that keeps its own inputs across the
 * profile's renders, and `refresh(account)` to call whenever the profile renders. */
export function accountSettings() {
  let me = null; // GET /api/me: {account, email, exhibitor}
  let loadedFor = null;
  const root = h("div", { class: "account-settings" });

  const input = (id, type, autocomplete, extra = {}) =>
    h("input", { id, type, autocomplete, required: true, maxlength: "256", ...extra });

  const email = {
    value: input("account-new-email", "email", "email", { maxlength: "254" }),
    password: input("account-email-password", "password", "current-password"),
    error: null,
    sent: null,
    busy: false,
  };
  const password = {
    current: input("account-current-password", "password", "current-password"),
    next: input("account-new-password", "password", "new-password"),
    error: null,
    done: null,
    busy: false,
  };

  const changeEmail = async (event) => {
    event.preventDefault();
    if (email.busy) return;
    email.busy = true;
    email.error = null;
    email.sent = null;
    render();
    try {
      email.sent = await api("/api/me/email", {
        method: "POST",
        body: { email: email.value.value.trim(), password: email.password.value },
      });
      email.value.value = "";
    } catch (error) {
      email.error = error;
    }
    email.password.value = "";
    email.busy = false;
    render();
  };

  const changePassword = async (event) => {
    event.preventDefault();
    if (password.busy) return;
    password.busy = true;
    password.error = null;
    password.done = null;
    render();
    const sent = { password: password.next.value, email: me?.email, display_name: me?.account.display_name };
    try {
      password.done = await api("/api/me/password", {
        method: "POST",
        body: { current_password: password.current.value, new_password: password.next.value },
      });
      password.current.value = "";
      password.next.value = "";
    } catch (error) {
      password.error = { error, sent };
      if (error.code === "account.bad_password") password.current.value = "";
    }
    password.busy = false;
    render();
  };

  const errorLine = (error, sent) =>
    error ? h("p", { class: "form-error", role: "alert" }, accountErrorText(error, sent)) : null;

  const render = () => {
    if (!me) {
      replace(root);
      return;
    }
    const exhibitor = me.exhibitor;
    const minutes = email.sent ? Math.round(email.sent.expires_in_minutes) : 0;
    const n = password.done?.sessions_ended ?? 0;
    replace(
      root,
      exhibitor
        ? h(
            "section",
            { class: "account-section account-exhibitor" },
            h("h2", {}, t("account.exhibitor")),
            h(
              "p",
              { class: "account-exhibitor-name" },
              h("span", { class: "chip chip-accent staff-badge" }, getLang() === "zh" ? exhibitor.name_zh : exhibitor.name_en),
              " ",
              h("span", { class: "muted", lang: getLang() === "zh" ? "en" : "zh-CN" }, getLang() === "zh" ? exhibitor.name_en : exhibitor.name_zh),
            ),
            h("p", { class: "muted" }, t("account.exhibitor_intro")),
          )
        : null,
      h(
        "section",
        { class: "account-section account-email" },
        h("h2", {}, t("account.email_heading")),
        h("p", {}, t("account.email_current"), ": ", h("strong", { class: "account-email-current" }, me.email)),
        h(
          "form",
          { class: "account-form", onsubmit: changeEmail },
          field(email.value, t("account.email_new")),
          field(email.password, t("account.email_password")),
          errorLine(email.error),
          email.sent
            ? h("p", { class: "form-saved", role: "status" }, t("account.email_sent", { email: email.sent.pending_email, minutes }))
            : null,
          h(
            "div",
            { class: "form-actions" },
            h("button", { type: "submit", class: "button button-ghost", disabled: email.busy }, email.busy ? t("account.busy") : t("account.email_submit")),
          ),
        ),
      ),
      h(
        "section",
        { class: "account-section account-password" },
        h("h2", {}, t("account.password_heading")),
        h(
          "form",
          { class: "account-form", onsubmit: changePassword },
          // For password managers: whose password this is.
          h("input", { type: "email", autocomplete: "username", value: me.email, readonly: true, hidden: true, tabindex: "-1" }),
          field(password.current, t("account.password_current")),
          field(password.next, t("account.password_new"), { hint: passwordRules() }),
          errorLine(password.error?.error, password.error?.sent),
          password.done
            ? h("p", { class: "form-saved", role: "status" }, n ? t("account.password_done_n", { n }) : t("account.password_done"))
            : null,
          h(
            "div",
            { class: "form-actions" },
            h("button", { type: "submit", class: "button button-ghost", disabled: password.busy }, password.busy ? t("account.busy") : t("account.password_submit")),
          ),
        ),
      ),
    );
  };

  const refresh = async (account) => {
    if (!account) {
      me = null;
      loadedFor = null;
      render();
      return;
    }
    // Once per account (and after the email changes): the profile renders often.
    if (loadedFor === account.id && me) {
      me = { ...me, account };
      render();
      return;
    }
    if (loadedFor === account.id) return; // asked already; the answer renders
    loadedFor = account.id;
    try {
      const body = await api("/api/me");
      if (loadedFor === body.account.id) me = body;
    } catch {
      loadedFor = null;
    }
    render();
  };

  const offLang = onLangChange(render);
  return { root, refresh, stop: offLang };
}

/** #/confirm-email/<token>: confirms at once (the link was sent to the new address). */
export function mountConfirmEmail(root, { token = "" }) {
  let state = { step: "working" };
  let stopped = false;
  const render = () => {
    if (stopped) return;
    const body =
      state.step === "working"
        ? h("p", { class: "notice", role: "status" }, t("confirm.working"))
        : state.step === "done"
          ? h("p", { class: "notice confirm-done", role: "status" }, t("confirm.done", { email: state.email }))
          : h("p", { class: "notice notice-error", role: "alert" }, errorText(state.error));
    replace(
      root,
      h(
        "section",
        { class: "panel signin confirm-email" },
        h("h1", {}, t("confirm.heading")),
        body,
        state.step === "working"
          ? null
          : h(
              "div",
              { class: "form-actions" },
              h("a", { class: "button button-primary", href: "#/profile" }, t("confirm.to_profile")),
              h("a", { class: "button button-ghost", href: "#/" }, t("confirm.to_lobby")),
            ),
      ),
    );
  };
  const confirm = async () => {
    try {
      const body = await api("/api/me/email/confirm", { method: "POST", body: { token } });
      state = { step: "done", email: body.email };
      // The used token leaves the address bar and history; reloading shows the profile.
      history.replaceState(null, "", "#/profile");
      loadAccount();
    } catch (error) {
      state = { step: "failed", error };
    }
    render();
  };
  const offLang = onLangChange(render);
  render();
  if (/^[A-Za-z0-9_-]{16,64}$/.test(token)) confirm();
  else {
    state = { step: "failed", error: { code: "account_link.unknown" } };
    render();
  }
  return () => {
    stopped = true;
    offLang();
  };
}

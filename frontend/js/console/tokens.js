// The console's API tokens tab (#/console/tokens): service accounts (accounts that act only
// through tokens), issuing a token for oneself or a service account with a scope and an expiry,
// the list of tokens, and revoking one. A new token's secret is shown here once, right after it
// is issued, and kept nowhere: leaving or reloading the page forgets it.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, dateTime, errorText, onLangChange, roleName, t } from "../i18n.js";
import { currentAccount } from "../session.js";

const EXPIRIES = [7, 30, 90, 365]; // days
const SERVICE_ROLES = ["attendee", "moderator", "organizer"];

addStrings({
  zh: {
    "tokens.heading": "接口令牌",
    "tokens.intro": "为接口客户端签发令牌（例如数据大屏、导入脚本）。令牌只能代表您自己或某个服务账号；只读令牌不能做任何修改。",
    "tokens.loading": "正在加载令牌…",
    "tokens.issue_heading": "签发新令牌",
    "tokens.name": "用途",
    "tokens.name_placeholder": "例如：数据大屏",
    "tokens.account": "代表的账号",
    "tokens.account_me": "我自己（{name}）",
    "tokens.account_service": "服务账号：{name}",
    "tokens.scope": "权限范围",
    "tokens.scope_read": "只读",
    "tokens.scope_full": "完全（与账号权限相同）",
    "tokens.expiry": "有效期",
    "tokens.days": "{n} 天",
    "tokens.issue": "签发令牌",
    "tokens.issued": "令牌已签发。请立即复制保存——它只会显示这一次，离开或刷新页面后将无法再查看。",
    "tokens.secret_label": "新令牌",
    "tokens.copy": "复制",
    "tokens.copied": "已复制",
    "tokens.dismiss": "我已保存",
    "tokens.list_heading": "已签发的令牌",
    "tokens.empty": "还没有签发过令牌。",
    "tokens.col_name": "用途",
    "tokens.col_account": "账号",
    "tokens.col_scope": "范围",
    "tokens.col_created": "签发时间",
    "tokens.col_expires": "到期时间",
    "tokens.col_state": "状态",
    "tokens.never": "永不过期",
    "tokens.state_active": "有效",
    "tokens.state_revoked": "已吊销",
    "tokens.state_expired": "已过期",
    "tokens.service_chip": "服务账号",
    "tokens.revoke": "吊销",
    "tokens.revoke_confirm": "确认吊销",
    "tokens.revoke_label": "吊销令牌“{name}”",
    "tokens.revoked": "令牌“{name}”已吊销，使用它的连接已断开。",
    "tokens.cancel": "取消",
    "tokens.services_heading": "服务账号",
    "tokens.services_intro": "服务账号没有密码，无法登录，只能通过您为它签发的令牌使用接口。",
    "tokens.service_name": "服务账号名称",
    "tokens.service_name_placeholder": "例如：数据大屏",
    "tokens.service_role": "角色",
    "tokens.service_create": "创建服务账号",
    "tokens.service_created": "已创建服务账号“{name}”。",
    "tokens.services_empty": "还没有服务账号。",
    "err.token.not_yours": "令牌只能签发给您自己或服务账号，不能代表其他人。",
    "err.token.read_only": "这个令牌是只读的，不能做修改。",
    "err.token.bad_name": "请写明令牌的用途。",
    "err.auth.token_expired": "令牌已过期。",
  },
  en: {
    "tokens.heading": "API tokens",
    "tokens.intro": "Issue tokens for API clients (a data wall, an import script). A token acts as yourself or as a service account; a read-only token can change nothing.",
    "tokens.loading": "Loading the tokens…",
    "tokens.issue_heading": "Issue a token",
    "tokens.name": "What it is for",
    "tokens.name_placeholder": "e.g. Data wall",
    "tokens.account": "Acts as",
    "tokens.account_me": "Me ({name})",
    "tokens.account_service": "Service account: {name}",
    "tokens.scope": "Scope",
    "tokens.scope_read": "Read only",
    "tokens.scope_full": "Full (all the account may do)",
    "tokens.expiry": "Expires after",
    "tokens.days": "{n} days",
    "tokens.issue": "Issue token",
    "tokens.issued": "Token issued. Copy it now: it is shown only this once, and is gone when you leave or reload the page.",
    "tokens.secret_label": "New token",
    "tokens.copy": "Copy",
    "tokens.copied": "Copied",
    "tokens.dismiss": "I have saved it",
    "tokens.list_heading": "Tokens issued",
    "tokens.empty": "No tokens issued yet.",
    "tokens.col_name": "For",
    "tokens.col_account": "Account",
    "tokens.col_scope": "Scope",
    "tokens.col_created": "Issued",
    "tokens.col_expires": "Expires",
    "tokens.col_state": "State",
    "tokens.never": "Never",
    "tokens.state_active": "Active",
    "tokens.state_revoked": "Revoked",
    "tokens.state_expired": "Expired",
    "tokens.service_chip": "Service",
    "tokens.revoke": "Revoke",
    "tokens.revoke_confirm": "Confirm revoke",
    "tokens.revoke_label": "Revoke the token “{name}”",
    "tokens.revoked": "Token “{name}” revoked; connections using it were closed.",
    "tokens.cancel": "Cancel",
    "tokens.services_heading": "Service accounts",
    "tokens.services_intro": "A service account has no password and cannot sign in; it uses the API only through the tokens you issue for it.",
    "tokens.service_name": "Service account name",
    "tokens.service_name_placeholder": "e.g. Data wall",
    "tokens.service_role": "Role",
    "tokens.service_create": "Create service account",
    "tokens.service_created": "Service account “{name}” created.",
    "tokens.services_empty": "No service accounts yet.",
    "err.token.not_yours": "Tokens are issued for yourself or for a service account, never for another person.",
    "err.token.read_only": "This token is read-only: it cannot change anything.",
    "err.token.bad_name": "Say what the token is for.",
    "err.auth.token_expired": "The token has expired.",
  },
});

export function mount(root) {
  let tokens = null;
  let services = null;
  let failure = null;
  let stopped = false;
  let secret = null; // the token just issued: in this closure only, never stored
  let flash = null; // () => a line about the last action
  let issueError = null;
  let serviceError = null;
  let confirming = null; // the id of a token whose revoke waits for confirmation
  const draft = { name: "", account: "", scope: "read", days: "30", serviceName: "", serviceRole: "attendee" };

  const load = async () => {
    try {
      const [listed, accounts] = await Promise.all([api("/api/tokens"), api("/api/service-accounts")]);
      if (stopped) return;
      tokens = listed.api_tokens;
      services = accounts.accounts;
      failure = null;
    } catch (error) {
      failure = error;
    }
    render();
  };

  const issue = async () => {
    const body = { name: draft.name, scope: draft.scope, expires_in_days: Number(draft.days) };
    if (draft.account) body.account_id = Number(draft.account);
    try {
      const reply = await api("/api/tokens", { method: "POST", body });
      secret = { token: reply.token, id: reply.api_token.id, name: reply.api_token.name };
      issueError = null;
      draft.name = "";
      tokens = [...(tokens || []), reply.api_token];
    } catch (error) {
      issueError = error;
    }
    render();
    root.querySelector(secret ? ".token-secret input" : "#token-name")?.focus();
  };

  const createService = async () => {
    try {
      const reply = await api("/api/service-accounts", {
        method: "POST",
        body: { display_name: draft.serviceName, role: draft.serviceRole },
      });
      services = [...(services || []), reply.account];
      draft.serviceName = "";
      draft.account = String(reply.account.id); // the next token is most likely for it
      serviceError = null;
      flash = () => t("tokens.service_created", { name: reply.account.display_name });
    } catch (error) {
      serviceError = error;
    }
    render();
  };

  const revoke = async (token) => {
    try {
      const reply = await api(`/api/tokens/${token.id}`, { method: "DELETE" });
      tokens = tokens.map((row) => (row.id === token.id ? reply.api_token : row));
      if (secret?.id === token.id) secret = null; // a revoked secret is nothing to copy
      flash = () => t("tokens.revoked", { name: token.name });
    } catch (error) {
      flash = () => errorText(error);
    }
    confirming = null;
    render();
  };

  const secretBox = () => {
    if (!secret) return null;
    const input = h("input", { id: "token-secret", readonly: true, value: secret.token, spellcheck: "false" });
    const copied = h("span", { class: "form-saved", role: "status" });
    return h(
      "div",
      { class: "notice token-secret", role: "alert" },
      h("p", {}, t("tokens.issued")),
      h(
        "div",
        { class: "token-secret-row" },
        h("label", { for: "token-secret", class: "visually-hidden" }, t("tokens.secret_label")),
        input,
        h(
          "button",
          {
            type: "button",
            class: "button button-small",
            onclick: async () => {
              input.select();
              try {
                await navigator.clipboard.writeText(secret.token);
                copied.textContent = t("tokens.copied");
              } catch {
                copied.textContent = "";
              }
            },
          },
          t("tokens.copy"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "button button-small button-ghost",
            onclick: () => {
              secret = null;
              render();
            },
          },
          t("tokens.dismiss"),
        ),
        copied,
      ),
    );
  };

  const issueForm = () => {
    const me = currentAccount();
    const select = (id, key, options) => {
      const el = h(
        "select",
        { id, onchange: (event) => (draft[key] = event.target.value) },
        options.map(([value, label]) => h("option", { value, selected: draft[key] === value }, label)),
      );
      return el;
    };
    const name = h("input", {
      id: "token-name",
      value: draft.name,
      maxlength: "80",
      required: true,
      autocomplete: "off",
      placeholder: t("tokens.name_placeholder"),
      "aria-invalid": issueError?.code === "token.bad_name" ? "true" : false,
      oninput: (event) => (draft.name = event.target.value),
    });
    return h(
      "form",
      {
        class: "panel console-form",
        onsubmit: (event) => {
          event.preventDefault();
          issue();
        },
      },
      h("h3", {}, t("tokens.issue_heading")),
      h(
        "div",
        { class: "console-form-grid" },
        field(name, t("tokens.name")),
        field(
          select("token-account", "account", [
            ["", t("tokens.account_me", { name: me?.display_name || "" })],
            ...(services || []).map((s) => [String(s.id), t("tokens.account_service", { name: s.display_name })]),
          ]),
          t("tokens.account"),
        ),
        field(
          select("token-scope", "scope", [
            ["read", t("tokens.scope_read")],
            ["full", t("tokens.scope_full")],
          ]),
          t("tokens.scope"),
        ),
        field(
          select("token-days", "days", EXPIRIES.map((n) => [String(n), t("tokens.days", { n })])),
          t("tokens.expiry"),
        ),
      ),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "button button-primary" }, t("tokens.issue")),
        issueError ? h("span", { class: "form-error", role: "alert" }, errorText(issueError)) : null,
      ),
    );
  };

  const serviceForm = () => {
    const name = h("input", {
      id: "service-name",
      value: draft.serviceName,
      maxlength: "80",
      required: true,
      autocomplete: "off",
      placeholder: t("tokens.service_name_placeholder"),
      oninput: (event) => (draft.serviceName = event.target.value),
    });
    const role = h(
      "select",
      { id: "service-role", onchange: (event) => (draft.serviceRole = event.target.value) },
      SERVICE_ROLES.map((r) => h("option", { value: r, selected: draft.serviceRole === r }, roleName(r))),
    );
    return h(
      "section",
      { class: "panel console-form" },
      h("h3", {}, t("tokens.services_heading")),
      h("p", { class: "muted" }, t("tokens.services_intro")),
      services?.length
        ? h(
            "ul",
            { class: "service-list" },
            services.map((s) =>
              h("li", {}, h("span", { class: "chip" }, t("tokens.service_chip")), " ", s.display_name, " · ", h("span", { class: "muted" }, roleName(s.role))),
            ),
          )
        : h("p", { class: "muted" }, t("tokens.services_empty")),
      h(
        "form",
        {
          class: "console-form-grid",
          onsubmit: (event) => {
            event.preventDefault();
            createService();
          },
        },
        field(name, t("tokens.service_name")),
        field(role, t("tokens.service_role")),
        h(
          "div",
          { class: "form-actions" },
          h("button", { type: "submit", class: "button" }, t("tokens.service_create")),
          serviceError ? h("span", { class: "form-error", role: "alert" }, errorText(serviceError)) : null,
        ),
      ),
    );
  };

  const stateOf = (token) =>
    token.revoked ? "revoked" : token.expired || (token.expires_at && Date.parse(token.expires_at) <= Date.now()) ? "expired" : "active";

  const tokenRow = (token) => {
    const state = stateOf(token);
    const actions =
      state === "revoked"
        ? null
        : confirming === token.id
          ? [
              h("button", { type: "button", class: "button button-small button-danger", onclick: () => revoke(token) }, t("tokens.revoke_confirm")),
              h("button", { type: "button", class: "button button-small button-ghost", onclick: () => ((confirming = null), render()) }, t("tokens.cancel")),
            ]
          : h(
              "button",
              {
                type: "button",
                class: "button button-small",
                "aria-label": t("tokens.revoke_label", { name: token.name }),
                onclick: () => {
                  confirming = token.id;
                  render();
                },
              },
              t("tokens.revoke"),
            );
    return h(
      "tr",
      { class: `token-row is-${state}`, dataset: { token: String(token.id) } },
      h("td", { class: "token-name" }, token.name),
      h(
        "td",
        {},
        token.account?.name ?? `#${token.account_id}`,
        token.account?.service ? h("span", { class: "chip token-chip" }, t("tokens.service_chip")) : null,
      ),
      h("td", {}, t(token.scope === "read" ? "tokens.scope_read" : "tokens.scope_full")),
      h("td", {}, dateTime(token.created_at)),
      h("td", {}, token.expires_at ? dateTime(token.expires_at) : t("tokens.never")),
      h("td", {}, h("span", { class: `chip token-state is-${state}` }, t(`tokens.state_${state}`))),
      h("td", { class: "token-actions" }, actions),
    );
  };

  const render = () => {
    const head = h(
      "div",
      { class: "console-section-head" },
      h("h2", {}, t("tokens.heading")),
      h("p", { class: "muted" }, t("tokens.intro")),
    );
    if (!tokens) {
      return replace(
        root,
        head,
        failure
          ? h("p", { class: "notice notice-error", role: "alert" }, errorText(failure))
          : h("p", { class: "notice", role: "status" }, t("tokens.loading")),
      );
    }
    const newestFirst = [...tokens].sort((a, b) => b.id - a.id);
    replace(
      root,
      head,
      flash ? h("p", { class: "notice", role: "status" }, flash()) : null,
      secretBox(),
      issueForm(),
      h(
        "section",
        { class: "panel" },
        h("h3", {}, t("tokens.list_heading")),
        newestFirst.length
          ? h(
              "div",
              { class: "console-table-wrap" },
              h(
                "table",
                { class: "console-table token-table" },
                h(
                  "thead",
                  {},
                  h(
                    "tr",
                    {},
                    ["name", "account", "scope", "created", "expires", "state"].map((c) => h("th", { scope: "col" }, t(`tokens.col_${c}`))),
                    h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("tokens.revoke"))),
                  ),
                ),
                h("tbody", {}, newestFirst.map(tokenRow)),
              ),
            )
          : h("p", { class: "muted" }, t("tokens.empty")),
      ),
      serviceForm(),
    );
  };

  const offLang = onLangChange(render);
  render();
  load();
  return () => {
    stopped = true;
    secret = null;
    offLang();
  };
}

function field(input, label) {
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input);
}

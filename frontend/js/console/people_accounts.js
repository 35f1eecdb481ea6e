// The People tab's accounts: find them (name, email, organisation or exhibitor; by role; a page
// at a time), change a role (with the exhibitor of exhibitor staff), disable after a
// confirmation saying what it does, enable.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, roleName, t } from "../i18n.js";
import { currentAccount } from "../session.js";
import { cell, linkBox, problem, table } from "./people_parts.js";

addStrings({
  zh: {
    "people.accounts_heading": "账号",
    "people.search": "搜索姓名、邮箱、单位或参展商",
    "people.search_button": "搜索",
    "people.all_roles": "全部角色",
    "people.name": "姓名",
    "people.organisation": "单位",
    "people.status": "状态",
    "people.active": "正常",
    "people.disabled": "已停用",
    "people.you": "（你）",
    "people.save_role": "保存角色",
    "people.role_saved": "角色已保存。",
    "people.disable": "停用",
    "people.enable": "恢复",
    "people.confirm_disable": "确认停用 {name}？其登录和接口令牌将失效，打开的页面会被退出。",
    "people.confirm_disable_button": "确认停用",
    "people.no_accounts": "没有找到账号。",
    "people.page": "第 {page} / {pages} 页，共 {total} 个账号",
    "people.previous": "上一页",
    "people.next": "下一页",
    "err.account.last_organiser": "这是最后一位主办方：请先让另一位成为主办方。",
    "err.account.not_self": "不能停用自己的账号。",
    "err.account.exhibitor": "参展商工作人员需要选择参展商，其他角色不需要。",
    "people.reset_link": "重设密码链接",
    "people.change_email": "改邮箱",
    "people.new_email": "{name} 的新邮箱",
    "people.save_email": "保存邮箱",
    "people.reset_link_for": "{name} 的重设密码链接（只显示这一次，{minutes} 分钟内有效）：请在核实身份后交给本人。",
    "err.account.service": "服务账号没有密码。",
    "err.account.organiser": "其他主办方的重设链接由运维人员生成（expo admin reset-link）。",
    // err.account.unknown is moderation.js's (every page loads it: app.js, room.js, chat.js).
  },
  en: {
    "people.accounts_heading": "Accounts",
    "people.search": "Search name, email, organisation or exhibitor",
    "people.search_button": "Search",
    "people.all_roles": "All roles",
    "people.name": "Name",
    "people.organisation": "Organisation",
    "people.status": "Status",
    "people.active": "Active",
    "people.disabled": "Disabled",
    "people.you": " (you)",
    "people.save_role": "Save role",
    "people.role_saved": "Role saved.",
    "people.disable": "Disable",
    "people.enable": "Enable",
    "people.confirm_disable": "Disable {name}? Their sign-ins and API tokens stop working and their open pages are signed out.",
    "people.confirm_disable_button": "Really disable",
    "people.no_accounts": "No accounts found.",
    "people.page": "Page {page} of {pages}, {total} accounts",
    "people.reset_link": "Reset link",
    "people.change_email": "Change email",
    "people.new_email": "New email for {name}",
    "people.save_email": "Save email",
    "people.reset_link_for": "Password reset link for {name} (shown only this once, valid for {minutes} minutes): hand it over once you know it is them.",
    "err.account.service": "A service account has no password.",
    "err.account.organiser": "Another organiser's reset link comes from the operator (expo admin reset-link).",
    "people.previous": "Previous",
    "people.next": "Next",
    "err.account.last_organiser": "This is the last organiser: make someone else an organiser first.",
    "err.account.not_self": "You cannot disable your own account.",
    "err.account.exhibitor": "Exhibitor staff need an exhibitor; other roles take none.",
  },
});

const ROLES = ["attendee", "exhibitor", "speaker", "moderator", "organizer"];
const PER_PAGE = 20;

/** The accounts section: `section()` builds it (in the page's language), `refresh()` fills its
 * body, `load()` asks the server for the current page. */
export function accountsPart({ directory, alive }) {
  // --- accounts ----------------------------------------------------------------------------
  const accounts = {
    search: h("input", { id: "people-search", type: "search", maxlength: "100", autocomplete: "off" }),
    role: h("select", { id: "people-role-filter" }),
    body: h("div", { class: "people-accounts" }),
    page: 1,
    data: null,
    error: null,
    confirming: null, // the id of an account whose disabling waits for confirmation
    rowError: new Map(),
    saved: new Set(),
    drafts: new Map(), // id -> {role, exhibitor_id} as chosen, not saved yet
    resetLinks: new Map(), // id -> {link, expires_in_minutes}: shown once, never stored
    editingEmail: null, // the id of an account whose email is being changed
  };
  let loads = 0;
  const loadAccounts = async () => {
    const mine = ++loads;
    const query = new URLSearchParams({ page: String(accounts.page), per_page: String(PER_PAGE) });
    if (accounts.search.value.trim()) query.set("q", accounts.search.value.trim());
    if (accounts.role.value) query.set("role", accounts.role.value);
    try {
      const data = await api(`/api/accounts?${query}`);
      if (mine !== loads) return; // a newer search answered first
      accounts.data = data;
      accounts.error = null;
    } catch (error) {
      if (mine !== loads) return;
      accounts.error = error;
    }
    if (alive()) renderAccounts();
  };
  const changeAccount = async (person, body) => {
    accounts.confirming = null;
    accounts.rowError.delete(person.id);
    accounts.saved.delete(person.id);
    try {
      await api(`/api/accounts/${person.id}`, { method: "PATCH", body });
      accounts.drafts.delete(person.id);
      if (body.role) accounts.saved.add(person.id);
    } catch (error) {
      accounts.rowError.set(person.id, error);
    }
    await loadAccounts();
  };
  // With no mail server, "forgot your password?" says to ask the organisers: this is the link.
  const makeResetLink = async (person) => {
    accounts.rowError.delete(person.id);
    try {
      accounts.resetLinks.set(person.id, await api(`/api/accounts/${person.id}/reset-link`, { method: "POST" }));
    } catch (error) {
      accounts.rowError.set(person.id, error);
    }
    renderAccounts();
  };
  const renderAccounts = () => {
    if (accounts.error) return replace(accounts.body, h("p", { class: "form-error", role: "alert" }, problem(accounts.error)));
    const data = accounts.data;
    if (!data) return replace(accounts.body, h("p", { class: "muted" }, t("people.loading")));
    if (!data.accounts.length) return replace(accounts.body, h("p", { class: "muted" }, t("people.no_accounts")));
    const me = currentAccount()?.id;
    const columns = [t("people.name"), t("people.email"), t("people.organisation"), t("people.role"), t("people.status"), t("people.actions")];
    const rows = data.accounts.map((person) => {
      const draft = accounts.drafts.get(person.id) || { role: person.role, exhibitor_id: person.exhibitor?.id ?? null };
      const roleSelect = h(
        "select",
        { "aria-label": `${t("people.role")}: ${person.display_name}`, class: "people-role" },
        ROLES.map((r) => h("option", { value: r }, roleName(r))),
      );
      roleSelect.value = draft.role;
      const exhibitorSelect = h("select", { "aria-label": `${t("people.exhibitor")}: ${person.display_name}`, class: "people-exhibitor" });
      directory.know(person.exhibitor);
      directory.fill(exhibitorSelect, draft.exhibitor_id);
      const exhibitorPicker = h(
        "span",
        { class: "people-exhibitor-picker" },
        directory.searchBox(exhibitorSelect, `${t("people.find_exhibitor")}: ${person.display_name}`),
        exhibitorSelect,
      );
      exhibitorPicker.hidden = draft.role !== "exhibitor";
      const remember = () => {
        accounts.drafts.set(person.id, { role: roleSelect.value, exhibitor_id: Number(exhibitorSelect.value) || null });
        exhibitorPicker.hidden = roleSelect.value !== "exhibitor";
        save.disabled = roleSelect.value === person.role && (Number(exhibitorSelect.value) || null) === (person.exhibitor?.id ?? null);
      };
      roleSelect.addEventListener("change", remember);
      exhibitorSelect.addEventListener("change", remember);
      const save = h(
        "button",
        {
          type: "button",
          class: "button button-small",
          onclick: () => {
            const role = roleSelect.value;
            const body = { role };
            if (role === "exhibitor") body.exhibitor_id = Number(exhibitorSelect.value) || null;
            changeAccount(person, body);
          },
        },
        t("people.save_role"),
      );
      save.disabled = draft.role === person.role && draft.exhibitor_id === (person.exhibitor?.id ?? null);
      const error = accounts.rowError.get(person.id);
      const confirming = accounts.confirming === person.id;
      const toggle = person.disabled
        ? h("button", { type: "button", class: "button button-small", onclick: () => changeAccount(person, { disabled: false }) }, t("people.enable"))
        : person.id === me
          ? null
          : confirming
            ? null
            : h("button", { type: "button", class: "button button-small button-ghost", onclick: () => ((accounts.confirming = person.id), renderAccounts()) }, t("people.disable"));
      // Not for oneself (the profile), another organiser (the operator's) nor a service account.
      const resettable = !person.disabled && person.id !== me && person.role !== "organizer" && !person.email.endsWith(".invalid");
      const reset = resettable
        ? h("button", { type: "button", class: "button button-small button-ghost", onclick: () => makeResetLink(person) }, t("people.reset_link"))
        : null;
      const resetLink = accounts.resetLinks.get(person.id);
      // With no mail server a person cannot confirm a new address themselves: organisers set it.
      const editingEmail = resettable && accounts.editingEmail === person.id;
      const emailInput = editingEmail
        ? h("input", { type: "email", value: person.email, maxlength: "254", required: true, "aria-label": t("people.new_email", { name: person.display_name }) })
        : null;
      const emailCell = editingEmail
        ? h(
            "form",
            {
              class: "people-email-form",
              onsubmit: async (event) => {
                event.preventDefault();
                await changeAccount(person, { email: emailInput.value.trim() });
                if (!accounts.rowError.has(person.id)) accounts.editingEmail = null;
                renderAccounts();
              },
            },
            emailInput,
            h(
              "div",
              { class: "people-actions" },
              h("button", { type: "submit", class: "button button-small" }, t("people.save_email")),
              h("button", { type: "button", class: "button button-small button-ghost", onclick: () => ((accounts.editingEmail = null), renderAccounts()) }, t("people.cancel")),
            ),
          )
        : [
            h("span", { class: "people-email" }, person.email),
            resettable
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "link-button people-change-email",
                    onclick: () => {
                      accounts.editingEmail = person.id;
                      renderAccounts();
                      accounts.body.querySelector(".people-email-form input")?.focus();
                    },
                  },
                  t("people.change_email"),
                )
              : null,
          ];
      return h(
        "tr",
        { dataset: { account: String(person.id) }, class: person.disabled ? "people-row-disabled" : null },
        cell(t("people.name"), person.display_name, person.id === me ? t("people.you") : null),
        cell(t("people.email"), emailCell),
        cell(t("people.organisation"), person.organisation || null),
        cell(t("people.role"), h("div", { class: "people-role-edit" }, roleSelect, exhibitorPicker, save)),
        cell(t("people.status"), h("span", { class: `chip ${person.disabled ? "people-state-revoked" : "chip-accent"}` }, person.disabled ? t("people.disabled") : t("people.active"))),
        cell(
          t("people.actions"),
          toggle || reset ? h("div", { class: "people-actions" }, toggle, reset) : null,
          confirming
            ? h(
                "div",
                { class: "people-confirm", role: "alertdialog", "aria-label": t("people.confirm_disable_button") },
                h("p", {}, t("people.confirm_disable", { name: person.display_name })),
                h(
                  "div",
                  { class: "people-actions" },
                  h("button", { type: "button", class: "button button-small button-danger", onclick: () => changeAccount(person, { disabled: true }) }, t("people.confirm_disable_button")),
                  h("button", { type: "button", class: "button button-small button-ghost", onclick: () => ((accounts.confirming = null), renderAccounts()) }, t("people.cancel")),
                ),
              )
            : null,
          error ? h("p", { class: "form-error", role: "alert" }, problem(error)) : null,
          accounts.saved.has(person.id) ? h("p", { class: "form-saved", role: "status" }, t("people.role_saved")) : null,
          resetLink
            ? h(
                "div",
                { class: "people-reset-link", role: "status" },
                h("p", {}, t("people.reset_link_for", { name: person.display_name, minutes: Math.round(resetLink.expires_in_minutes) })),
                linkBox(resetLink.link),
              )
            : null,
        ),
      );
    });
    const pages = Math.max(1, Math.ceil(data.total / data.per_page));
    const go = (page) => {
      accounts.page = page;
      loadAccounts();
    };
    replace(
      accounts.body,
      table("people-accounts-table", columns, rows),
      h(
        "div",
        { class: "people-pager" },
        h("button", { type: "button", class: "button button-small", disabled: data.page <= 1, onclick: () => go(data.page - 1) }, t("people.previous")),
        h("span", { class: "muted" }, t("people.page", { page: data.page, pages, total: data.total })),
        h("button", { type: "button", class: "button button-small", disabled: data.page >= pages, onclick: () => go(data.page + 1) }, t("people.next")),
      ),
    );
  };
  const search = (event) => {
    event.preventDefault();
    accounts.page = 1;
    loadAccounts();
  };
  accounts.role.addEventListener("change", () => {
    accounts.page = 1;
    loadAccounts();
  });

  const section = () => {
    const filter = accounts.role.value;
    replace(accounts.role, h("option", { value: "" }, t("people.all_roles")), ROLES.map((r) => h("option", { value: r }, roleName(r))));
    accounts.role.value = filter;
    accounts.search.placeholder = t("people.search");
    accounts.search.setAttribute("aria-label", t("people.search"));
    return h(
      "section",
      { class: "panel people-panel" },
      h("h2", {}, t("people.accounts_heading")),
      h(
        "form",
        { class: "people-search-form", role: "search", onsubmit: search },
        accounts.search,
        accounts.role,
        h("button", { type: "submit", class: "button" }, t("people.search_button")),
      ),
      accounts.body,
    );
  };
  return { section, refresh: renderAccounts, load: loadAccounts };
}

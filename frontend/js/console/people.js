// The console's People tab (#/console/people): invite someone (the link shown once), invite
// many from a CSV paste (checked row by row before anything is made), the invitations made
// (resend, revoke), and the accounts (find, change a role, disable or enable).
//
// Inputs are made once and kept across renders (what is typed survives a refresh of a list);
// each part re-renders only its own body.

import { api, getExhibitors } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, dateTime, errorText, getLang, has, onLangChange, pick, roleName, t } from "../i18n.js";
import { currentAccount } from "../session.js";

addStrings({
  zh: {
    "people.invite_heading": "邀请一位",
    "people.invite_intro": "邀请参展商工作人员、演讲嘉宾、主持人或主办方。链接只显示这一次；配置了邮件服务时也会发到对方邮箱。",
    "people.email": "邮箱",
    "people.role": "角色",
    "people.exhibitor": "参展商",
    "people.choose_exhibitor": "选择参展商",
    "people.invite": "发送邀请",
    "people.inviting": "正在邀请…",
    "people.link_once": "邀请链接（只显示这一次，请复制给对方）：",
    "people.link_for": "给 {email} 的邀请链接（只显示这一次）：",
    "people.emailed": "已发送邮件。",
    "people.not_emailed": "未发送邮件（没有配置邮件服务，或发送失败）：请自行转交链接。",
    "people.copy": "复制",
    "people.copied": "已复制",
    "people.bulk_heading": "批量邀请（粘贴 CSV）",
    "people.bulk_intro": "每行一位：邮箱, 角色, 参展商（编号或名称）, 显示名称（可选）, 语言（可选）。可直接从表格粘贴。最多 {n} 行。先检查，再只邀请没有问题的行。",
    "people.bulk_label": "CSV 内容",
    "people.bulk_check": "检查",
    "people.bulk_checking": "正在检查…",
    "people.bulk_confirm": "邀请 {n} 位没有问题的",
    "people.bulk_summary": "{valid} 行可以邀请，{invalid} 行有问题。",
    "people.bulk_done": "已邀请 {n} 位。以下链接只显示这一次：",
    "people.bulk_none_valid": "没有可以邀请的行：请先修改有问题的行。",
    "people.line": "行",
    "people.check": "检查结果",
    "people.ok": "可以邀请",
    "people.invitations_heading": "已发出的邀请",
    "people.no_invitations": "还没有发出邀请。",
    "people.state": "状态",
    "people.expires": "有效期至",
    "people.actions": "操作",
    "people.state.pending": "待接受",
    "people.state.accepted": "已接受",
    "people.state.expired": "已过期",
    "people.state.revoked": "已撤回",
    "people.resend": "重新发送",
    "people.revoke": "撤回",
    "people.confirm_revoke": "确认撤回",
    "people.cancel": "取消",
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
    "people.loading": "正在加载…",
    "err.account.last_organiser": "这是最后一位主办方：请先让另一位成为主办方。",
    "err.account.not_self": "不能停用自己的账号。",
    "err.account.exhibitor": "参展商工作人员需要选择参展商，其他角色不需要。",
    "err.account.unknown": "没有这个账号。",
    "err.invitation.bad_email": "邮箱格式不对",
    "err.invitation.duplicate": "与上面某行的邮箱重复",
    "err.invitation.has_account": "该邮箱已有账号",
    "err.invitation.already_invited": "该邮箱已有待接受的邀请",
    "err.invitation.bad_language": "语言只能是 zh 或 en",
    "err.invitation.extra_columns": "列太多",
    "err.invitation.too_many_rows": "一次最多 {n} 行。",
    "err.invitation.no_rows": "请至少粘贴一行：邮箱, 角色, 参展商。",
    "err.invitation.bad_csv": "这不是有效的 CSV。",
    "people.row_bad_role": "未知角色（可用：参展商工作人员、演讲嘉宾、主持人、主办方）",
    "people.row_bad_exhibitor": "未知参展商",
    "people.row_exhibitor": "参展商工作人员需要参展商，其他角色不填",
    "people.row_bad_name": "显示名称太长",
  },
  en: {
    "people.invite_heading": "Invite someone",
    "people.invite_intro": "Invite exhibitor staff, speakers, moderators or organisers. The link is shown only this once; with email configured it is also sent to them.",
    "people.email": "Email",
    "people.role": "Role",
    "people.exhibitor": "Exhibitor",
    "people.choose_exhibitor": "Choose the exhibitor",
    "people.invite": "Invite",
    "people.inviting": "Inviting…",
    "people.link_once": "Invitation link (shown only this once; copy it to them):",
    "people.link_for": "Link for {email} (shown only this once):",
    "people.emailed": "Email sent.",
    "people.not_emailed": "Not emailed (no mail server configured, or it failed): pass the link on yourself.",
    "people.copy": "Copy",
    "people.copied": "Copied",
    "people.bulk_heading": "Invite many (paste CSV)",
    "people.bulk_intro": "One person a line: email, role, exhibitor (id or name), display name (optional), language (optional). Pasting from a spreadsheet works. At most {n} lines. Check first, then invite only the rows without problems.",
    "people.bulk_label": "CSV",
    "people.bulk_check": "Check",
    "people.bulk_checking": "Checking…",
    "people.bulk_confirm": "Invite the {n} valid rows",
    "people.bulk_confirm_one": "Invite the 1 valid row",
    "people.bulk_summary": "{valid} rows can be invited, {invalid} have problems.",
    "people.bulk_done": "Invited {n}. These links are shown only this once:",
    "people.bulk_none_valid": "No row can be invited: fix the rows with problems first.",
    "people.line": "Line",
    "people.check": "Check",
    "people.ok": "OK to invite",
    "people.invitations_heading": "Invitations",
    "people.no_invitations": "No invitations yet.",
    "people.state": "State",
    "people.expires": "Expires",
    "people.actions": "Actions",
    "people.state.pending": "Pending",
    "people.state.accepted": "Accepted",
    "people.state.expired": "Expired",
    "people.state.revoked": "Revoked",
    "people.resend": "Resend",
    "people.revoke": "Revoke",
    "people.confirm_revoke": "Really revoke",
    "people.cancel": "Cancel",
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
    "people.previous": "Previous",
    "people.next": "Next",
    "people.loading": "Loading…",
    "err.account.last_organiser": "This is the last organiser: make someone else an organiser first.",
    "err.account.not_self": "You cannot disable your own account.",
    "err.account.exhibitor": "Exhibitor staff need an exhibitor; other roles take none.",
    "err.account.unknown": "There is no such account.",
    "err.invitation.bad_email": "Not an email address",
    "err.invitation.duplicate": "The same email as a line above",
    "err.invitation.has_account": "This email has an account already",
    "err.invitation.already_invited": "This email has a pending invitation",
    "err.invitation.bad_language": "The language is zh or en",
    "err.invitation.extra_columns": "Too many columns",
    "err.invitation.too_many_rows": "At most {n} lines at a time.",
    "err.invitation.no_rows": "Paste at least one line: email, role, exhibitor.",
    "err.invitation.bad_csv": "That is not valid CSV.",
    "people.row_bad_role": "Unknown role (exhibitor staff, speaker, moderator, organiser)",
    "people.row_bad_exhibitor": "Unknown exhibitor",
    "people.row_exhibitor": "Exhibitor staff need an exhibitor; other roles take none",
    "people.row_bad_name": "The display name is too long",
  },
});

const INVITABLE = ["exhibitor", "speaker", "moderator", "organizer"];
const ROLES = ["attendee", "exhibitor", "speaker", "moderator", "organizer"];
const MAX_ROWS = 500;
const PER_PAGE = 20;
// A bulk row's error codes in words of the row (the request-wide words say "this invitation").
const ROW_WORDS = {
  "invitation.bad_role": "people.row_bad_role",
  "exhibitor.unknown": "people.row_bad_exhibitor",
  "invitation.exhibitor": "people.row_exhibitor",
  "account.bad_name": "people.row_bad_name",
};

const rowError = (code) => (ROW_WORDS[code] ? t(ROW_WORDS[code]) : has(`err.${code}`) ? t(`err.${code}`) : code);
const problem = (error) =>
  error?.code === "invitation.too_many_rows" ? t("err.invitation.too_many_rows", { n: MAX_ROWS }) : errorText(error);

/** A table inside its scrolling wrapper; on a phone each row becomes a card whose cells are
 * labelled by their column (`data-label`, shown by css/console.css). */
function table(cls, columns, rows) {
  return h(
    "div",
    { class: "console-table-wrap" },
    h(
      "table",
      { class: `console-table people-cards ${cls}` },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows),
    ),
  );
}

const cell = (label, ...children) => h("td", { "data-label": label }, ...children);

export function mount(root) {
  let stopped = false;
  let exhibitors = [];
  const exhibitorName = (id) => {
    const found = exhibitors.find((e) => e.id === id);
    return found ? pick(found.name) : id == null ? "" : `#${id}`;
  };
  const exhibitorOptions = (select, chosen) => {
    replace(
      select,
      h("option", { value: "" }, t("people.choose_exhibitor")),
      exhibitors.map((e) => h("option", { value: String(e.id) }, pick(e.name))),
    );
    select.value = chosen == null ? "" : String(chosen);
  };

  // --- invite one ------------------------------------------------------------------------
  const invite = {
    email: h("input", { id: "people-invite-email", type: "email", required: true, maxlength: "254", autocomplete: "off" }),
    role: h("select", { id: "people-invite-role" }),
    exhibitor: h("select", { id: "people-invite-exhibitor" }),
    body: h("div", { class: "people-result", "aria-live": "polite" }),
    busy: false,
    error: null,
    issued: null, // {link, emailed, email}: shown until the tab is left
  };
  invite.role.addEventListener("change", () => renderInviteExhibitor());
  const renderInviteExhibitor = () => {
    const field = invite.exhibitor.closest(".field");
    if (field) field.hidden = invite.role.value !== "exhibitor";
  };
  const linkBox = (link) => {
    const input = h("input", { type: "text", readonly: true, value: link, class: "people-link", "aria-label": t("people.link_once") });
    const copy = h("button", { type: "button", class: "button button-small" }, t("people.copy"));
    copy.addEventListener("click", async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(link);
        copy.textContent = t("people.copied");
      } catch {
        /* selected: the person copies it by hand */
      }
    });
    return h("div", { class: "people-link-row" }, input, copy);
  };
  const renderInvite = () => {
    replace(
      invite.body,
      invite.error ? h("p", { class: "form-error", role: "alert" }, problem(invite.error)) : null,
      invite.issued
        ? h(
            "div",
            { class: "people-issued" },
            h("p", {}, t("people.link_for", { email: invite.issued.email })),
            linkBox(invite.issued.link),
            h("p", { class: "muted" }, invite.issued.emailed ? t("people.emailed") : t("people.not_emailed")),
          )
        : null,
    );
  };
  const sendInvite = async (event) => {
    event.preventDefault();
    if (invite.busy) return;
    const body = { email: invite.email.value.trim(), role: invite.role.value };
    if (body.role === "exhibitor") body.exhibitor_id = Number(invite.exhibitor.value) || null;
    invite.busy = true;
    invite.error = null;
    render();
    try {
      const made = await api("/api/invitations", { method: "POST", body });
      invite.issued = { link: made.link, emailed: made.emailed, email: made.invitation.email };
      invite.email.value = "";
      loadInvitations();
    } catch (error) {
      invite.error = error;
      invite.issued = null;
    }
    invite.busy = false;
    render();
  };

  // --- invite many -----------------------------------------------------------------------
  const bulk = {
    text: h("textarea", {
      id: "people-bulk-csv",
      rows: "6",
      spellcheck: "false",
      placeholder: "email,role,exhibitor,display name,language\nli.na@example.cn,speaker,,李娜,zh\nwang@example.cn,exhibitor,3",
    }),
    body: h("div", { class: "people-bulk-result", "aria-live": "polite" }),
    busy: false,
    error: null,
    preview: null, // the server's check of the text as it was sent
    done: null, // the result of confirming
  };
  bulk.text.addEventListener("input", () => {
    if (bulk.preview || bulk.done) {
      bulk.preview = null; // the text changed: check again before confirming
      bulk.done = null;
      renderBulk();
    }
  });
  const bulkSend = async (confirm) => {
    if (bulk.busy) return;
    bulk.busy = true;
    bulk.error = null;
    renderBulk();
    try {
      const result = await api("/api/invitations/bulk", { method: "POST", body: { csv: bulk.text.value, confirm } });
      if (confirm) {
        bulk.done = result;
        bulk.preview = null;
        loadInvitations();
      } else bulk.preview = result;
    } catch (error) {
      bulk.error = error;
    }
    bulk.busy = false;
    renderBulk();
  };
  const renderBulk = () => {
    const preview = bulk.preview;
    const rows = (result) =>
      result.rows.map((r) =>
        h(
          "tr",
          { class: r.errors.length ? "people-row-bad" : "people-row-ok", dataset: { line: String(r.line) } },
          cell(t("people.line"), String(r.line)),
          cell(t("people.email"), r.email),
          cell(t("people.role"), r.role ? roleName(r.role) : ""),
          cell(t("people.exhibitor"), exhibitorName(r.exhibitor_id)),
          cell(
            t("people.check"),
            r.errors.length
              ? h("ul", { class: "people-errors" }, r.errors.map((code) => h("li", {}, rowError(code))))
              : h("span", { class: "chip chip-accent" }, t("people.ok")),
          ),
        ),
      );
    const columns = [t("people.line"), t("people.email"), t("people.role"), t("people.exhibitor"), t("people.check")];
    replace(
      bulk.body,
      h(
        "div",
        { class: "form-actions" },
        h(
          "button",
          { type: "button", class: "button", disabled: bulk.busy, onclick: () => bulkSend(false) },
          bulk.busy && !preview ? t("people.bulk_checking") : t("people.bulk_check"),
        ),
        preview && preview.valid > 0
          ? h(
              "button",
              { type: "button", class: "button button-primary", disabled: bulk.busy, onclick: () => bulkSend(true) },
              t("people.bulk_confirm", { n: preview.valid }),
            )
          : null,
      ),
      bulk.error ? h("p", { class: "form-error", role: "alert" }, problem(bulk.error)) : null,
      preview
        ? [
            h("p", { class: "people-summary", role: "status" }, t("people.bulk_summary", { valid: preview.valid, invalid: preview.invalid })),
            preview.valid === 0 ? h("p", { class: "form-error" }, t("people.bulk_none_valid")) : null,
            table("people-bulk-table", columns, rows(preview)),
          ]
        : null,
      bulk.done
        ? h(
            "div",
            { class: "people-issued" },
            h("p", { role: "status" }, t("people.bulk_done", { n: bulk.done.created })),
            h(
              "ul",
              { class: "people-links" },
              bulk.done.rows
                .filter((r) => r.created)
                .map((r) => h("li", {}, h("span", { class: "people-link-email" }, r.email), linkBox(r.created.link))),
            ),
          )
        : null,
    );
  };

  // --- invitations -------------------------------------------------------------------------
  const invitations = { body: h("div", { class: "people-invitations" }), list: null, error: null, confirming: null, rowError: new Map(), resent: new Map() };
  const loadInvitations = async () => {
    try {
      invitations.list = (await api("/api/invitations")).invitations.reverse(); // newest first
      invitations.error = null;
    } catch (error) {
      invitations.error = error;
    }
    if (!stopped) renderInvitations();
  };
  const actOnInvitation = async (row, how) => {
    invitations.confirming = null;
    invitations.rowError.delete(row.id);
    try {
      if (how === "resend") {
        const made = await api(`/api/invitations/${row.id}/resend`, { method: "POST" });
        invitations.resent.set(row.id, made);
      } else await api(`/api/invitations/${row.id}`, { method: "DELETE" });
    } catch (error) {
      invitations.rowError.set(row.id, error);
    }
    await loadInvitations();
  };
  const renderInvitations = () => {
    if (invitations.error) return replace(invitations.body, h("p", { class: "form-error", role: "alert" }, problem(invitations.error)));
    if (!invitations.list) return replace(invitations.body, h("p", { class: "muted" }, t("people.loading")));
    if (!invitations.list.length) return replace(invitations.body, h("p", { class: "muted" }, t("people.no_invitations")));
    const columns = [t("people.email"), t("people.role"), t("people.state"), t("people.expires"), t("people.actions")];
    const rows = invitations.list.map((row) => {
      const open = row.state === "pending" || row.state === "expired";
      const error = invitations.rowError.get(row.id);
      const resent = invitations.resent.get(row.id);
      const actions = !open
        ? null
        : invitations.confirming === row.id
          ? [
              h("button", { type: "button", class: "button button-small button-danger", onclick: () => actOnInvitation(row, "revoke") }, t("people.confirm_revoke")),
              h("button", { type: "button", class: "button button-small button-ghost", onclick: () => ((invitations.confirming = null), renderInvitations()) }, t("people.cancel")),
            ]
          : [
              h("button", { type: "button", class: "button button-small", onclick: () => actOnInvitation(row, "resend") }, t("people.resend")),
              h("button", { type: "button", class: "button button-small button-ghost", onclick: () => ((invitations.confirming = row.id), renderInvitations()) }, t("people.revoke")),
            ];
      return h(
        "tr",
        { dataset: { invitation: String(row.id) } },
        cell(t("people.email"), row.email),
        cell(t("people.role"), roleName(row.role), row.exhibitor_id ? h("div", { class: "muted" }, exhibitorName(row.exhibitor_id)) : null),
        cell(t("people.state"), h("span", { class: `chip people-state people-state-${row.state}` }, t(`people.state.${row.state}`))),
        cell(t("people.expires"), row.state === "pending" ? dateTime(row.expires_at) : null),
        cell(
          t("people.actions"),
          actions ? h("div", { class: "people-actions" }, actions) : null,
          error ? h("p", { class: "form-error", role: "alert" }, problem(error)) : null,
          resent
            ? h("div", { class: "people-issued" }, linkBox(resent.link), h("p", { class: "muted" }, resent.emailed ? t("people.emailed") : t("people.not_emailed")))
            : null,
        ),
      );
    });
    replace(invitations.body, table("people-invitations-table", columns, rows));
  };

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
    if (!stopped) renderAccounts();
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
      exhibitorOptions(exhibitorSelect, draft.exhibitor_id);
      exhibitorSelect.hidden = draft.role !== "exhibitor";
      const remember = () => {
        accounts.drafts.set(person.id, { role: roleSelect.value, exhibitor_id: Number(exhibitorSelect.value) || null });
        exhibitorSelect.hidden = roleSelect.value !== "exhibitor";
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
      return h(
        "tr",
        { dataset: { account: String(person.id) }, class: person.disabled ? "people-row-disabled" : null },
        cell(t("people.name"), person.display_name, person.id === me ? t("people.you") : null),
        cell(t("people.email"), h("span", { class: "people-email" }, person.email)),
        cell(t("people.organisation"), person.organisation || null),
        cell(t("people.role"), h("div", { class: "people-role-edit" }, roleSelect, exhibitorSelect, save)),
        cell(t("people.status"), h("span", { class: `chip ${person.disabled ? "people-state-revoked" : "chip-accent"}` }, person.disabled ? t("people.disabled") : t("people.active"))),
        cell(
          t("people.actions"),
          toggle ? h("div", { class: "people-actions" }, toggle) : null,
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

  // --- the whole tab ---------------------------------------------------------------------
  const render = () => {
    const chosenRole = invite.role.value || "speaker";
    replace(invite.role, INVITABLE.map((r) => h("option", { value: r }, roleName(r))));
    invite.role.value = chosenRole;
    exhibitorOptions(invite.exhibitor, Number(invite.exhibitor.value) || null);
    const filter = accounts.role.value;
    replace(accounts.role, h("option", { value: "" }, t("people.all_roles")), ROLES.map((r) => h("option", { value: r }, roleName(r))));
    accounts.role.value = filter;
    accounts.search.placeholder = t("people.search");
    accounts.search.setAttribute("aria-label", t("people.search"));
    bulk.text.setAttribute("aria-describedby", "people-bulk-intro");
    const field = (input, label) => h("div", { class: "field" }, h("label", { for: input.id }, label), input);
    replace(
      root,
      h(
        "div",
        { class: "people", lang: getLang() === "zh" ? "zh-CN" : "en" },
        h(
          "section",
          { class: "panel people-panel" },
          h("h2", {}, t("people.invite_heading")),
          h("p", { class: "muted" }, t("people.invite_intro")),
          h(
            "form",
            { class: "people-invite-form", onsubmit: sendInvite },
            field(invite.email, t("people.email")),
            field(invite.role, t("people.role")),
            field(invite.exhibitor, t("people.exhibitor")),
            h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button button-primary", disabled: invite.busy }, invite.busy ? t("people.inviting") : t("people.invite"))),
          ),
          invite.body,
        ),
        h(
          "section",
          { class: "panel people-panel" },
          h("h2", {}, t("people.bulk_heading")),
          h("p", { class: "muted", id: "people-bulk-intro" }, t("people.bulk_intro", { n: MAX_ROWS })),
          field(bulk.text, t("people.bulk_label")),
          bulk.body,
        ),
        h("section", { class: "panel people-panel" }, h("h2", {}, t("people.invitations_heading")), invitations.body),
        h(
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
        ),
      ),
    );
    renderInviteExhibitor();
    renderInvite();
    renderBulk();
    renderInvitations();
    renderAccounts();
  };

  render();
  getExhibitors()
    .then((body) => {
      exhibitors = body.exhibitors || [];
      if (!stopped) render();
    })
    .catch(() => {}); // names stay ids; the rest of the tab works
  loadInvitations();
  loadAccounts();
  const offLang = onLangChange(() => {
    if (!stopped) render();
  });
  return () => {
    stopped = true;
    offLang();
  };
}

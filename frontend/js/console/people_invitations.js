// The People tab's invitations: invite one (the link shown once), invite many from a CSV paste
// (checked row by row before anything is made), and the invitations made (resend, revoke).

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, dateTime, has, roleName, t } from "../i18n.js";
import { cell, linkBox, MAX_ROWS, problem, table } from "./people_parts.js";

addStrings({
  zh: {
    "people.invite_heading": "邀请一位",
    "people.invite_intro": "邀请参展商工作人员、演讲嘉宾、主持人或主办方。链接只显示这一次；配置了邮件服务时也会发到对方邮箱。",
    "people.invite": "发送邀请",
    "people.inviting": "正在邀请…",
    "people.link_for": "给 {email} 的邀请链接（只显示这一次）：",
    "people.emailed": "已发送邮件。",
    "people.not_emailed": "未发送邮件（没有配置邮件服务，或发送失败）：请自行转交链接。",
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
    "people.state.pending": "待接受",
    "people.state.accepted": "已接受",
    "people.state.expired": "已过期",
    "people.state.revoked": "已撤回",
    "people.resend": "重新发送",
    "people.revoke": "撤回",
    "people.confirm_revoke": "确认撤回",
    "err.invitation.bad_email": "邮箱格式不对",
    "err.invitation.duplicate": "与上面某行的邮箱重复",
    "err.invitation.has_account": "该邮箱已有账号",
    "err.invitation.already_invited": "该邮箱已有待接受的邀请",
    "err.invitation.bad_language": "语言只能是 zh 或 en",
    "err.invitation.extra_columns": "列太多",
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
    "people.invite": "Invite",
    "people.inviting": "Inviting…",
    "people.link_for": "Link for {email} (shown only this once):",
    "people.emailed": "Email sent.",
    "people.not_emailed": "Not emailed (no mail server configured, or it failed): pass the link on yourself.",
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
    "people.state.pending": "Pending",
    "people.state.accepted": "Accepted",
    "people.state.expired": "Expired",
    "people.state.revoked": "Revoked",
    "people.resend": "Resend",
    "people.revoke": "Revoke",
    "people.confirm_revoke": "Really revoke",
    "err.invitation.bad_email": "Not an email address",
    "err.invitation.duplicate": "The same email as a line above",
    "err.invitation.has_account": "This email has an account already",
    "err.invitation.already_invited": "This email has a pending invitation",
    "err.invitation.bad_language": "The language is zh or en",
    "err.invitation.extra_columns": "Too many columns",
    "err.invitation.no_rows": "Paste at least one line: email, role, exhibitor.",
    "err.invitation.bad_csv": "That is not valid CSV.",
    "people.row_bad_role": "Unknown role (exhibitor staff, speaker, moderator, organiser)",
    "people.row_bad_exhibitor": "Unknown exhibitor",
    "people.row_exhibitor": "Exhibitor staff need an exhibitor; other roles take none",
    "people.row_bad_name": "The display name is too long",
  },
});

const INVITABLE = ["exhibitor", "speaker", "moderator", "organizer"];
// A bulk row's error codes in words of the row (the request-wide words say "this invitation").
const ROW_WORDS = {
  "invitation.bad_role": "people.row_bad_role",
  "exhibitor.unknown": "people.row_bad_exhibitor",
  "invitation.exhibitor": "people.row_exhibitor",
  "account.bad_name": "people.row_bad_name",
};
const rowError = (code) => (ROW_WORDS[code] ? t(ROW_WORDS[code]) : has(`err.${code}`) ? t(`err.${code}`) : code);

/** The invitation sections: `sections()` builds them (in the page's language), `refresh()`
 * fills their bodies, `load()` fetches the invitations. `rerender()` is the tab's own render. */
export function invitationsPart({ directory, alive, rerender }) {
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
    rerender();
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
    rerender();
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
          cell(t("people.exhibitor"), directory.name(r.exhibitor_id)),
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
    if (alive()) renderInvitations();
    // Names of exhibitors beyond the directory's first page, then shown.
    const learnt = await directory.learn((invitations.list || []).map((r) => r.exhibitor_id)).catch(() => false);
    if (learnt && alive()) renderInvitations();
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
        cell(t("people.role"), roleName(row.role), row.exhibitor_id ? h("div", { class: "muted" }, directory.name(row.exhibitor_id)) : null),
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

  const field = (input, label) => h("div", { class: "field" }, h("label", { for: input.id }, label), input);
  const sections = () => {
    const chosenRole = invite.role.value || "speaker";
    replace(invite.role, INVITABLE.map((r) => h("option", { value: r }, roleName(r))));
    invite.role.value = chosenRole;
    directory.fill(invite.exhibitor, Number(invite.exhibitor.value) || null);
    bulk.text.setAttribute("aria-describedby", "people-bulk-intro");
    return [
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
          h(
            "div",
            { class: "field" },
            h("label", { for: invite.exhibitor.id }, t("people.exhibitor")),
            h("div", { class: "people-exhibitor-picker" }, directory.searchBox(invite.exhibitor), invite.exhibitor),
          ),
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
    ];
  };
  const refresh = () => {
    renderInviteExhibitor();
    renderInvite();
    renderBulk();
    renderInvitations();
  };
  return { sections, refresh, load: loadInvitations };
}

// "Leave my card / 留下名片" on a booth: an explicit consent dialog that shows exactly which of
// the visitor's details (their actual values) go to which exhibitor, and the withdrawal, which
// deletes the lead at once (expo/hall/leads.py).
//
//   const unmount = mountCard(element, { id: 3, name: { zh: "…", en: "…" } });
//
// The booth page (booth.js) mounts it for visitors, beside the booth's visit (booth_visit.js).

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { signInHref } from "./header.js";
import { addStrings, dateTime, errorText, onLangChange, pick, t } from "./i18n.js";
import { currentAccount, onAccountChange } from "./session.js";

addStrings({
  zh: {
    "boothcard.title": "留下名片",
    "boothcard.intro": "想让展商会后联系您？留下名片，只分享给这一家展商。",
    "boothcard.leave": "留下名片",
    "boothcard.sign_in": "登录后留下名片",
    "boothcard.dialog_title": "把名片分享给 {exhibitor}？",
    "boothcard.dialog_lead": "以下信息将只分享给「{exhibitor}」，不会给其他展商：",
    "boothcard.field.name": "姓名",
    "boothcard.field.organisation": "单位",
    "boothcard.field.title": "职务",
    "boothcard.field.email": "邮箱",
    "boothcard.empty_value": "（未填写）",
    "boothcard.dialog_rules":
      "展商可以看到并导出这些信息，用于会后联系您。您可以随时撤回；撤回后，展商的线索列表和导出中将立即删除这些信息。",
    "boothcard.consent": "我同意把以上信息分享给「{exhibitor}」",
    "boothcard.confirm": "同意并分享",
    "boothcard.cancel": "取消",
    "boothcard.shared": "您已于 {when} 把名片分享给「{exhibitor}」：",
    "boothcard.withdraw": "撤回名片",
    "boothcard.withdraw_confirm": "撤回后，「{exhibitor}」将不再看到您的名片。确定撤回？",
    "boothcard.withdrawn": "已撤回，展商那里的信息已删除。",
    "boothcard.own_booth": "这是您所在展商的展台。",
    "boothcard.loading": "正在加载…",
    "err.lead.consent_required": "需要您明确同意后才能分享名片。",
    "err.lead.own_booth": "展商工作人员不在自己的展台留名片。",
  },
  en: {
    "boothcard.title": "Leave my card",
    "boothcard.intro": "Want this exhibitor to get in touch after the expo? Share your card with them alone.",
    "boothcard.leave": "Leave my card",
    "boothcard.sign_in": "Sign in to leave your card",
    "boothcard.dialog_title": "Share your card with {exhibitor}?",
    "boothcard.dialog_lead": "These details go to “{exhibitor}” only, and to no other exhibitor:",
    "boothcard.field.name": "Name",
    "boothcard.field.organisation": "Organisation",
    "boothcard.field.title": "Title",
    "boothcard.field.email": "Email",
    "boothcard.empty_value": "(not filled in)",
    "boothcard.dialog_rules":
      "The exhibitor can see and export them to contact you after the expo. You can withdraw at any time: they are then deleted from the exhibitor's leads and exports at once.",
    "boothcard.consent": "I agree to share the details above with “{exhibitor}”",
    "boothcard.confirm": "Agree and share",
    "boothcard.cancel": "Cancel",
    "boothcard.shared": "You shared your card with “{exhibitor}” on {when}:",
    "boothcard.withdraw": "Withdraw my card",
    "boothcard.withdraw_confirm": "“{exhibitor}” will no longer see your card. Withdraw it?",
    "boothcard.withdrawn": "Withdrawn: the exhibitor's copy is deleted.",
    "boothcard.own_booth": "This is your own exhibitor's booth.",
    "boothcard.loading": "Loading…",
    "err.lead.consent_required": "Sharing your card needs your explicit consent.",
    "err.lead.own_booth": "Staff do not leave their card at their own booth.",
  },
});

const FIELDS = ["name", "organisation", "title", "email"];

function details(values) {
  return h(
    "dl",
    { class: "boothcard-fields" },
    FIELDS.map((name) => [
      h("dt", {}, t(`boothcard.field.${name}`)),
      h("dd", { dataset: { field: name } }, values?.[name] || t("boothcard.empty_value")),
    ]),
  );
}

export function mountCard(el, booth) {
  let state = null; // GET /api/exhibitors/<id>/card
  let failure = null;
  let message = null;
  let busy = false;
  let stopped = false;
  const exhibitorName = () => pick(state?.exhibitor?.name || booth?.name) || `#${booth.id}`;

  const load = async () => {
    if (!currentAccount()) {
      state = null;
      return render();
    }
    try {
      state = await api(`/api/exhibitors/${encodeURIComponent(booth.id)}/card`);
      failure = null;
    } catch (error) {
      failure = error;
    }
    if (!stopped) render();
  };

  const share = async (dialog) => {
    busy = true;
    try {
      await api(`/api/exhibitors/${encodeURIComponent(booth.id)}/card`, {
        method: "POST",
        body: { consent: true, source: "card" },
      });
      dialog.close();
      message = null;
      await load();
    } catch (error) {
      failure = error;
      dialog.close();
      render();
    } finally {
      busy = false;
    }
  };

  const withdraw = async () => {
    if (!window.confirm(t("boothcard.withdraw_confirm", { exhibitor: exhibitorName() }))) return;
    try {
      await api(`/api/exhibitors/${encodeURIComponent(booth.id)}/card`, { method: "DELETE" });
      message = t("boothcard.withdrawn");
      await load();
    } catch (error) {
      failure = error;
      render();
    }
  };

  const openDialog = () => {
    const exhibitor = exhibitorName();
    const agree = h("input", { type: "checkbox", id: "boothcard-agree", name: "agree" });
    const confirm = h(
      "button",
      { type: "submit", class: "button button-primary", disabled: true, dataset: { action: "confirm" } },
      t("boothcard.confirm"),
    );
    agree.addEventListener("change", () => {
      confirm.disabled = !agree.checked || busy;
    });
    const dialog = h(
      "dialog",
      { class: "boothcard-dialog", "aria-labelledby": "boothcard-dialog-title" },
      h(
        "form",
        {
          method: "dialog",
          onsubmit: (event) => {
            event.preventDefault();
            if (agree.checked && !busy) share(dialog);
          },
        },
        h("h2", { id: "boothcard-dialog-title" }, t("boothcard.dialog_title", { exhibitor })),
        h("p", {}, t("boothcard.dialog_lead", { exhibitor })),
        details(state.would_share),
        h("p", { class: "muted boothcard-rules" }, t("boothcard.dialog_rules")),
        h("label", { class: "boothcard-agree", for: "boothcard-agree" }, agree, " ", t("boothcard.consent", { exhibitor })),
        h(
          "div",
          { class: "boothcard-actions" },
          h(
            "button",
            { type: "button", class: "button button-ghost", onclick: () => dialog.close() },
            t("boothcard.cancel"),
          ),
          confirm,
        ),
      ),
    );
    dialog.addEventListener("close", () => dialog.remove());
    document.body.appendChild(dialog);
    dialog.showModal();
  };

  const render = () => {
    const account = currentAccount();
    let body;
    if (account === undefined || (account && !state && !failure)) {
      body = h("p", { class: "muted" }, t("boothcard.loading"));
    } else if (!account) {
      body = h("a", { class: "button button-primary", href: signInHref() }, t("boothcard.sign_in"));
    } else if (state?.own_booth) {
      body = h("p", { class: "muted" }, t("boothcard.own_booth"));
    } else if (state?.card) {
      body = [
        h(
          "p",
          { class: "boothcard-shared" },
          t("boothcard.shared", { exhibitor: exhibitorName(), when: dateTime(state.card.consented_at) }),
        ),
        details(state.card.shared),
        h(
          "button",
          { type: "button", class: "button button-small", dataset: { action: "withdraw" }, onclick: withdraw },
          t("boothcard.withdraw"),
        ),
      ];
    } else {
      body = [
        h("p", { class: "muted" }, t("boothcard.intro")),
        state
          ? h(
              "button",
              { type: "button", class: "button button-primary", dataset: { action: "leave" }, onclick: openDialog },
              t("boothcard.leave"),
            )
          : null,
      ];
    }
    replace(
      el,
      h(
        "section",
        { class: "panel boothcard" },
        h("h2", { class: "panel-title" }, t("boothcard.title")),
        body,
        message ? h("p", { class: "notice", role: "status" }, message) : null,
        failure ? h("p", { class: "notice notice-error", role: "alert" }, errorText(failure)) : null,
      ),
    );
  };

  const offLang = onLangChange(render);
  const offAccount = onAccountChange(() => {
    state = null;
    load();
  });
  render();
  load();
  return () => {
    stopped = true;
    offLang();
    offAccount();
  };
}

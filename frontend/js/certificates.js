// Attendance certificates (参会证书), in the account menu:
//
// - #/certificates: mine, each a W3C Verifiable Credential signed by the platform, with its
//   downloads (the signed JSON, the same as VC-JWT, a PNG badge with the credential baked in, a
//   PDF certificate with a QR code) and its public verification link; and "claim what I have
//   earned" (POST /api/me/credentials), which issues what is due and not yet issued.
// - #/verify/<id>: anyone shown a certificate's link (or its QR code) sees whether it holds:
//   valid, revoked, or why not, checked by the platform against its own keys and status list.
// - #/verify: someone handed a credential file pastes or opens it and is told exactly why it
//   fails, if it does (tampered, revoked, unknown key, malformed).
//
// Offline, with no platform at all: `expo credential verify FILE` (README).

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, dateTime, errorText, onLangChange, pick, t } from "./i18n.js";
import { currentAccount, onAccountChange } from "./session.js";

addStrings({
  zh: {
    "nav.certificates": "我的证书",
    "cert.heading": "我的参会证书",
    "cert.intro": "你在数博会线上展的参与，由平台签发为可验证的数字证书（W3C 可验证凭证 2.0 / Open Badges 3.0，Ed25519 签名）。任何人都可以离线验证，无需区块链。",
    "cert.claim": "领取已获得的证书",
    "cert.claiming": "正在签发…",
    "cert.claimed": "新签发 {n} 张证书。",
    "cert.nothing_new": "暂无新证书：观看开幕式 10 分钟、收看一场论坛 20 分钟、浏览 3 个展位或完成一次商务洽谈，即可获得。",
    "cert.empty": "你还没有证书。",
    "cert.signed_out": "登录后查看你的证书。",
    "cert.loading": "正在加载…",
    "cert.issued": "签发于 {when}",
    "cert.valid": "有效",
    "cert.revoked": "已撤销",
    "cert.json": "凭证 JSON",
    "cert.jwt": "VC-JWT",
    "cert.png": "徽章 PNG",
    "cert.pdf": "证书 PDF",
    "cert.share": "公开验证链接",
    "verify.heading": "验证证书",
    "verify.intro": "粘贴或打开一份证书文件（JSON 或 VC-JWT），平台用自己的公钥和撤销列表核验，并说明不通过的具体原因。",
    "verify.paste": "证书内容",
    "verify.file": "打开文件",
    "verify.check": "验证",
    "verify.checking": "正在验证…",
    "verify.ok": "✓ 证书有效",
    "verify.failed": "✗ 证书无效",
    "verify.holder": "持有人",
    "verify.achievement": "成就",
    "verify.issued_at": "签发时间",
    "verify.issuer": "签发方",
    "verify.reason.tampered": "内容被改动过：签名与内容不符。",
    "verify.reason.revoked": "签发方已撤销这张证书。",
    "verify.reason.unknown_key": "签名所用的密钥不是本平台的。",
    "verify.reason.malformed": "这不是一份有效的证书文件。",
    "verify.reason.wrong_purpose": "签名不是为签发证书而做的。",
    "verify.reason.status_list_invalid": "撤销列表无法核验。",
    "verify.not_found": "没有这张证书。",
  },
  en: {
    "nav.certificates": "My certificates",
    "cert.heading": "My attendance certificates",
    "cert.intro": "What you did at the online Big Data Expo, issued by the platform as verifiable digital certificates (W3C Verifiable Credentials 2.0 / Open Badges 3.0, signed with Ed25519). Anyone can check one offline; no blockchain needed.",
    "cert.claim": "Claim what I have earned",
    "cert.claiming": "Issuing…",
    "cert.claimed": "{n} new certificate(s) issued.",
    "cert.nothing_new": "Nothing new yet: watch the opening ceremony for 10 minutes, follow a forum session for 20, visit 3 booths or hold a business meeting to earn one.",
    "cert.empty": "You have no certificates yet.",
    "cert.signed_out": "Sign in to see your certificates.",
    "cert.loading": "Loading…",
    "cert.issued": "Issued {when}",
    "cert.valid": "Valid",
    "cert.revoked": "Revoked",
    "cert.json": "Credential JSON",
    "cert.jwt": "VC-JWT",
    "cert.png": "Badge PNG",
    "cert.pdf": "Certificate PDF",
    "cert.share": "Public verification link",
    "verify.heading": "Verify a certificate",
    "verify.intro": "Paste or open a certificate file (JSON or VC-JWT): the platform checks it against its own keys and revocation list, and says exactly why one fails.",
    "verify.paste": "The certificate",
    "verify.file": "Open a file",
    "verify.check": "Verify",
    "verify.checking": "Checking…",
    "verify.ok": "✓ The certificate is valid",
    "verify.failed": "✗ The certificate is not valid",
    "verify.holder": "Holder",
    "verify.achievement": "Achievement",
    "verify.issued_at": "Issued",
    "verify.issuer": "Issuer",
    "verify.reason.tampered": "It was changed after signing: the signature does not match.",
    "verify.reason.revoked": "The issuer revoked it.",
    "verify.reason.unknown_key": "It was signed with a key that is not this platform's.",
    "verify.reason.malformed": "This is not a valid certificate file.",
    "verify.reason.wrong_purpose": "It was not signed to issue a certificate.",
    "verify.reason.status_list_invalid": "The revocation list could not be checked.",
    "verify.not_found": "There is no such certificate.",
  },
});

const credentialPath = (id, format) =>
  `/api/credentials/${encodeURIComponent(id)}${format ? `?format=${format}` : ""}`;

export function mountCertificates(root) {
  let credentials = null;
  let failure = null;
  let note = "";
  let busy = false;
  let stopped = false;

  async function load() {
    if (!currentAccount()) return render();
    try {
      credentials = (await api("/api/me/credentials")).credentials;
      failure = null;
    } catch (err) {
      failure = err;
    }
    render();
  }

  async function claim() {
    busy = true;
    render();
    try {
      const body = await api("/api/me/credentials", { method: "POST" });
      credentials = body.credentials;
      note = body.issued.length ? t("cert.claimed", { n: body.issued.length }) : t("cert.nothing_new");
    } catch (err) {
      note = errorText(err);
    }
    busy = false;
    render();
  }

  const card = (c) =>
    h(
      "li",
      { class: `cert-card${c.revoked_at ? " is-revoked" : ""}`, dataset: { credential: c.id } },
      h("div", { class: "cert-seal", "aria-hidden": "true" }, "数"),
      h(
        "div",
        { class: "cert-body" },
        h("h2", { class: "cert-name" }, pick(c.name)),
        h(
          "p",
          { class: "cert-meta" },
          h("span", { class: `chip ${c.revoked_at ? "is-warn" : "chip-accent"}` }, t(c.revoked_at ? "cert.revoked" : "cert.valid")),
          " ",
          t("cert.issued", { when: dateTime(c.issued_at) }),
        ),
        h(
          "div",
          { class: "cert-downloads" },
          h("a", { class: "button button-small", href: credentialPath(c.id), download: `${c.id}.json` }, t("cert.json")),
          h("a", { class: "button button-small", href: credentialPath(c.id, "jwt"), download: `${c.id}.jwt` }, t("cert.jwt")),
          h("a", { class: "button button-small", href: credentialPath(c.id, "png"), download: `${c.id}.png` }, t("cert.png")),
          h("a", { class: "button button-small", href: credentialPath(c.id, "pdf"), download: `${c.id}.pdf` }, t("cert.pdf")),
          h("a", { class: "button button-ghost button-small cert-share", href: `#/verify/${encodeURIComponent(c.id)}` }, t("cert.share")),
        ),
      ),
    );

  function render() {
    if (stopped) return;
    const account = currentAccount();
    let body;
    if (account === undefined || (account && credentials === null && !failure)) {
      body = h("p", { class: "notice", role: "status" }, t("cert.loading"));
    } else if (account === null) {
      body = h("p", { class: "notice" }, t("cert.signed_out"), " ", h("a", { href: "#/signin?next=%2Fcertificates" }, t("nav.signin")));
    } else if (failure) {
      body = h("p", { class: "notice notice-error", role: "alert" }, errorText(failure));
    } else {
      body = [
        h(
          "div",
          { class: "form-actions" },
          h("button", { type: "button", class: "button button-primary cert-claim", disabled: busy, onclick: claim }, t(busy ? "cert.claiming" : "cert.claim")),
        ),
        note ? h("p", { class: "notice cert-note", role: "status" }, note) : null,
        credentials.length ? h("ul", { class: "cert-list" }, credentials.map(card)) : h("p", { class: "muted" }, t("cert.empty")),
      ];
    }
    replace(root, h("section", { class: "panel certificates" }, h("h1", {}, t("cert.heading")), h("p", { class: "muted" }, t("cert.intro")), body));
  }

  const offLang = onLangChange(render);
  const offAccount = onAccountChange(() => {
    credentials = null;
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

/** The platform's answer about one credential, as people read it. */
function verdict(result) {
  const ok = !!result.verified;
  const rows = [
    ["verify.holder", result.holder],
    ["verify.achievement", result.achievement ? pick({ zh: result.achievement.name_zh, en: result.achievement.name_en }) : null],
    ["verify.issued_at", result.issued_at ? dateTime(result.issued_at) : null],
    ["verify.issuer", result.issuer?.name],
  ].filter(([, value]) => value);
  return h(
    "div",
    { class: `verify-result ${ok ? "is-valid" : "is-invalid"}`, role: "status" },
    h("p", { class: "verify-verdict" }, t(ok ? "verify.ok" : "verify.failed")),
    ok || !result.reason ? null : h("p", { class: "verify-reason" }, t(`verify.reason.${result.reason}`)),
    rows.length ? h("dl", { class: "verify-facts" }, rows.map(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, value)])) : null,
  );
}

export function mountVerify(root, { id } = {}) {
  let result = null;
  let failure = null;
  let busy = false;
  let stopped = false;
  const text = h("textarea", { class: "chat-input verify-text", rows: "8", "aria-label": t("verify.paste"), spellcheck: "false" });
  const file = h("input", {
    type: "file",
    class: "verify-file",
    accept: ".json,.jwt,application/json,text/plain",
    onchange: async () => {
      const chosen = file.files?.[0];
      if (chosen) text.value = (await chosen.text()).slice(0, 65536);
    },
  });

  async function check(event) {
    event?.preventDefault();
    busy = true;
    failure = null;
    render();
    try {
      if (id) {
        result = await api(`/api/credentials/${encodeURIComponent(id)}/verification`);
      } else {
        const raw = text.value.trim();
        let body;
        try {
          body = JSON.parse(raw);
        } catch {
          body = { jwt: raw }; // not JSON: a compact VC-JWT
        }
        result = await api("/api/credentials/verify", { method: "POST", body });
      }
    } catch (err) {
      result = null;
      failure = err;
    }
    busy = false;
    render();
  }

  function render() {
    if (stopped) return;
    text.setAttribute("aria-label", t("verify.paste"));
    const form = id
      ? null
      : h(
          "form",
          { class: "verify-form", onsubmit: check },
          h("label", { class: "verify-label" }, t("verify.paste"), text),
          h("label", { class: "verify-label" }, t("verify.file"), file),
          h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button button-primary", disabled: busy }, t(busy ? "verify.checking" : "verify.check"))),
        );
    const failureNote = failure
      ? h("p", { class: "notice notice-error", role: "alert" }, failure.code === "credential.unknown" || failure.status === 404 ? t("verify.not_found") : errorText(failure))
      : null;
    replace(
      root,
      h(
        "section",
        { class: "panel verify" },
        h("h1", {}, t("verify.heading")),
        id ? null : h("p", { class: "muted" }, t("verify.intro")),
        form,
        busy && id ? h("p", { class: "notice", role: "status" }, t("verify.checking")) : null,
        result ? verdict(result) : null,
        failureNote,
      ),
    );
  }

  const offLang = onLangChange(render);
  render();
  if (id) check();
  return () => {
    stopped = true;
    offLang();
  };
}

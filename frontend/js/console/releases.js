// The console's releases tab (#/console/releases): the switch that requires approval, the
// releases waiting for it (approve, or reject with the reason its staff will read), and every
// release with the organisers' moves (publish, withdraw). Live: every change of a release
// (one submitted elsewhere too) comes on the organisers-only topic `hall-organisers:all`.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, dateTime, errorText, onLangChange, pick, t } from "../i18n.js";
import { realtime } from "../realtime.js";
import { releaseHref } from "../releases.js";

addStrings({
  zh: {
    "rel.require": "发布前需组委会审核",
    "rel.require_hint": "开启后，展商提交的发布需审核通过才会上线；关闭则直接发布。",
    "rel.pending_heading": "待审核（{n}）",
    "rel.pending_empty": "没有待审核的发布。",
    "rel.all_heading": "全部发布",
    "rel.approve": "通过并发布",
    "rel.reject": "退回",
    "rel.reject_reason": "退回理由（展商可见）",
    "rel.reject_confirm": "确认退回",
    "rel.publish": "发布",
    "rel.withdraw": "撤回",
    "rel.cancel": "取消",
    "rel.done": "已处理“{title}”。",
    "rel.loading": "正在加载发布…",
    "rel.col_title": "标题",
    "rel.col_by": "发布方",
    "rel.col_state": "状态",
    "rel.col_updated": "更新时间",
  },
  en: {
    "rel.require": "Organisers approve releases before they go live",
    "rel.require_hint": "When on, exhibitors' submitted releases go live only once approved; when off, they publish directly.",
    "rel.pending_heading": "Awaiting approval ({n})",
    "rel.pending_empty": "Nothing awaits approval.",
    "rel.all_heading": "All releases",
    "rel.approve": "Approve and publish",
    "rel.reject": "Reject",
    "rel.reject_reason": "Reason (the exhibitor sees it)",
    "rel.reject_confirm": "Confirm rejection",
    "rel.publish": "Publish",
    "rel.withdraw": "Withdraw",
    "rel.cancel": "Cancel",
    "rel.done": "“{title}” done.",
    "rel.loading": "Loading releases…",
    "rel.col_title": "Title",
    "rel.col_by": "By",
    "rel.col_state": "State",
    "rel.col_updated": "Updated",
  },
});

export function mount(root) {
  let data = null;
  let failure = null;
  let flash = null;
  let rejecting = null; // id of the release whose reason is being written
  let reason = "";
  let stopped = false;
  let missed = false; // a change heard while a rejection reason was being written
  let timer = null;

  const load = async () => {
    missed = false;
    try {
      const body = await api("/api/hall/releases");
      if (stopped) return;
      data = body;
      failure = null;
    } catch (error) {
      failure = error;
    }
    render();
  };

  const move = async (release, action, body = {}) => {
    try {
      await api(`/api/releases/${release.id}/${action}`, { method: "POST", body: { ...body, version: release.version } });
      flash = t("rel.done", { title: pick(release.title) });
      rejecting = null;
      reason = "";
    } catch (error) {
      flash = errorText(error);
    }
    await load();
  };

  const toggle = async (on) => {
    try {
      await api("/api/hall/settings", { method: "PUT", body: { require_release_approval: on } });
    } catch (error) {
      flash = errorText(error);
    }
    await load();
  };

  const title = (r) => h("a", { href: releaseHref(r) }, pick(r.title) || `#${r.id}`);
  const by = (r) => (r.exhibitor ? pick(r.exhibitor.name) : t("releases.by_expo"));

  const pendingCard = (r) =>
    h(
      "li",
      { class: "panel rel-pending", dataset: { release: String(r.id) } },
      h("div", { class: "card-top" }, h("span", { class: "chip" }, t(`releases.kind.${r.kind}`)), h("span", { class: "muted small" }, by(r))),
      h("h3", {}, title(r)),
      pick(r.summary) ? h("p", { class: "muted" }, pick(r.summary)) : null,
      rejecting === r.id
        ? h(
            "form",
            { class: "rel-reject-form", onsubmit: (e) => { e.preventDefault(); move(r, "reject", { reason }); } },
            h("label", { for: `rel-reason-${r.id}` }, t("rel.reject_reason")),
            (() => {
              const input = h("textarea", { id: `rel-reason-${r.id}`, rows: "2", maxlength: "300", required: true });
              input.value = reason;
              input.addEventListener("input", () => { reason = input.value; });
              return input;
            })(),
            h(
              "div",
              { class: "rel-actions" },
              h("button", { type: "submit", class: "button button-small button-danger" }, t("rel.reject_confirm")),
              h("button", { type: "button", class: "button button-small button-ghost", onclick: () => { rejecting = null; if (missed) load(); else render(); } }, t("rel.cancel")),
            ),
          )
        : h(
            "div",
            { class: "rel-actions" },
            h("button", { type: "button", class: "button button-small button-primary rel-approve", onclick: () => move(r, "approve") }, t("rel.approve")),
            h("button", { type: "button", class: "button button-small rel-reject", onclick: () => { rejecting = r.id; render(); root.querySelector(`#rel-reason-${r.id}`)?.focus(); } }, t("rel.reject")),
          ),
    );

  const render = () => {
    if (!data) {
      return replace(root, failure ? h("p", { class: "notice notice-error" }, errorText(failure)) : h("p", { class: "notice", role: "status" }, t("rel.loading")));
    }
    const pending = data.releases.filter((r) => r.state === "pending");
    const toggleBox = h("input", { type: "checkbox", id: "rel-require", checked: data.require_release_approval, onchange: (e) => toggle(e.target.checked) });
    replace(
      root,
      h(
        "section",
        { class: "console-releases" },
        h("div", { class: "panel rel-setting" }, h("label", { for: "rel-require", class: "rel-switch" }, toggleBox, " ", t("rel.require")), h("p", { class: "muted small" }, t("rel.require_hint"))),
        flash ? h("p", { class: "notice", role: "status" }, flash) : null,
        h("h2", {}, t("rel.pending_heading", { n: pending.length })),
        pending.length ? h("ul", { class: "rel-pending-list" }, pending.map(pendingCard)) : h("p", { class: "muted" }, t("rel.pending_empty")),
        h("h2", {}, t("rel.all_heading")),
        h(
          "div",
          { class: "console-table-wrap" },
          h(
            "table",
            { class: "console-table rel-table" },
            h("thead", {}, h("tr", {}, ["rel.col_title", "rel.col_by", "rel.col_state", "rel.col_updated"].map((k) => h("th", {}, t(k))), h("th", {}, ""))),
            h(
              "tbody",
              {},
              data.releases.map((r) =>
                h(
                  "tr",
                  { dataset: { release: String(r.id) } },
                  h("td", {}, title(r)),
                  h("td", {}, by(r)),
                  h("td", {}, h("span", { class: `chip state-${r.state}` }, t(`releases.state.${r.state}`))),
                  h("td", { class: "muted small" }, dateTime(r.updated_at)),
                  h(
                    "td",
                    {},
                    ["draft", "rejected", "withdrawn"].includes(r.state)
                      ? h("button", { type: "button", class: "button button-small", onclick: () => move(r, "publish") }, t("rel.publish"))
                      : null,
                    ["pending", "published"].includes(r.state)
                      ? h("button", { type: "button", class: "button button-small button-ghost", onclick: () => move(r, "withdraw") }, t("rel.withdraw"))
                      : null,
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };

  // A change heard: the list again (a burst of changes, once); never under a reason being
  // written, which would lose its focus: then once the form closes.
  const changed = () => {
    if (rejecting !== null) {
      missed = true;
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) load();
    }, 150);
  };
  const offTopic = realtime.subscribe("hall-organisers:all", {
    onSnapshot: changed,
    onEvent: (type) => {
      if (type === "release.changed") changed();
    },
    onError: (error) => console.warn("console releases: not live", error),
  });

  const offLang = onLangChange(render);
  render();
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    offTopic?.();
    offLang();
  };
}

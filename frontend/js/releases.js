// 数博发布, the expo's releases: the feed (#/releases), one release's page (#/release/<id>), the
// lobby's strip of the newest three, a booth's list (mountBoothReleases) and its staff's editor
// (#/booth/<id>/releases). Published releases come live over the socket (topic `hall:all`):
// `release.published` puts one at the top (or replaces an older version of it), and
// `release.withdrawn` takes it away. Texts are plain: paragraphs become <p>, never markup.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { field } from "./forms.js";
import { addStrings, dateTime, errorText, onLangChange, pick, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { applyReleaseEvent } from "./release_events.js";
import { currentAccount, onAccountChange } from "./session.js";

export const HALL_TOPIC = "hall:all";
const KINDS = ["product", "result", "report"];
const STATES = ["draft", "pending", "published", "rejected", "withdrawn"];

addStrings({
  zh: {
    "nav.releases": "数博发布",
    "releases.heading": "数博发布",
    "releases.intro": "参展商与组委会发布的新产品、新成果与报告，发布后实时推送。",
    "releases.filter": "行业",
    "releases.all_industries": "全部行业",
    "releases.loading": "正在加载发布…",
    "releases.empty": "还没有发布。",
    "releases.more": "加载更多",
    "releases.failed": "发布加载失败。",
    "releases.new_badge": "新",
    "releases.by_expo": "数博会组委会",
    "releases.kind.product": "新产品",
    "releases.kind.result": "新成果",
    "releases.kind.report": "报告",
    "releases.published_at": "发布于 {when}",
    "releases.back": "← 全部发布",
    "releases.booth_link": "进入 {name} 的展位",
    "releases.images": "图片",
    "releases.documents": "资料下载",
    "releases.not_found": "没有这条发布，或它尚未发布。",
    "releases.withdrawn_now": "这条发布刚刚被撤回。",
    "releases.lobby_heading": "最新发布",
    "releases.lobby_all": "查看全部发布 →",
    "releases.booth_heading": "发布",
    "releases.booth_empty": "这个展位还没有发布。",
    "releases.state.draft": "草稿",
    "releases.state.pending": "待审核",
    "releases.state.published": "已发布",
    "releases.state.rejected": "未通过",
    "releases.state.withdrawn": "已撤回",
    "editor.heading": "我们的发布",
    "editor.intro_approval": "提交后由组委会审核，通过后向全场推送。",
    "editor.intro_direct": "提交后立即发布并向全场推送。",
    "editor.staff_only": "只有本展商的工作人员和组委会可以编辑这里的发布。",
    "editor.new": "写一条新发布",
    "editor.edit": "编辑",
    "editor.kind": "类型",
    "editor.title_zh": "中文标题",
    "editor.title_en": "英文标题",
    "editor.summary_zh": "中文摘要",
    "editor.summary_en": "英文摘要",
    "editor.body_zh": "中文正文",
    "editor.body_en": "英文正文",
    "editor.body_hint": "纯文本，空一行分段。",
    "editor.save": "保存草稿",
    "editor.saved": "已保存。",
    "editor.submit_approval": "提交审核",
    "editor.submit_direct": "发布",
    "editor.withdraw": "撤回",
    "editor.cancel": "取消",
    "editor.reason": "组委会意见：{reason}",
    "editor.empty": "还没有发布，写第一条吧。",
    "editor.view": "查看",
    "editor.back": "← 返回展位",
    "err.release.empty": "请至少填写一个标题。",
    "err.release.too_long": "内容太长了。",
    "err.release.bad_state": "这条发布当前的状态不允许这样操作。",
    "err.release.stale": "这条发布刚被别人改过，请刷新后再试。",
    "err.release.unknown": "没有这条发布。",
    "err.release.organisers_only": "只有组委会可以这样操作。",
    "err.release.bad_upload_kind": "附件类型不对：图片放图片，PDF 放资料。",
  },
  en: {
    "nav.releases": "Releases",
    "releases.heading": "Expo releases",
    "releases.intro": "New products, results and reports from exhibitors and the organisers, pushed live as they are published.",
    "releases.filter": "Industry",
    "releases.all_industries": "All industries",
    "releases.loading": "Loading releases…",
    "releases.empty": "No releases yet.",
    "releases.more": "Load more",
    "releases.failed": "Could not load the releases.",
    "releases.new_badge": "New",
    "releases.by_expo": "Expo organisers",
    "releases.kind.product": "New product",
    "releases.kind.result": "Result",
    "releases.kind.report": "Report",
    "releases.published_at": "Published {when}",
    "releases.back": "← All releases",
    "releases.booth_link": "Visit {name}'s booth",
    "releases.images": "Images",
    "releases.documents": "Downloads",
    "releases.not_found": "There is no such release, or it is not published.",
    "releases.withdrawn_now": "This release was just withdrawn.",
    "releases.lobby_heading": "Latest releases",
    "releases.lobby_all": "All releases →",
    "releases.booth_heading": "Releases",
    "releases.booth_empty": "This booth has no releases yet.",
    "releases.state.draft": "Draft",
    "releases.state.pending": "Awaiting approval",
    "releases.state.published": "Published",
    "releases.state.rejected": "Not approved",
    "releases.state.withdrawn": "Withdrawn",
    "editor.heading": "Our releases",
    "editor.intro_approval": "Submitted releases are reviewed by the organisers, then pushed to everyone.",
    "editor.intro_direct": "Submitted releases go live at once and are pushed to everyone.",
    "editor.staff_only": "Only this exhibitor's staff and the organisers can edit these releases.",
    "editor.new": "Write a new release",
    "editor.edit": "Edit",
    "editor.kind": "Kind",
    "editor.title_zh": "Title (Chinese)",
    "editor.title_en": "Title (English)",
    "editor.summary_zh": "Summary (Chinese)",
    "editor.summary_en": "Summary (English)",
    "editor.body_zh": "Text (Chinese)",
    "editor.body_en": "Text (English)",
    "editor.body_hint": "Plain text; a blank line starts a new paragraph.",
    "editor.save": "Save draft",
    "editor.saved": "Saved.",
    "editor.submit_approval": "Submit for approval",
    "editor.submit_direct": "Publish",
    "editor.withdraw": "Withdraw",
    "editor.cancel": "Cancel",
    "editor.reason": "Organisers' note: {reason}",
    "editor.empty": "No releases yet: write the first one.",
    "editor.view": "View",
    "editor.back": "← Back to the booth",
    "err.release.empty": "Give a title in at least one language.",
    "err.release.too_long": "That is too long.",
    "err.release.bad_state": "The release's state does not allow that now.",
    "err.release.stale": "Someone changed this release meanwhile; reload and try again.",
    "err.release.unknown": "There is no such release.",
    "err.release.organisers_only": "Only organisers can do that.",
    "err.release.bad_upload_kind": "Wrong kind of file: pictures as images, PDFs as documents.",
  },
});

export const releaseHref = (release) => `#/release/${release.id}`;

function kindChip(release) {
  return h("span", { class: `chip release-kind kind-${release.kind}` }, t(`releases.kind.${release.kind}`));
}

function byline(release) {
  return release.exhibitor ? pick(release.exhibitor.name) : t("releases.by_expo");
}

/** A release in a list: kind, title, who, summary, when. */
export function releaseCard(release, { fresh = false } = {}) {
  return h(
    "a",
    { class: fresh ? "card release-card is-fresh" : "card release-card", href: releaseHref(release), dataset: { release: String(release.id) } },
    h(
      "div",
      { class: "card-top" },
      kindChip(release),
      fresh ? h("span", { class: "chip chip-accent release-new" }, t("releases.new_badge")) : null,
      release.industry ? h("span", { class: "chip release-industry" }, pick(release.industry)) : null,
    ),
    h("h3", { class: "release-title" }, pick(release.title)),
    h("p", { class: "release-by muted small" }, byline(release)),
    pick(release.summary) ? h("p", { class: "release-summary" }, pick(release.summary)) : null,
    release.published_at
      ? h("time", { class: "muted small", datetime: release.published_at }, dateTime(release.published_at))
      : null,
  );
}

/** #/releases: the feed, newest first, filtered by industry, live. */
export function mountReleases(root, { query } = {}) {
  let releases = null;
  let industries = [];
  let total = 0;
  let failure = null;
  let stopped = false;
  let controller = null;
  const fresh = new Set(); // ids that came live while the page was open
  let industry = query?.get("industry") || "";

  const load = async (more = false) => {
    controller?.abort();
    controller = new AbortController();
    const params = new URLSearchParams({ limit: "20", offset: String(more ? releases.length : 0) });
    if (industry) params.set("industry", industry);
    try {
      const page = await api(`/api/releases?${params}`, { signal: controller.signal });
      if (stopped) return;
      industries = page.industries;
      total = page.total;
      releases = more ? [...releases, ...page.releases.filter((r) => !releases.some((x) => x.id === r.id))] : page.releases;
      failure = null;
    } catch (error) {
      if (error?.name === "AbortError") return;
      failure = error;
    }
    render();
  };

  const render = () => {
    const select = h(
      "select",
      {
        id: "releases-industry",
        onchange: (event) => {
          industry = event.target.value;
          releases = null;
          render();
          load();
        },
      },
      h("option", { value: "" }, t("releases.all_industries")),
      industries.map((i) => h("option", { value: i.key, selected: i.key === industry }, pick(i))),
    );
    replace(
      root,
      h(
        "section",
        { class: "releases-page" },
        h("div", { class: "releases-head" }, h("h1", {}, t("releases.heading")), h("p", { class: "muted" }, t("releases.intro"))),
        h("div", { class: "releases-filter" }, field(select, t("releases.filter"))),
        failure ? h("p", { class: "notice notice-error", role: "status" }, t("releases.failed"), " ", errorText(failure)) : null,
        releases === null && !failure ? h("p", { class: "notice", role: "status" }, t("releases.loading")) : null,
        releases?.length === 0 ? h("p", { class: "notice" }, t("releases.empty")) : null,
        releases?.length
          ? h("div", { class: "release-grid", "aria-live": "polite" }, releases.map((r) => releaseCard(r, { fresh: fresh.has(r.id) })))
          : null,
        releases && releases.length < total
          ? h("button", { type: "button", class: "button releases-more", onclick: () => load(true) }, t("releases.more"))
          : null,
      ),
    );
  };

  const unsubscribe = realtime.subscribe(HALL_TOPIC, {
    onEvent: (type, data) => {
      const next = applyReleaseEvent(releases, type, data, {
        accept: (r) => !industry || r.industry?.key === industry,
      });
      if (!next) return;
      if (type === "release.published" && !releases.some((r) => r.id === data.id)) {
        fresh.add(data.id);
        total += 1;
      }
      releases = next;
      render();
    },
    onError: (error) => console.warn("releases: not live", error),
  });
  const offLang = onLangChange(render);
  render();
  load();
  return () => {
    stopped = true;
    controller?.abort();
    unsubscribe();
    offLang();
  };
}

/** #/release/<id>: one release's page. */
export function mountRelease(root, { id } = {}) {
  let release = null;
  let failure = null;
  let gone = false;
  let stopped = false;

  const load = async () => {
    try {
      const body = await api(`/api/releases/${encodeURIComponent(id)}`);
      if (stopped) return;
      release = body.release;
      failure = null;
    } catch (error) {
      failure = error;
    }
    render();
  };

  const render = () => {
    if (failure || (!release && gone)) {
      return replace(
        root,
        h(
          "section",
          { class: "panel empty-state release-page" },
          h("p", {}, failure?.status === 404 || failure?.status === 400 ? t("releases.not_found") : errorText(failure)),
          h("a", { class: "button", href: "#/releases" }, t("releases.back")),
        ),
      );
    }
    if (!release) return replace(root, h("p", { class: "notice", role: "status" }, t("releases.loading")));
    const lang = pick({ zh: "zh", en: "en" });
    const paragraphs = release.body[lang]?.length ? release.body[lang] : release.body.zh.length ? release.body.zh : release.body.en;
    replace(
      root,
      h(
        "article",
        { class: "release-page" },
        h("a", { class: "release-back", href: "#/releases" }, t("releases.back")),
        gone ? h("p", { class: "notice notice-error", role: "status" }, t("releases.withdrawn_now")) : null,
        release.state !== "published"
          ? h("p", { class: "notice" }, h("span", { class: `chip state-${release.state}` }, t(`releases.state.${release.state}`)),
              release.rejection_reason ? ` ${t("editor.reason", { reason: release.rejection_reason })}` : null)
          : null,
        h("div", { class: "card-top" }, kindChip(release), release.industry ? h("span", { class: "chip" }, pick(release.industry)) : null),
        h("h1", { class: "release-heading" }, pick(release.title)),
        h(
          "p",
          { class: "release-meta muted" },
          byline(release),
          release.published_at ? ` · ${t("releases.published_at", { when: dateTime(release.published_at) })}` : null,
        ),
        pick(release.summary) ? h("p", { class: "release-lead" }, pick(release.summary)) : null,
        h("div", { class: "release-body" }, paragraphs.map((p) => h("p", {}, p))),
        release.images.length
          ? h("section", { class: "release-images", "aria-label": t("releases.images") },
              release.images.map((img) => h("img", { src: img.url, alt: pick(release.title), loading: "lazy" })))
          : null,
        release.documents.length
          ? h(
              "section",
              { class: "release-documents" },
              h("h2", {}, t("releases.documents")),
              h("ul", {}, release.documents.map((d) => h("li", {}, h("a", { href: d.url, download: d.filename }, pick(d.title))))),
            )
          : null,
        release.exhibitor
          ? h("a", { class: "button button-primary release-booth", href: `#/booth/${release.exhibitor.id}` },
              t("releases.booth_link", { name: pick(release.exhibitor.name) }), " →")
          : null,
      ),
    );
  };

  const unsubscribe = realtime.subscribe(HALL_TOPIC, {
    onEvent: (type, data) => {
      if (!release || data?.id !== release.id || data.version <= release.version) return;
      if (type === "release.published") release = data;
      else if (type === "release.withdrawn" && release.state === "published") gone = true;
      else return;
      render();
    },
  });
  const offLang = onLangChange(render);
  render();
  load();
  return () => {
    stopped = true;
    unsubscribe();
    offLang();
  };
}

/** A small live list of published releases (`exhibitor`: one booth's), in `el`. */
function mountList(el, { exhibitor = null, limit = 3, heading, empty, more = null, className }) {
  let releases = null;
  let stopped = false;
  const params = new URLSearchParams({ limit: String(limit) });
  if (exhibitor) params.set("exhibitor", String(exhibitor));

  const render = () => {
    if (releases === null) return replace(el);
    if (!releases.length && !empty) return replace(el);
    replace(
      el,
      h(
        "section",
        { class: className },
        h("div", { class: "release-strip-head" }, h("h2", {}, heading()), more ? h("a", { href: more }, t("releases.lobby_all")) : null),
        releases.length
          ? h("div", { class: "release-strip-list" }, releases.map((r) => releaseCard(r)))
          : h("p", { class: "muted" }, empty()),
      ),
    );
  };
  const load = async () => {
    try {
      const page = await api(`/api/releases?${params}`);
      if (stopped) return;
      releases = page.releases;
      render();
    } catch (error) {
      console.warn("releases: not loaded", error);
    }
  };
  const onEvent = (type, data) => {
    const next = applyReleaseEvent(releases, type, data, {
      accept: (r) => !exhibitor || r.exhibitor?.id === Number(exhibitor),
    });
    if (!next) return;
    releases = next.slice(0, limit);
    render();
  };
  const offLang = onLangChange(render);
  load();
  return {
    onEvent,
    stop: () => {
      stopped = true;
      offLang();
    },
  };
}

/** The lobby's strip: the newest three, live. `subscribe`: the lobby passes its own follow of
 * `hall:all` (lobby.js); without it the strip follows the topic itself. */
export function mountLobbyReleases(el) {
  const list = mountList(el, {
    limit: 3,
    heading: () => t("releases.lobby_heading"),
    empty: null,
    more: "#/releases",
    className: "release-strip",
  });
  return list;
}

/** A booth's releases (for booth.js), live. Returns the function that unmounts it. */
export function mountBoothReleases(el, exhibitorId) {
  const list = mountList(el, {
    exhibitor: exhibitorId,
    limit: 10,
    heading: () => t("releases.booth_heading"),
    empty: () => t("releases.booth_empty"),
    className: "release-strip booth-releases",
  });
  const unsubscribe = realtime.subscribe(HALL_TOPIC, { onEvent: list.onEvent });
  return () => {
    unsubscribe();
    list.stop();
  };
}

/** #/booth/<id>/releases: the exhibitor's staff write, submit and withdraw their releases and
 * see each one's state and the organisers' reason when not approved. */
export function mountReleaseEditor(root, { id } = {}) {
  const exhibitorId = Number(id);
  let releases = null;
  let requireApproval = true;
  let failure = null;
  let editing = null; // null | "new" | a release id
  let flash = null;
  let formError = null;
  let stopped = false;
  let busy = false;
  const draft = {};

  const mayEdit = () => {
    const me = currentAccount();
    return me && (me.role === "organizer" || (me.role === "exhibitor" && me.exhibitor_id === exhibitorId));
  };

  const load = async () => {
    if (!mayEdit()) return render();
    try {
      const body = await api(`/api/exhibitors/${exhibitorId}/releases`);
      if (stopped) return;
      releases = body.releases;
      requireApproval = body.require_release_approval;
      failure = null;
    } catch (error) {
      failure = error;
    }
    render();
  };

  const act = async (fn, message) => {
    if (busy) return;
    busy = true;
    formError = null;
    try {
      await fn();
      flash = message;
      await load();
    } catch (error) {
      formError = error;
      render();
    } finally {
      busy = false;
    }
  };

  const startEditing = (release) => {
    editing = release ? release.id : "new";
    const e = release?.editable || {};
    Object.assign(draft, {
      kind: release?.kind || "product",
      title_zh: e.title_zh || "",
      title_en: e.title_en || "",
      summary_zh: e.summary_zh || "",
      summary_en: e.summary_en || "",
      body_zh: e.body_zh || "",
      body_en: e.body_en || "",
      version: release?.version,
    });
    formError = null;
    flash = null;
    render();
    root.querySelector("#release-title_zh")?.focus();
  };

  const save = (submit) =>
    act(async () => {
      const { version, ...texts } = draft;
      let saved;
      if (editing === "new") {
        saved = (await api(`/api/exhibitors/${exhibitorId}/releases`, { method: "POST", body: texts })).release;
      } else {
        saved = (await api(`/api/releases/${editing}`, { method: "PATCH", body: { ...texts, version } })).release;
      }
      if (submit) await api(`/api/releases/${saved.id}/submit`, { method: "POST", body: { version: saved.version } });
      editing = null;
    }, submit ? null : t("editor.saved"));

  const form = () => {
    const input = (name, { area = false, max } = {}) => {
      const el = h(area ? "textarea" : "input", {
        id: `release-${name}`,
        name,
        maxlength: String(max),
        rows: area ? "8" : null,
        oninput: (event) => {
          draft[name] = event.target.value;
        },
      });
      el.value = draft[name] || "";
      return el;
    };
    const kind = h(
      "select",
      { id: "release-kind", onchange: (event) => { draft.kind = event.target.value; } },
      KINDS.map((k) => h("option", { value: k, selected: draft.kind === k }, t(`releases.kind.${k}`))),
    );
    return h(
      "form",
      { class: "panel release-form", onsubmit: (event) => { event.preventDefault(); save(false); } },
      field(kind, t("editor.kind")),
      h("div", { class: "release-form-pair" }, field(input("title_zh", { max: 60 }), t("editor.title_zh")), field(input("title_en", { max: 160 }), t("editor.title_en"))),
      h("div", { class: "release-form-pair" }, field(input("summary_zh", { max: 200 }), t("editor.summary_zh")), field(input("summary_en", { max: 500 }), t("editor.summary_en"))),
      h("div", { class: "release-form-pair" },
        field(input("body_zh", { area: true, max: 10000 }), t("editor.body_zh"), { hint: t("editor.body_hint") }),
        field(input("body_en", { area: true, max: 20000 }), t("editor.body_en"), { hint: t("editor.body_hint") })),
      formError ? h("p", { class: "notice notice-error", role: "alert" }, errorText(formError)) : null,
      h(
        "div",
        { class: "release-form-actions" },
        h("button", { type: "submit", class: "button" }, t("editor.save")),
        h("button", { type: "button", class: "button button-primary release-submit", onclick: () => save(true) },
          requireApproval ? t("editor.submit_approval") : t("editor.submit_direct")),
        h("button", { type: "button", class: "button button-ghost", onclick: () => { editing = null; render(); } }, t("editor.cancel")),
      ),
    );
  };

  const row = (release) =>
    h(
      "li",
      { class: "release-row", dataset: { release: String(release.id) } },
      h(
        "div",
        { class: "release-row-main" },
        h("span", { class: `chip state-${release.state}` }, t(`releases.state.${release.state}`)),
        " ",
        h("strong", {}, pick(release.title)),
        release.rejection_reason ? h("p", { class: "release-reason" }, t("editor.reason", { reason: release.rejection_reason })) : null,
      ),
      h(
        "div",
        { class: "release-row-actions" },
        h("a", { class: "button button-small", href: releaseHref(release) }, t("editor.view")),
        release.state !== "published"
          ? h("button", { type: "button", class: "button button-small", onclick: () => startEditing(release) }, t("editor.edit"))
          : null,
        ["draft", "rejected", "withdrawn"].includes(release.state)
          ? h("button", { type: "button", class: "button button-small button-primary",
              onclick: () => act(() => api(`/api/releases/${release.id}/submit`, { method: "POST", body: { version: release.version } }), null) },
              requireApproval ? t("editor.submit_approval") : t("editor.submit_direct"))
          : null,
        ["pending", "published"].includes(release.state)
          ? h("button", { type: "button", class: "button button-small button-ghost",
              onclick: () => act(() => api(`/api/releases/${release.id}/withdraw`, { method: "POST", body: { version: release.version } }), null) },
              t("editor.withdraw"))
          : null,
      ),
    );

  const render = () => {
    if (!mayEdit()) {
      return replace(root, h("section", { class: "panel release-editor" }, h("h1", {}, t("editor.heading")), h("p", { class: "notice" }, t("editor.staff_only"))));
    }
    replace(
      root,
      h(
        "section",
        { class: "release-editor" },
        h("a", { class: "release-back", href: `#/booth/${exhibitorId}` }, t("editor.back")),
        h("h1", {}, t("editor.heading")),
        h("p", { class: "muted" }, requireApproval ? t("editor.intro_approval") : t("editor.intro_direct")),
        flash ? h("p", { class: "notice", role: "status" }, flash) : null,
        failure ? h("p", { class: "notice notice-error" }, errorText(failure)) : null,
        editing === "new" ? form() : h("button", { type: "button", class: "button button-primary release-new-button", onclick: () => startEditing(null) }, t("editor.new")),
        releases === null ? h("p", { class: "notice", role: "status" }, t("releases.loading")) : null,
        releases?.length === 0 ? h("p", { class: "muted" }, t("editor.empty")) : null,
        releases?.length
          ? h("ul", { class: "release-rows" }, releases.map((r) => (editing === r.id ? h("li", {}, form()) : row(r))))
          : null,
      ),
    );
  };

  const unsubscribe = realtime.subscribe(`booth-staff:${exhibitorId}`, {
    onEvent: (type, data) => {
      if (type !== "release.changed" || !releases || editing !== null) return;
      const index = releases.findIndex((r) => r.id === data.id);
      if (index >= 0 && releases[index].version >= data.version) return;
      load(); // the organisers approved or rejected one: its state and reason
    },
    onError: () => {},
  });
  const offLang = onLangChange(render);
  const offAccount = onAccountChange(load);
  render();
  load();
  return () => {
    stopped = true;
    unsubscribe();
    offLang();
    offAccount();
  };
}

export { STATES, applyReleaseEvent };

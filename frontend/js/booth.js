// A booth (#/booth/<id>): the exhibitor's description, products with images, documents to
// download, videos (played by the forum's player), links, the staff on duty now, and the live
// figures. The page follows `booth:<id>` (so the visitor counts among its "visitors now"): its
// presence updates the count, and `booth.changed` (version-checked: an older one is dropped)
// reloads the booth. Staff online comes from the hall's `hall-live:<block>` summary.
//
// Other parts of the booth (its public chat, leaving one's card, the private chat, the
// exhibitor's releases) live in their own modules: each fills its marked, empty section by
// `mount(el, booth)`, listed in PARTS below (the lead wires them).

import { api } from "./api.js";
import { mountCard } from "./booth_card.js";
import { isBoothStaff, mountBoothChat } from "./booth_chat.js";
import { mountBoothHost } from "./booth_host.js"; // --- host: the AI booth host ---
import { mountPrivateChat } from "./booth_private.js";
import { mountStaffTools } from "./booth_staff_tools.js";
import { mountBoothMeeting } from "./booth_meeting.js"; // --- matchmaking: request a meeting ---
import { trackVisit } from "./booth_visit.js";
import { mountQueuePanel } from "./queue_panel.js"; // --- queues ---
import { h, icon, replace } from "./dom.js";
import { logoOf, tierBadge } from "./hall.js";
import { addStrings, errorText, getLang, onLangChange, pick, t } from "./i18n.js";
import { streamPlayer } from "./player.js";
import { realtime } from "./realtime.js";
import { onAccountChange } from "./session.js";
import { mountBoothReleases } from "./releases.js";
import { versionBook } from "./versions.js";

addStrings({
  zh: {
    "booth.back": "返回展馆",
    "booth.loading": "正在加载展位…",
    "booth.load_failed": "展位加载失败。",
    "booth.not_found": "没有这个展位。",
    "booth.retry": "重试",
    "booth.about": "展商介绍",
    "booth.products": "产品与方案",
    "booth.documents": "资料下载",
    "booth.videos": "视频",
    "booth.links": "相关链接",
    "booth.on_duty": "值班工作人员",
    "booth.nobody_on_duty": "目前没有工作人员值班。",
    "booth.no_products": "展商还没有添加产品。",
    "booth.no_description": "展商还没有填写介绍。",
    "booth.download": "下载",
    "booth.video_choose": "选择视频",
    "booth.size_kb": "{n} KB",
    "booth.size_mb": "{n} MB",
  },
  en: {
    "booth.back": "Back to the hall",
    "booth.loading": "Loading the booth…",
    "booth.load_failed": "Could not load the booth.",
    "booth.not_found": "There is no such booth.",
    "booth.retry": "Try again",
    "booth.about": "About",
    "booth.products": "Products and solutions",
    "booth.documents": "Downloads",
    "booth.videos": "Videos",
    "booth.links": "Links",
    "booth.on_duty": "Staff on duty",
    "booth.nobody_on_duty": "No staff on duty right now.",
    "booth.no_products": "No products added yet.",
    "booth.no_description": "No description yet.",
    "booth.download": "Download",
    "booth.video_choose": "Choose a video",
    "booth.size_kb": "{n} KB",
    "booth.size_mb": "{n} MB",
  },
});

const BLOCK = 50; // exhibitor ids per hall-live topic (expo/hall/live_counts.py)

// A visitor's part (leaving one's card, talking privately to the staff) is no use to the
// booth's own staff: they have the inbox and the leads instead (booth_staff_tools.js).
function forVisitors(mount) {
  return (el, booth) => {
    if (isBoothStaff(booth.id)) {
      el.hidden = true;
      return undefined;
    }
    return mount(el, booth);
  };
}

// The booth's parts from other modules: [section id, mount(el, booth) -> cleanup | undefined].
// A part whose mount is null leaves its section empty (and hidden).
export const PARTS = [
  ["booth-staff-tools", mountStaffTools], // the booth's own staff: editor, inbox, figures
  ["booth-card", forVisitors(mountCard)], // leave my card (booth_card.js)
  ["booth-host", mountBoothHost], // --- host --- ask the booth's AI host (booth_host.js)
  ["booth-chat", mountBoothChat], // the booth's public chat (booth_chat.js)
  ["booth-private", forVisitors(mountPrivateChat)], // 1:1 with the staff (booth_private.js)
  ["booth-releases", (el, booth) => mountBoothReleases(el, booth.id)], // 数博发布 (releases.js)
  // --- matchmaking: request a meeting ---
  ["booth-meeting", mountBoothMeeting], // ask the booth's staff for a meeting (booth_meeting.js)
  ["booth-queue", mountQueuePanel], // --- queues --- join the line (queue_panel.js)
];

export const getBooth = (id, opts) => api(`/api/exhibitors/${encodeURIComponent(id)}`, opts);

/** Only http(s) addresses (and the expo's own paths for videos) are ever put in the page. */
export function safeHref(url, { local = false } = {}) {
  if (typeof url !== "string") return null;
  if (local && url.startsWith("/") && !url.startsWith("//")) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return t("booth.size_mb", { n: (bytes / 1024 / 1024).toFixed(1) });
  return t("booth.size_kb", { n: Math.max(1, Math.round(bytes / 1024)) });
}

/** A text in the page's language, else the other one. */
function either(pair) {
  const other = getLang() === "zh" ? "en" : "zh";
  return pick(pair) || pair?.[other] || "";
}

export function mountBooth(root, { id } = {}) {
  const exhibitorId = Number(id);
  let booth = null;
  let failure = null;
  let controller = null;
  let stopped = false;
  let visitors = null; // from the booth topic's presence, when it comes
  let staff = null; // from the hall-live summary
  let player = null;
  let videoIndex = 0;
  const versions = versionBook();
  const parts = new Map(); // section id -> {el, cleanup}
  const stopVisit = trackVisit(exhibitorId); // the dashboard's visits and dwell time

  const load = async () => {
    controller?.abort();
    controller = new AbortController();
    try {
      const fresh = await getBooth(exhibitorId, { signal: controller.signal });
      if (stopped) return;
      if (!versions.take("booth", fresh.version)) return; // an older read overtook a newer one
      booth = fresh;
      failure = null;
      visitors ??= booth.visitors_now;
      staff ??= booth.staff_online;
    } catch (error) {
      if (error?.name === "AbortError" || stopped) return;
      failure = error;
    }
    render();
  };

  const stopPlayer = () => {
    player?.stop();
    player = null;
  };

  const videoSection = () => {
    const videos = booth.videos || [];
    if (!videos.length) {
      stopPlayer();
      return null;
    }
    videoIndex = Math.min(videoIndex, videos.length - 1);
    const url = safeHref(videos[videoIndex].url, { local: true });
    const absolute = url ? new URL(url, location.href).href : null;
    if (player?.url !== absolute) {
      stopPlayer();
      if (absolute) {
        player = streamPlayer(absolute);
        // A booth's video is a recording: the browser's controls (and its seek bar) are wanted.
        const video = player.element.querySelector("video");
        if (video) video.controls = true;
      }
    } else {
      player.render();
    }
    return h(
      "section",
      { class: "panel booth-section booth-videos" },
      h("h2", { class: "panel-title" }, icon("play", "icon"), t("booth.videos")),
      player ? h("div", { class: "booth-player" }, player.element) : null,
      videos.length > 1
        ? h(
            "div",
            { class: "booth-video-list", role: "group", "aria-label": t("booth.video_choose") },
            videos.map((video, index) =>
              h(
                "button",
                {
                  type: "button",
                  class: "chip booth-video-choice",
                  "aria-pressed": String(index === videoIndex),
                  onclick: () => {
                    videoIndex = index;
                    render();
                  },
                },
                either(video.title),
              ),
            ),
          )
        : h("p", { class: "booth-video-title" }, either(videos[0].title)),
    );
  };

  const liveLine = () => [
    h("span", { class: "audience booth-visitors" }, icon("eye", "icon"), t("hall.visitors_now", { n: visitors ?? 0 })),
    h(
      "span",
      { class: `audience booth-staff${staff ? " is-online" : ""}` },
      h("span", { class: "staff-dot", "aria-hidden": "true" }),
      staff ? t("hall.staff_online", { n: staff }) : t("hall.no_staff_online"),
    ),
  ];

  const updateLive = () => {
    const line = root.querySelector(".booth-live");
    if (line) replace(line, ...liveLine());
    // The private chat (booth_private.js) tells a visitor whether anyone is there to answer.
    window.dispatchEvent(new CustomEvent("booth:staff-online", { detail: { exhibitor: exhibitorId, n: staff } }));
  };

  const mountParts = () => {
    for (const [sectionId, mount] of PARTS) {
      const el = root.querySelector(`#${sectionId}`);
      if (!el) continue;
      const known = parts.get(sectionId);
      if (known && known.el === el) continue;
      known?.cleanup?.();
      el.hidden = !mount; // a part may hide its section itself (a visitor's part, for staff)
      const cleanup = mount ? mount(el, booth) : undefined;
      parts.set(sectionId, { el, cleanup: typeof cleanup === "function" ? cleanup : null });
    }
  };

  const render = () => {
    if (!booth) {
      const notFound = failure?.code === "exhibitor.unknown";
      replace(
        root,
        h(
          "section",
          { class: "booth" },
          h("a", { class: "booth-back", href: "#/hall" }, icon("back", "icon"), t("booth.back")),
          failure
            ? h(
                "div",
                { class: `notice ${notFound ? "" : "notice-error"}`, role: "alert" },
                notFound ? t("booth.not_found") : t("booth.load_failed"),
                notFound ? null : [" ", h("span", { class: "muted" }, `(${errorText(failure)})`), " "],
                notFound
                  ? null
                  : h("button", { type: "button", class: "button button-small", onclick: load }, t("booth.retry")),
              )
            : h("p", { class: "notice", role: "status" }, t("booth.loading")),
        ),
      );
      return;
    }
    // The parts keep their own sections across re-renders (a chat keeps its scroll and input).
    const kept = new Map([...parts].map(([key, part]) => [key, part.el]));
    const section = (sectionId) => kept.get(sectionId) || h("section", { id: sectionId, class: "booth-part", dataset: { part: sectionId } });
    const other = getLang() === "zh" ? "en" : "zh";
    const alt = booth.name?.[other];
    const description = either(booth.description);
    replace(
      root,
      h(
        "article",
        { class: "booth", dataset: { id: String(booth.id) } },
        h("a", { class: "booth-back", href: "#/hall" }, icon("back", "icon"), t("booth.back")),
        h(
          "header",
          { class: "booth-header panel" },
          logoOf(booth, "booth-logo"),
          h(
            "div",
            { class: "booth-titles" },
            h("h1", { class: "booth-name" }, pick(booth.name)),
            alt && alt !== pick(booth.name)
              ? h("p", { class: "booth-alt muted", lang: other === "zh" ? "zh-CN" : "en" }, alt)
              : null,
            h(
              "div",
              { class: "exhibitor-tags" },
              tierBadge(booth.tier),
              (booth.industries || []).map((i) => h("span", { class: "chip exhibitor-industry" }, pick(i))),
            ),
            h("div", { class: "booth-live" }, liveLine()),
          ),
        ),
        h(
          "div",
          { class: "booth-layout" },
          // --- queues --- the queue's panel first: right after the header on a phone, at the
          // top of the side column on a wide screen (hall.css places it)
          section("booth-queue"),
          h(
            "div",
            { class: "booth-main" },
            h(
              "section",
              { class: "panel booth-section booth-about" },
              h("h2", { class: "panel-title" }, t("booth.about")),
              description
                ? h("p", { class: "booth-description" }, description)
                : h("p", { class: "muted" }, t("booth.no_description")),
            ),
            videoSection(),
            h(
              "section",
              { class: "panel booth-section booth-products" },
              h("h2", { class: "panel-title" }, t("booth.products")),
              booth.products?.length
                ? h("div", { class: "product-grid" }, booth.products.map(productCard))
                : h("p", { class: "muted" }, t("booth.no_products")),
            ),
            section("booth-releases"),
            section("booth-host"), // --- host ---
            section("booth-chat"),
          ),
          h(
            "aside",
            { class: "booth-side" },
            h(
              "section",
              { class: "panel booth-section booth-duty" },
              h("h2", { class: "panel-title" }, icon("user", "icon"), t("booth.on_duty")),
              booth.on_duty?.length
                ? h(
                    "ul",
                    { class: "duty-list" },
                    booth.on_duty.map((person) =>
                      h(
                        "li",
                        { class: "duty-person" },
                        h("span", { class: "duty-name" }, person.name || ""),
                        person.title ? h("span", { class: "muted" }, ` · ${person.title}`) : null,
                      ),
                    ),
                  )
                : h("p", { class: "muted booth-nobody" }, t("booth.nobody_on_duty")),
            ),
            section("booth-staff-tools"),
            section("booth-card"),
            section("booth-meeting"), // --- matchmaking: request a meeting ---
            section("booth-private"),
            booth.documents?.length
              ? h(
                  "section",
                  { class: "panel booth-section booth-documents" },
                  h("h2", { class: "panel-title" }, t("booth.documents")),
                  h(
                    "ul",
                    { class: "document-list" },
                    booth.documents.map((doc) =>
                      h(
                        "li",
                        {},
                        h(
                          "a",
                          { class: "document-link", href: doc.url, download: doc.filename || "" },
                          either(doc.title) || doc.filename,
                        ),
                        h("span", { class: "muted document-size" }, ` ${sizeText(doc.size)}`),
                      ),
                    ),
                  ),
                )
              : null,
            booth.links?.length ? linksSection(booth.links) : null,
          ),
        ),
      ),
    );
    mountParts();
  };

  const unsubscribe = realtime.subscribe(`booth:${exhibitorId}`, {
    onEvent: (type, data) => {
      if (type === "booth.duty_changed") return load(); // who is on duty now
      if (type !== "booth.changed") return;
      if (typeof data?.version === "number" && booth && data.version <= booth.version) return;
      load(); // the event says what changed; the booth is read again as a whole
    },
    onSnapshot: () => booth && load(),
    onPresence: (count) => {
      visitors = count;
      updateLive();
    },
    onError: (error) => {
      if (error?.code === "exhibitor.unknown" && !booth) {
        failure = error;
        render();
      }
    },
  });
  const unsubscribeLive = realtime.subscribe(`hall-live:${Math.floor(exhibitorId / BLOCK)}`, {
    onEvent: (type, data) => {
      if (type !== "presence.summary" || !data?.counts) return;
      const n = data.counts[`booth-staff:${exhibitorId}`];
      if (Number.isFinite(n)) {
        staff = n;
        updateLive();
      }
    },
    onError: () => {},
  });
  const offLang = onLangChange(render);
  // Who is signed in may be learned after the booth has loaded (the page does not wait for it):
  // the parts, mounted for a visitor then, are mounted again for whoever it is.
  // Only a change of side (visitor / the booth's own staff) does: each part follows the account
  // itself otherwise.
  let asStaff = isBoothStaff(exhibitorId);
  const offAccount = onAccountChange(() => {
    if (isBoothStaff(exhibitorId) === asStaff) return;
    asStaff = !asStaff;
    for (const part of parts.values()) part.cleanup?.();
    parts.clear();
    if (booth) mountParts();
  });
  render();
  load();

  return () => {
    stopped = true;
    controller?.abort();
    unsubscribe();
    unsubscribeLive();
    stopVisit();
    offLang();
    offAccount();
    stopPlayer();
    for (const part of parts.values()) part.cleanup?.();
  };
}

function productCard(product) {
  return h(
    "div",
    { class: "product-card" },
    product.image
      ? h("img", { class: "product-image", src: product.image, alt: pick(product.name), loading: "lazy" })
      : h("div", { class: "product-image product-image-empty", "aria-hidden": "true" }),
    h("h3", { class: "product-name" }, either(product.name)),
    either(product.description) ? h("p", { class: "product-description muted" }, either(product.description)) : null,
  );
}

function linksSection(links) {
  const shown = links.map((link) => [link, safeHref(link.url)]).filter(([, href]) => href);
  if (!shown.length) return null;
  return h(
    "section",
    { class: "panel booth-section booth-links" },
    h("h2", { class: "panel-title" }, t("booth.links")),
    h(
      "ul",
      { class: "link-list" },
      shown.map(([link, href]) =>
        h("li", {}, h("a", { href, target: "_blank", rel: "noopener noreferrer" }, either(link.title) || href)),
      ),
    ),
  );
}

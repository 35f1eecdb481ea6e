// A booth's live dashboard for its staff (#/booth/<id>/dashboard): visitors now and today, unique
// visitors, chat messages, private chats, leads, downloads and a chart of visitors per hour.
// First painted from GET /api/exhibitors/<id>/dashboard, then kept live by `booth.dashboard` on
// the `booth-staff:<id>` topic (at most once a second, only when a figure changed): no polling.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, errorText, onLangChange, pick, t } from "./i18n.js";
import { mountQueueStaff } from "./queue_staff.js"; // --- queue staff ---
import { realtime } from "./realtime.js";

addStrings({
  zh: {
    "boothdash.title": "展台数据看板",
    "boothdash.live": "实时",
    "boothdash.now": "当前在展台",
    "boothdash.visits_today": "今日访问",
    "boothdash.unique_today": "今日独立访客",
    "boothdash.unique_total": "累计独立访客",
    "boothdash.chat_today": "今日聊天消息",
    "boothdash.private_today": "今日私聊",
    "boothdash.waiting": "私聊等待中",
    "boothdash.leads": "名片线索",
    "boothdash.downloads_today": "今日资料下载",
    "boothdash.total": "累计 {n}",
    "boothdash.today": "今日 {n}",
    "boothdash.chart": "今日每小时访问（北京时间）",
    "boothdash.chart_label": "{hour} 时：{n} 次访问",
    "boothdash.to_leads": "查看名片线索",
    "boothdash.loading": "正在加载…",
  },
  en: {
    "boothdash.title": "Booth dashboard",
    "boothdash.live": "Live",
    "boothdash.now": "At the booth now",
    "boothdash.visits_today": "Visits today",
    "boothdash.unique_today": "Unique visitors today",
    "boothdash.unique_total": "Unique visitors in all",
    "boothdash.chat_today": "Chat messages today",
    "boothdash.private_today": "Private chats today",
    "boothdash.waiting": "Private chats waiting",
    "boothdash.leads": "Leads",
    "boothdash.downloads_today": "Downloads today",
    "boothdash.total": "{n} in all",
    "boothdash.today": "{n} today",
    "boothdash.chart": "Visits per hour today (Beijing time)",
    "boothdash.chart_label": "{hour}:00: {n} visits",
    "boothdash.to_leads": "See the leads",
    "boothdash.loading": "Loading…",
  },
});

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) if (child) el.appendChild(child);
  return el;
}

/** Visits per hour as bars: 24 of them, the busiest full height; drawn at `width` pixels (the
 * panel's), one unit a pixel, so its labels keep their size on a phone as on a desktop. */
export function hourChart(hours, width = 480) {
  const height = 150;
  const top = Math.max(1, ...hours);
  const slot = width / 24;
  const bars = hours.map((n, hour) => {
    const barHeight = Math.round(((height - 22) * n) / top);
    const title = svg("title");
    title.textContent = t("boothdash.chart_label", { hour: String(hour).padStart(2, "0"), n });
    return svg(
      "rect",
      {
        class: n ? "boothdash-bar" : "boothdash-bar boothdash-bar-empty",
        x: (hour * slot + 2).toFixed(1),
        y: height - 18 - Math.max(barHeight, 1),
        width: (slot - 4).toFixed(1),
        height: Math.max(barHeight, 1),
        rx: 2,
        "data-hour": hour,
        "data-count": n,
      },
      title,
    );
  });
  const ticks = [0, 6, 12, 18, 23].map((hour) => {
    const label = svg("text", { x: (hour * slot + slot / 2).toFixed(1), y: height - 4, class: "boothdash-tick" });
    label.textContent = String(hour).padStart(2, "0");
    return label;
  });
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "boothdash-chart", role: "img", "aria-label": t("boothdash.chart") },
    ...bars,
    ...ticks,
  );
}

export function mountBoothDashboard(root, { id }) {
  const exhibitor = Number(id);
  let figures = null;
  let name = null;
  let failure = null;
  let stopped = false;
  // --- queue staff --- the booth's live line first, under the page's heading (staff on duty
  // work from it; the figures can wait below), and outside what render() replaces (a figure
  // changing every second must not take a click or the focus from it)
  const head = h("div", { class: "boothdash-head" });
  const board = h("div", { class: "boothdash-board" });
  const queueSlot = h("div", { class: "boothdash-queue" });
  root.replaceChildren(h("section", { class: "boothdash" }, head, queueSlot, board));
  const unmountQueue = mountQueueStaff(queueSlot, { exhibitor });
  // --- end queue staff ---

  const load = async () => {
    try {
      const body = await api(`/api/exhibitors/${exhibitor}/dashboard`);
      name = body.name;
      figures = body;
      failure = null;
    } catch (error) {
      failure = error;
    }
    if (!stopped) render();
  };

  const tile = (key, value, sub, attrs = {}) =>
    h(
      "div",
      { class: "boothdash-tile", dataset: { figure: key }, ...attrs },
      h("div", { class: "boothdash-value" }, String(value ?? 0)),
      h("div", { class: "boothdash-label" }, t(`boothdash.${key}`)),
      sub ? h("div", { class: "boothdash-sub muted" }, sub) : null,
    );

  const render = () => {
    const f = figures;
    replace(
      head, // --- queue staff --- the heading, then the line, then the figures (board)
      h("h1", {}, t("boothdash.title"), name ? h("span", { class: "boothdash-name muted" }, pick(name)) : null),
      h("span", { class: "chip chip-accent boothdash-live" }, t("boothdash.live")),
    );
    replace(
      board,
      h(
        "div",
        { class: "boothdash-figures" },
        failure ? h("p", { class: "notice notice-error", role: "alert" }, errorText(failure)) : null,
        !f && !failure ? h("p", { class: "notice", role: "status" }, t("boothdash.loading")) : null,
        f
          ? [
              h(
                "div",
                { class: "boothdash-tiles" },
                tile("now", f.visitors_now, null, { class: "boothdash-tile boothdash-tile-now" }),
                tile("visits_today", f.visits_today, t("boothdash.total", { n: f.visits_total })),
                tile("unique_today", f.unique_today, t("boothdash.total", { n: f.unique_total })),
                tile("leads", f.leads_total, t("boothdash.today", { n: f.leads_today })),
                tile("waiting", f.private_chats_waiting, t("boothdash.today", { n: f.private_chats_today })),
                tile("chat_today", f.chat_today, t("boothdash.total", { n: f.chat_total })),
                tile("downloads_today", f.downloads_today, t("boothdash.total", { n: f.downloads_total })),
              ),
              h(
                "div",
                { class: "panel boothdash-chart-panel" },
                h("h2", { class: "panel-title" }, t("boothdash.chart")),
                hourChart(f.hours || [], Math.min(1200, Math.max(280, root.clientWidth - 40))),
              ),
              h("a", { class: "button", href: `#/booth/${exhibitor}/leads` }, t("boothdash.to_leads")),
            ]
          : null,
      ),
    );
  };

  const unsubscribe = realtime.subscribe(`booth-staff:${exhibitor}`, {
    onSnapshot: load, // the first paint, and after a resume or a reset
    onEvent: (type, data) => {
      if (type === "booth.dashboard" && data?.exhibitor === exhibitor) {
        figures = { ...figures, ...data };
        render();
      }
    },
    onError: (error) => {
      failure = error;
      render();
    },
  });
  const offLang = onLangChange(render);
  render();
  return () => {
    stopped = true;
    unsubscribe();
    offLang();
    unmountQueue(); // --- queue staff ---
  };
}

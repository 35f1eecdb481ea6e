// The console's matchmaking tab (#/console/matchmaking, organisers): the settings (open request
// cap, default seats, the booth queues' call window, grace period and appointment cap), the
// meeting slots (add a day of them by start, end and length; delete one), the dashboard
// (requests, acceptance, meetings per participant as a small SVG chart, people with no meeting,
// the busiest exhibitors), the meetings as a spreadsheet, and the
// scheduler's panel (the scheduler part's module). The figures follow `match-organisers:all`.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, errorText, getLang, onLangChange, pick, t } from "../i18n.js";
import "../match_errors.js"; // err.match.* words, shared by the matchmaking pages
import { realtime } from "../realtime.js";
// --- scheduler panel ---
import { mountScheduler } from "./match_scheduler.js";
// --- end scheduler panel ---

addStrings({
  zh: {
    "mmc.settings": "撮合设置",
    "mmc.cap": "每人同时待回复的请求上限",
    "mmc.seats": "展商默认洽谈席位",
    "mmc.call_window": "展位排队：叫号后等待应答（秒）",
    "mmc.grace": "展位排队：页面离开后保留位置（秒）",
    "mmc.overtake": "展位排队：每位现场排队者最多被几位预约者插到前面",
    "mmc.save": "保存",
    "mmc.saved": "已保存",
    "mmc.slots": "洽谈时段",
    "mmc.slots_hint": "已有洽谈的时段不能删除。",
    "mmc.expo_zone": "时间均为北京时间 / China Standard Time (UTC+8)，即博览会所在地贵阳的时间。",
    "mmc.day": "日期",
    "mmc.from": "开始",
    "mmc.to": "结束",
    "mmc.length": "每段分钟数",
    "mmc.add_day": "添加这一天的时段",
    "mmc.delete": "删除",
    "mmc.no_slots": "还没有时段。",
    "mmc.dashboard": "数据概览",
    "mmc.requests": "请求总数",
    "mmc.pending": "待回复",
    "mmc.accepted": "已接受",
    "mmc.declined": "已拒绝",
    "mmc.rate": "接受率",
    "mmc.meetings": "已确认洽谈",
    "mmc.participants": "有资料的参与者",
    "mmc.without": "尚无洽谈",
    "mmc.asked_without": "已提出请求（发出或接受）但尚无洽谈的人",
    "mmc.without_request": "没有任何请求的资料",
    "mmc.asked_without_list": "已提出请求但尚无洽谈（共 {n} 人）",
    "mmc.and_more": "……另有 {n} 人",
    "mmc.axis_x": "洽谈场数",
    "mmc.axis_y": "人数",
    "mmc.per_participant": "每位参与者的洽谈数",
    "mmc.chart_label": "{n} 场：{people} 人",
    "mmc.busiest": "最繁忙的展商",
    "mmc.exhibitor": "展商",
    "mmc.seats_col": "席位",
    "mmc.csv": "导出洽谈 CSV",
    "mmc.none": "暂无",
    "mmc.busiest_people": "洽谈最多的人",
    "mmc.person_col": "参会者",
    "mmc.ics": "日历 (iCal)",
    "mmc.ics_of": "下载 {name} 的洽谈日历",
  },
  en: {
    "mmc.settings": "Settings",
    "mmc.cap": "Open requests per person",
    "mmc.seats": "Default seats per exhibitor",
    "mmc.call_window": "Booth queues: seconds to answer a call",
    "mmc.grace": "Booth queues: seconds a place is kept after the page is gone",
    "mmc.overtake": "Booth queues: appointments that may go ahead of any one walk-in",
    "mmc.save": "Save",
    "mmc.saved": "Saved",
    "mmc.slots": "Meeting slots",
    "mmc.slots_hint": "A slot that holds meetings cannot be deleted.",
    "mmc.expo_zone": "All times are 北京时间 / China Standard Time (UTC+8), the time in Guiyang where the expo is held.",
    "mmc.day": "Day",
    "mmc.from": "From",
    "mmc.to": "To",
    "mmc.length": "Minutes each",
    "mmc.add_day": "Add this day's slots",
    "mmc.delete": "Delete",
    "mmc.no_slots": "No slots yet.",
    "mmc.dashboard": "Dashboard",
    "mmc.requests": "Requests",
    "mmc.pending": "Pending",
    "mmc.accepted": "Accepted",
    "mmc.declined": "Declined",
    "mmc.rate": "Acceptance",
    "mmc.meetings": "Meetings",
    "mmc.participants": "Participants",
    "mmc.without": "No meeting yet",
    "mmc.asked_without": "People who asked (sent or accepted a request) without a meeting",
    "mmc.without_request": "Profiles without any request",
    "mmc.asked_without_list": "Asked but no meeting yet ({n} in all)",
    "mmc.and_more": "… and {n} more",
    "mmc.axis_x": "Meetings",
    "mmc.axis_y": "People",
    "mmc.per_participant": "Meetings per participant",
    "mmc.chart_label": "{n} meetings: {people} people",
    "mmc.busiest": "Busiest exhibitors",
    "mmc.exhibitor": "Exhibitor",
    "mmc.seats_col": "Seats",
    "mmc.csv": "Export meetings (CSV)",
    "mmc.none": "None yet",
    "mmc.busiest_people": "People with the most meetings",
    "mmc.person_col": "Participant",
    "mmc.ics": "Calendar (iCal)",
    "mmc.ics_of": "Download {name}'s meetings calendar",
  },
});

const TOPIC = "match-organisers:all";

// Slots are shown and entered in the expo's time zone (Guiyang: China Standard Time, UTC+8,
// no daylight saving), whatever the organiser's browser is set to; the API takes UTC.
const EXPO_ZONE = "Asia/Shanghai";
const EXPO_OFFSET_MS = 8 * 3600_000;

/** "2026-05-26" + "09:30" in the expo's zone → the instant (ms since the epoch, UTC). */
export function expoInstant(dayText, timeText) {
  const [y, m, d] = dayText.split("-").map(Number);
  const [hh, mm] = timeText.split(":").map(Number);
  return Date.UTC(y, m - 1, d, hh, mm) - EXPO_OFFSET_MS;
}

/** The wall clock in the expo's zone of an ISO instant: {day: "2026-05-26", time: "09:30"}. */
export function expoClock(iso) {
  const shifted = new Date(new Date(iso).getTime() + EXPO_OFFSET_MS).toISOString();
  return { day: shifted.slice(0, 10), time: shifted.slice(11, 16) };
}

function dayLabel(iso) {
  const locale = getLang() === "zh" ? "zh-CN" : "en-GB";
  return new Intl.DateTimeFormat(locale, { weekday: "short", month: "short", day: "numeric", timeZone: EXPO_ZONE }).format(new Date(iso));
}

/** Folds the histogram into 0, 1, 2, 3+ meetings (a long tail of single people is no bar). */
export function foldBins(bins, last = 3) {
  const out = [];
  for (let n = 0; n <= last; n += 1) out.push({ label: n === last ? `${n}+` : String(n), meetings: n, people: 0 });
  for (const b of bins) out[Math.min(b.meetings, last)].people += b.people;
  return out;
}

/** A bar chart as plain SVG: one bar per number of meetings (0, 1, 2, 3+), its count on top,
 * the axes named (meetings → people). */
function chart(rawBins) {
  const bins = foldBins(rawBins);
  const ns = "http://www.w3.org/2000/svg";
  const width = 360;
  const left = 28; // room for the y-axis label
  const topPad = 18; // room for the count above the tallest bar
  const height = 140;
  const top = Math.max(1, ...bins.map((b) => b.people));
  const step = (width - left) / bins.length;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${topPad + height + 40}`);
  svg.setAttribute("class", "mmc-chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${t("mmc.per_participant")}: ${bins.map((b) => t("mmc.chart_label", { n: b.label, people: b.people })).join("; ")}`);
  const text = (x, y, value, cls, extra = {}) => {
    const el = document.createElementNS(ns, "text");
    el.setAttribute("x", String(x));
    el.setAttribute("y", String(y));
    el.setAttribute("text-anchor", "middle");
    if (cls) el.setAttribute("class", cls);
    for (const [k, v] of Object.entries(extra)) el.setAttribute(k, v);
    el.textContent = value;
    return el;
  };
  bins.forEach((bin, i) => {
    const barHeight = Math.round((bin.people / top) * height);
    const x = left + i * step;
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", String(x + 6));
    rect.setAttribute("y", String(topPad + height - barHeight));
    rect.setAttribute("width", String(Math.max(2, step - 12)));
    rect.setAttribute("height", String(barHeight));
    const title = document.createElementNS(ns, "title");
    title.textContent = t("mmc.chart_label", { n: bin.label, people: bin.people });
    rect.appendChild(title);
    svg.append(
      rect,
      text(x + step / 2, topPad + height - barHeight - 4, String(bin.people), "mmc-chart-count"),
      text(x + step / 2, topPad + height + 14, bin.label, "mmc-chart-tick"),
    );
  });
  svg.append(
    text(left + (width - left) / 2, topPad + height + 34, t("mmc.axis_x"), "mmc-chart-axis"),
    text(10, topPad + height / 2, t("mmc.axis_y"), "mmc-chart-axis", { transform: `rotate(-90 10 ${topPad + height / 2})` }),
  );
  return svg;
}

/** One listed person: the name and what tells same-named people apart (company, else #id). */
function personLabel(p) {
  return p.organisation ? `${p.name}（${p.organisation}）` : `${p.name} #${p.account}`;
}

export function mount(root) {
  let stopped = false;
  let settings = null;
  let slots = null;
  // The slot list's version (the settings row's, bumped with each slot change): a list older
  // than the one shown (a slow load, a late event) is dropped.
  let slotsVersion = -1;
  const takeSlots = (body) => {
    if (typeof body.version !== "number" || body.version < slotsVersion) return;
    slotsVersion = body.version;
    slots = body.slots;
  };
  let dashboard = null;
  let error = null;
  let saved = false;
  let timer = null;
  // The scheduler draws its own panel (a section.panel): a plain box here, not a frame in a frame.
  const schedulerRoot = h("div", { class: "mmc-scheduler" });
  let unmountScheduler = null;

  const load = async () => {
    try {
      const [s, sl, d] = await Promise.all([
        api("/api/match/settings"),
        api("/api/match/slots"),
        api("/api/match/dashboard"),
      ]);
      if (stopped) return;
      settings = s.settings;
      takeSlots(sl);
      dashboard = d.dashboard;
      error = null;
    } catch (err) {
      error = err;
    }
    render();
  };

  const putSlots = async (next) => {
    try {
      takeSlots(await api("/api/match/slots", { method: "PUT", body: { slots: next } }));
      error = null;
    } catch (err) {
      error = err;
    }
    render();
  };

  // The forms' inputs live across renders: a figure that changes meanwhile (an event on the
  // organisers' topic) must not wipe what the organiser is typing.
  const cap = h("input", { type: "number", id: "mmc-cap", min: 1, max: 100 });
  const seats = h("input", { type: "number", id: "mmc-seats", min: 1, max: 50 });
  const callWindow = h("input", { type: "number", id: "mmc-call-window", min: 15, max: 600 });
  const grace = h("input", { type: "number", id: "mmc-grace", min: 30, max: 1800 });
  const overtake = h("input", { type: "number", id: "mmc-overtake", min: 0, max: 10 });
  const day = h("input", { type: "date", id: "mmc-day", required: true });
  const from = h("input", { type: "time", id: "mmc-from", value: "09:30" });
  const to = h("input", { type: "time", id: "mmc-to", value: "12:00" });
  const length = h("input", { type: "number", id: "mmc-length", min: 5, max: 240, value: 30 });
  let shownValues = null;

  const settingsForm = () => {
    // The stored values, once each time they change (a slot change moves the version too, and
    // must not wipe what the organiser is typing).
    const stored = [
      settings.open_request_cap,
      settings.default_seats,
      settings.queue_call_window,
      settings.queue_grace,
      settings.queue_overtake_cap,
    ].join("/");
    if (shownValues !== stored) {
      shownValues = stored;
      cap.value = String(settings.open_request_cap);
      seats.value = String(settings.default_seats);
      callWindow.value = String(settings.queue_call_window);
      grace.value = String(settings.queue_grace);
      overtake.value = String(settings.queue_overtake_cap);
    }
    return h(
      "section",
      { class: "panel" },
      h("h2", {}, t("mmc.settings")),
      h(
        "form",
        {
          class: "mmc-form",
          onsubmit: async (e) => {
            e.preventDefault();
            try {
              const body = {
                open_request_cap: Number(cap.value),
                default_seats: Number(seats.value),
                queue_call_window: Number(callWindow.value),
                queue_grace: Number(grace.value),
                queue_overtake_cap: Number(overtake.value),
                version: settings.version,
              };
              settings = (await api("/api/match/settings", { method: "PUT", body })).settings;
              saved = true;
              error = null;
            } catch (err) {
              error = err;
              saved = false;
            }
            render();
          },
        },
        h("div", { class: "field" }, h("label", { for: "mmc-cap" }, t("mmc.cap")), cap),
        h("div", { class: "field" }, h("label", { for: "mmc-seats" }, t("mmc.seats")), seats),
        h("div", { class: "field" }, h("label", { for: "mmc-call-window" }, t("mmc.call_window")), callWindow),
        h("div", { class: "field" }, h("label", { for: "mmc-grace" }, t("mmc.grace")), grace),
        h("div", { class: "field" }, h("label", { for: "mmc-overtake" }, t("mmc.overtake")), overtake),
        h("button", { type: "submit", class: "button button-primary" }, t("mmc.save")),
        saved ? h("span", { class: "form-saved" }, t("mmc.saved")) : null,
      ),
    );
  };

  const slotEditor = () => {
    const add = (e) => {
      e.preventDefault();
      if (!day.value) return;
      const start = expoInstant(day.value, from.value);
      const end = expoInstant(day.value, to.value);
      const step = Number(length.value) * 60_000;
      const next = slots.map((s) => ({ id: s.id, starts_at: s.starts_at, ends_at: s.ends_at }));
      for (let at = start; step > 0 && at + step <= end && next.length <= 500; at += step) {
        next.push({ starts_at: new Date(at).toISOString(), ends_at: new Date(at + step).toISOString() });
      }
      putSlots(next);
    };
    const days = new Map();
    for (const slot of slots) {
      const key = expoClock(slot.starts_at).day;
      if (!days.has(key)) days.set(key, []);
      days.get(key).push(slot);
    }
    return h(
      "section",
      { class: "panel" },
      h("h2", {}, t("mmc.slots")),
      h("p", { class: "mmc-zone notice", role: "note" }, t("mmc.expo_zone")),
      h("p", { class: "field-hint" }, t("mmc.slots_hint")),
      h(
        "form",
        { class: "mmc-form", onsubmit: add },
        h("div", { class: "field" }, h("label", { for: "mmc-day" }, t("mmc.day")), day),
        h("div", { class: "field" }, h("label", { for: "mmc-from" }, t("mmc.from")), from),
        h("div", { class: "field" }, h("label", { for: "mmc-to" }, t("mmc.to")), to),
        h("div", { class: "field" }, h("label", { for: "mmc-length" }, t("mmc.length")), length),
        h("button", { type: "submit", class: "button button-primary" }, t("mmc.add_day")),
      ),
      slots.length === 0
        ? h("p", { class: "muted" }, t("mmc.no_slots"))
        : [...days.values()].map((list) =>
            h(
              "div",
              { class: "mmc-day" },
              h("h3", {}, dayLabel(list[0].starts_at)),
              h(
                "ul",
                { class: "mmc-slots" },
                list.map((slot) =>
                  h(
                    "li",
                    { class: "mmc-slot", dataset: { slot: String(slot.id) } },
                    `${expoClock(slot.starts_at).time}–${expoClock(slot.ends_at).time}`,
                    h(
                      "button",
                      {
                        type: "button",
                        class: "button button-ghost button-small",
                        onclick: () => putSlots(slots.filter((s) => s.id !== slot.id)),
                      },
                      t("mmc.delete"),
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
  };

  const figure = (label, value, key = null) =>
    h("div", { class: "mmc-figure", "data-figure": key }, h("span", { class: "muted" }, label), h("strong", {}, String(value)));

  const dashboardPanel = () => {
    const d = dashboard;
    const rate = d.acceptance_rate === null ? "—" : `${Math.round(d.acceptance_rate * 100)}%`;
    return h(
      "section",
      { class: "panel" },
      h(
        "div",
        { class: "form-actions" },
        h("h2", {}, t("mmc.dashboard")),
        h("a", { class: "button button-ghost button-small", href: "/api/match/meetings.csv", download: "" }, t("mmc.csv")),
      ),
      h(
        "div",
        { class: "mmc-grid" },
        figure(t("mmc.requests"), d.requests.total),
        figure(t("mmc.pending"), d.requests.pending),
        figure(t("mmc.accepted"), d.requests.accepted),
        figure(t("mmc.declined"), d.requests.declined),
        figure(t("mmc.rate"), rate),
        figure(t("mmc.meetings"), d.meetings),
        figure(t("mmc.participants"), d.participants),
      ),
      h(
        "div",
        { class: "mmc-grid mmc-headline" },
        figure(t("mmc.asked_without"), d.asked_without_meeting.count, "asked_without_meeting"),
        figure(t("mmc.without_request"), d.without_request.count, "without_request"),
      ),
      h("h3", {}, t("mmc.per_participant")),
      chart(d.per_participant),
      h("h3", {}, t("mmc.busiest")),
      d.busiest_exhibitors.length === 0
        ? h("p", { class: "muted" }, t("mmc.none"))
        : h(
            "table",
            { class: "mmc-table" },
            h("thead", {}, h("tr", {}, h("th", {}, t("mmc.exhibitor")), h("th", {}, t("mmc.meetings")), h("th", {}, t("mmc.seats_col")))),
            h(
              "tbody",
              {},
              d.busiest_exhibitors.map((b) =>
                h("tr", {}, h("td", {}, pick({ zh: b.exhibitor.name_zh, en: b.exhibitor.name_en })), h("td", {}, String(b.meetings)), h("td", {}, String(b.seats))),
              ),
            ),
          ),
      h("h3", {}, t("mmc.busiest_people")),
      (d.busiest_people || []).length === 0
        ? h("p", { class: "muted" }, t("mmc.none"))
        : h(
            "table",
            { class: "mmc-table mmc-people" },
            h("thead", {}, h("tr", {}, h("th", {}, t("mmc.person_col")), h("th", {}, t("mmc.meetings")), h("th", {}, t("mmc.ics")))),
            h(
              "tbody",
              {},
              d.busiest_people.map((p) =>
                h(
                  "tr",
                  {},
                  h("td", {}, p.organisation ? `${p.name} (${p.organisation})` : p.name),
                  h("td", {}, String(p.meetings)),
                  h(
                    "td",
                    {},
                    h(
                      "a",
                      {
                        class: "button button-ghost button-small",
                        href: `/api/match/people/${encodeURIComponent(p.account)}/meetings.ics`,
                        download: "",
                        "aria-label": t("mmc.ics_of", { name: p.name }),
                      },
                      ".ics",
                    ),
                  ),
                ),
              ),
            ),
          ),
      h("h3", {}, t("mmc.asked_without_list", { n: d.asked_without_meeting.count })),
      d.asked_without_meeting.people.length === 0
        ? h("p", { class: "muted" }, t("mmc.none"))
        : h(
            "ul",
            { class: "mmc-waiting" },
            d.asked_without_meeting.people.map((p) => h("li", { "data-account": String(p.account) }, personLabel(p))),
            d.asked_without_meeting.count > d.asked_without_meeting.people.length
              ? h("li", { class: "muted mmc-more" }, t("mmc.and_more", { n: d.asked_without_meeting.count - d.asked_without_meeting.people.length }))
              : null,
          ),
    );
  };

  const render = () => {
    if (stopped) return;
    if (!settings) {
      replace(root, h("section", { class: "panel" }, error ? h("p", { class: "form-error" }, errorText(error)) : "…"));
      return;
    }
    replace(
      root,
      h(
        "div",
        { class: "mmc" },
        error ? h("p", { class: "form-error", role: "alert" }, errorText(error)) : null,
        settingsForm(),
        slotEditor(),
        dashboardPanel(),
        schedulerRoot,
      ),
    );
  };

  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) load();
    }, 300);
  };
  const offTopic = realtime.subscribe(TOPIC, {
    onSnapshot: refresh,
    onEvent: (type, data) => {
      if (type === "match.slots_changed" && data) {
        takeSlots(data); // an older list (a late event) is dropped; the rest is read again
        render();
      }
      // The scheduler's progress has its own panel; the booth queues' figures their own tab.
      if (type !== "match.scheduler_progress" && !type.startsWith("queue.")) refresh();
    },
    onError: (err) => console.warn("console matchmaking: not live", err),
  });
  const offLang = onLangChange(render);
  // --- scheduler panel ---
  unmountScheduler = mountScheduler(schedulerRoot) || null;
  // --- end scheduler panel ---
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    offTopic?.();
    offLang();
    unmountScheduler?.();
  };
}

// The console's hall report tab (#/console/hall-report): what the report holds, and its download
// (GET /api/hall/report.csv: UTF-8 with a BOM, formulas neutralised, for Excel and WPS).

import { h, replace } from "../dom.js";
import { addStrings, onLangChange, t } from "../i18n.js";

addStrings({
  zh: {
    "report.heading": "展厅报告",
    "report.intro": "每个展位一行：展商名称、等级、访问次数、独立访客、总停留与平均停留时间（秒）、公开聊天消息、私聊、线索与资料下载。均由展位的活动记录统计。",
    "report.download": "下载 CSV",
    "report.note": "CSV 为 UTF-8（带 BOM），Excel 与 WPS 可直接打开中文；以 = + - @ 开头的内容已做防公式注入处理。",
  },
  en: {
    "report.heading": "Hall report",
    "report.intro": "One line per booth: exhibitor names, tier, visits, unique visitors, total and average dwell time (seconds), public chat messages, private chats, leads and document downloads, all counted from the booths' activity.",
    "report.download": "Download CSV",
    "report.note": "UTF-8 with a BOM, so Excel and WPS show Chinese correctly; cells starting with = + - @ are neutralised against formula injection.",
  },
});

export function mount(root) {
  const render = () =>
    replace(
      root,
      h(
        "section",
        { class: "panel console-report" },
        h("h2", {}, t("report.heading")),
        h("p", {}, t("report.intro")),
        h("a", { class: "button button-primary", href: "/api/hall/report.csv", download: "" }, t("report.download")),
        h("p", { class: "muted small" }, t("report.note")),
      ),
    );
  render();
  return onLangChange(render);
}

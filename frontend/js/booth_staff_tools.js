// The booth's own staff (and organisers) see, on the booth page, the way to everything they
// run there: the editor, the private-chat inbox, the live dashboard, the leads and the
// releases. Visitors see nothing of it (the section stays hidden).

import { isBoothStaff } from "./booth_chat.js";
import { h, replace } from "./dom.js";
import { addStrings, onLangChange, t } from "./i18n.js";

addStrings({
  zh: {
    "boothtools.title": "展位管理",
    "boothtools.edit": "编辑展位",
    "boothtools.inbox": "私聊收件箱",
    "boothtools.dashboard": "实时数据",
    "boothtools.leads": "名片线索",
    "boothtools.releases": "发布管理",
  },
  en: {
    "boothtools.title": "Run this booth",
    "boothtools.edit": "Edit the booth",
    "boothtools.inbox": "Private chats",
    "boothtools.dashboard": "Live dashboard",
    "boothtools.leads": "Leads",
    "boothtools.releases": "Releases",
  },
});

const TOOLS = ["edit", "inbox", "dashboard", "leads", "releases"];

export function mountStaffTools(el, booth) {
  const id = Number(booth.id);
  const render = () => {
    if (!isBoothStaff(id)) {
      el.hidden = true;
      replace(el);
      return;
    }
    el.hidden = false;
    replace(
      el,
      h("h2", { class: "booth-part-title" }, t("boothtools.title")),
      h(
        "nav",
        { class: "booth-staff-tools", "aria-label": t("boothtools.title") },
        TOOLS.map((tool) =>
          h(
            "a",
            { class: "button button-small", href: `#/booth/${id}/${tool}`, dataset: { tool } },
            t(`boothtools.${tool}`),
          ),
        ),
      ),
    );
  };
  const offLang = onLangChange(render);
  render();
  return () => offLang();
}

// The booth's own staff (and organisers) see, on the booth page, the way to everything they
// run there: the editor, the private-chat inbox, the live dashboard, the leads and the
// releases. Visitors see nothing of it (the section stays hidden).
// Staff on their booth page follow `booth-staff:<id>` as the inbox and the dashboard do: visitors
// then see them as staff online, and the inbox link shows the visitors waiting for an answer.

import { isBoothStaff } from "./booth_chat.js";
import { h, replace } from "./dom.js";
import { addStrings, onLangChange, t } from "./i18n.js";
import { realtime } from "./realtime.js";

addStrings({
  zh: {
    "boothtools.title": "展位管理",
    "boothtools.edit": "编辑展位",
    "boothtools.inbox": "私聊收件箱",
    "boothtools.dashboard": "实时数据",
    "boothtools.leads": "名片线索",
    "boothtools.releases": "发布管理",
    "boothtools.waiting": "{n} 位访客在等回复",
    "boothtools.booth": "展位页面",
  },
  en: {
    "boothtools.title": "Run this booth",
    "boothtools.edit": "Edit the booth",
    "boothtools.inbox": "Private chats",
    "boothtools.dashboard": "Live dashboard",
    "boothtools.leads": "Leads",
    "boothtools.releases": "Releases",
    "boothtools.waiting": "{n} waiting for an answer",
    "boothtools.booth": "Booth page",
  },
});

const TOOLS = ["edit", "inbox", "dashboard", "leads", "releases"];

/** A staff page's way back to the booth, then on to its other staff pages (all but `except`). */
export const staffPageTools = (id, except) =>
  h(
    "nav",
    { class: "booth-staff-tools inbox-tools", "aria-label": t("boothtools.title") },
    h("a", { class: "button button-small", href: `#/booth/${id}` }, h("span", { "aria-hidden": "true" }, "← "), t("boothtools.booth")),
    staffToolLinks(id, except),
  );

/** Links to the booth's staff pages but `except` (the booth editor's head shows them too). */
export const staffToolLinks = (id, except) =>
  TOOLS.filter((tool) => tool !== except).map((tool) =>
    h("a", { class: "button button-small", href: `#/booth/${id}/${tool}`, dataset: { tool } }, t(`boothtools.${tool}`)),
  );

export function mountStaffTools(el, booth) {
  const id = Number(booth.id);
  let unsubscribe = null; // following booth-staff:<id> while the account is this booth's staff
  let waiting = 0; // visitors waiting for an answer in a private chat (the dashboard's figure)
  const follow = () => {
    unsubscribe = realtime.subscribe(`booth-staff:${id}`, {
      onEvent: (type, data) => {
        if (type !== "booth.dashboard" || Number(data?.exhibitor) !== id) return;
        if (!Number.isFinite(data.private_chats_waiting)) return;
        waiting = data.private_chats_waiting;
        render();
      },
      onError: () => {},
    });
  };
  const render = () => {
    if (!isBoothStaff(id)) {
      unsubscribe?.();
      unsubscribe = null;
      el.hidden = true;
      replace(el);
      return;
    }
    if (!unsubscribe) follow();
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
            tool === "inbox" && waiting > 0
              ? h("span", { class: "booth-tools-waiting" }, ` · ${t("boothtools.waiting", { n: waiting })}`)
              : null,
          ),
        ),
      ),
    );
  };
  const offLang = onLangChange(render);
  render();
  return () => {
    offLang();
    unsubscribe?.();
    unsubscribe = null;
  };
}

// The header's "我的展位 / My booth" link, for an exhibitor's staff (their booth's editor).

import { addStrings } from "./i18n.js";

addStrings({ zh: { "nav.my_booth": "我的展位" }, en: { "nav.my_booth": "My booth" } });

/** The header's link for exhibitor staff: their own booth's editor (null for anyone else). */
export function myBoothLink(account) {
  if (account?.role !== "exhibitor" || !account.exhibitor_id) return null;
  return [`#/booth/${account.exhibitor_id}/edit`, "nav.my_booth"];
}

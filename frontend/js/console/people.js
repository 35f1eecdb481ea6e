// The console's People tab (#/console/people): invitations (one, many from a CSV paste, those
// made) and accounts (find, change a role, disable or enable), each part a module of its own
// (people_invitations.js, people_accounts.js).
//
// Inputs are made once and kept across renders (what is typed survives a refresh of a list or
// a change of language); each part re-renders only its own bodies.

import { h, replace } from "../dom.js";
import { getLang, onLangChange } from "../i18n.js";
import { accountsPart } from "./people_accounts.js";
import { invitationsPart } from "./people_invitations.js";
import { exhibitorDirectory } from "./people_parts.js";

export function mount(root) {
  let stopped = false;
  const alive = () => !stopped;
  const directory = exhibitorDirectory();
  const render = () => {
    replace(
      root,
      h("div", { class: "people", lang: getLang() === "zh" ? "zh-CN" : "en" }, invitations.sections(), accounts.section()),
    );
    invitations.refresh();
    accounts.refresh();
  };
  const invitations = invitationsPart({ directory, alive, rerender: render });
  const accounts = accountsPart({ directory, alive });

  render();
  directory
    .load()
    .then(() => {
      if (!stopped) render();
    })
    .catch(() => {}); // names stay ids; the rest of the tab works
  invitations.load();
  accounts.load();
  const offLang = onLangChange(() => {
    if (!stopped) render();
  });
  return () => {
    stopped = true;
    offLang();
  };
}

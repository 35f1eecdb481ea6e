// Business matchmaking (#/matchmaking, 商务撮合): not open yet, and the page says so. It shows
// no sample meetings or slots: there are none.

import { h, replace } from "./dom.js";
import { onLangChange, t } from "./i18n.js";

export function mountMatchmaking(root) {
  const render = () =>
    replace(
      root,
      h(
        "section",
        { class: "panel matchmaking" },
        h("span", { class: "chip chip-accent" }, t("matchmaking.soon")),
        h("h1", {}, t("matchmaking.heading")),
        h("p", {}, t("matchmaking.text")),
        h("p", { class: "muted" }, t("matchmaking.honest")),
        h("p", { class: "muted" }, t("matchmaking.meanwhile")),
        h(
          "div",
          { class: "form-actions" },
          h("a", { class: "button button-primary", href: "#/hall" }, t("matchmaking.to_hall")),
          h("a", { class: "button button-ghost", href: "#/" }, t("notfound.back")),
        ),
      ),
    );
  render();
  return onLangChange(render);
}

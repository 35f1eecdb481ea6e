// A room's reactions: a bar of emoji buttons under the player, and the room's applause floating
// up over the video. Bursts come at most once a second per room (forums/reactions.py); each
// shows a bounded number of floating emoji, so a room of thousands stays light to draw.

import { h, replace } from "./dom.js";
import { addStrings, errorText, onLangChange, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";

export const REACTIONS = [
  ["clap", "👏"],
  ["heart", "❤️"],
  ["thumbs_up", "👍"],
  ["party", "🎉"],
  ["idea", "💡"],
  ["laugh", "😂"],
];
const EMOJI = Object.fromEntries(REACTIONS);
const MAX_FLOATING = 14; // per burst: enough to feel the room, cheap to draw
const LANES = 6; // floaters start in one of these columns (classes: the CSP allows no inline styles)
const FLOAT_MS = 2_400;
const reducedMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;

addStrings({
  zh: {
    "react.label": "互动表情",
    "react.clap": "鼓掌",
    "react.heart": "喜欢",
    "react.thumbs_up": "点赞",
    "react.party": "庆祝",
    "react.idea": "有启发",
    "react.laugh": "哈哈",
    "react.sign_in": "登录后可发送表情",
    "react.total": "本场互动 {n}",
  },
  en: {
    "react.label": "Reactions",
    "react.clap": "Applause",
    "react.heart": "Love it",
    "react.thumbs_up": "Agree",
    "react.party": "Celebrate",
    "react.idea": "Insightful",
    "react.laugh": "Ha ha",
    "react.sign_in": "Sign in to react",
    "react.total": "{n} reactions",
    "react.total_one": "1 reaction",
  },
});

/** The bar under the player and the layer over it: {bar, layer, start(), stop()}. */
export function reactionBar(forumId) {
  const layer = h("div", { class: "reaction-layer", "aria-hidden": "true" });
  const bar = h("div", { class: "reaction-bar", role: "group" });
  const note = h("span", { class: "reaction-note muted small", role: "status" });
  let total = 0;
  let stops = [];

  const render = () => {
    const signedIn = Boolean(currentAccount());
    bar.setAttribute("aria-label", t("react.label"));
    replace(
      bar,
      REACTIONS.map(([name, emoji]) =>
        h(
          "button",
          {
            type: "button",
            class: "reaction-button",
            title: signedIn ? t(`react.${name}`) : t("react.sign_in"),
            "aria-label": t(`react.${name}`),
            disabled: !signedIn,
            dataset: { reaction: name },
            onclick: () => send(name),
          },
          emoji,
        ),
      ),
      note,
    );
    renderNote();
  };

  const renderNote = () => {
    note.textContent = total ? t("react.total", { n: total.toLocaleString() }) : "";
  };

  const send = async (name) => {
    float(name, 1); // one's own reaction shows at once; the room's burst follows
    try {
      await realtime.request("reaction.send", { forum: forumId, reaction: name });
    } catch (error) {
      note.textContent = errorText(error);
    }
  };

  const float = (name, count) => {
    if (reducedMotion || document.hidden) return;
    for (let i = 0; i < Math.min(count, MAX_FLOATING); i++) {
      const lane = Math.floor(Math.random() * LANES);
      const delay = Math.floor(Math.random() * 4);
      const el = h("span", { class: `reaction-float lane-${lane} delay-${delay}` }, EMOJI[name] || "");
      layer.appendChild(el);
      setTimeout(() => el.remove(), FLOAT_MS + 400);
    }
  };

  const burst = (counts) => {
    const entries = Object.entries(counts || {}).filter(([name, n]) => name in EMOJI && n > 0);
    const sum = entries.reduce((acc, [, n]) => acc + n, 0);
    total += sum;
    renderNote();
    // Split the floaters over the kinds in proportion, at least one per kind present.
    for (const [name, n] of entries) {
      float(name, Math.max(1, Math.round((n / sum) * MAX_FLOATING)));
    }
  };

  return {
    bar,
    layer,
    start() {
      render();
      stops.push(onLangChange(render));
      stops.push(onAccountChange(render));
      stops.push(
        realtime.subscribe(`forum:${forumId}`, {
          onEvent: (type, data) => {
            if (type === "reaction.burst") burst(data?.counts);
          },
        }),
      );
    },
    stop() {
      for (const fn of stops.splice(0)) fn();
      layer.replaceChildren();
    },
  };
}

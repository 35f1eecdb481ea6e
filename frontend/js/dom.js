// Building DOM without HTML strings: every string child becomes a text node, so whatever a
// user wrote is shown as text and never parsed as markup. There is no innerHTML in this app.

/**
 * h("a", {class: "card", href: "#/"}, "text", childNode, [more, children])
 * Attributes: `class`, `on<event>` (a function), `dataset` (an object), any other attribute
 * via setAttribute; `false`, `null` and `undefined` attributes and children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) {
      if (typeof value !== "function") throw new Error(`${key} takes a function, never a string`);
      el.addEventListener(key.slice(2), value);
    } else if (key === "style") {
      throw new Error("use classes, not inline styles (the CSP forbids them)");
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace all children of `parent` with `children`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

const SVG = "http://www.w3.org/2000/svg";

/** A small line icon from a fixed set (paths are ours, never user data). */
export function icon(name, cls = "icon") {
  const paths = ICONS[name];
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  for (const d of paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  }
  return svg;
}

const ICONS = {
  eye: [
    "M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z",
    "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
  ],
  back: ["M15 18l-6-6 6-6"],
  play: ["M8 5v14l11-7z"],
  send: ["M4 12l16-8-6 16-2-7-8-1z"],
  user: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 21a8 8 0 0 1 16 0"],
  wifiOff: ["M2 8.8a15 15 0 0 1 4.2-2.6", "M10.7 5.1A15 15 0 0 1 22 8.8", "M5 12.6a10 10 0 0 1 5-2.4", "M8.5 16.1a5 5 0 0 1 7 0", "M12 20h.01", "M3 3l18 18"],
  clock: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7v5l3 2"],
  menu: ["M4 6h16", "M4 12h16", "M4 18h16"],
  sound: ["M11 5L6 9H3v6h3l5 4z", "M15.5 8.5a5 5 0 0 1 0 7", "M18.5 5.5a9 9 0 0 1 0 13"],
  soundOff: ["M11 5L6 9H3v6h3l5 4z", "M16 9l6 6", "M22 9l-6 6"],
  chevronDown: ["M6 9l6 6 6-6"],
};

// http(s) addresses in what people write; trailing punctuation is left outside the link.
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'“”‘’（）()【】]+/gi;
const TRAILING = /[.,;:!?。，；：！？、]+$/;

/**
 * What a person wrote, as nodes: text nodes, and each http(s) address as a link that opens in
 * a new tab without handing it this page (rel=noopener) or our ranking (nofollow, ugc). The
 * link's text and address are the characters as written; nothing is ever parsed as HTML.
 */
export function linkified(text) {
  const value = String(text ?? "");
  const nodes = [];
  let last = 0;
  for (const match of value.matchAll(URL_IN_TEXT)) {
    const address = match[0].replace(TRAILING, "");
    if (match.index > last) nodes.push(value.slice(last, match.index));
    nodes.push(
      h("a", { class: "user-link", href: address, target: "_blank", rel: "noopener noreferrer nofollow ugc" }, address),
    );
    last = match.index + address.length;
  }
  if (last < value.length) nodes.push(value.slice(last));
  return nodes;
}

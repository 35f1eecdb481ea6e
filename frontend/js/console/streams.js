// The console's Streams tab (#/console/streams): every room's ingest state (live, interrupted or
// offline, since when, which publisher), where to push (the RTMP server) and its main and backup
// stream keys (masked until shown; copy; rotate, after a confirmation that warns when the key is
// live), and a short how-to. The states follow `stream.state` on each room's topic (forum:<id>),
// newest version kept (stream_state.js): no polling.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { errorText, hhmm, onLangChange, pick, t } from "../i18n.js";
import { roomHref } from "../nav.js";
import { realtime } from "../realtime.js";
import { STREAM_EVENT, isNewer, streamStateOf } from "../stream_state.js";
import "../stream_strings.js";

const MASK = "•".repeat(16);
const WHICH = ["main", "backup"];

export function mount(root) {
  let rooms = null; // GET /api/streams' rooms, each with `live`: its newest stream state
  let failure = null;
  let stopped = false;
  const shown = new Set(); // "<forum>:<which>" keys shown in clear
  const confirming = new Set(); // "<forum>:<which>" rotations waiting for a yes
  const notes = new Map(); // forum id -> {text: () => string, failed}
  const follows = new Map(); // forum id -> unsubscribe

  const load = async () => {
    try {
      const body = await api("/api/streams");
      if (stopped) return;
      const known = new Map((rooms || []).map((r) => [r.forum_id, r.live]));
      rooms = body.rooms.map((room) => {
        const fresh = streamStateOf(room.state);
        const mine = known.get(room.forum_id);
        return { ...room, live: isNewer(mine, fresh) ? fresh : mine };
      });
      failure = null;
      follow();
    } catch (error) {
      failure = error;
    }
    render();
  };

  const follow = () => {
    for (const room of rooms) {
      if (follows.has(room.forum_id)) continue;
      follows.set(
        room.forum_id,
        realtime.subscribe(`forum:${room.forum_id}`, {
          onEvent: (type, data) => {
            if (type !== STREAM_EVENT || data?.forum !== room.forum_id) return;
            take(room.forum_id, streamStateOf(data));
          },
        }),
      );
    }
  };

  const take = (forumId, next) => {
    const room = rooms?.find((r) => r.forum_id === forumId);
    if (!room || !isNewer(room.live, next)) return;
    room.live = next;
    render();
  };

  const rotate = async (room, which) => {
    const id = `${room.forum_id}:${which}`;
    confirming.delete(id);
    try {
      const reply = await api(`/api/streams/${room.forum_id}/keys/rotate`, { method: "POST", body: { which } });
      room.keys = reply.keys;
      const fresh = streamStateOf(reply.state);
      if (isNewer(room.live, fresh)) room.live = fresh;
      notes.set(room.forum_id, { text: () => t("streams.rotated", { which: t(`streams.key_${which}`) }) });
    } catch (error) {
      notes.set(room.forum_id, { text: () => errorText(error), failed: true });
    }
    render();
    root.querySelector(`[data-rotate="${id}"]`)?.focus();
  };

  const copy = async (value, button) => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = t("streams.copied");
    } catch {
      button.textContent = t("streams.copy_failed");
    }
    setTimeout(() => {
      if (button.isConnected) button.textContent = t("streams.copy");
    }, 2_000);
  };

  const stateChip = (s) => {
    const state = s?.state || "offline";
    return h(
      "span",
      { class: `stream-state stream-state-${state}` },
      state === "live" ? h("span", { class: "live-dot", "aria-hidden": "true" }) : null,
      t(`streams.state_${state}`),
    );
  };

  const keyRow = (room, which) => {
    const id = `${room.forum_id}:${which}`;
    const title = pick(room.title);
    const whichName = t(`streams.key_${which}`);
    const open = shown.has(id);
    const key = room.keys[which];
    const copyButton = h(
      "button",
      {
        type: "button",
        class: "button button-small",
        "aria-label": t("streams.copy_label", { room: title, which: whichName }),
        onclick: (event) => copy(key, event.currentTarget),
      },
      t("streams.copy"),
    );
    const liveWithIt = room.live?.state !== "offline" && room.live?.publisher === which;
    return h(
      "div",
      { class: "stream-field", dataset: { key: which } },
      h("dt", {}, whichName),
      h(
        "dd",
        {},
        h("code", { class: open ? "stream-value stream-key" : "stream-value stream-key is-masked", "aria-label": open ? null : t("streams.key_hidden") }, open ? key : MASK),
      ),
      h(
        "dd",
        { class: "stream-actions" },
        h(
          "button",
          {
            type: "button",
            class: "button button-small",
            "aria-pressed": String(open),
            "aria-label": t(open ? "streams.hide_label" : "streams.reveal_label", { room: title, which: whichName }),
            onclick: () => {
              if (open) shown.delete(id);
              else shown.add(id);
              render();
            },
          },
          t(open ? "streams.hide" : "streams.reveal"),
        ),
        copyButton,
        h(
          "button",
          {
            type: "button",
            class: "button button-small stream-danger",
            dataset: { rotate: id },
            "aria-label": t("streams.rotate_label", { room: title, which: whichName }),
            "aria-expanded": String(confirming.has(id)),
            onclick: () => {
              confirming.add(id);
              render();
              root.querySelector(`[data-confirm="${id}"]`)?.focus();
            },
          },
          t("streams.rotate"),
        ),
      ),
      confirming.has(id)
        ? h(
            "div",
            { class: "stream-confirm", role: "alertdialog", "aria-label": t("streams.rotate_label", { room: title, which: whichName }) },
            h("p", {}, t("streams.rotate_confirm", { which: whichName })),
            liveWithIt ? h("p", { class: "stream-warn" }, t("streams.rotate_live")) : null,
            h(
              "div",
              { class: "stream-actions" },
              h("button", { type: "button", class: "button button-small stream-danger", dataset: { confirm: id }, onclick: () => rotate(room, which) }, t("streams.rotate_yes")),
              h("button", { type: "button", class: "button button-small", onclick: () => (confirming.delete(id), render()) }, t("streams.rotate_no")),
            ),
          )
        : null,
    );
  };

  const card = (room) => {
    const s = room.live;
    const state = s?.state || "offline";
    const title = pick(room.title);
    const details = [];
    if (state === "live" && s.since) details.push(t("streams.since", { time: hhmm(s.since) }));
    if (state === "interrupted" && s.interrupted_since) details.push(t("streams.since", { time: hhmm(s.interrupted_since) }));
    if (state !== "offline" && s.publisher) details.push(t(`streams.publisher_${s.publisher}`));
    const note = notes.get(room.forum_id);
    const serverCopy = h(
      "button",
      {
        type: "button",
        class: "button button-small",
        "aria-label": t("streams.copy_server_label", { room: title }),
        onclick: (event) => copy(room.rtmp_url, event.currentTarget),
      },
      t("streams.copy"),
    );
    return h(
      "li",
      { class: `stream-card is-${state}`, dataset: { room: String(room.forum_id) } },
      h(
        "div",
        { class: "stream-card-head" },
        h("h3", {}, title),
        stateChip(s),
        details.length ? h("span", { class: "muted small stream-detail" }, details.join(" · ")) : null,
        h("a", { class: "stream-card-open", href: roomHref(room) }, t("streams.open_room")),
      ),
      h(
        "dl",
        { class: "stream-fields" },
        h(
          "div",
          { class: "stream-field" },
          h("dt", {}, t("streams.server")),
          h("dd", {}, h("code", { class: "stream-value stream-server" }, room.rtmp_url)),
          h("dd", { class: "stream-actions" }, serverCopy),
        ),
        WHICH.map((which) => keyRow(room, which)),
      ),
      // An external source wins over the ingest (docs/streams.md): say so where keys are taken.
      s?.stream_url && s.stream_url !== s.hls_url
        ? h("p", { class: "notice stream-external", role: "note" }, t("streams.external_note"))
        : null,
      note ? h("p", { class: note.failed ? "form-error stream-note" : "form-saved stream-note", role: note.failed ? "alert" : "status" }, note.text()) : null,
    );
  };

  const howto = () => {
    const server = rooms?.[0]?.rtmp_url || "rtmp://…/live";
    const command = [
      "ffmpeg -re -f lavfi -i testsrc=size=1280x720:rate=25 -f lavfi -i sine \\",
      "  -c:v libx264 -preset veryfast -tune zerolatency -g 25 -c:a aac \\",
      `  -f flv ${server.replace(/\/$/, "")}/<${t("streams.key_main")}>`,
    ].join("\n");
    return h(
      "section",
      { class: "panel streams-howto" },
      h("h3", {}, t("streams.howto_title")),
      h("p", {}, t("streams.howto_obs")),
      h("p", {}, t("streams.howto_ffmpeg")),
      h("pre", {}, h("code", {}, command)),
      h("p", { class: "muted small" }, t("streams.howto_backup")),
    );
  };

  const render = () => {
    if (stopped) return;
    // Focus survives a redraw (a live event arriving while someone tabs through the keys).
    const focused = document.activeElement;
    const focusKey = root.contains(focused) ? focused.getAttribute("aria-label") : null;
    const body = failure
      ? h("p", { class: "form-error", role: "alert" }, errorText(failure))
      : rooms === null
        ? h("p", { class: "notice", role: "status" }, t("streams.loading"))
        : h("ul", { class: "streams-list" }, rooms.map(card));
    replace(
      root,
      h(
        "section",
        { class: "panel streams-console" },
        h("h2", {}, t("streams.heading")),
        h("p", { class: "muted" }, t("streams.intro")),
        body,
      ),
      rooms ? howto() : null,
    );
    if (focusKey) [...root.querySelectorAll("[aria-label]")].find((el) => el.getAttribute("aria-label") === focusKey)?.focus();
  };

  render();
  load();
  const offLang = onLangChange(render);
  return () => {
    stopped = true;
    offLang();
    for (const off of follows.values()) off();
  };
}

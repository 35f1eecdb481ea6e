// The console's rooms tab (#/console/rooms): each room's titles, stream source, pre-moderation
// and default slow mode, and the rooms' order in the lobby. Saving sends the version the form
// was filled from, so a room someone else changed meanwhile is refused (`room.stale`) rather
// than overwritten unseen; every change, ours or another organiser's, comes back as
// `forum.room_changed` (room_changes.js) and the cards follow it.

import { api, getForums } from "../api.js";
import { h, replace } from "../dom.js";
import { addStrings, errorText, onLangChange, pick, t } from "../i18n.js";
import { roomHref } from "../nav.js";
import { realtime } from "../realtime.js";
import { applyRoomChange, followRooms, mergeRooms } from "../room_changes.js";

const SLOW_MODES = [0, 5, 10, 30, 60, 120, 300];

addStrings({
  zh: {
    "rooms.heading": "直播间设置",
    "rooms.intro": "修改每个直播间的中英文名称、直播源、提问审核与默认慢速模式，并调整它们在大厅中的顺序。保存后，所有打开的页面会立即更新。",
    "rooms.loading": "正在加载直播间…",
    "rooms.title_zh": "中文名称",
    "rooms.title_en": "英文名称",
    "rooms.stream_url": "直播源（HLS 地址）",
    "rooms.stream_hint": "外部 HLS 播放地址：以 https:// 开头、以 .m3u8 结尾（或本站上的 /….m3u8 路径），填写后观众看到的是它，而不是本站推流。留空则使用本站自建推流（密钥见“推流”标签页）。",
    "rooms.pre_moderation": "提问需审核后公开",
    "rooms.slow_mode": "默认慢速模式",
    "rooms.slow_off": "关闭",
    "rooms.slow_seconds": "每人每 {n} 秒一条",
    "rooms.save": "保存",
    "rooms.saving": "正在保存…",
    "rooms.saved": "已保存",
    "rooms.unchanged": "没有改动",
    "rooms.move_up": "上移",
    "rooms.move_down": "下移",
    "rooms.move_up_label": "将“{title}”上移",
    "rooms.move_down_label": "将“{title}”下移",
    "rooms.position": "第 {n} 位",
    "rooms.stage": "主会场",
    "rooms.changed_elsewhere": "另一位组织者刚修改了这个直播间，表单已更新为最新内容。",
    "rooms.open": "打开直播间",
    "err.room.bad_title": "名称不能为空，也不能太长。",
    "err.room.bad_stream_url": "直播源须是 https:// 开头、以 .m3u8 结尾的地址（或本站上的 /….m3u8 路径），或留空。",
    "err.room.stale": "这个直播间刚被其他人修改过，请查看最新内容后再保存。",
  },
  en: {
    "rooms.heading": "Rooms",
    "rooms.intro": "Set each room's Chinese and English names, its stream source, question pre-moderation and default slow mode, and the rooms' order in the lobby. Every open page follows as soon as you save.",
    "rooms.loading": "Loading the rooms…",
    "rooms.title_zh": "Chinese name",
    "rooms.title_en": "English name",
    "rooms.stream_url": "Stream source (HLS address)",
    "rooms.stream_hint": "An external HLS playlist, https://… ending in .m3u8 (or a /….m3u8 path on this site): viewers get it instead of the self-hosted ingest. Leave it empty to use the ingest (its keys are on the Streams tab).",
    "rooms.pre_moderation": "Questions wait for approval",
    "rooms.slow_mode": "Default slow mode",
    "rooms.slow_off": "Off",
    "rooms.slow_seconds": "One message per {n} s each",
    "rooms.save": "Save",
    "rooms.saving": "Saving…",
    "rooms.saved": "Saved",
    "rooms.unchanged": "Nothing changed",
    "rooms.move_up": "Up",
    "rooms.move_down": "Down",
    "rooms.move_up_label": "Move “{title}” up",
    "rooms.move_down_label": "Move “{title}” down",
    "rooms.position": "No. {n}",
    "rooms.stage": "Main stage",
    "rooms.changed_elsewhere": "Another organiser just changed this room; the form now shows their version.",
    "rooms.open": "Open the room",
    "err.room.bad_title": "A name can be neither empty nor too long.",
    "err.room.bad_stream_url": "The stream source is an https:// address ending in .m3u8 (or a /….m3u8 path on this site), or nothing.",
    "err.room.stale": "Someone just changed this room; look at it again before saving.",
  },
});

export function mount(root) {
  let rooms = null; // as GET /api/forums lists them, newest version of each kept
  let failure = null;
  let stopped = false;
  const notes = new Map(); // room id -> {text: () => a line under its form, failed: whether it is an error}
  const dirty = new Set(); // rooms whose form has unsaved input
  const saving = new Set(); // rooms whose save is on its way (its own event may come first)

  const load = async () => {
    try {
      const body = await getForums();
      if (stopped) return;
      rooms = mergeRooms(rooms, body.forums);
      failure = null;
    } catch (error) {
      failure = error;
    }
    render();
  };

  const save = async (room, inputs, button) => {
    // Only what the form changed: a field left alone is never refused for what it held.
    const form = {
      title_zh: [inputs.titleZh.value, room.title.zh],
      title_en: [inputs.titleEn.value, room.title.en],
      stream_url: [inputs.stream.value, room.stream_url || ""],
      pre_moderation: [inputs.premod.checked, Boolean(room.pre_moderation)],
      slow_mode_seconds: [Number(inputs.slow.value), room.slow_mode_seconds],
    };
    const body = { version: room.version };
    for (const [key, [now, was]] of Object.entries(form)) if (now !== was) body[key] = now;
    button.disabled = true;
    button.textContent = t("rooms.saving");
    saving.add(room.id);
    try {
      const reply = await api(`/api/forums/${room.id}`, { method: "PATCH", body });
      dirty.delete(room.id);
      const changed = reply.room.version !== room.version;
      notes.set(room.id, { text: () => t(changed ? "rooms.saved" : "rooms.unchanged") });
      take(reply.room);
    } catch (error) {
      notes.set(room.id, { text: () => errorText(error), failed: true });
      if (error?.code === "room.stale") {
        dirty.delete(room.id);
        await load();
        return;
      }
    } finally {
      saving.delete(room.id);
    }
    render();
  };

  const move = async (room, direction) => {
    try {
      const reply = await api(`/api/forums/${room.id}/move`, { method: "POST", body: { direction } });
      for (const state of reply.rooms) take(state);
    } catch (error) {
      notes.set(room.id, { text: () => errorText(error), failed: true });
    }
    render();
    root.querySelector(`[data-move="${room.id}-${direction}"]`)?.focus();
  };

  const take = (state) => {
    const next = applyRoomChange(rooms, state);
    if (next) rooms = next;
  };

  const card = (room, index, sameKind) => {
    const id = (name) => `room-${room.id}-${name}`;
    const inputs = {
      titleZh: h("input", { id: id("zh"), value: room.title.zh, maxlength: "120", lang: "zh-CN", autocomplete: "off" }),
      titleEn: h("input", { id: id("en"), value: room.title.en, maxlength: "200", lang: "en", autocomplete: "off" }),
      stream: h("input", {
        id: id("stream"),
        // Text, not type=url: the browser would refuse a path on this site (the demo's).
        type: "text",
        inputmode: "url",
        value: room.stream_url || "",
        placeholder: "https://…/index.m3u8",
        maxlength: "500",
        autocomplete: "off",
        spellcheck: "false",
      }),
      premod: h("input", { id: id("premod"), type: "checkbox", checked: Boolean(room.pre_moderation) }),
      slow: h(
        "select",
        { id: id("slow") },
        [...new Set([...SLOW_MODES, room.slow_mode_seconds])]
          .sort((a, b) => a - b)
          .map((n) =>
            h(
              "option",
              { value: String(n), selected: n === room.slow_mode_seconds },
              n ? t("rooms.slow_seconds", { n }) : t("rooms.slow_off"),
            ),
          ),
      ),
    };
    const saveButton = h("button", { type: "submit", class: "button button-primary button-small" }, t("rooms.save"));
    const note = notes.get(room.id);
    const title = pick(room.title);
    const form = h(
      "form",
      {
        class: "room-form",
        dataset: { room: String(room.id) },
        oninput: () => dirty.add(room.id),
        onsubmit: (event) => {
          event.preventDefault();
          save(room, inputs, saveButton);
        },
      },
      h(
        "div",
        { class: "room-form-head" },
        h(
          "div",
          { class: "room-form-name" },
          h("span", { class: "chip" }, t("rooms.position", { n: index + 1 })),
          room.kind === "stage" ? h("span", { class: "chip chip-accent" }, t("rooms.stage")) : null,
          h("h3", {}, h("a", { href: roomHref(room) }, title)),
          h("code", { class: "muted" }, room.slug),
        ),
        h(
          "div",
          { class: "room-form-order" },
          h(
            "button",
            {
              type: "button",
              class: "button button-small",
              disabled: !sameKind.before,
              "aria-label": t("rooms.move_up_label", { title }),
              dataset: { move: `${room.id}-up` },
              onclick: () => move(room, "up"),
            },
            h("span", { "aria-hidden": "true" }, "↑"),
            h("span", {}, t("rooms.move_up")),
          ),
          h(
            "button",
            {
              type: "button",
              class: "button button-small",
              disabled: !sameKind.after,
              "aria-label": t("rooms.move_down_label", { title }),
              dataset: { move: `${room.id}-down` },
              onclick: () => move(room, "down"),
            },
            h("span", { "aria-hidden": "true" }, "↓"),
            h("span", {}, t("rooms.move_down")),
          ),
        ),
      ),
      h(
        "div",
        { class: "field-pair" },
        labelled(inputs.titleZh, t("rooms.title_zh")),
        labelled(inputs.titleEn, t("rooms.title_en")),
      ),
      labelled(inputs.stream, t("rooms.stream_url"), t("rooms.stream_hint")),
      h(
        "div",
        { class: "room-form-settings" },
        h("label", { class: "room-check", for: inputs.premod.id }, inputs.premod, t("rooms.pre_moderation")),
        labelled(inputs.slow, t("rooms.slow_mode")),
      ),
      h(
        "div",
        { class: "form-actions" },
        saveButton,
        // A refusal is an alert in the error style; "saved" is the quiet green status.
        note
          ? h("span", note.failed ? { class: "form-error", role: "alert" } : { class: "form-saved", role: "status" }, note.text())
          : null,
      ),
    );
    return h("li", { class: "panel room-card" }, form);
  };

  const render = () => {
    const head = h(
      "div",
      { class: "console-section-head" },
      h("h2", {}, t("rooms.heading")),
      h("p", { class: "muted" }, t("rooms.intro")),
    );
    if (!rooms) {
      return replace(
        root,
        head,
        failure
          ? h("p", { class: "notice notice-error", role: "alert" }, errorText(failure))
          : h("p", { class: "notice", role: "status" }, t("rooms.loading")),
      );
    }
    // Keep what the organiser is typing: re-rendering rebuilds the cards, so read it first.
    const typed = new Map();
    for (const form of root.querySelectorAll("form.room-form")) {
      const roomId = Number(form.dataset.room);
      if (dirty.has(roomId)) typed.set(roomId, [...form.elements].map((el) => [el.id, el.type === "checkbox" ? el.checked : el.value]));
    }
    const focused = document.activeElement?.id;
    replace(
      root,
      head,
      failure ? h("p", { class: "notice notice-error", role: "alert" }, errorText(failure)) : null,
      h(
        "ol",
        { class: "room-cards" },
        rooms.map((room, i) => {
          const same = rooms.filter((r) => r.kind === room.kind);
          const at = same.indexOf(room);
          return card(room, i, { before: at > 0, after: at < same.length - 1 });
        }),
      ),
    );
    for (const [, values] of typed) {
      for (const [elId, value] of values) {
        const el = elId && root.querySelector(`#${CSS.escape(elId)}`);
        if (!el) continue;
        if (el.type === "checkbox") el.checked = value;
        else el.value = value;
      }
    }
    if (focused) root.querySelector(`#${CSS.escape(focused)}`)?.focus();
  };

  const stopRooms = followRooms(realtime, (state) => {
    const before = rooms?.find((r) => r.id === state.forum_id);
    const next = applyRoomChange(rooms, state);
    if (!next) return;
    rooms = next;
    // Another organiser's change to a room this page is editing: say that the form moved on.
    const mine = saving.has(state.forum_id);
    if (!mine && dirty.has(state.forum_id) && before && before.version !== state.version) {
      dirty.delete(state.forum_id);
      notes.set(state.forum_id, { text: () => t("rooms.changed_elsewhere") });
    }
    render();
  });
  const offLang = onLangChange(render);
  render();
  load();
  return () => {
    stopped = true;
    stopRooms();
    offLang();
  };
}

function labelled(input, label, hint = null) {
  const hintId = `${input.id}-hint`;
  if (hint) input.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: input.id }, label),
    input,
    hint ? h("div", { class: "field-hint", id: hintId }, hint) : null,
  );
}

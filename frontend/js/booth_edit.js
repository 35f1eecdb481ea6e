// A booth's editor (#/booth/<id>/edit): its staff and organisers write its texts (zh/en),
// industries, links and videos, logo, products and documents, and go on or off duty. Others are
// told plainly that they may not. Uploads show their progress (XHR upload events) and say why a
// file is refused (too large, not an image or PDF). What others change meanwhile is followed on
// the booth's topic: the page says so instead of overwriting it (the server refuses a stale
// save with booth.stale anyway).

import { api, ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { field } from "./forms.js";
import { addStrings, errorText, getLang, onLangChange, pick, t } from "./i18n.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";

addStrings({
  zh: {
    "booth_edit.heading": "编辑展位：{name}",
    "booth_edit.loading": "正在加载展位…",
    "booth_edit.load_failed": "展位加载失败。",
    "booth_edit.retry": "重试",
    "booth_edit.view": "查看展位",
    "booth_edit.version": "版本 {n}",
    "booth_edit.sign_in": "请先以该展商工作人员的身份登录，才能编辑展位。",
    "booth_edit.sign_in_link": "登录",
    "booth_edit.refused": "只有该展商自己的工作人员和组委会可以编辑这个展位。",
    "booth_edit.my_booth_link": "去我的展位",
    "booth_edit.stale": "这个展位刚被别人修改过（版本 {n}）。请重新加载后再保存，以免覆盖对方的修改。",
    "booth_edit.reload": "重新加载",
    "booth_edit.saved": "已保存。",
    "booth_edit.saving": "正在保存…",
    "booth_edit.save": "保存",
    "booth_edit.delete": "删除",
    "booth_edit.remove": "移除",
    "booth_edit.up": "上移",
    "booth_edit.down": "下移",
    "booth_edit.texts": "展位介绍",
    "booth_edit.description_zh": "介绍（中文）",
    "booth_edit.description_en": "介绍（英文）",
    "booth_edit.industries": "行业标签",
    "booth_edit.industries_hint": "选择 1 至 {n} 个。",
    "booth_edit.links": "链接",
    "booth_edit.videos": "视频",
    "booth_edit.videos_hint": "HLS（.m3u8）或 MP4 地址。",
    "booth_edit.add_link": "添加链接",
    "booth_edit.add_video": "添加视频",
    "booth_edit.title_zh": "标题（中文）",
    "booth_edit.title_en": "标题（英文）",
    "booth_edit.url": "地址",
    "booth_edit.save_texts": "保存展位介绍",
    "booth_edit.logo": "标志",
    "booth_edit.no_logo": "还没有标志。",
    "booth_edit.logo_upload": "上传标志图片",
    "booth_edit.logo_remove": "移除标志",
    "booth_edit.products": "产品",
    "booth_edit.no_products": "还没有产品。",
    "booth_edit.name_zh": "名称（中文）",
    "booth_edit.name_en": "名称（英文）",
    "booth_edit.product_description_zh": "说明（中文）",
    "booth_edit.product_description_en": "说明（英文）",
    "booth_edit.picture": "图片",
    "booth_edit.picture_upload": "上传图片",
    "booth_edit.add_product": "添加产品",
    "booth_edit.new_product": "新产品",
    "booth_edit.confirm_delete_product": "删除产品“{name}”？",
    "booth_edit.documents": "资料下载（PDF）",
    "booth_edit.no_documents": "还没有上传资料。",
    "booth_edit.document_upload": "上传 PDF",
    "booth_edit.listed": "在展位上显示",
    "booth_edit.open": "打开",
    "booth_edit.confirm_delete_document": "删除资料“{name}”？",
    "booth_edit.upload_hint": "图片（PNG、JPEG、WebP、GIF）或 PDF，最大 {mb} MB。",
    "booth_edit.uploading": "正在上传 {name}：{percent}%",
    "booth_edit.uploaded": "{name} 已上传。",
    "booth_edit.too_large": "“{name}”太大了：最大 {mb} MB。",
    "booth_edit.duty": "值班",
    "booth_edit.on_duty": "值班中",
    "booth_edit.off_duty": "未值班",
    "booth_edit.go_on": "开始值班",
    "booth_edit.go_off": "结束值班",
    "booth_edit.duty_hint": "值班状态由您自己开关，关闭页面不会改变它。排了班的人只在班次时间内显示为值班。",
    "booth_edit.on_duty_now": "现在值班：{names}",
    "booth_edit.nobody_on_duty": "现在没有人值班。",
    "booth_edit.roster": "排班",
    "booth_edit.no_shifts": "还没有排班。",
    "booth_edit.add_shift": "添加班次",
    "booth_edit.save_roster": "保存排班",
    "booth_edit.staff": "人员",
    "booth_edit.starts": "开始",
    "booth_edit.ends": "结束",
    "booth_edit.nav": "我的展位",
    "err.booth.stale": "这个展位刚被别人修改过，请重新加载后再试。",
    "err.booth.too_long": "有内容太长了。",
    "err.booth.bad_url": "请填写以 http:// 或 https:// 开头、不含用户名和密码的地址。",
    "err.booth.bad_video": "视频地址须为 HLS（.m3u8）或 MP4。",
    "err.booth.industries": "请选择 1 至 5 个行业。",
    "err.booth.unknown_industry": "有未知的行业标签。",
    "err.booth.untitled_link": "每个链接都需要标题。",
    "err.booth.too_many": "链接或视频太多了。",
    "err.product.no_name": "请填写产品名称（中英文）。",
    "err.product.unknown": "这个产品已不存在。",
    "err.upload.unknown": "这个文件已不存在。",
    "err.upload.unsupported_type": "只能上传图片（PNG、JPEG、WebP、GIF）或 PDF；SVG、HTML 等文件会被拒绝。",
    "err.upload.bad_pdf": "这不是有效的 PDF 文件。",
    "err.upload.active_pdf": "这个 PDF 带有脚本或附件，请另存为普通 PDF 后再上传。",
    "err.upload.bad_image": "这张图片无法读取。",
    "err.upload.too_many_pixels": "这张图片像素太多了。",
    "err.upload.empty": "文件是空的。",
    "err.duty.bad_shift": "班次时间不对：结束须晚于开始，最长 24 小时。",
    "err.duty.overlap": "同一人的班次有重叠。",
    "err.duty.stale": "排班刚被别人修改过，请重新加载。",
  },
  en: {
    "booth_edit.heading": "Edit booth: {name}",
    "booth_edit.loading": "Loading the booth…",
    "booth_edit.load_failed": "The booth could not be loaded.",
    "booth_edit.retry": "Retry",
    "booth_edit.view": "View booth",
    "booth_edit.version": "Version {n}",
    "booth_edit.sign_in": "Sign in as this exhibitor's staff to edit the booth.",
    "booth_edit.sign_in_link": "Sign in",
    "booth_edit.refused": "Only this exhibitor's own staff and the organisers may edit this booth.",
    "booth_edit.my_booth_link": "Go to my booth",
    "booth_edit.stale":
      "Someone else changed this booth just now (version {n}). Reload before saving, so as not to overwrite their changes.",
    "booth_edit.reload": "Reload",
    "booth_edit.saved": "Saved.",
    "booth_edit.saving": "Saving…",
    "booth_edit.save": "Save",
    "booth_edit.delete": "Delete",
    "booth_edit.remove": "Remove",
    "booth_edit.up": "Move up",
    "booth_edit.down": "Move down",
    "booth_edit.texts": "About the booth",
    "booth_edit.description_zh": "Description (Chinese)",
    "booth_edit.description_en": "Description (English)",
    "booth_edit.industries": "Industries",
    "booth_edit.industries_hint": "Choose 1 to {n}.",
    "booth_edit.links": "Links",
    "booth_edit.videos": "Videos",
    "booth_edit.videos_hint": "An HLS (.m3u8) or MP4 address.",
    "booth_edit.add_link": "Add a link",
    "booth_edit.add_video": "Add a video",
    "booth_edit.title_zh": "Title (Chinese)",
    "booth_edit.title_en": "Title (English)",
    "booth_edit.url": "Address",
    "booth_edit.save_texts": "Save the booth's texts",
    "booth_edit.logo": "Logo",
    "booth_edit.no_logo": "No logo yet.",
    "booth_edit.logo_upload": "Upload a logo",
    "booth_edit.logo_remove": "Remove the logo",
    "booth_edit.products": "Products",
    "booth_edit.no_products": "No products yet.",
    "booth_edit.name_zh": "Name (Chinese)",
    "booth_edit.name_en": "Name (English)",
    "booth_edit.product_description_zh": "Description (Chinese)",
    "booth_edit.product_description_en": "Description (English)",
    "booth_edit.picture": "Picture",
    "booth_edit.picture_upload": "Upload a picture",
    "booth_edit.add_product": "Add the product",
    "booth_edit.new_product": "New product",
    "booth_edit.confirm_delete_product": "Delete the product “{name}”?",
    "booth_edit.documents": "Documents (PDF)",
    "booth_edit.no_documents": "No documents yet.",
    "booth_edit.document_upload": "Upload a PDF",
    "booth_edit.listed": "Shown on the booth",
    "booth_edit.open": "Open",
    "booth_edit.confirm_delete_document": "Delete the document “{name}”?",
    "booth_edit.upload_hint": "Images (PNG, JPEG, WebP, GIF) or PDFs, up to {mb} MB.",
    "booth_edit.uploading": "Uploading {name}: {percent}%",
    "booth_edit.uploaded": "{name} uploaded.",
    "booth_edit.too_large": "“{name}” is too large: at most {mb} MB.",
    "booth_edit.duty": "On duty",
    "booth_edit.on_duty": "On duty",
    "booth_edit.off_duty": "Off duty",
    "booth_edit.go_on": "Go on duty",
    "booth_edit.go_off": "Go off duty",
    "booth_edit.duty_hint":
      "You switch your duty on and off yourself; closing the page does not change it. Someone with shifts on the roster shows as on duty only during a shift.",
    "booth_edit.on_duty_now": "On duty now: {names}",
    "booth_edit.nobody_on_duty": "Nobody is on duty now.",
    "booth_edit.roster": "Roster",
    "booth_edit.no_shifts": "No shifts planned.",
    "booth_edit.add_shift": "Add a shift",
    "booth_edit.save_roster": "Save the roster",
    "booth_edit.staff": "Staff member",
    "booth_edit.starts": "Starts",
    "booth_edit.ends": "Ends",
    "booth_edit.nav": "My booth",
    "err.booth.stale": "Someone else changed this booth just now; reload and try again.",
    "err.booth.too_long": "Something is too long.",
    "err.booth.bad_url": "Give an address starting with http:// or https://, with no user name or password in it.",
    "err.booth.bad_video": "A video's address is an HLS playlist (.m3u8) or an MP4 file.",
    "err.booth.industries": "Choose between 1 and 5 industries.",
    "err.booth.unknown_industry": "An industry is not one of the expo's.",
    "err.booth.untitled_link": "Every link needs a title.",
    "err.booth.too_many": "Too many links or videos.",
    "err.product.no_name": "Give the product a name in Chinese and in English.",
    "err.product.unknown": "That product is gone.",
    "err.upload.unknown": "That file is gone.",
    "err.upload.unsupported_type":
      "Only images (PNG, JPEG, WebP, GIF) and PDFs can be uploaded; SVG, HTML and other files are refused.",
    "err.upload.bad_pdf": "That is not a valid PDF.",
    "err.upload.active_pdf": "That PDF carries scripts or attachments: save it as a plain PDF and upload that.",
    "err.upload.bad_image": "That image cannot be read.",
    "err.upload.too_many_pixels": "That image has too many pixels.",
    "err.upload.empty": "That file is empty.",
    "err.duty.bad_shift": "A shift must end after it starts, within 24 hours.",
    "err.duty.overlap": "One person's shifts overlap.",
    "err.duty.stale": "Someone else changed the roster just now; reload.",
  },
});

const MB = 1024 * 1024;

/** The header's link for exhibitor staff: their own booth's editor (null for anyone else). */
export function myBoothLink(account) {
  if (account?.role !== "exhibitor" || !account.exhibitor_id) return null;
  return [`#/booth/${account.exhibitor_id}/edit`, "booth_edit.nav"];
}

/** Send a file as the raw body, reporting progress (0..1); resolves with the JSON reply. */
export function uploadFile(exhibitorId, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ filename: file.name || "upload" });
    xhr.open("POST", `/api/exhibitors/${exhibitorId}/uploads?${query}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const code = body?.error?.code || (xhr.status === 413 ? "too_large" : "internal");
      reject(new ApiError(code, body?.error?.message || xhr.statusText, xhr.status));
    });
    // A server refusing an oversized body may close the line before it answers.
    xhr.addEventListener("error", () => reject(new ApiError("network", "upload failed")));
    xhr.send(file);
  });
}

export function mountBoothEdit(root, { id }) {
  const exhibitorId = Number(id);
  let state = null; // the editor's snapshot from the server
  let failure = null;
  let draft = null; // what is typed, by section, so a re-render keeps it
  let latestSeen = 0; // the newest booth version an event announced
  let saving = 0; // saves in flight: an event of our own may come before their reply
  let stopped = false;
  const status = {}; // per section: {text, error}
  let unfollow = null;

  const account = () => currentAccount();
  const mayEdit = (who) =>
    who && (who.role === "organizer" || (who.role === "exhibitor" && who.exhibitor_id === exhibitorId));

  const resetDraft = () => {
    const booth = state.booth;
    draft = {
      description_zh: booth.description.zh,
      description_en: booth.description.en,
      industries: new Set(booth.industry_keys),
      links: booth.links.map((l) => ({ ...l })),
      videos: booth.videos.map((v) => ({ ...v })),
      products: Object.fromEntries(
        booth.products.map((p) => [
          p.id,
          {
            name_zh: p.name.zh,
            name_en: p.name.en,
            description_zh: p.description.zh,
            description_en: p.description.en,
          },
        ]),
      ),
      newProduct: draft?.newProduct || { name_zh: "", name_en: "", description_zh: "", description_en: "" },
      documents: Object.fromEntries(
        state.uploads
          .filter((u) => u.kind === "pdf")
          .map((u) => [u.id, { title_zh: u.title.zh, title_en: u.title.en, listed: u.listed }]),
      ),
      roster: state.duty.roster.map((s) => ({
        account: s.account,
        starts: localInput(s.starts_at),
        ends: localInput(s.ends_at),
      })),
    };
  };

  const load = async () => {
    failure = null;
    render();
    try {
      state = await api(`/api/exhibitors/${exhibitorId}/booth/editor`);
      latestSeen = Math.max(latestSeen, state.booth.version);
      resetDraft();
      follow();
    } catch (error) {
      failure = error;
    }
    if (!stopped) render();
  };

  const follow = () => {
    if (unfollow) return;
    unfollow = realtime.subscribe(`booth:${exhibitorId}`, {
      onEvent: (type, data) => {
        if (!state) return;
        if (type === "booth.changed") {
          latestSeen = Math.max(latestSeen, data.version);
          if (!saving) render();
        } else if (type === "booth.duty_changed" && data.version > state.duty.version) {
          state.duty = data;
          render();
        }
      },
    });
  };

  const say = (section, text, error = false) => {
    status[section] = { text, error };
    render();
  };

  // One save: the booth in its reply becomes the page's, and the section says how it went.
  const save = async (section, work) => {
    saving += 1;
    say(section, t("booth_edit.saving"));
    try {
      const reply = await work();
      if (reply?.booth) state.booth = reply.booth;
      if (reply?.duty) state.duty = reply.duty;
      status[section] = { text: t("booth_edit.saved"), error: false };
      return reply;
    } catch (error) {
      status[section] = { text: errorText(error), error: true };
      return null;
    } finally {
      saving -= 1;
      if (!stopped) render();
    }
  };

  const patchBooth = (section, changes) =>
    save(section, () =>
      api(`/api/exhibitors/${exhibitorId}/booth`, {
        method: "PATCH",
        body: { version: state.booth.version, ...changes },
      }),
    );

  // A change of an upload answers with the upload: the booth (and the list) are read after it,
  // inside the same save, so our own booth.changed is never taken for someone else's.
  const withBooth = async (request) => {
    const reply = await request;
    await refreshUploads();
    return { ...reply, booth: (await api(`/api/exhibitors/${exhibitorId}/booth`)).booth };
  };

  const refreshUploads = async () => {
    const reply = await api(`/api/exhibitors/${exhibitorId}/uploads`);
    state.uploads = reply.uploads;
    for (const u of state.uploads) {
      if (u.kind === "pdf" && !draft.documents[u.id]) {
        draft.documents[u.id] = { title_zh: u.title.zh, title_en: u.title.en, listed: u.listed };
      }
    }
  };

  // Pick a file, check its size here (the server checks again), upload it with progress.
  const upload = async (section, file, { refreshBooth = false } = {}) => {
    const limit = state.limits.max_upload_bytes;
    const mb = Math.floor(limit / MB);
    if (file.size > limit) {
      say(section, t("booth_edit.too_large", { name: file.name, mb }), true);
      return null;
    }
    status[section] = { text: t("booth_edit.uploading", { name: file.name, percent: 0 }), progress: 0 };
    saving += 1; // a listed document bumps the booth: our own event, not someone else's
    render();
    try {
      const reply = await uploadFile(exhibitorId, file, (fraction) => {
        status[section] = {
          text: t("booth_edit.uploading", { name: file.name, percent: Math.round(fraction * 100) }),
          progress: fraction,
        };
        updateProgress(section);
      });
      status[section] = { text: t("booth_edit.uploaded", { name: file.name }) };
      await refreshUploads();
      if (refreshBooth) state.booth = (await api(`/api/exhibitors/${exhibitorId}/booth`)).booth;
      return reply.upload;
    } catch (error) {
      const text =
        error.code === "too_large" || (error.code === "network" && file.size > limit)
          ? t("booth_edit.too_large", { name: file.name, mb })
          : errorText(error);
      status[section] = { text, error: true };
      return null;
    } finally {
      saving -= 1;
      if (!stopped) render();
    }
  };

  const updateProgress = (section) => {
    const line = root.querySelector(`[data-status="${section}"]`);
    if (!line) return;
    const s = status[section];
    line.querySelector(".booth-edit-status-text").textContent = s.text;
    const bar = line.querySelector("progress");
    if (bar) bar.value = s.progress;
  };

  // --- pieces -------------------------------------------------------------------------------

  const statusLine = (section) => {
    const s = status[section];
    return h(
      "div",
      {
        class: `booth-edit-status${s?.error ? " booth-edit-status-error" : ""}`,
        "data-status": section,
        role: s?.error ? "alert" : "status",
      },
      s && s.progress !== undefined ? h("progress", { max: "1", value: String(s.progress) }) : null,
      h("span", { class: "booth-edit-status-text" }, s?.text || ""),
    );
  };

  const input = (idKey, value, onInput, attrs = {}) =>
    h("input", {
      id: idKey,
      value,
      autocomplete: "off",
      ...attrs,
      oninput: (e) => onInput(e.target.value),
    });

  const textarea = (idKey, value, onInput, rows = 4) => {
    const area = h("textarea", { id: idKey, rows: String(rows), oninput: (e) => onInput(e.target.value) });
    area.value = value;
    return area;
  };

  const filePicker = (idKey, label, accept, onFile) =>
    h(
      "label",
      { class: "button button-small booth-edit-file", for: idKey },
      label,
      h("input", {
        id: idKey,
        type: "file",
        accept,
        class: "booth-edit-file-input",
        onchange: (e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) onFile(file);
        },
      }),
    );

  const button = (label, onclick, extra = "") =>
    h("button", { type: "button", class: `button button-small ${extra}`.trim(), onclick }, label);

  const itemsEditor = (kind) => {
    const items = draft[kind];
    const max = kind === "links" ? state.limits.max_links : state.limits.max_videos;
    return h(
      "fieldset",
      { class: "booth-edit-items" },
      h("legend", {}, t(`booth_edit.${kind}`)),
      kind === "videos" ? h("p", { class: "field-hint" }, t("booth_edit.videos_hint")) : null,
      items.map((item, index) =>
        h(
          "div",
          { class: "booth-edit-item" },
          field(
            input(`${kind}-${index}-zh`, item.title_zh, (v) => (item.title_zh = v), { maxlength: "120" }),
            t("booth_edit.title_zh"),
          ),
          field(
            input(`${kind}-${index}-en`, item.title_en, (v) => (item.title_en = v), { maxlength: "120" }),
            t("booth_edit.title_en"),
          ),
          field(
            input(`${kind}-${index}-url`, item.url, (v) => (item.url = v), {
              type: "url",
              maxlength: "500",
              inputmode: "url",
              placeholder: kind === "links" ? "https://" : "https://…/index.m3u8",
            }),
            t("booth_edit.url"),
          ),
          button(t("booth_edit.remove"), () => {
            items.splice(index, 1);
            render();
          }, "button-ghost"),
        ),
      ),
      items.length < max
        ? button(t(kind === "links" ? "booth_edit.add_link" : "booth_edit.add_video"), () => {
            items.push({ title_zh: "", title_en: "", url: "" });
            render();
          })
        : null,
    );
  };

  const textsSection = () => {
    const max = state.limits.max_industries;
    const chosen = draft.industries;
    return h(
      "section",
      { class: "panel booth-edit-section", "aria-labelledby": "be-texts" },
      h("h2", { id: "be-texts" }, t("booth_edit.texts")),
      h(
        "div",
        { class: "field-pair" },
        field(
          textarea("be-description-zh", draft.description_zh, (v) => (draft.description_zh = v), 6),
          t("booth_edit.description_zh"),
        ),
        field(
          textarea("be-description-en", draft.description_en, (v) => (draft.description_en = v), 6),
          t("booth_edit.description_en"),
        ),
      ),
      h(
        "fieldset",
        { class: "booth-edit-industries" },
        h("legend", {}, t("booth_edit.industries")),
        h("p", { class: "field-hint" }, t("booth_edit.industries_hint", { n: max })),
        h(
          "div",
          { class: "booth-edit-checks" },
          state.vocabulary.map((industry) =>
            h(
              "label",
              { class: "booth-edit-check" },
              h("input", {
                type: "checkbox",
                value: industry.key,
                checked: chosen.has(industry.key),
                disabled: !chosen.has(industry.key) && chosen.size >= max,
                onchange: (e) => {
                  if (e.target.checked) chosen.add(industry.key);
                  else chosen.delete(industry.key);
                  render();
                },
              }),
              pick(industry),
            ),
          ),
        ),
      ),
      itemsEditor("links"),
      itemsEditor("videos"),
      h(
        "div",
        { class: "booth-edit-actions" },
        h(
          "button",
          {
            type: "button",
            class: "button button-primary",
            onclick: () =>
              patchBooth("texts", {
                description_zh: draft.description_zh,
                description_en: draft.description_en,
                industries: [...draft.industries],
                links: draft.links,
                videos: draft.videos,
              }).then((reply) => {
                if (reply) {
                  draft.links = reply.booth.links.map((l) => ({ ...l }));
                  draft.videos = reply.booth.videos.map((v) => ({ ...v }));
                  render();
                }
              }),
          },
          t("booth_edit.save_texts"),
        ),
        statusLine("texts"),
      ),
    );
  };

  const logoSection = () =>
    h(
      "section",
      { class: "panel booth-edit-section", "aria-labelledby": "be-logo" },
      h("h2", { id: "be-logo" }, t("booth_edit.logo")),
      h(
        "div",
        { class: "booth-edit-logo" },
        state.booth.logo
          ? h("img", { class: "booth-edit-logo-image", src: state.booth.logo, alt: t("booth_edit.logo") })
          : h("p", { class: "muted" }, t("booth_edit.no_logo")),
        h(
          "div",
          { class: "booth-edit-actions" },
          filePicker("be-logo-file", t("booth_edit.logo_upload"), "image/png,image/jpeg,image/webp,image/gif", async (file) => {
            const made = await upload("logo", file);
            if (made) await patchBooth("logo", { logo_upload_id: made.id });
          }),
          state.booth.logo
            ? button(t("booth_edit.logo_remove"), () => patchBooth("logo", { logo_upload_id: 0 }), "button-ghost")
            : null,
        ),
      ),
      h("p", { class: "field-hint" }, t("booth_edit.upload_hint", { mb: Math.floor(state.limits.max_upload_bytes / MB) })),
      statusLine("logo"),
    );

  const productFields = (prefix, values) => [
    h(
      "div",
      { class: "field-pair" },
      field(input(`${prefix}-name-zh`, values.name_zh, (v) => (values.name_zh = v), { maxlength: "120" }), t("booth_edit.name_zh")),
      field(input(`${prefix}-name-en`, values.name_en, (v) => (values.name_en = v), { maxlength: "120" }), t("booth_edit.name_en")),
    ),
    h(
      "div",
      { class: "field-pair" },
      field(
        textarea(`${prefix}-description-zh`, values.description_zh, (v) => (values.description_zh = v), 3),
        t("booth_edit.product_description_zh"),
      ),
      field(
        textarea(`${prefix}-description-en`, values.description_en, (v) => (values.description_en = v), 3),
        t("booth_edit.product_description_en"),
      ),
    ),
  ];

  const productPath = (productId = "") =>
    `/api/exhibitors/${exhibitorId}/products${productId ? `/${productId}` : ""}`;

  const productCard = (product, index, all) => {
    const values = draft.products[product.id];
    const section = `product-${product.id}`;
    const move = (step) => {
      const ids = all.map((p) => p.id);
      [ids[index], ids[index + step]] = [ids[index + step], ids[index]];
      save("products", () => api(`${productPath()}/order`, { method: "POST", body: { ids } }));
    };
    return h(
      "article",
      { class: "booth-edit-product", "data-product": String(product.id) },
      h(
        "div",
        { class: "booth-edit-product-picture" },
        product.image
          ? h("img", { src: product.image, alt: pick(product.name), loading: "lazy" })
          : h("div", { class: "booth-edit-placeholder", "aria-hidden": "true" }, "—"),
        filePicker(`${section}-file`, t("booth_edit.picture_upload"), "image/png,image/jpeg,image/webp,image/gif", async (file) => {
          const made = await upload(section, file);
          if (made) {
            await save(section, () =>
              api(productPath(product.id), { method: "PATCH", body: { image_upload_id: made.id } }),
            );
          }
        }),
      ),
      h(
        "div",
        { class: "booth-edit-product-fields" },
        productFields(section, values),
        h(
          "div",
          { class: "booth-edit-actions" },
          button(t("booth_edit.save"), () =>
            save(section, () => api(productPath(product.id), { method: "PATCH", body: values })),
          "button-primary"),
          index > 0 ? button(t("booth_edit.up"), () => move(-1), "button-ghost") : null,
          index < all.length - 1 ? button(t("booth_edit.down"), () => move(1), "button-ghost") : null,
          button(t("booth_edit.delete"), () => {
            if (!window.confirm(t("booth_edit.confirm_delete_product", { name: pick(product.name) }))) return;
            save("products", () => api(productPath(product.id), { method: "DELETE" }));
          }, "button-ghost booth-edit-danger"),
          statusLine(section),
        ),
      ),
    );
  };

  const productsSection = () => {
    const products = state.booth.products;
    for (const p of products) {
      draft.products[p.id] ||= {
        name_zh: p.name.zh,
        name_en: p.name.en,
        description_zh: p.description.zh,
        description_en: p.description.en,
      };
    }
    const fresh = draft.newProduct;
    return h(
      "section",
      { class: "panel booth-edit-section", "aria-labelledby": "be-products" },
      h("h2", { id: "be-products" }, t("booth_edit.products")),
      statusLine("products"),
      products.length
        ? h("div", { class: "booth-edit-products" }, products.map(productCard))
        : h("p", { class: "muted" }, t("booth_edit.no_products")),
      h(
        "div",
        { class: "booth-edit-new" },
        h("h3", {}, t("booth_edit.new_product")),
        productFields("new-product", fresh),
        h(
          "div",
          { class: "booth-edit-actions" },
          button(t("booth_edit.add_product"), async () => {
            const reply = await save("new-product", () => api(productPath(), { method: "POST", body: fresh }));
            if (reply) {
              draft.newProduct = { name_zh: "", name_en: "", description_zh: "", description_en: "" };
              render();
            }
          }, "button-primary"),
          statusLine("new-product"),
        ),
      ),
    );
  };

  const documentsSection = () => {
    const documents = state.uploads.filter((u) => u.kind === "pdf");
    const uploadPath = (uploadId) => `/api/exhibitors/${exhibitorId}/uploads/${uploadId}`;
    return h(
      "section",
      { class: "panel booth-edit-section", "aria-labelledby": "be-documents" },
      h("h2", { id: "be-documents" }, t("booth_edit.documents")),
      h(
        "div",
        { class: "booth-edit-actions" },
        filePicker("be-document-file", t("booth_edit.document_upload"), "application/pdf", (file) =>
          upload("documents", file, { refreshBooth: true }),
        ),
        statusLine("documents"),
      ),
      documents.length
        ? h(
            "ul",
            { class: "booth-edit-documents" },
            documents.map((doc) => {
              const values = draft.documents[doc.id];
              const section = `document-${doc.id}`;
              return h(
                "li",
                { class: "booth-edit-document", "data-document": String(doc.id) },
                h(
                  "div",
                  { class: "booth-edit-document-head" },
                  h("a", { href: doc.url, target: "_blank", rel: "noopener" }, doc.filename),
                  h("span", { class: "muted" }, ` · ${Math.max(1, Math.round(doc.size / 1024))} KB`),
                ),
                h(
                  "div",
                  { class: "field-pair" },
                  field(input(`${section}-zh`, values.title_zh, (v) => (values.title_zh = v), { maxlength: "120" }), t("booth_edit.title_zh")),
                  field(input(`${section}-en`, values.title_en, (v) => (values.title_en = v), { maxlength: "120" }), t("booth_edit.title_en")),
                ),
                h(
                  "div",
                  { class: "booth-edit-actions" },
                  h(
                    "label",
                    { class: "booth-edit-check" },
                    h("input", {
                      type: "checkbox",
                      checked: values.listed,
                      onchange: (e) => (values.listed = e.target.checked),
                    }),
                    t("booth_edit.listed"),
                  ),
                  button(t("booth_edit.save"), () =>
                    save(section, () => withBooth(api(uploadPath(doc.id), { method: "PATCH", body: values }))),
                  "button-primary"),
                  button(t("booth_edit.delete"), () => {
                    if (!window.confirm(t("booth_edit.confirm_delete_document", { name: doc.filename }))) return;
                    save("documents", () => withBooth(api(uploadPath(doc.id), { method: "DELETE" })));
                  }, "button-ghost booth-edit-danger"),
                  statusLine(section),
                ),
              );
            }),
          )
        : h("p", { class: "muted" }, t("booth_edit.no_documents")),
    );
  };

  const dutySection = () => {
    const duty = state.duty;
    const who = account();
    const me = duty.staff.find((s) => s.id === who?.id);
    const names = duty.on_duty.map((p) => p.name);
    const setDuty = (on, accountId) =>
      save("duty", () =>
        api(`/api/exhibitors/${exhibitorId}/duty`, {
          method: "PUT",
          body: accountId && accountId !== who?.id ? { on, account: accountId } : { on },
        }),
      );
    return h(
      "section",
      { class: "panel booth-edit-section", "aria-labelledby": "be-duty" },
      h("h2", { id: "be-duty" }, t("booth_edit.duty")),
      h("p", { class: "booth-edit-on-duty", role: "status" },
        names.length ? t("booth_edit.on_duty_now", { names: names.join(getLang() === "zh" ? "、" : ", ") }) : t("booth_edit.nobody_on_duty"),
      ),
      h("p", { class: "field-hint" }, t("booth_edit.duty_hint")),
      h(
        "ul",
        { class: "booth-edit-staff" },
        duty.staff.map((person) =>
          h(
            "li",
            { class: "booth-edit-person" },
            h("span", { class: "booth-edit-person-name" }, person.name),
            h("span", { class: `chip ${person.on ? "chip-accent" : ""}` }, t(person.on ? "booth_edit.on_duty" : "booth_edit.off_duty")),
            person.id === me?.id || who?.role === "organizer"
              ? button(
                  t(person.on ? "booth_edit.go_off" : "booth_edit.go_on"),
                  () => setDuty(!person.on, person.id),
                  person.on ? "button-ghost" : "button-primary",
                )
              : null,
          ),
        ),
      ),
      statusLine("duty"),
      h("h3", {}, t("booth_edit.roster")),
      draft.roster.length
        ? h(
            "div",
            { class: "booth-edit-roster" },
            draft.roster.map((shift, index) =>
              h(
                "div",
                { class: "booth-edit-shift" },
                field(
                  h(
                    "select",
                    {
                      id: `shift-${index}-who`,
                      onchange: (e) => (shift.account = Number(e.target.value)),
                    },
                    duty.staff.map((person) =>
                      h("option", { value: String(person.id), selected: person.id === shift.account }, person.name),
                    ),
                  ),
                  t("booth_edit.staff"),
                ),
                field(input(`shift-${index}-starts`, shift.starts, (v) => (shift.starts = v), { type: "datetime-local" }), t("booth_edit.starts")),
                field(input(`shift-${index}-ends`, shift.ends, (v) => (shift.ends = v), { type: "datetime-local" }), t("booth_edit.ends")),
                button(t("booth_edit.remove"), () => {
                  draft.roster.splice(index, 1);
                  render();
                }, "button-ghost"),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("booth_edit.no_shifts")),
      h(
        "div",
        { class: "booth-edit-actions" },
        duty.staff.length
          ? button(t("booth_edit.add_shift"), () => {
              const start = new Date();
              start.setMinutes(0, 0, 0);
              start.setHours(start.getHours() + 1);
              const end = new Date(start.getTime() + 2 * 3600_000);
              draft.roster.push({
                account: me?.id || duty.staff[0].id,
                starts: localInput(start.toISOString()),
                ends: localInput(end.toISOString()),
              });
              render();
            })
          : null,
        button(t("booth_edit.save_roster"), async () => {
          if (draft.roster.some((s) => Number.isNaN(new Date(s.starts).getTime()) || Number.isNaN(new Date(s.ends).getTime()))) {
            say("roster", t("err.duty.bad_shift"), true);
            return;
          }
          const shifts = draft.roster.map((s) => ({
            account: s.account,
            starts_at: new Date(s.starts).toISOString(),
            ends_at: new Date(s.ends).toISOString(),
          }));
          const reply = await save("roster", () =>
            api(`/api/exhibitors/${exhibitorId}/roster`, {
              method: "PUT",
              body: { shifts, version: state.duty.version },
            }),
          );
          if (reply) {
            draft.roster = reply.duty.roster.map((s) => ({
              account: s.account,
              starts: localInput(s.starts_at),
              ends: localInput(s.ends_at),
            }));
            render();
          }
        }, "button-primary"),
        statusLine("roster"),
      ),
    );
  };

  // --- the page -----------------------------------------------------------------------------

  const refusal = (who) => {
    const own = myBoothLink(who);
    return h(
      "section",
      { class: "panel empty-state booth-edit-refused", role: "alert" },
      h("h1", {}, t(who ? "booth_edit.refused" : "booth_edit.sign_in")),
      who
        ? own
          ? h("a", { class: "button button-primary", href: own[0] }, t("booth_edit.my_booth_link"))
          : null
        : h(
            "a",
            { class: "button button-primary", href: `#/signin?next=${encodeURIComponent(location.hash)}` },
            t("booth_edit.sign_in_link"),
          ),
    );
  };

  const render = () => {
    if (stopped) return;
    const who = account();
    if (who === undefined) {
      replace(root, h("p", { class: "notice", role: "status" }, t("booth_edit.loading")));
      return;
    }
    if (!mayEdit(who) || failure?.status === 403 || failure?.status === 401) {
      replace(root, refusal(who));
      return;
    }
    if (failure) {
      replace(
        root,
        h(
          "div",
          { class: "notice notice-error", role: "alert" },
          t("booth_edit.load_failed"),
          " ",
          h("span", { class: "muted" }, `(${errorText(failure)})`),
          " ",
          button(t("booth_edit.retry"), load),
        ),
      );
      return;
    }
    if (!state) {
      replace(root, h("p", { class: "notice", role: "status" }, t("booth_edit.loading")));
      return;
    }
    const booth = state.booth;
    const scroll = window.scrollY;
    const focused = document.activeElement?.id;
    replace(
      root,
      h(
        "div",
        { class: "booth-edit" },
        h(
          "header",
          { class: "booth-edit-head" },
          h("h1", {}, t("booth_edit.heading", { name: pick(booth.name) })),
          h(
            "div",
            { class: "booth-edit-head-tools" },
            h("span", { class: "chip booth-edit-version" }, t("booth_edit.version", { n: booth.version })),
            h("a", { class: "button button-small", href: `#/booth/${exhibitorId}` }, t("booth_edit.view")),
          ),
        ),
        latestSeen > booth.version && !saving
          ? h(
              "div",
              { class: "notice notice-error booth-edit-stale", role: "alert" },
              t("booth_edit.stale", { n: latestSeen }),
              " ",
              button(t("booth_edit.reload"), () => load()),
            )
          : null,
        textsSection(),
        logoSection(),
        productsSection(),
        documentsSection(),
        dutySection(),
      ),
    );
    if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
    window.scrollTo(0, scroll);
  };

  const offLang = onLangChange(render);
  const offAccount = onAccountChange(() => {
    if (mayEdit(account()) && !state && !failure) load();
    else render();
  });
  if (mayEdit(account())) load();
  else render();
  return () => {
    stopped = true;
    offLang();
    offAccount?.();
    unfollow?.();
  };
}

/** An ISO instant as a datetime-local input's value, in the viewer's time zone. */
function localInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}


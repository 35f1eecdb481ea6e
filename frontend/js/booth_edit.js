// A booth's editor (#/booth/<id>/edit): its staff and organisers write its texts (zh/en),
// industries, links and videos, logo, products and documents, and go on or off duty. Others are
// told plainly that they may not. Uploads show their progress (XHR upload events) and say why a
// file is refused (too large, not an image or PDF). What others change meanwhile is followed on
// the booth's topic: the page says so instead of overwriting it (the server refuses a stale
// save with booth.stale anyway).

import { api } from "./api.js";
import "./booth_edit_strings.js";
import { staffToolLinks } from "./booth_staff_tools.js";
import { h, replace } from "./dom.js";
import { field } from "./forms.js";
import { errorText, getLang, onLangChange, pick, t } from "./i18n.js";
import { myBoothLink } from "./my_booth.js";
import { realtime } from "./realtime.js";
import { currentAccount, onAccountChange } from "./session.js";
import { uploadFile } from "./upload_file.js";

const MB = 1024 * 1024;

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
            staffToolLinks(exhibitorId, "edit"), // the inbox, dashboard, leads and releases
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


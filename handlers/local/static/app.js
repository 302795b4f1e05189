// The msbot local workspace: draws what the fake Slack recorded, sends what people do.
// No framework and no build step: the page ships in the Python package as it is.
"use strict";

const ui = {
  state: null,
  person: localStorage.getItem("msbot.person") || "",
  channel: localStorage.getItem("msbot.channel") || "CTRIAGE",
  tab: "messages",
  thread: null, // ts of the open thread's parent
  inspector: false,
  modalKey: null,
  openLog: new Set(),
};
const $ = (id) => document.getElementById(id);

// ---- mrkdwn, as Slack renders it ---------------------------------------------------------

const escapeHtml = (s) =>
  String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const decodeEntities = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

function nameOf(id) {
  return (ui.state && ui.state.names[id]) || id;
}

// A control sequence <...>: mentions, broadcasts, channels and links. Everything else a user
// typed arrives escaped (&lt;), so an unescaped <!channel> shows here as a live mention.
function controlSequence(inner) {
  const [target, label] = inner.split("|", 2);
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    const shown = label || "@" + word;
    return `<span class="mention broadcast" title="notifies everyone">${escapeHtml(shown)}</span>`;
  }
  if (target.startsWith("@")) return `<span class="mention">@${escapeHtml(label || nameOf(target.slice(1)))}</span>`;
  if (target.startsWith("#")) return `<span class="mention">#${escapeHtml(label || target.slice(1))}</span>`;
  if (/^(https?:|mailto:)/.test(target)) {
    return `<a href="${escapeHtml(target)}" target="_blank" rel="noopener noreferrer">${escapeHtml(decodeEntities(label || target))}</a>`;
  }
  return escapeHtml(`<${inner}>`);
}

function inline(text) {
  // text is already HTML-escaped; apply *bold* _italic_ ~strike~ on word boundaries.
  return text
    .replace(/(^|[\s(>])\*(?!\s)([^*\n]+?)\*(?=$|[\s).,!?:;<])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(>])_(?!\s)([^_\n]+?)_(?=$|[\s).,!?:;<])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(>])~(?!\s)([^~\n]+?)~(?=$|[\s).,!?:;<])/g, "$1<s>$2</s>");
}

function mrkdwn(source) {
  const kept = [];
  const keep = (html) => `\u0000${kept.push(html) - 1}\u0000`;
  let s = String(source ?? "");
  s = s.replace(/```([\s\S]*?)```/g, (_, code) => keep(`<pre>${escapeHtml(decodeEntities(code))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code>${escapeHtml(decodeEntities(code))}</code>`));
  s = s.replace(/<([^<>]+)>/g, (_, inner) => keep(controlSequence(inner)));
  s = inline(escapeHtml(decodeEntities(s)));
  s = s
    .split("\n")
    // Slack quotes a line starting with ">", with or without a space after it.
    .map((line) => (line.startsWith("&gt;") ? `<blockquote>${line.slice(4).replace(/^ /, "")}</blockquote>` : line))
    .join("\n")
    .replace(/\n/g, "<br>")
    .replace(/<\/blockquote><br>/g, "</blockquote>");
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => kept[Number(i)]);
}

function textObject(obj) {
  if (!obj) return "";
  return obj.type === "mrkdwn" ? mrkdwn(obj.text) : escapeHtml(obj.text);
}

// ---- Block Kit -----------------------------------------------------------------------------

function el(tag, attrs = {}, html) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  if (html !== undefined) node.innerHTML = html;
  return node;
}

let uid = 0;
const optionLabel = (o) => (o.text ? o.text.text : o.value);

// An interactive element. ``where`` says where a change is sent at once (a message or App
// Home: a block_actions request); inside a modal input block nothing is sent until Submit.
function element(elem, blockId, where, inInput) {
  const send = (extra) =>
    post("/ui/action", {
      user: ui.person,
      where: { ...where, values: where.view_id ? collectValues(document.querySelector(`[data-view="${where.view_id}"]`)) : undefined },
      action: { type: elem.type, action_id: elem.action_id, block_id: blockId, ...extra },
    });
  const live = !inInput || elem.dispatch_action;
  const id = `el-${++uid}`;
  const common = { id, "data-action": elem.action_id, "data-type": elem.type, "data-block": blockId };
  switch (elem.type) {
    case "button": {
      const b = el("button", { type: "button", class: `btn ${elem.style || ""}`, ...common }, escapeHtml(elem.text.text));
      b.addEventListener("click", async () => {
        if (elem.url) window.open(elem.url, "_blank", "noopener");
        if (elem.confirm && !(await askConfirm(elem.confirm))) return;
        send({ value: elem.value, text: elem.text });
      });
      return b;
    }
    case "static_select":
    case "multi_static_select":
    case "users_select":
    case "multi_users_select":
    case "overflow":
    case "conversations_select":
    case "channels_select": {
      const multi = elem.type.startsWith("multi_");
      const s = el("select", { ...common, multiple: multi, "aria-label": inInput ? null : elem.placeholder?.text || "Choose" });
      if (!multi) s.append(el("option", { value: "" }, escapeHtml(elem.placeholder?.text || (elem.type === "overflow" ? "⋯" : "Choose…"))));
      let options = elem.options || (elem.option_groups || []).flatMap((g) => g.options);
      if (elem.type.includes("users")) options = ui.state.people.map((p) => ({ value: p.id, text: { text: `${p.name} (${p.role})` } }));
      if (elem.type.includes("channel") || elem.type.includes("conversation")) options = ui.state.channels.filter((c) => c.kind === "channel").map((c) => ({ value: c.id, text: { text: "#" + c.name } }));
      const initial = new Set([
        elem.initial_option?.value, ...(elem.initial_options || []).map((o) => o.value),
        elem.initial_user, ...(elem.initial_users || []), elem.initial_channel, elem.initial_conversation,
      ].filter(Boolean));
      for (const o of options) s.append(el("option", { value: o.value, selected: initial.has(o.value) }, escapeHtml(optionLabel(o))));
      s._options = options;
      if (live) s.addEventListener("change", () => send(selectAction(elem, s)));
      return s;
    }
    case "datepicker": {
      const d = el("input", { type: "date", ...common, value: elem.initial_date || "" });
      if (live) d.addEventListener("change", () => send({ selected_date: d.value }));
      return d;
    }
    case "timepicker":
      return el("input", { type: "time", ...common, value: elem.initial_time || "" });
    case "checkboxes":
    case "radio_buttons": {
      const box = el("div", { class: "choices", role: elem.type === "radio_buttons" ? "radiogroup" : "group", ...common });
      const chosen = new Set([elem.initial_option?.value, ...(elem.initial_options || []).map((o) => o.value)].filter(Boolean));
      for (const o of elem.options || []) {
        const inputId = `el-${++uid}`;
        const input = el("input", { type: elem.type === "checkboxes" ? "checkbox" : "radio", id: inputId, name: id, value: o.value, checked: chosen.has(o.value) });
        input._option = o;
        if (live) input.addEventListener("change", () => send(choiceAction(elem, box)));
        const label = el("label", { for: inputId }, textObject(o.text) + (o.description ? `<small>${textObject(o.description)}</small>` : ""));
        const row = el("div", { class: "choice" });
        row.append(input, label);
        box.append(row);
      }
      return box;
    }
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input": {
      const attrs = { ...common, placeholder: elem.placeholder?.text, maxlength: elem.max_length, minlength: elem.min_length };
      if (elem.multiline) return el("textarea", { ...attrs, rows: 4 }, escapeHtml(elem.initial_value || ""));
      const type = { email_text_input: "email", url_text_input: "url", number_input: "number" }[elem.type] || "text";
      const numberAttrs = elem.type === "number_input" ? { min: elem.min_value, max: elem.max_value, step: elem.is_decimal_allowed ? "any" : "1" } : {};
      return el("input", { type, ...attrs, ...numberAttrs, value: elem.initial_value || "" });
    }
    case "image":
      return el("img", { src: elem.image_url, alt: elem.alt_text || "", class: "accessory-image" });
    default:
      return el("span", { class: "unsupported" }, `[${escapeHtml(elem.type)}]`);
  }
}

// Slack's confirmation dialog for a button with a "confirm" object.
function askConfirm(c) {
  return new Promise((resolve) => {
    const root = el("div", { class: "confirm-root" });
    const box = el("div", { class: "modal confirm", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "confirm-title" });
    const done = (answer) => { root.remove(); resolve(answer); };
    box.append(el("h2", { id: "confirm-title" }, escapeHtml(c.title?.text || "Are you sure?")), el("div", { class: "text" }, textObject(c.text)));
    const buttons = el("div", { class: "modal-buttons" });
    buttons.append(
      el("button", { type: "button", class: "btn", onclick: () => done(false) }, escapeHtml(c.deny?.text || "Cancel")),
      el("button", { type: "button", class: `btn ${c.style === "danger" ? "danger" : "primary"}`, onclick: () => done(true) }, escapeHtml(c.confirm?.text || "Yes")),
    );
    box.append(buttons);
    box.addEventListener("keydown", (e) => { if (e.key === "Escape") done(false); });
    root.append(el("div", { class: "backdrop" }), box);
    document.body.append(root);
    buttons.lastChild.focus();
  });
}

function selectAction(elem, s) {
  const picked = [...s.selectedOptions].filter((o) => o.value);
  const option = (o) => {
    const found = s._options.find((x) => x.value === o.value);
    return { text: found.text, value: found.value };
  };
  switch (elem.type) {
    case "multi_static_select": return { selected_options: picked.map(option) };
    case "users_select": return { selected_user: picked[0]?.value || null };
    case "multi_users_select": return { selected_users: picked.map((o) => o.value) };
    case "channels_select": return { selected_channel: picked[0]?.value || null };
    case "conversations_select": return { selected_conversation: picked[0]?.value || null };
    default: return { selected_option: picked[0] ? option(picked[0]) : null };
  }
}

function choiceAction(elem, box) {
  const picked = [...box.querySelectorAll("input:checked")].map((i) => ({ text: i._option.text, value: i._option.value }));
  return elem.type === "checkboxes" ? { selected_options: picked } : { selected_option: picked[0] || null };
}

// view.state.values, as Slack builds it from what is in the form.
function collectValues(root) {
  const values = {};
  if (!root) return values;
  for (const node of root.querySelectorAll("[data-action]")) {
    if (node.closest("[data-input-block]") === null) continue;
    const type = node.dataset.type;
    const block = (values[node.dataset.block] ??= {});
    let v;
    if (node.tagName === "SELECT") v = { type, ...selectAction({ type }, node) };
    else if (type === "checkboxes" || type === "radio_buttons") v = { type, ...choiceAction({ type }, node) };
    else if (type === "datepicker") v = { type, selected_date: node.value || null };
    else if (type === "timepicker") v = { type, selected_time: node.value || null };
    else v = { type, value: node.value === "" ? null : node.value };
    block[node.dataset.action] = v;
  }
  return values;
}

// rich_text blocks: sections, lists, quotes and preformatted text of styled runs.
function richRun(r) {
  let html;
  switch (r.type) {
    case "text": html = escapeHtml(r.text).replace(/\n/g, "<br>"); break;
    case "link": html = `<a href="${escapeHtml(r.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(r.text || r.url)}</a>`; break;
    case "user": html = `<span class="mention">@${escapeHtml(nameOf(r.user_id))}</span>`; break;
    case "usergroup": html = `<span class="mention">@${escapeHtml(r.usergroup_id)}</span>`; break;
    case "channel": html = `<span class="mention">#${escapeHtml(r.channel_id)}</span>`; break;
    case "broadcast": html = `<span class="mention broadcast">@${escapeHtml(r.range)}</span>`; break;
    case "emoji": html = r.unicode ? String.fromCodePoint(...r.unicode.split("-").map((h) => parseInt(h, 16))) : `:${escapeHtml(r.name)}:`; break;
    default: html = "";
  }
  const st = r.style || {};
  if (st.code) html = `<code>${html}</code>`;
  if (st.bold) html = `<b>${html}</b>`;
  if (st.italic) html = `<i>${html}</i>`;
  if (st.strike) html = `<s>${html}</s>`;
  return html;
}

function richText(e) {
  const runs = (x) => (x.elements || []).map(richRun).join("");
  switch (e.type) {
    case "rich_text_section": return `<div>${runs(e)}</div>`;
    case "rich_text_quote": return `<blockquote>${runs(e)}</blockquote>`;
    case "rich_text_preformatted": return `<pre>${runs(e)}</pre>`;
    case "rich_text_list": {
      const tag = e.style === "ordered" ? "ol" : "ul";
      return `<${tag}>${(e.elements || []).map((item) => `<li>${runs(item)}</li>`).join("")}</${tag}>`;
    }
    default: return "";
  }
}

function blocks(list, where, errors = {}) {
  const box = el("div", { class: "blocks" });
  for (const b of list || []) {
    const blockId = b.block_id || `b${++uid}`;
    let node;
    switch (b.type) {
      case "section": {
        node = el("div", { class: "section" });
        const body = el("div", { class: "section-body" });
        if (b.text) body.append(el("div", { class: "text" }, textObject(b.text)));
        if (b.fields) {
          const grid = el("div", { class: "fields" });
          for (const f of b.fields) grid.append(el("div", {}, textObject(f)));
          body.append(grid);
        }
        node.append(body);
        if (b.accessory) node.append(el("div", { class: "accessory" })).append(element(b.accessory, blockId, where, false));
        break;
      }
      case "header":
        node = el("h3", { class: "header" }, escapeHtml(b.text.text));
        break;
      case "divider":
        node = el("hr");
        break;
      case "context":
        node = el("div", { class: "context" });
        for (const e of b.elements || []) node.append(e.type === "image" ? el("img", { src: e.image_url, alt: e.alt_text || "" }) : el("span", {}, textObject(e)));
        break;
      case "actions":
        node = el("div", { class: "actions" });
        for (const e of b.elements || []) node.append(element(e, blockId, where, false));
        break;
      case "image":
        node = el("figure", { class: "image" });
        if (b.title) node.append(el("figcaption", {}, escapeHtml(b.title.text)));
        node.append(el("img", { src: b.image_url, alt: b.alt_text || "" }));
        break;
      case "input": {
        node = el("div", { class: "input", "data-input-block": blockId });
        const control = element({ ...b.element, dispatch_action: b.dispatch_action }, blockId, where, true);
        const group = control.classList.contains("choices");
        const labelId = `lbl-${++uid}`;
        const text = escapeHtml(b.label.text) + (b.optional ? ' <span class="optional">(optional)</span>' : "");
        const label = group ? el("div", { class: "label", id: labelId }, text) : el("label", { for: control.id, class: "label", id: labelId }, text);
        if (group) control.setAttribute("aria-labelledby", labelId);
        node.append(label, control);
        if (b.hint) node.append(el("div", { class: "hint" }, escapeHtml(b.hint.text)));
        if (errors[blockId]) {
          const errId = `err-${++uid}`;
          node.classList.add("has-error");
          node.append(el("div", { class: "field-error", id: errId, role: "alert" }, "⚠ " + escapeHtml(errors[blockId])));
          control.setAttribute("aria-describedby", errId);
          control.setAttribute("aria-invalid", "true");
        }
        break;
      }
      case "rich_text":
        node = el("div", { class: "text" }, (b.elements || []).map(richText).join(""));
        break;
      case "markdown":
        node = el("div", { class: "text" }, mrkdwn(b.text));
        break;
      default:
        node = el("div", { class: "unsupported" }, `[unsupported block ${escapeHtml(b.type)}]`);
    }
    box.append(node);
  }
  return box;
}

// ---- messages, threads, App Home ------------------------------------------------------------

const visible = (m) => !m.ephemeral_for || m.ephemeral_for === ui.person;
const isReply = (m) => m.thread_ts && m.thread_ts !== m.ts;

function messageNode(m, inThread) {
  const author = m.user === ui.state.bot ? "msbot" : nameOf(m.user);
  const node = el("article", { class: `message ${m.ephemeral_for ? "ephemeral" : ""}`, "data-ts": m.ts });
  const time = new Date(Number(m.ts.split(".")[0]) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  node.append(el("div", { class: "meta" }, `<b>${escapeHtml(author)}</b>${m.user === ui.state.bot ? ' <span class="app">APP</span>' : ""} <time>${time}</time>${m.edited ? ' <span class="edited">(edited)</span>' : ""}`));
  if (m.ephemeral_for) node.append(el("div", { class: "only-you" }, "Only visible to you"));
  if (m.blocks && m.blocks.length) node.append(blocks(m.blocks, { channel: m.channel, ts: m.ts }));
  else node.append(el("div", { class: "text" }, mrkdwn(m.text)));
  for (const f of m.files || []) {
    const fig = el("figure", { class: "file" });
    if ((f.mimetype || "").startsWith("image/")) fig.append(el("img", { src: f.url, alt: f.title || f.name || "uploaded image" }));
    else fig.append(el("a", { href: f.url }, escapeHtml(f.title || f.name)));
    if (f.title) fig.append(el("figcaption", {}, escapeHtml(f.title)));
    node.append(fig);
  }
  if (!inThread && !m.ephemeral_for) {
    const replies = ui.state.messages.filter((r) => r.thread_ts === m.ts && isReply(r) && visible(r)).length;
    const label = replies ? `${replies} ${replies === 1 ? "reply" : "replies"}` : "Reply in thread";
    node.append(el("button", { type: "button", class: `link thread-link ${replies ? "" : "quiet"}`, onclick: () => openThread(m.ts) }, label));
  }
  return node;
}

// Redraw a pane only when what it shows changed, keeping keyboard focus where it was: a
// message arriving (or a Web API call in the inspector) must not throw a keyboard user out.
function redraw(box, key, draw) {
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  const focused = document.activeElement;
  const holder = focused && box.contains(focused) ? focused.closest("[data-ts], [data-view]") : null;
  const spot = holder && {
    at: holder.dataset.ts || holder.dataset.view,
    index: [...holder.querySelectorAll(FOCUSABLE)].indexOf(focused),
  };
  draw();
  if (!spot) return;
  const again = [...box.querySelectorAll("[data-ts], [data-view]")].find((n) => (n.dataset.ts || n.dataset.view) === spot.at);
  const target = again && again.querySelectorAll(FOCUSABLE)[spot.index];
  if (target) target.focus();
}
const FOCUSABLE = "button, select, input, textarea, a[href]";

function renderMessages() {
  const box = $("messages");
  const list = ui.state.messages.filter((m) => m.channel === ui.channel && visible(m) && !isReply(m));
  const counts = list.map((m) => ui.state.messages.filter((r) => r.thread_ts === m.ts && isReply(r) && visible(r)).length);
  redraw(box, JSON.stringify([ui.person, ui.channel, list, counts]), () => {
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    box.replaceChildren();
    if (!list.length) box.append(el("p", { class: "empty" }, "No messages here yet."));
    for (const m of list) box.append(messageNode(m, false));
    if (atBottom || !box.dataset.seen) stickToBottom(box);
    box.dataset.seen = "1";
  });
}

function renderThread() {
  $("thread").hidden = !ui.thread;
  if (!ui.thread) return;
  const box = $("thread-messages");
  const list = ui.state.messages.filter((x) => x.channel === ui.channel && visible(x) && (x.ts === ui.thread || x.thread_ts === ui.thread));
  redraw(box, JSON.stringify([ui.person, list]), () => {
    box.replaceChildren();
    for (const m of list) box.append(messageNode(m, true));
    stickToBottom(box);
  });
}

// Scroll to the newest message, again once each image still loading has its height (an
// uploaded chart would otherwise push the end of the conversation out of view).
function stickToBottom(box) {
  box.scrollTop = box.scrollHeight;
  for (const img of box.querySelectorAll("img")) {
    if (!img.complete) img.addEventListener("load", () => { box.scrollTop = box.scrollHeight; }, { once: true });
  }
}

function renderHome() {
  const box = $("home");
  const home = ui.state.home[ui.person];
  redraw(box, JSON.stringify([ui.person, home || null]), () => {
    box.replaceChildren();
    if (!home) {
      box.append(el("p", { class: "empty" }, "msbot has not published a Home tab for you yet."));
      return;
    }
    const wrap = el("div", { "data-view": home.id });
    wrap.append(blocks(home.view.blocks, { view_id: home.id }));
    box.append(wrap);
  });
}

function openThread(ts) {
  ui.thread = ts;
  renderThread();
  $("thread-text").focus();
}

// ---- modals --------------------------------------------------------------------------------

function renderModal() {
  const stack = (ui.state.modals[ui.person] || []);
  const top = stack[stack.length - 1];
  // The key names the person too: switching person must take the other person's form off
  // the screen (and show this person's, if they have one open).
  const key = JSON.stringify([ui.person, top ? [top.id, top.view, top.errors, stack.length] : null]);
  if (key === ui.modalKey) return;
  const root = $("modal-root");
  const previous = root.querySelector("[data-view]");
  const kept = previous && top && previous.dataset.view === top.id ? collectValues(previous) : null;
  ui.modalKey = key;
  const hadModal = root.childElementCount > 0;
  root.replaceChildren();
  if (!top) {
    if (hadModal) $("compose-text").focus(); // back where the person was typing
    return;
  }
  const v = top.view;
  const dialog = el("div", { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": "modal-title", "data-view": top.id });
  const form = el("form", { novalidate: true });
  form.append(el("h2", { id: "modal-title" }, escapeHtml(v.title?.text || "")));
  if (top.errors && top.errors._) form.append(el("div", { class: "field-error", role: "alert" }, escapeHtml(top.errors._)));
  form.append(blocks(v.blocks, { view_id: top.id }, top.errors || {}));
  const buttons = el("div", { class: "modal-buttons" });
  buttons.append(el("button", { type: "button", class: "btn", onclick: () => post("/ui/close", { user: ui.person, view_id: top.id }) }, escapeHtml(v.close?.text || "Close")));
  if (v.submit) buttons.append(el("button", { type: "submit", class: "btn primary" }, escapeHtml(v.submit.text)));
  form.append(buttons);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    post("/ui/submit", { user: ui.person, view_id: top.id, values: collectValues(dialog) });
  });
  dialog.append(form);
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "Escape") post("/ui/close", { user: ui.person, view_id: top.id });
    if (e.key === "Tab") trapFocus(dialog, e);
  });
  root.append(el("div", { class: "backdrop" }), dialog);
  if (kept) restoreValues(dialog, kept);
  const firstError = dialog.querySelector(".has-error input, .has-error textarea, .has-error select");
  (firstError || dialog.querySelector("input, textarea, select, button")).focus();
}

// Tab and Shift+Tab stay inside an open dialog, as in Slack.
function trapFocus(dialog, e) {
  const focusable = [...dialog.querySelectorAll("input, select, textarea, button, a[href]")].filter((n) => !n.disabled);
  if (!focusable.length) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

function restoreValues(root, values) {
  for (const node of root.querySelectorAll("[data-input-block] [data-action]")) {
    const v = values[node.dataset.block]?.[node.dataset.action];
    if (!v) continue;
    if (node.tagName === "SELECT") {
      const chosen = new Set([v.selected_option?.value, v.selected_user, ...(v.selected_options || []).map((o) => o.value), ...(v.selected_users || [])]);
      for (const o of node.options) o.selected = chosen.has(o.value);
    } else if (node.classList.contains("choices")) {
      const chosen = new Set([v.selected_option?.value, ...(v.selected_options || []).map((o) => o.value)]);
      for (const i of node.querySelectorAll("input")) i.checked = chosen.has(i.value);
    } else {
      node.value = v.value ?? v.selected_date ?? v.selected_time ?? "";
    }
  }
}

// ---- inspector and problems ----------------------------------------------------------------

function placeName(id) {
  const channel = ui.state.channels.find((c) => c.id === id);
  if (channel) return channel.kind === "dm" ? `DM ${nameOf(channel.user)}` : "#" + channel.name;
  if (id.startsWith("D") && ui.state.names[id.slice(1)]) return `DM ${nameOf(id.slice(1))}`;
  return nameOf(id);
}

function renderInspector() {
  const count = ui.state.problems.length;
  $("problem-count").hidden = !count;
  $("problem-count").textContent = count;
  const banner = $("problem-banner");
  banner.hidden = !count;
  if (count) banner.textContent = `msbot broke a Slack rule (${count}): ${ui.state.problems[count - 1].problem}`;
  $("inspector").hidden = !ui.inspector;
  if (!ui.inspector) return;
  const list = $("log");
  list.replaceChildren();
  for (const e of [...ui.state.log].reverse()) {
    const arrow = e.kind === "request" ? "→ msbot" : e.kind === "api" ? "← Web API" : "•";
    const item = el("li", { class: `log ${e.problem ? "problem" : ""}` });
    // Open entries stay open while new calls arrive.
    const details = el("details", { open: ui.openLog.has(e.n) });
    details.addEventListener("toggle", () => (details.open ? ui.openLog.add(e.n) : ui.openLog.delete(e.n)));
    const status = e.kind === "request" ? ` HTTP ${e.status} in ${e.ms} ms` : e.response && e.response.ok === false ? ` error: ${e.response.error}` : "";
    const p = e.payload && typeof e.payload === "object" ? e.payload : {};
    const to = p.channel || p.channel_id || p.user_id || (p.user && p.user.id) || p.user || "";
    const where = typeof to === "string" && to ? ` ${placeName(to)}` : "";
    details.append(el("summary", {}, `<span class="at">${e.at}</span> ${arrow} <b>${escapeHtml(e.name)}</b>${escapeHtml(where + status)}`));
    if (e.problem) details.append(el("div", { class: "field-error" }, escapeHtml(e.problem)));
    details.append(el("pre", {}, escapeHtml(JSON.stringify(e.payload, null, 2))));
    if (e.response) details.append(el("pre", { class: "response" }, escapeHtml(typeof e.response === "string" ? e.response : JSON.stringify(e.response, null, 2))));
    item.append(details);
    list.append(item);
  }
}

// ---- chrome: people, channels, jobs --------------------------------------------------------

function renderChrome() {
  const s = ui.state;
  const person = $("person");
  if (!person.options.length) {
    for (const p of s.people) person.append(el("option", { value: p.id }, `${escapeHtml(p.name)} — ${escapeHtml(p.role)}`));
    for (const j of s.jobs) $("job").append(el("option", { value: j }, escapeHtml(j)));
  }
  if (!s.people.some((p) => p.id === ui.person)) ui.person = s.people[0].id;
  person.value = ui.person;
  const dm = "D" + ui.person;
  // Only the channels this person is in: suppliers never see the team's channels.
  const mine = s.channels.filter((x) => x.kind === "channel" && (x.members || []).includes(ui.person));
  if (!ui.channel.startsWith("D") && !mine.some((c) => c.id === ui.channel)) ui.channel = dm;
  const onDm = ui.channel.startsWith("D");
  if (onDm && ui.channel !== dm) ui.channel = dm;
  renderSidebar(mine, dm);
  const channel = s.channels.find((c) => c.id === ui.channel);
  $("conversation-title").textContent = onDm ? "msbot" : "# " + (channel ? channel.name : ui.channel);
  $("tabs").hidden = !onDm;
  if (!onDm) ui.tab = "messages";
  $("tab-messages").setAttribute("aria-selected", ui.tab === "messages");
  $("tab-home").setAttribute("aria-selected", ui.tab === "home");
  $("messages").hidden = ui.tab !== "messages";
  $("composer").hidden = ui.tab !== "messages";
  $("home").hidden = ui.tab !== "home";
}

// The sidebar is rebuilt only when what it lists changes, and keeps keyboard focus on the
// same entry when it is: a message arriving must never throw a keyboard user out of it.
function renderSidebar(channels, dm) {
  const nav = document.querySelector(".sidebar");
  const key = JSON.stringify([ui.person, ui.channel, ui.tab, channels.map((c) => [c.id, c.name])]);
  if (nav.dataset.key === key) return;
  nav.dataset.key = key;
  const focused = document.activeElement && nav.contains(document.activeElement) ? document.activeElement.dataset.nav : null;
  $("channel-list").replaceChildren(...channels.map((c) => navItem(c.id, "# " + c.name, "messages")));
  $("app-list").replaceChildren(navItem(dm, "msbot", "messages"), navItem(dm, "msbot · Home", "home"));
  if (focused) nav.querySelector(`[data-nav="${CSS.escape(focused)}"]`)?.focus();
}

function navItem(channel, label, tab) {
  const current = ui.channel === channel && ui.tab === tab;
  const li = el("li");
  // data-nav names the entry independently of the person (their DM is always "dm").
  const nav = `${channel.startsWith("D") ? "dm" : channel}:${tab}`;
  li.append(el("button", { type: "button", "data-nav": nav, class: current ? "current" : "", "aria-current": current ? "page" : false, onclick: () => go(channel, tab) }, escapeHtml(label)));
  return li;
}

function go(channel, tab) {
  const openingHome = tab === "home" && !(ui.channel === channel && ui.tab === "home");
  ui.channel = channel;
  ui.tab = tab;
  ui.thread = null;
  localStorage.setItem("msbot.channel", channel);
  render();
  if (openingHome) post("/ui/home", { user: ui.person });
}

function render() {
  if (!ui.state) return;
  renderChrome();
  if (ui.tab === "home") renderHome();
  else renderMessages();
  renderThread();
  renderModal();
  renderInspector();
}

// ---- talking to the workspace --------------------------------------------------------------

async function post(path, body) {
  const resp = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return resp.json();
}

async function poll() {
  let since = -1;
  for (;;) {
    try {
      const resp = await fetch(`/ui/state?since=${since}`);
      ui.state = await resp.json();
      since = ui.state.version;
      render();
      document.body.dataset.version = since;
    } catch (err) {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function send(text, threadTs) {
  text = text.trim();
  if (!text) return;
  if (text.startsWith("/") && !threadTs) post("/ui/command", { user: ui.person, channel: ui.channel, text });
  else post("/ui/say", { user: ui.person, channel: ui.channel, text, thread_ts: threadTs });
}

function composer(formId, textId, threadTs) {
  const box = $(textId);
  $(formId).addEventListener("submit", (e) => {
    e.preventDefault();
    send(box.value, threadTs());
    box.value = "";
  });
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      $(formId).requestSubmit();
    }
  });
}

composer("composer", "compose-text", () => null);
composer("thread-composer", "thread-text", () => ui.thread);
$("person").addEventListener("change", (e) => {
  ui.person = e.target.value;
  ui.modalKey = null;
  localStorage.setItem("msbot.person", ui.person);
  render();
});
$("run-job").addEventListener("click", () => post("/ui/run", { job: $("job").value }));
$("toggle-inspector").addEventListener("click", () => {
  ui.inspector = !ui.inspector;
  $("toggle-inspector").setAttribute("aria-pressed", ui.inspector);
  render();
});
$("close-thread").addEventListener("click", () => { ui.thread = null; render(); });
$("tab-messages").addEventListener("click", () => go(ui.channel, "messages"));
$("tab-home").addEventListener("click", () => go(ui.channel, "home"));
poll();

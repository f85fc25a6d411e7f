// relaydesk agent console: plain JavaScript, no build step. The API key lives in sessionStorage (this tab
// only) and is sent in the Authorization header; it never appears in a URL. Live updates come from the
// gateway's SSE stream (/v1/agent/events), read with fetch so that the header can be sent.
"use strict";

const store = window.sessionStorage;
const state = { selected: null, turnId: null, abort: null };

function $(id) { return document.getElementById(id); }
function key() { return store.getItem("relaydesk.key"); }
function agent() { return store.getItem("relaydesk.agent") || "agent-1"; }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (name === "text") node.textContent = value; else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: `Bearer ${key()}` }, options.headers || {});
  if (options.body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) { logout("The key was not accepted."); throw new Error("unauthorized"); }
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = body && (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
    throw new Error(`${response.status}: ${detail || response.statusText}`);
  }
  return body;
}

function ago(iso) {
  if (!iso) return "";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

function sparkline(values) {
  // Sentiment in [-1, 1] as a small inline SVG polyline.
  const w = 80, h = 20;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("data-testid", "trend");
  if (!values || values.length === 0) return svg;
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${((1 - (v + 1) / 2) * h).toFixed(1)}`);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.join(" "));
  line.setAttribute("class", values[values.length - 1] < -0.3 ? "trend neg" : "trend");
  svg.append(line);
  return svg;
}

// --- login ---------------------------------------------------------------------------------------------
function showApp() {
  $("login").hidden = true; $("app").hidden = false; $("logout").hidden = false;
  $("whoami").textContent = agent();
  live();
  refresh();
}

function logout(message) {
  store.removeItem("relaydesk.key");
  if (state.abort) state.abort.abort();
  $("app").hidden = true; $("login").hidden = false; $("logout").hidden = true;
  const error = $("login-error");
  error.hidden = !message; error.textContent = message || "";
}

async function login(event) {
  event.preventDefault();
  const form = event.target;
  store.setItem("relaydesk.key", form.key.value.trim());
  store.setItem("relaydesk.agent", form.agent.value.trim());
  form.key.value = "";
  try { await api("/v1/agent/queue"); showApp(); } catch (err) { if (key()) logout(String(err.message)); }
}

// --- live updates --------------------------------------------------------------------------------------
async function live() {
  if (state.abort) state.abort.abort();
  const controller = new AbortController();
  state.abort = controller;
  let timer = null;
  while (!controller.signal.aborted && key()) {
    try {
      const response = await fetch("/v1/agent/events", {
        headers: { Authorization: `Bearer ${key()}`, Accept: "text/event-stream" }, signal: controller.signal,
      });
      if (!response.ok) throw new Error(String(response.status));
      $("live").textContent = "live";
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
          if (/^event: changed$/m.test(block)) {
            clearTimeout(timer); timer = setTimeout(refresh, 50);  // coalesce bursts of changes
          }
        }
      }
    } catch (err) {
      if (controller.signal.aborted) return;
    }
    $("live").textContent = "reconnecting";
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function refresh() {
  if (!key()) return;
  const page = document.body.dataset.page;
  try {
    if (page === "supervisor") await renderSupervisor(); else await renderDesk();
  } catch (err) {
    console.warn("refresh failed", err.message);
  }
}

// --- agent desk ----------------------------------------------------------------------------------------
async function renderDesk() {
  const queue = await api("/v1/agent/queue");
  const list = $("queue");
  list.replaceChildren(...queue.items.map(queueItem));
  $("queue-empty").hidden = queue.items.length > 0;
  if (state.selected) await renderConversation(state.selected);
}

function queueItem(item) {
  const mine = item.claimed_by === agent();
  const li = el("li", {
    "data-testid": "queue-item", "data-conversation-id": item.conversation_id, "data-state": item.state,
    class: `prio-${item.priority}${state.selected === item.conversation_id ? " selected" : ""}`,
  },
  el("div", { class: "row" },
    el("span", { class: "prio", text: item.priority }),
    el("span", { class: "reason", text: item.reason || "" }),
    el("span", { class: "wait", text: item.waiting_since ? `waiting ${ago(item.waiting_since)}` : "" })),
  el("div", { class: "qsummary", text: (item.summary || "").split("\n")[0] }),
  el("div", { class: "row" },
    el("span", { class: "emotion", text: item.emotion ? `emotion: ${item.emotion}` : "" }),
    el("span", { class: "holder", text: item.claimed_by ? `with ${item.claimed_by}` : "unclaimed" })));
  const button = el("button", { type: "button", "data-testid": "claim", text: mine ? "Open" : "Claim" });
  button.disabled = !!item.claimed_by && !mine;
  button.addEventListener("click", async (e) => {
    e.stopPropagation();
    try {
      if (!mine) await api(`/v1/agent/conversations/${item.conversation_id}/claim`,
        { method: "POST", body: JSON.stringify({ agent_id: agent() }) });
      state.selected = item.conversation_id;
      await refresh();
    } catch (err) { $("reply-status").textContent = err.message; }
  });
  li.append(button);
  li.addEventListener("click", () => { state.selected = item.conversation_id; refresh(); });
  return li;
}

async function renderConversation(id) {
  let conv;
  try { conv = await api(`/v1/agent/conversations/${id}`); } catch (err) { state.selected = null; return; }
  $("conv-id").textContent = id;
  $("conv-meta").textContent =
    `${conv.state}${conv.agent_id ? " · " + conv.agent_id : ""} · ${conv.reason || ""} · ${conv.priority || ""}`;
  const summary = conv.summary;
  $("summary").replaceChildren(
    el("p", { text: summary ? summary.reason_for_contact : (conv.handoff_summary || "").split("\n")[0] }),
    ...(summary && summary.open_items.length ? [el("p", { class: "open", text: "Open: " + summary.open_items.join(" ") })] : []));
  $("transcript").replaceChildren(...conv.transcript.map((t) => {
    const notes = t.annotations || {};
    const tags = [];
    if (notes.intent) tags.push(notes.intent.label);
    if (notes.emotion) tags.push(`${notes.emotion.label} ${notes.emotion.sentiment.toFixed(2)}`);
    if (notes.pii && notes.pii.length) tags.push("pii: " + notes.pii.join(","));
    if (notes.verdict) tags.push(notes.verdict);
    return el("li", { class: `turn ${t.speaker}`, "data-testid": "transcript-entry", "data-speaker": t.speaker },
      el("span", { class: "who", text: t.speaker }), el("span", { class: "text", text: t.text }),
      el("span", { class: "notes", text: tags.join(" · ") }));
  }));
  state.turnId = conv.latest_customer_turn;
  const held = conv.state === "with_agent" && conv.agent_id === agent();
  for (const b of ["reply-send", "release-bot", "release-close"]) $(b).disabled = !held && b === "reply-send";
  const sugg = await api(`/v1/agent/conversations/${id}/suggestions`);
  $("suggestions").replaceChildren(...sugg.items.map((s) => {
    const li = el("li", { "data-testid": "suggestion", "data-kind": s.kind, class: `suggestion ${s.kind}` },
      el("span", { class: "kind", text: s.kind === "draft" ? "Draft reply" : "Knowledge" }),
      el("p", { text: s.text }),
      el("span", { class: "sources", "data-testid": "suggestion-sources",
                   text: s.sources.map((x) => x.title || x.doc_id).join(", ") }));
    li.addEventListener("click", () => { $("reply-box").value = s.text; $("reply-box").focus(); });
    return li;
  }));
  $("suggestions-empty").hidden = sugg.items.length > 0;
}

async function send(event) {
  event.preventDefault();
  const text = $("reply-box").value;
  if (!state.selected || !text.trim()) return;
  try {
    await api(`/v1/agent/conversations/${state.selected}/messages`,
      { method: "POST", body: JSON.stringify({ agent_id: agent(), text }) });
    $("reply-box").value = "";
    $("reply-status").textContent = "Sent.";
  } catch (err) { $("reply-status").textContent = err.message; }
}

async function release(to) {
  if (!state.selected) return;
  try {
    await api(`/v1/agent/conversations/${state.selected}/release`,
      { method: "POST", body: JSON.stringify({ to, agent_id: agent() }) });
    $("reply-status").textContent = to === "bot" ? "Back with the bot." : "Closed.";
    state.selected = null;
    await refresh();
  } catch (err) { $("reply-status").textContent = err.message; }
}

// --- supervisor ----------------------------------------------------------------------------------------
async function renderSupervisor() {
  const view = await api("/v1/agent/supervisor");
  $("sv-queued").textContent = view.queued;
  $("sv-with-agent").textContent = view.with_agent;
  $("sv-escalations").textContent = view.escalations;
  $("sv-longest").textContent = view.longest_wait_s == null ? "–" : `${Math.round(view.longest_wait_s)} s`;
  $("sv-rows").replaceChildren(...view.items.map((c) => el("tr",
    { "data-testid": "sv-row", "data-conversation-id": c.conversation_id, class: c.escalated ? "escalated" : "" },
    el("td", { text: c.conversation_id }), el("td", { text: c.state }), el("td", { text: c.agent_id || "" }),
    el("td", { text: c.reason || "" }), el("td", { text: c.priority }), el("td", { text: c.emotion || "" }),
    el("td", {}, sparkline(c.sentiment_trend)),
    el("td", { text: c.waiting_s == null ? "" : `${Math.round(c.waiting_s)} s` }))));
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", () => logout());
  if ($("reply-form")) {
    $("reply-form").addEventListener("submit", send);
    $("release-bot").addEventListener("click", () => release("bot"));
    $("release-close").addEventListener("click", () => release("closed"));
  }
  setInterval(() => { if (key() && document.body.dataset.page === "desk") renderDesk().catch(() => {}); }, 15000);
  if (key()) showApp();
});

// odoo-mcp chat: plain JavaScript over the thread API (no framework, no
// build step). Text from the server is only ever set with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const store = window.sessionStorage; // the credential lives as long as the tab
let current = null; // selected thread id
let busy = false;

function el(tag, attrs, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") n.className = v;
    else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) n.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids) if (k !== null && k !== undefined) n.append(k);
  return n;
}

function authHeader() {
  const login = store.getItem("login"), key = store.getItem("key");
  if (!login || !key) return null;
  const bytes = new TextEncoder().encode(login + ":" + key);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return "Basic " + btoa(bin);
}

class APIError extends Error {
  constructor(status, body) {
    super((body && body.message) || ("HTTP " + status));
    this.status = status;
    this.code = body && body.error;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: await authorization(), Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch("/api/v1" + path, { method, headers, credentials: "omit", body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 204) return null;
  let data = null;
  try { data = await r.json(); } catch (_) { /* not JSON */ }
  if (!r.ok) {
    if (r.status === 401 && path !== "/threads") signOut("Your Odoo credentials were refused: sign in again.");
    throw new APIError(r.status, data);
  }
  return data;
}

function showError(msg) { $("error").textContent = msg || ""; }

// ---- sign in ----

async function signIn(ev) {
  ev.preventDefault();
  const login = $("login").value.trim(), key = $("apikey").value;
  if (!login || !key) { $("signin-error").textContent = "Enter your Odoo login and an API key."; return; }
  store.setItem("login", login);
  store.setItem("key", key);
  try {
    await api("GET", "/threads");
  } catch (e) {
    store.removeItem("key");
    $("signin-error").textContent = e.status === 401 ? "Odoo refused this login and key." : "Sign-in failed: " + e.message;
    return;
  }
  $("apikey").value = "";
  start();
}

function signOut(msg) {
  oauthSignOut(); // no-op unless signed in with OAuth
  store.removeItem("key");
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = msg || "";
  $("login").value = store.getItem("login") || "";
  ($("login").value ? $("apikey") : $("login")).focus(); // the first field left to fill
}

// threadControls enables what needs a selected thread. start sets it too:
// Firefox restores form controls' disabled state on reload, which would
// leave a live composer with no thread.
function threadControls(on) {
  for (const b of ["composer-input", "send", "delete-thread", "show-memory"]) $(b).disabled = !on;
}

async function start() {
  threadControls(current !== null);
  $("signin").hidden = true;
  $("app").hidden = false;
  $("who").textContent = oauthWho() || store.getItem("login");
  if (current === null) current = store.getItem("thread"); // a reload: the thread that was open
  const [threads] = await Promise.all([loadThreads(), loadCatalog(), loadUserUsage()]);
  if (current !== null) {
    if (threads && threads.some((t) => t.thread_id === current)) await selectThread(current);
    else { current = null; store.removeItem("thread"); threadControls(false); }
  }
  // No thread yet: the composer is disabled, so the new thread's name is
  // the first thing to fill.
  ($("composer-input").disabled ? $("new-id") : $("composer-input")).focus();
}

// ---- OAuth sign-in ("Sign in with Odoo", when the server has OAuth on) ----
// The page is odoo-mcp's built-in public client OAUTH_CLIENT_ID: the
// authorization code flow with PKCE S256 (Web Crypto), the state checked,
// its redirect URI this page (<public URL>/chat/), no client secret. Its
// tokens are for the thread API only (resource <public URL>/api/v1): they
// do not work at /mcp. Access and refresh tokens live in sessionStorage
// ("oauth"); the access token is refreshed a minute before it expires (the
// refresh token rotates), and signing out revokes the grant.

const OAUTH_CLIENT_ID = "odoo-mcp-chat";
const OAUTH_REDIRECT_PATH = "/chat/";
let oauthMeta = null; // {issuer, resource, authorize, token, revoke}, once discovered
let oauthRefreshing = null; // the refresh in flight, shared by concurrent calls
let oauthTimer = 0;

function b64url(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function oauthRandom(n) { const b = new Uint8Array(n); crypto.getRandomValues(b); return b64url(b); }

function oauthRedirectURI() { return location.origin + OAUTH_REDIRECT_PATH; }

function oauthSession() {
  try { return JSON.parse(store.getItem("oauth") || "null"); } catch (_) { return null; }
}

// oauthDiscover shows the button when the thread API has OAuth metadata
// (RFC 9728; 404 when OAuth is off) naming this origin as its server.
async function oauthDiscover() {
  try {
    const r = await fetch("/.well-known/oauth-protected-resource/api/v1", { credentials: "omit" });
    if (!r.ok) return;
    const prm = await r.json();
    const issuer = (prm.authorization_servers || [])[0];
    if (!issuer) return;
    if (issuer !== location.origin) {
      // The redirect URI is under the public URL: sign in from there.
      const a = $("oauth-elsewhere");
      a.href = issuer + OAUTH_REDIRECT_PATH;
      a.textContent = "Sign in with Odoo at " + issuer + OAUTH_REDIRECT_PATH;
      a.hidden = false;
      $("oauth-box").hidden = false;
      return;
    }
    const ar = await fetch("/.well-known/oauth-authorization-server", { credentials: "omit" });
    if (!ar.ok) return;
    const as = await ar.json();
    const ours = (u) => typeof u === "string" && u.startsWith(location.origin + "/");
    if (!ours(as.authorization_endpoint) || !ours(as.token_endpoint) || !ours(as.revocation_endpoint)) return;
    oauthMeta = { issuer, resource: prm.resource, authorize: as.authorization_endpoint, token: as.token_endpoint, revoke: as.revocation_endpoint };
    $("oauth-signin").hidden = false;
    $("oauth-box").hidden = false;
  } catch (_) { /* no OAuth: the key form alone */ }
}

// oauthStart sends the tab to the sign-in and consent pages.
async function oauthStart() {
  if (!oauthMeta) return;
  const verifier = oauthRandom(32); // 43 characters
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = oauthRandom(16);
  store.setItem("oauth_pending", JSON.stringify({ verifier, state, meta: oauthMeta }));
  const q = new URLSearchParams({
    response_type: "code", client_id: OAUTH_CLIENT_ID, redirect_uri: oauthRedirectURI(),
    code_challenge: b64url(digest), code_challenge_method: "S256", state,
    scope: "odoo.read odoo.write", resource: oauthMeta.resource,
  });
  location.assign(oauthMeta.authorize + "?" + q.toString());
}

async function oauthTokenRequest(meta, params) {
  try {
    const r = await fetch(meta.token, {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(params).toString(),
    });
    let body = null;
    try { body = await r.json(); } catch (_) { /* not JSON */ }
    const message = (body && (body.error_description || body.error)) || "HTTP " + r.status;
    return { ok: r.ok && body && body.access_token, status: r.status, body, message };
  } catch (e) {
    return { ok: false, status: 0, body: null, message: e.message };
  }
}

function oauthSave(meta, t) {
  let login = "";
  try { login = JSON.parse(atob(t.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).login || ""; } catch (_) { /* display only */ }
  const s = { meta, access: t.access_token, refresh: t.refresh_token, expires: Date.now() + 1000 * t.expires_in, scope: t.scope || "", login };
  store.setItem("oauth", JSON.stringify(s));
  oauthSchedule(s);
}

function oauthSchedule(s) {
  clearTimeout(oauthTimer);
  if (s) oauthTimer = setTimeout(oauthRefresh, Math.max(0, s.expires - Date.now() - 60000));
}

// oauthFinish completes a redirect back from the consent page: null when
// this load is no such redirect, "" when signed in, else what went wrong.
async function oauthFinish() {
  const q = new URLSearchParams(location.search);
  if (!q.has("code") && !q.has("error")) return null;
  history.replaceState(null, "", location.pathname); // the code leaves the address bar and history
  let pending = null;
  try { pending = JSON.parse(store.getItem("oauth_pending") || "null"); } catch (_) { /* none */ }
  store.removeItem("oauth_pending");
  if (!pending || !q.get("state") || q.get("state") !== pending.state) return "This sign-in was not started from this tab: sign in again.";
  if (q.get("iss") !== pending.meta.issuer) return "The answer did not come from this server: sign in again.";
  if (q.has("error")) return q.get("error") === "access_denied" ? "Access was not allowed: not signed in." : "Sign-in failed: " + (q.get("error_description") || q.get("error"));
  const t = await oauthTokenRequest(pending.meta, {
    grant_type: "authorization_code", code: q.get("code"), redirect_uri: oauthRedirectURI(),
    client_id: OAUTH_CLIENT_ID, code_verifier: pending.verifier, resource: pending.meta.resource,
  });
  if (!t.ok) return "Sign-in failed: " + t.message;
  oauthSave(pending.meta, t.body);
  return "";
}

// oauthRefresh rotates the refresh token; one at a time. A refused grant
// (revoked, or the key revoked in Odoo) ends the OAuth session.
function oauthRefresh() {
  if (!oauthRefreshing) {
    oauthRefreshing = (async () => {
      const s = oauthSession();
      if (!s) return false;
      const t = await oauthTokenRequest(s.meta, { grant_type: "refresh_token", refresh_token: s.refresh, client_id: OAUTH_CLIENT_ID, resource: s.meta.resource });
      if (t.ok) { oauthSave(s.meta, t.body); return true; }
      if (t.status === 400 || t.status === 401) store.removeItem("oauth");
      else oauthTimer = setTimeout(oauthRefresh, 15000); // Odoo or the network down: try again
      return false;
    })().finally(() => { oauthRefreshing = null; });
  }
  return oauthRefreshing;
}

// oauthAuthorization is the Authorization header of an OAuth session
// (refreshed first when it expires within a minute), or null.
async function oauthAuthorization() {
  let s = oauthSession();
  if (!s) return null;
  if (Date.now() > s.expires - 60000) {
    await oauthRefresh();
    s = oauthSession();
    if (!s) return null;
  }
  return "Bearer " + s.access;
}

// oauthSignOut revokes the grant (RFC 7009: the refresh token ends it and
// its access tokens) and forgets the tokens.
async function oauthSignOut() {
  const s = oauthSession();
  clearTimeout(oauthTimer);
  store.removeItem("oauth");
  if (!s) return;
  try {
    await fetch(s.meta.revoke, {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: s.refresh, token_type_hint: "refresh_token", client_id: OAUTH_CLIENT_ID }).toString(),
    });
  } catch (_) { /* the tokens are forgotten; the access token dies with its TTL */ }
}

function oauthWho() {
  const s = oauthSession();
  if (!s) return "";
  return (s.login || "signed in with Odoo") + (s.scope.split(" ").includes("odoo.write") ? "" : " (read-only)");
}

// authorization is the header every thread API call sends: the OAuth
// session's, else the login and key's.
async function authorization() { return (await oauthAuthorization()) || authHeader(); }

async function boot() {
  await oauthDiscover();
  const finished = await oauthFinish();
  oauthSchedule(oauthSession());
  if (finished === "" || oauthSession() || authHeader()) start(); else signOut(finished || "");
}

// ---- end of OAuth sign-in ----

// ---- threads ----

async function loadThreads() {
  let data;
  try { data = await api("GET", "/threads"); } catch (e) { showError("Could not list your threads: " + e.message); return; }
  const ul = $("threads");
  ul.replaceChildren();
  for (const t of data.threads) {
    const open = el("button", { class: "open", type: "button", "aria-current": t.thread_id === current ? "true" : "false", onclick: () => selectThread(t.thread_id) }, t.thread_id);
    open.title = t.model + (t.tools.length ? " · " + t.tools.join(", ") : "");
    ul.append(el("li", {}, open));
  }
  if (!data.threads.length) ul.append(el("li", { class: "muted" }, "No threads yet: create one below."));
  if (!current) $("new-thread").open = true;
  return data.threads;
}

async function loadCatalog() {
  try {
    const [models, tools] = await Promise.all([api("GET", "/models"), api("GET", "/tools")]);
    const sel = $("new-model");
    sel.replaceChildren();
    for (const m of models.models || models.chat || []) {
      const handle = typeof m === "string" ? m : m.handle;
      sel.append(el("option", { value: handle }, handle));
    }
    const fs = $("new-tools");
    fs.querySelectorAll("label").forEach((n) => n.remove());
    for (const t of tools.tools) {
      // A line may break after each "_" of the name (one long word, wider
      // than the thread list) rather than in the middle of a word.
      const name = t.name.split("_").flatMap((p, i, all) => (i < all.length - 1 ? [p + "_", el("wbr")] : [p]));
      fs.append(el("label", {}, el("input", { type: "checkbox", value: t.name, checked: t.read_only }), el("span", {}, ...name, t.read_only ? "" : " (writes)")));
    }
  } catch (e) { showError("Could not read the models and tools: " + e.message); }
  $("new-id").value = "chat-" + new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
}

async function createThread(ev) {
  ev.preventDefault();
  const id = $("new-id").value.trim();
  const tools = [...$("new-tools").querySelectorAll("input:checked")].map((i) => i.value);
  try {
    const spec = { model: $("new-model").value, tools, shared_memory: $("new-shared").checked };
    if ($("new-approve").checked) spec.approve = "writes";
    await api("PUT", "/threads/" + encodeURIComponent(id), spec);
  } catch (e) { showError("Could not create the thread: " + e.message); return; }
  $("new-thread").open = false;
  current = id;
  await loadThreads();
  await selectThread(id);
}

async function selectThread(id) {
  current = id;
  showError("");
  $("thread-title").textContent = id;
  $("log").replaceChildren();
  historyBefore = null;
  store.setItem("thread", id); // reopened on reload
  threadControls(true);
  document.querySelectorAll("#threads button.open").forEach((b) => b.setAttribute("aria-current", b.textContent === id ? "true" : "false"));
  $("side").classList.remove("open");
  $("toggle-side").setAttribute("aria-expanded", "false");
  await Promise.all([loadHistory(id, null), loadThreadUsage()]);
  if (!$("memory").hidden) await loadMemory();
  $("composer-input").focus();
}

async function deleteThread() {
  if (!current || !window.confirm("Delete thread " + current + "? The agent and its history are deleted; your shared memory stays.")) return;
  try { await api("DELETE", "/threads/" + encodeURIComponent(current)); } catch (e) { showError("Could not delete: " + e.message); return; }
  current = null;
  store.removeItem("thread");
  $("thread-title").textContent = "No thread selected";
  $("thread-usage").textContent = "";
  $("log").replaceChildren();
  threadControls(false);
  $("memory").hidden = true;
  $("app").classList.remove("with-memory");
  await loadThreads();
  await loadUserUsage();
}

// ---- usage ----

function fmt(n) { return n >= 1e6 ? (n / 1e6).toFixed(1) + "M" : n >= 1e4 ? Math.round(n / 1e3) + "k" : String(n); }

async function loadThreadUsage() {
  if (!current) return;
  try {
    const u = await api("GET", "/threads/" + encodeURIComponent(current) + "/usage");
    const pct = u.context_window ? Math.round((100 * u.context_tokens) / u.context_window) : 0;
    $("thread-usage").textContent = fmt(u.totals.total_tokens) + " tokens in " + u.totals.runs + " turns · context " + pct + "% full";
  } catch (_) { $("thread-usage").textContent = ""; }
}

async function loadUserUsage() {
  try {
    const rep = await api("GET", "/usage?group_by=day");
    const tb = $("user-usage").tBodies[0];
    tb.replaceChildren();
    for (const g of rep.groups.slice(-7)) tb.append(el("tr", {}, el("td", {}, g.key), el("td", {}, fmt(g.total_tokens)), el("td", {}, String(g.runs))));
    if (!rep.groups.length) tb.append(el("tr", {}, el("td", { colspan: "3", class: "muted" }, "Nothing yet.")));
  } catch (_) { /* usage is a nicety */ }
}

// ---- memory ----

async function toggleMemory() {
  const m = $("memory"), show = m.hidden;
  m.hidden = !show;
  $("app").classList.toggle("with-memory", show);
  $("show-memory").setAttribute("aria-expanded", String(show));
  if (show) { await loadMemory(); const f = m.querySelector("textarea:not([readonly])"); if (f) f.focus(); }
}

async function loadMemory() {
  if (!current) return;
  let mem;
  try { mem = await api("GET", "/threads/" + encodeURIComponent(current) + "/memory"); } catch (e) { showError("Could not read the memory: " + e.message); return; }
  const box = $("blocks");
  box.replaceChildren();
  for (const b of mem.blocks) {
    const id = "block-" + b.label;
    const ta = el("textarea", { id, readonly: b.read_only, maxlength: String(b.limit) });
    ta.value = b.value;
    const count = el("span", { class: "muted", id: id + "-count" }, b.chars + " / " + b.limit);
    const status = el("span", { role: "status", class: "muted" });
    ta.addEventListener("input", () => { count.textContent = [...ta.value].length + " / " + b.limit; });
    const save = el("button", { type: "button", disabled: b.read_only, onclick: async () => {
      status.textContent = "Saving…";
      try {
        const nb = await api("PATCH", "/threads/" + encodeURIComponent(current) + "/memory/" + encodeURIComponent(b.label), { value: ta.value });
        status.textContent = "Saved" + (nb.shared ? " (in all your threads)" : "") + ".";
      } catch (e) { status.textContent = ""; showError("Not saved: " + e.message); }
    } }, "Save " + b.label);
    const tags = [b.shared ? "shared" : "this thread", b.read_only ? "read-only" : null].filter(Boolean).join(", ");
    box.append(el("div", { class: "block" }, el("label", { for: id }, b.label + " (" + tags + ")"), ta, el("div", { class: "row" }, count, save, status)));
  }
}

// ---- messages ----

function addMessage(role, text) {
  const body = el("div", { class: "text" }, text || "");
  const li = el("li", { class: "msg " + role }, body);
  $("log").append(li);
  li.scrollIntoView({ block: "end" });
  return li;
}

function toolBlock(parent, call) {
  const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments, null, 2);
  const status = el("span", { class: "status" }, "running…");
  const result = el("pre", {}, "");
  const d = el("details", { class: "tool", "data-call": call.id },
    el("summary", {}, "Tool " + call.name + " ", status),
    el("div", {}, el("strong", {}, "Arguments"), el("pre", {}, args)),
    el("div", {}, el("strong", {}, "Result"), result));
  parent.insertBefore(d, parent.querySelector(".text"));
  return { d, status, result };
}

// readSSE calls onEvent(name, data) for each event of a text/event-stream body.
async function readSSE(resp, onEvent) {
  const reader = resp.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let name = "message", data = "";
      for (const line of chunk.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) { try { onEvent(name, JSON.parse(data)); } catch (_) { /* skip a bad event */ } }
    }
  }
}

// turnView renders one assistant turn in the bubble li: the stream's
// events (content, tool_call, tool_return, approval_required) and a
// history page's entries go through it alike, so both look the same.
function turnView(li) {
  const text = li.querySelector(".text");
  const tools = {};
  return (name, d) => {
    switch (name) {
      case "content": text.textContent += d.text; break;
      case "tool_call": tools[d.id] = toolBlock(li, d); break;
      case "tool_return": {
        const t = tools[d.id] || (tools[d.id] = toolBlock(li, { id: d.id, name: d.name || "tool", arguments: "" }));
        t.status.textContent = d.status === "success" ? "✓ done" : "✗ failed";
        t.status.className = "status status-" + d.status;
        t.result.textContent = d.content || "";
        break;
      }
      case "approval_required":
        if (tools[d.id]) tools[d.id].status.textContent = "waiting for your approval";
        approvalButtons(li, d);
        break;
    }
  };
}

// turnMeta ends a turn's bubble: its usage, feedback buttons for its
// message_id, and why it stopped when that is not the usual end.
function turnMeta(li, usage, done) {
  const meta = el("div", { class: "meta" });
  if (usage) meta.append(el("span", {}, fmt(usage.total_tokens) + " tokens · " + usage.steps + " steps"));
  if (done && done.message_id) {
    for (const [rating, label] of [["up", "Good"], ["down", "Bad"]]) {
      meta.append(el("button", { type: "button", "aria-pressed": "false", "aria-label": rating === "up" ? "Good answer" : "Bad answer", onclick: async (ev) => {
        try {
          await api("POST", "/threads/" + encodeURIComponent(current) + "/messages/" + encodeURIComponent(done.message_id) + "/feedback", { rating });
          meta.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", "false"));
          ev.currentTarget.setAttribute("aria-pressed", "true");
        } catch (e) { showError("Feedback not saved: " + e.message); }
      } }, label));
    }
  }
  if (done && done.finish_reason && done.finish_reason !== "stop" && done.finish_reason !== "approval_required") meta.append(el("span", {}, "stopped: " + done.finish_reason));
  li.append(meta);
}

// runStream shows one streamed answer in the assistant bubble li.
async function runStream(resp, li) {
  const show = turnView(li);
  let usage = null, done = null;
  await readSSE(resp, (name, d) => {
    switch (name) {
      case "usage": usage = d; break;
      case "error": showError("The agent's run failed: " + d.message); break;
      case "done": done = d; break;
      default: show(name, d);
    }
    li.scrollIntoView({ block: "end" });
  });
  turnMeta(li, usage, done);
}

// ---- history (a thread's earlier messages) ----
// GET /threads/{id}/messages answers a page of entries, oldest first
// ({"messages":[{"role":…}],"next_before":cursor|null}), the newest page
// first; "Load earlier messages" asks for the page before. Entries are the
// stream's events under another name (assistant = content), drawn by
// turnView.

const HISTORY_PAGE = 50;
let historyBefore = null; // the cursor of the page before the oldest shown

// historyItems draws entries as the live page would have: a bubble per
// user message, one assistant bubble per turn.
function historyItems(entries) {
  const out = [];
  let li = null, show = null;
  const bubble = (role, text) => el("li", { class: "msg " + role }, el("div", { class: "text" }, text || ""));
  for (const m of entries) {
    if (m.role === "user") { out.push(bubble("user", m.content)); li = null; continue; }
    if (!li) { li = bubble("assistant", ""); show = turnView(li); out.push(li); }
    if (m.role === "assistant") {
      const text = li.querySelector(".text");
      show("content", { text: (text.textContent ? "\n" : "") + m.content });
    } else {
      show(m.role, m);
    }
    if (m.message_id) turnMeta(li, null, { message_id: m.message_id });
  }
  return out;
}

function earlierButton() {
  let b = $("load-earlier");
  if (!b) {
    b = el("button", { id: "load-earlier", type: "button", class: "link", onclick: () => loadHistory(current, historyBefore) }, "Load earlier messages");
  }
  return b;
}

// loadHistory shows a page of the thread's history above what is shown
// (before: the cursor; null for the newest page).
async function loadHistory(id, before) {
  if (!id) return;
  let h;
  const q = "?limit=" + HISTORY_PAGE + (before ? "&before=" + encodeURIComponent(before) : "");
  try { h = await api("GET", "/threads/" + encodeURIComponent(id) + "/messages" + q); } catch (e) { showError("Could not read the thread's messages: " + e.message); return; }
  if (current !== id) return; // another thread was selected meanwhile
  const log = $("log");
  const old = log.querySelector("li.earlier");
  if (old) old.remove();
  const first = log.firstChild;
  for (const li of historyItems(h.messages || [])) log.insertBefore(li, first);
  historyBefore = h.next_before;
  if (historyBefore) log.prepend(el("li", { class: "earlier" }, earlierButton()));
  if (!before) { const last = log.lastElementChild; if (last) last.scrollIntoView({ block: "end" }); }
  else if (first) first.scrollIntoView({ block: "start" });
}

// ---- end of history ----

// approvalButtons: the thread asks before a tool writes (approval_required,
// {"id","name","arguments"}). Every call waiting in a turn gets Approve and
// Deny; once each has a decision they go together to POST .../approvals
// ({"decisions":[{"id","approve"}]}), which streams the rest of the turn.
function approvalButtons(li, d) {
  const pending = li.pendingApprovals || (li.pendingApprovals = []);
  const item = { id: d.id, approve: null };
  pending.push(item);
  const box = el("div", { class: "approval", role: "group", "aria-label": "Approve " + d.name });
  const args = typeof d.arguments === "string" ? d.arguments : JSON.stringify(d.arguments);
  box.append(el("span", {}, "Allow " + d.name + " " + (args || "") + "?"));
  const note = el("span", { class: "muted", role: "status" });
  const decide = async (approve) => {
    item.approve = approve;
    box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    note.textContent = approve ? "approved" : "denied";
    if (pending.some((p) => p.approve === null)) return; // wait for the other calls
    li.pendingApprovals = [];
    try {
      const r = await fetch("/api/v1/threads/" + encodeURIComponent(current) + "/approvals", {
        method: "POST",
        credentials: "omit", // a 401 must not open the browser's own login prompt
        headers: { Authorization: await authorization(), "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ decisions: pending.map((p) => ({ id: p.id, approve: p.approve })) }),
      });
      if (!r.ok) { let b = null; try { b = await r.json(); } catch (_) { /* */ } throw new APIError(r.status, b); }
      if ((r.headers.get("Content-Type") || "").startsWith("text/event-stream")) await runStream(r, li);
    } catch (e) {
      showError("The decision was not sent: " + e.message);
      li.pendingApprovals = pending;
      for (const p of pending) p.approve = null;
      li.querySelectorAll(".approval button").forEach((b) => { b.disabled = false; });
    }
  };
  box.append(el("button", { type: "button", onclick: () => decide(true) }, "Approve"),
    el("button", { type: "button", class: "danger", onclick: () => decide(false) }, "Deny"), note);
  li.append(box);
  // The page, not the user, moves the focus here: ring it whatever the
  // last input was (Firefox hides it after a mouse click otherwise).
  box.querySelector("button").focus({ focusVisible: true });
}

async function send(ev) {
  ev.preventDefault();
  const input = $("composer-input");
  const content = input.value.trim();
  if (!content || !current || busy) return;
  busy = true;
  $("send").disabled = true;
  showError("");
  input.value = "";
  addMessage("user", content);
  const li = addMessage("assistant", "");
  li.setAttribute("aria-busy", "true");
  try {
    const r = await fetch("/api/v1/threads/" + encodeURIComponent(current) + "/messages", {
      method: "POST",
      credentials: "omit",
      headers: { Authorization: await authorization(), "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ content }),
    });
    if (!r.ok) { let b = null; try { b = await r.json(); } catch (_) { /* */ } throw new APIError(r.status, b); }
    await runStream(r, li);
  } catch (e) {
    showError("Not sent: " + e.message);
    if (e.status === 401) signOut("Your Odoo credentials were refused: sign in again.");
  } finally {
    li.removeAttribute("aria-busy");
    busy = false;
    $("send").disabled = false;
    if (!(li.pendingApprovals && li.pendingApprovals.length)) input.focus(); // else the Approve button keeps it
    loadThreadUsage();
    loadUserUsage();
    if (!$("memory").hidden) loadMemory();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", async () => { await oauthSignOut(); signOut(""); });
  $("oauth-signin").addEventListener("click", oauthStart);
  $("new-form").addEventListener("submit", createThread);
  $("delete-thread").addEventListener("click", deleteThread);
  $("show-memory").addEventListener("click", toggleMemory);
  $("composer").addEventListener("submit", send);
  $("composer-input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); $("composer").requestSubmit(); }
  });
  $("toggle-side").addEventListener("click", () => {
    const open = $("side").classList.toggle("open");
    $("toggle-side").setAttribute("aria-expanded", String(open));
  });
  boot();
});

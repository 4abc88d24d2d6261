// The built-in fallback page (when the web terminal in web/ is not served): a live headline list
// over the WebSocket stream, and a reader pane.
// Self-contained (no CDN, no build step) so that it works with no internet access.
#include "server/api.h"

namespace dateline {

std::string_view WebPageHtml() {
  static constexpr std::string_view kHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dateline</title>
<style>
  :root { color-scheme: dark; --bg:#0b0d10; --fg:#d7dde4; --dim:#7a8591; --acc:#ffb000;
          --flash:#ff4d4d; --urgent:#ffb000; --sel:#1c2733; --line:#1a1f26; }
  * { box-sizing: border-box; }
  body { margin:0; background:var(--bg); color:var(--fg);
         font:13px/1.35 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
  header { display:flex; gap:1em; align-items:center; padding:4px 8px; background:#000;
           border-bottom:1px solid var(--acc); }
  header b { color:var(--acc); letter-spacing:.08em; }
  #status { margin-left:auto; color:var(--dim); }
  #status.down { color:var(--flash); }
  main { display:grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); height:calc(100vh - 27px); }
  #list { overflow-y:auto; border-right:1px solid var(--line); outline:none; }
  .row { display:grid; grid-template-columns: 11ch 10ch 6ch 1fr; gap:.6em; padding:1px 8px;
         border-bottom:1px solid var(--line); cursor:pointer; white-space:nowrap; }
  .row span { overflow:hidden; text-overflow:ellipsis; }
  .row .t, .row .s { color:var(--dim); }
  .row.sel { background:var(--sel); }
  .row.flash .p, .row.flash .h { color:var(--flash); font-weight:bold; }
  .row.urgent .p { color:var(--urgent); }
  .row.new { animation: flashin 1.2s ease-out; }
  @keyframes flashin { from { background:#3a2c00; } to { background:transparent; } }
  #reader { overflow-y:auto; padding:10px 16px; }
  #reader h1 { font-size:16px; color:var(--acc); margin:0 0 6px; }
  #reader .meta { color:var(--dim); margin-bottom:10px; }
  #reader h2 { font-size:13px; color:var(--acc); margin:14px 0 4px; }
  #reader p { margin:0 0 8px; max-width:80ch; }
  #reader .contact { color:var(--dim); border-top:1px solid var(--line); padding-top:6px; }
  .empty { color:var(--dim); padding:12px; }
  #user { color:var(--dim); }
  header button { background:none; border:1px solid var(--line); color:var(--dim); font:inherit; cursor:pointer; }
  .overlay { position:fixed; inset:27px 0 0 0; background:var(--bg); display:flex; align-items:flex-start; justify-content:center; padding-top:10vh; }
  .overlay[hidden] { display:none; }
  .overlay form { width:min(360px, 92vw); border:1px solid var(--line); padding:16px; background:#101419; }
  .overlay h1 { font-size:14px; color:var(--acc); margin:0 0 12px; letter-spacing:.06em; }
  .overlay label { display:block; color:var(--dim); margin:8px 0 2px; }
  .overlay input { width:100%; background:#05070a; color:var(--fg); border:1px solid #2a323c; padding:5px 6px; font:inherit; }
  .overlay input:focus, button:focus-visible, #list:focus { outline:2px solid var(--acc); outline-offset:-2px; }
  .overlay button { margin-top:12px; width:100%; background:var(--acc); color:#000; border:0; padding:6px; font:inherit; font-weight:bold; cursor:pointer; }
  .overlay .err { color:var(--flash); min-height:1.3em; margin-top:8px; }
  .overlay .qr svg { width:180px; height:180px; background:#fff; display:block; margin:8px 0; }
  @media (max-width: 800px) { main { grid-template-columns: 1fr; } #reader { display:none; }
    body.reading #list { display:none; } body.reading #reader { display:block; } }
</style>
</head>
<body>
<header><b>DATELINE</b><span>N &mdash; all news, live</span><span id="status">connecting&hellip;</span><span id="user"></span><button id="logout" hidden>Log out</button></header>
<div class="overlay" id="login-view" hidden>
  <form id="login" role="dialog" aria-labelledby="login-title">
    <h1 id="login-title">LOG IN</h1>
    <label for="username">Username</label><input id="username" autocomplete="username" required>
    <label for="password">Password</label><input id="password" type="password" autocomplete="current-password" required>
    <div id="code-row" hidden><label for="code">Authenticator code or recovery code</label><input id="code" autocomplete="one-time-code" inputmode="numeric"></div>
    <button type="submit">Log in</button>
    <div class="err" id="login-error" role="alert"></div>
  </form>
</div>
<div class="overlay" id="password-view" hidden>
  <form id="change-password" role="dialog" aria-labelledby="pw-title">
    <h1 id="pw-title">CHOOSE A NEW PASSWORD</h1>
    <label for="old-password">Current (one-time) password</label><input id="old-password" type="password" autocomplete="current-password" required>
    <label for="new-password">New password (12 characters or more)</label><input id="new-password" type="password" autocomplete="new-password" required minlength="12">
    <button type="submit">Change password</button>
    <div class="err" id="pw-error" role="alert"></div>
  </form>
</div>
<div class="overlay" id="enrol-view" hidden>
  <form id="enrol" role="dialog" aria-labelledby="enrol-title">
    <h1 id="enrol-title">SET UP TWO-FACTOR AUTHENTICATION</h1>
    <div>Your group requires it. Scan the code with an authenticator app, then enter the code it shows.</div>
    <div class="qr" id="enrol-qr"></div><div id="enrol-secret"></div>
    <label for="enrol-code">Code</label><input id="enrol-code" autocomplete="one-time-code" inputmode="numeric" required>
    <button type="submit">Turn on</button>
    <div class="err" id="enrol-error" role="alert"></div>
  </form>
</div>
<main>
  <div id="list" role="listbox" tabindex="0" aria-label="Headlines"><div class="empty">Waiting for stories&hellip;</div></div>
  <article id="reader" aria-live="polite"><div class="empty">j/k or &uarr;/&darr; to move, Enter to open, Esc to go back.</div></article>
</main>
<script>
"use strict";
const list = document.getElementById("list"), reader = document.getElementById("reader"),
      statusEl = document.getElementById("status");
const MAX_ROWS = 2000;
let lastSeq = null, selected = null, backoff = 500, ws = null;

function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c])); }
function hhmm(iso) { if (!iso) return ""; const d = new Date(iso); return isNaN(d) ? "" : d.toISOString().slice(5, 16).replace("T", " "); }
function when(iso) { if (!iso) return ""; const d = new Date(iso); return isNaN(d) ? "" : d.toISOString().slice(0, 16).replace("T", " ") + " UTC"; }
function setStatus(text, down) { statusEl.textContent = text; statusEl.className = down ? "down" : ""; }

function addRow(f, live) {
  if (f.seq <= (lastSeq ?? -1)) return;           // never show a story twice
  lastSeq = f.seq;
  const empty = list.querySelector(".empty"); if (empty) empty.remove();
  const row = document.createElement("div");
  row.className = "row " + f.priority + (live ? " new" : "");
  row.setAttribute("role", "option");
  row.dataset.id = f.id; row.dataset.seq = f.seq;
  row.innerHTML = `<span class="t">${esc(hhmm(f.published || f.received))}</span><span class="s">${esc(f.source)}</span>` +
                  `<span class="p">${f.priority === "normal" ? "" : esc(f.priority.toUpperCase())}</span><span class="h">${esc(f.headline)}</span>`;
  row.onclick = () => { select(row); open(row); };
  // Keep the reader's place: adding above the viewport shifts scrollTop by the row height.
  const keep = list.scrollTop > 0 ? list.scrollTop : null;
  list.prepend(row);
  if (keep !== null) list.scrollTop = keep + row.offsetHeight;
  while (list.children.length > MAX_ROWS) list.lastChild.remove();
}

function select(row) {
  if (selected) selected.classList.remove("sel");
  selected = row; if (!row) return;
  row.classList.add("sel"); row.setAttribute("aria-selected", "true");
  row.scrollIntoView({block: "nearest"});
}

async function open(row) {
  const res = await fetch("/api/v1/stories/" + encodeURIComponent(row.dataset.id));
  if (res.status === 401) return showLogin();
  const s = await res.json();
  if (!res.ok) { reader.innerHTML = `<div class="empty">${esc(s.error?.message)}</div>`; return; }
  const place = s.dateline_place ? esc(s.dateline_place) + " &middot; " : "";
  let html = `<h1>${esc(s.headline)}</h1><div class="meta">${place}${esc(s.source)} &middot; ${esc(when(s.published || s.received))}` +
             `${s.bylines.length ? " &middot; By " + esc(s.bylines.join(", ")) : ""}${s.version > 1 ? " &middot; version " + s.version : ""}</div>`;
  for (const b of s.body) html += typeof b === "string" ? `<p>${esc(b)}</p>` : `<h2>${esc(b.subheading)}</h2>`;
  for (const c of s.contacts) html += `<p class="contact">To contact the ${esc(c.role)}: ${esc(c.name)}${c.place ? " in " + esc(c.place) : ""}${c.email ? " at " + esc(c.email) : ""}</p>`;
  reader.innerHTML = html; reader.scrollTop = 0;
  document.body.classList.add("reading");
}

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const after = lastSeq === null ? "" : "?after=" + lastSeq;
  ws = new WebSocket(`${proto}//${location.host}/api/v1/stream${after}`);
  ws.onopen = () => { backoff = 500; setStatus("live"); };
  ws.onmessage = ev => { const f = JSON.parse(ev.data); if (f.type === "story") addRow(f, true); };
  ws.onclose = ev => {
    ws = null;
    if (ev.code === 4003) { setStatus("logged out: " + ev.reason, true); return showLogin(); }
    setStatus(`disconnected (${ev.code}${ev.reason ? ": " + ev.reason : ""}) \u2014 reconnecting`, true);
    setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 15000);
  };
}

// ---- Login, password change, 2FA enrolment ----
const $ = id => document.getElementById(id);
function csrf() { const m = document.cookie.match(/(?:^|; )dateline_csrf=([^;]*)/); return m ? decodeURIComponent(m[1]) : ""; }
async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() }, body: JSON.stringify(body ?? {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}
function showOnly(id) { for (const v of ["login-view", "password-view", "enrol-view"]) $(v).hidden = v !== id; }
function showLogin() {
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
  $("user").textContent = ""; $("logout").hidden = true; setStatus("not logged in");
  showOnly("login-view"); $("username").focus();
}
$("login").onsubmit = async e => {
  e.preventDefault();
  const r = await post("/api/v1/auth/login", { username: $("username").value, password: $("password").value, code: $("code").value });
  if (r.status === 200) { $("password").value = $("code").value = ""; $("code-row").hidden = true; $("login-error").textContent = ""; return boot(); }
  if (r.body.error?.code === "second_factor_required") { $("code-row").hidden = false; $("code").focus(); }
  $("login-error").textContent = r.body.error?.message ?? "login failed";
};
$("change-password").onsubmit = async e => {
  e.preventDefault();
  const r = await post("/api/v1/auth/password", { old_password: $("old-password").value, new_password: $("new-password").value });
  if (r.status === 204) { $("old-password").value = $("new-password").value = ""; return boot(); }
  $("pw-error").textContent = r.body.error?.message ?? "could not change the password";
};
$("enrol").onsubmit = async e => {
  e.preventDefault();
  const r = await post("/api/v1/auth/totp/confirm", { code: $("enrol-code").value });
  if (r.status !== 200) { $("enrol-error").textContent = r.body.error?.message ?? "wrong code"; return; }
  alert("Two-factor authentication is on. Keep these recovery codes somewhere safe; each works once:\n\n" + r.body.recovery_codes.join("\n"));
  boot();
};
$("logout").onclick = async () => { await post("/api/v1/auth/logout"); showLogin(); };

async function boot() {
  const res = await fetch("/api/v1/auth/me");
  if (res.status === 401) return showLogin();
  const me = await res.json();
  $("user").textContent = me.username; $("logout").hidden = false;
  if (me.must_change_password) { showOnly("password-view"); return $("old-password").focus(); }
  if (me.must_enroll_2fa) {
    const r = await post("/api/v1/auth/totp/enroll");
    $("enrol-qr").innerHTML = r.body.qr_svg ?? ""; $("enrol-secret").textContent = r.body.secret ? "Key: " + r.body.secret : "";
    showOnly("enrol-view"); return $("enrol-code").focus();
  }
  showOnly(null);
  start();
}

async function start() {
  // The newest stories first, then the live stream from where that list ends.
  if (ws) return;
  try {
    const res = await fetch("/api/v1/stories?order=desc&limit=200");
    if (res.status === 401) return showLogin();
    const page = await res.json();
    list.querySelectorAll(".row").forEach(r => r.remove());
    lastSeq = null;
    for (const s of page.stories.reverse()) addRow(s, false);
    lastSeq = page.next_after;
  } catch (e) { setStatus("cannot reach the server", true); }
  connect();
}

document.addEventListener("keydown", e => {
  if (e.target.tagName === "INPUT" || !$("login-view").hidden) return;
  const rows = [...list.querySelectorAll(".row")];
  const i = selected ? rows.indexOf(selected) : -1;
  if (e.key === "j" || e.key === "ArrowDown") { select(rows[Math.min(rows.length - 1, i + 1)]); e.preventDefault(); }
  else if (e.key === "k" || e.key === "ArrowUp") { select(rows[Math.max(0, i - 1)]); e.preventDefault(); }
  else if (e.key === "Enter" && selected) open(selected);
  else if (e.key === "Escape") { document.body.classList.remove("reading"); list.focus(); }
});
boot();
</script>
</body>
</html>
)HTML";
  return kHtml;
}

}  // namespace dateline

// The first web page: a live headline list over the WebSocket stream, and a reader pane.
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
  @media (max-width: 800px) { main { grid-template-columns: 1fr; } #reader { display:none; }
    body.reading #list { display:none; } body.reading #reader { display:block; } }
</style>
</head>
<body>
<header><b>DATELINE</b><span>N &mdash; all news, live</span><span id="status">connecting&hellip;</span></header>
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
    setStatus(`disconnected (${ev.code}${ev.reason ? ": " + ev.reason : ""}) \u2014 reconnecting`, true);
    setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 15000);
  };
}

async function start() {
  // Show the most recent stories first, then stream from there.
  try {
    const h = await (await fetch("/healthz")).json();
    const from = Math.max(0, h.last_seq - 200);
    const res = await (await fetch(`/api/v1/stories?after=${from}&limit=200`)).json();
    lastSeq = from;
    for (const s of res.stories) addRow(s, false);
  } catch (e) { setStatus("cannot reach the server", true); }
  connect();
}

document.addEventListener("keydown", e => {
  if (e.target.tagName === "INPUT") return;
  const rows = [...list.querySelectorAll(".row")];
  const i = selected ? rows.indexOf(selected) : -1;
  if (e.key === "j" || e.key === "ArrowDown") { select(rows[Math.min(rows.length - 1, i + 1)]); e.preventDefault(); }
  else if (e.key === "k" || e.key === "ArrowUp") { select(rows[Math.max(0, i - 1)]); e.preventDefault(); }
  else if (e.key === "Enter" && selected) open(selected);
  else if (e.key === "Escape") { document.body.classList.remove("reading"); list.focus(); }
});
start();
</script>
</body>
</html>
)HTML";
  return kHtml;
}

}  // namespace dateline

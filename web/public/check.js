// Feature detection, not user-agent sniffing: Dateline needs WebSocket and ES2020 modules. This
// file is plain ES5 so that it runs everywhere; the app (a module) never loads where modules are
// missing, and checks window.__datelineUnsupported where they exist but something else is.
(function () {
  "use strict";
  var missing = [];
  if (typeof window.WebSocket !== "function") missing.push("WebSocket");
  var s = document.createElement("script");
  if (!("noModule" in s)) missing.push("JavaScript modules");
  // ES2020 built-ins (the syntax comes with them in every engine that has these).
  if (typeof window.BigInt !== "function" || typeof window.globalThis !== "object" ||
      typeof Promise.allSettled !== "function" || typeof String.prototype.matchAll !== "function") {
    missing.push("ES2020");
  }
  if (!missing.length) return;
  window.__datelineUnsupported = missing;
  function show() {
    document.title = "Dateline: please upgrade your browser";
    var app = document.getElementById("app");
    if (!app) return;
    app.removeAttribute("aria-busy");
    app.innerHTML =
      '<main class="upgrade" role="main" style="max-width:60ch;margin:10vh auto;padding:0 1em;' +
      'font:14px/1.5 monospace;color:#e8edf2;background:#000">' +
      '<h1 style="color:#ffb000;font-size:18px">Please upgrade your browser</h1>' +
      '<p>Dateline needs a browser with ' + missing.join(", ") + " support, which this one lacks.</p>" +
      "<p>Supported: current Chrome, Edge, Firefox and Safari (any version from 2021 on), " +
      "on desktop or phone.</p></main>";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();

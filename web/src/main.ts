// Entry point. public/check.js has already decided whether this browser can run the terminal.
import "./style.css";
import { App } from "./app";

declare global {
  interface Window { __datelineUnsupported?: string[] }
}

if (!window.__datelineUnsupported) {
  const root = document.getElementById("app");
  if (root) void new App(root).start();
}

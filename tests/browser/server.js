// Test helpers: a real dateline server on an ephemeral port (stoppable and restartable on the
// same port and data), the API from Node with a cookie jar, TOTP codes, and the browser.
import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const binary = process.env.DATELINE_BINARY;

export class Dateline {
  constructor() {
    this.dataDir = mkdtempSync(path.join(tmpdir(), "dateline-browser-"));
    this.listen = "127.0.0.1:0";
    this.proc = null;
    this.url = null;
  }

  cli(args, input) {
    return execFileSync(binary, [...args, "--data", this.dataDir], { input }).toString().trim();
  }

  start() {
    const args = ["serve", "--data", this.dataDir, "--listen", this.listen];
    if (process.env.DATELINE_WEB_DIR) args.push("--web", process.env.DATELINE_WEB_DIR);
    const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    return new Promise((resolve, reject) => {
      let out = "", err = "";
      const timer = setTimeout(() => reject(new Error("dateline did not start: " + err)), 60000);
      proc.stderr.on("data", (d) => { err += d; });
      proc.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/(\S+))/);
        if (m) {
          clearTimeout(timer);
          this.url = m[1];
          this.listen = m[2];  // a restart comes back on the same port
          resolve(this.url);
        }
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        if (!this.url) reject(new Error(`dateline exited with ${code}: ${err}`));
      });
    });
  }

  stop() {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      proc.on("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  }

  async close() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// The API from Node, with a session's cookies when logged in.
export class Client {
  constructor(base, bearer) {
    this.base = base;
    this.bearer = bearer;
    this.cookies = new Map();
  }
  async call(method, p, body) {
    const headers = {};
    if (this.bearer) headers.Authorization = "Bearer " + this.bearer;
    if (this.cookies.size) {
      headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      if (this.cookies.has("dateline_csrf")) headers["X-CSRF-Token"] = this.cookies.get("dateline_csrf");
    }
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
}

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret, `stepOffset` steps from now.
export function totp(secretBase32, stepOffset = 0) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secretBase32.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + stepOffset));
  const mac = createHmac("sha1", key).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1e6;
  return String(n).padStart(6, "0");
}

export function launchBrowser() {
  // Debian's chromium, as root, with no network beyond localhost. Playwright gives every launch
  // a fresh, empty profile (its own --user-data-dir in a temporary folder).
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

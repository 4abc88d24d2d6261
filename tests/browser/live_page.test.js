// The first web page in a real browser (Debian's chromium, driven by playwright-core): the live
// headline list fills from the API, a story posted through the API appears over the WebSocket,
// and the keyboard opens it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const binary = process.env.DATELINE_BINARY;
const screenshots = process.env.DATELINE_SCREENSHOTS || path.join(tmpdir(), "dateline-screenshots");
let server, url, dataDir, browser, token;
const USER = "alice", PASSWORD = "a long browser test password";

function startServer() {
  return new Promise((resolve, reject) => {
    dataDir = mkdtempSync(path.join(tmpdir(), "dateline-browser-"));
    execFileSync(binary, ["user", "add", USER, "--role", "editor", "--password-stdin", "--data", dataDir],
                 { input: PASSWORD + "\n" });
    token = execFileSync(binary, ["token", "create", USER, "--scope", "stories:write", "--data", dataDir]).toString().trim();
    server = spawn(binary, ["serve", "--data", dataDir, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error("dateline did not start: " + err)), 30000);
    server.stderr.on("data", d => { err += d; });
    server.stdout.on("data", d => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on("exit", code => { clearTimeout(timer); reject(new Error(`dateline exited with ${code}: ${err}`)); });
  });
}

async function post(story) {
  const res = await fetch(url + "/api/v1/stories", {
    method: "POST", headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
    body: JSON.stringify(story),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text);
}

before(async () => {
  assert.ok(binary, "DATELINE_BINARY must name the dateline binary");
  url = await startServer();
  mkdirSync(screenshots, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("live list fills, updates over the WebSocket and opens a story from the keyboard", async () => {
  for (let i = 1; i <= 3; i++) await post({ source: "wire", source_id: `s${i}`, headline: `Earlier story ${i}` });

  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(url);
  // Not logged in: the login form, and no stories.
  await page.locator("#login-view").waitFor();
  assert.equal(await page.locator(".row").count(), 0);
  await page.screenshot({ path: path.join(screenshots, "login.png") });
  await page.fill("#username", USER);
  await page.fill("#password", "wrong password, twelve+");
  await page.click("#login button[type=submit]");
  await page.locator("#login-error", { hasText: "invalid username or password" }).waitFor();
  await page.fill("#password", PASSWORD);
  await page.click("#login button[type=submit]");
  await page.waitForSelector(".row >> nth=2");
  assert.equal(await page.locator("#user").textContent(), USER);
  assert.equal(await page.locator(".row").count(), 3);
  await page.waitForFunction(() => document.getElementById("status").textContent === "live");

  const t0 = Date.now();
  await post({
    source: "bloomberg", source_id: "flash-1", headline: "Japan and Russia Agree on Navy Cooperation",
    priority: "flash", dateline_place: "Tokyo",
    body: ["Japan's and Russia's ministers agreed their navies should train together.", { subheading: "Island Dispute" }, "Rival claims."],
    contacts: [{ role: "reporter", name: "Isabel Reynolds", place: "Tokyo" }],
  });
  const row = page.locator(".row.flash", { hasText: "Japan and Russia Agree" });
  await row.waitFor({ timeout: 5000 });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < 5000, `story appeared after ${elapsed} ms`);
  // Newest first.
  assert.match(await page.locator(".row").first().textContent(), /Japan and Russia Agree/);
  await page.screenshot({ path: path.join(screenshots, "live-list.png") });

  // Keyboard: j selects the first row, Enter opens it in the reader.
  await page.locator("#list").focus();
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await page.locator("#reader h1", { hasText: "Japan and Russia Agree" }).waitFor();
  assert.equal(await page.locator("#reader h2").textContent(), "Island Dispute");
  assert.match(await page.locator("#reader .contact").textContent(), /Isabel Reynolds in Tokyo/);
  await page.screenshot({ path: path.join(screenshots, "story-reader.png") });

  // Logging out ends the session and closes the live stream; the login form is back.
  await page.click("#logout");
  await page.locator("#login-view").waitFor();
  const after = await page.evaluate(async () => (await fetch("/api/v1/stories?limit=1")).status);
  assert.equal(after, 401);
  await page.close();
});

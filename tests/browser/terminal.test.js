// The web terminal end to end: the real dateline binary on an ephemeral port, Debian's chromium
// driven by playwright-core. Screenshots of the main screens go to $DATELINE_SCREENSHOTS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { binary, Client, Dateline, launchBrowser, totp } from "./server.js";

const screenshots = process.env.DATELINE_SCREENSHOTS || path.join(tmpdir(), "dateline-screenshots");
const USER = "alice", PASSWORD = "a long browser test password";
let server, browser, feed, alice, totpSecret, recoveryCodes;

async function post(story) {
  const r = await feed.call("POST", "/api/v1/stories", story);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(screenshots, name + ".png") });
}

// Logs in through the form; `code` is asked for when the account has 2FA.
async function logIn(page, username, password, code) {
  await page.goto(server.url);
  await page.locator("#login-form").waitFor();
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("#login-form button[type=submit]");
  if (code !== undefined) {
    await page.locator("#code").waitFor();
    await page.fill("#code", code);
    await page.click("#login-form button[type=submit]");
  }
}

before(async () => {
  assert.ok(binary, "DATELINE_BINARY must name the dateline binary");
  mkdirSync(screenshots, { recursive: true });
  server = new Dateline();
  server.cli(["user", "add", USER, "--role", "admin", "--password-stdin"], PASSWORD + "\n");
  const token = server.cli(["token", "create", USER, "--scope", "stories:write"]);
  await server.start();
  feed = new Client(server.url, token);
  // Alice turns on 2FA through the API (the browser enrolment is tested below for Bob).
  alice = new Client(server.url);
  assert.equal((await alice.call("POST", "/api/v1/auth/login", { username: USER, password: PASSWORD })).status, 200);
  const enrol = await alice.call("POST", "/api/v1/auth/totp/enroll");
  totpSecret = enrol.body.secret;
  const confirm = await alice.call("POST", "/api/v1/auth/totp/confirm", { code: totp(totpSecret) });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
  recoveryCodes = confirm.body.recovery_codes;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("log in with TOTP, live list within a second, keyboard, search, alert, reconnect", async () => {
  for (let i = 1; i <= 3; i++) await post({ source: "wire", source_id: `s${i}`, headline: `Earlier story ${i}` });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  // Wrong password, then the right one: the code is asked for. The code of the next time step
  // (the current one was spent on enrolment and is never accepted twice).
  await page.goto(server.url);
  await page.locator("#login-form").waitFor();
  await shot(page, "login");
  await page.fill("#username", USER);
  await page.fill("#password", "wrong password, twelve+");
  await page.click("#login-form button[type=submit]");
  await page.locator("#login-error", { hasText: "invalid username or password" }).waitFor();
  await page.fill("#password", PASSWORD);
  await page.click("#login-form button[type=submit]");
  await page.locator("#code").waitFor();
  await page.fill("#code", "000000");
  await page.click("#login-form button[type=submit]");
  await page.locator("#login-error:not(:empty)").waitFor();
  await page.fill("#code", totp(totpSecret, 1));
  await page.click("#login-form button[type=submit]");
  await page.locator("#shell").waitFor();
  assert.equal(await page.locator("#user").textContent(), USER);
  await page.locator(".row.story >> nth=2").waitFor();
  await page.locator("#status", { hasText: "LIVE" }).waitFor();

  // A story posted through the API is in the list within a second, on top, FLASH standing out.
  const t0 = Date.now();
  await post({
    source: "bloomberg", source_id: "flash-1", headline: "Japan and Russia Agree on Navy Cooperation",
    priority: "flash", dateline_place: "Tokyo",
    body: ["Japan's and Russia's ministers agreed their navies should train together.", { subheading: "Island Dispute" }, "Rival claims."],
    contacts: [{ role: "reporter", name: "Isabel Reynolds", place: "Tokyo" }],
    tags: [{ field: "country", value: "JP" }],
  });
  await page.locator(".row.p-flash", { hasText: "Japan and Russia Agree" }).waitFor({ timeout: 1000 });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < 1000, `the story appeared after ${elapsed} ms`);
  assert.match(await page.locator(".row.story").first().textContent(), /FLASH.*Japan and Russia Agree/);
  await shot(page, "live-list");

  // Keyboard: j selects the first row, Enter opens it, Esc goes back to the list.
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await page.locator("#reader h1", { hasText: "Japan and Russia Agree" }).waitFor();
  assert.equal(await page.locator("#reader h2").first().textContent(), "Island Dispute");
  assert.match(await page.locator("#reader .contact").textContent(), /Isabel Reynolds in Tokyo/);
  await shot(page, "story-reader");
  await page.keyboard.press("Escape");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("role")), "listbox");

  // A new story above does not move the selected one; j moves on to the next row.
  await post({ source: "wire", source_id: "later-1", headline: "Later story above the selection" });
  await page.locator(".row", { hasText: "Later story above" }).waitFor();
  assert.match(await page.locator(".row.sel").textContent(), /Japan and Russia Agree/);
  await page.keyboard.press("j");
  assert.match(await page.locator(".row.sel").textContent(), /Earlier story 3/);

  // The command line: typing anywhere goes there; an unknown command says what was meant.
  await page.keyboard.type("FNID japan");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "cmd");
  await page.keyboard.press("Enter");
  await page.locator("#cmd-msg", { hasText: "did you mean FIND japan" }).waitFor();
  // Completion: "/" focuses, Tab completes FI to FIND.
  await page.fill("#cmd", "");
  await page.keyboard.press("Escape");
  await page.keyboard.press("/");
  await page.keyboard.type("fi");
  await page.locator("#cmd-list li", { hasText: "FIND <query>" }).waitFor();
  await page.keyboard.press("Tab");
  assert.equal(await page.inputValue("#cmd"), "FIND ");
  await page.keyboard.type("hd:japan country:JP");
  await page.keyboard.press("Enter");
  await page.locator(".row.hit", { hasText: "Japan and Russia Agree" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/search");
  assert.match(await page.locator("#search-info").textContent(), /1 stories · [\d.]+ ms/);
  await page.locator("#query-error").waitFor({ state: "hidden" });
  await page.locator(".facets .facet", { hasText: "bloomberg" }).waitFor();
  // Highlights: a body-word search shows the match in the snippet.
  await page.fill("#search-q", "ministers navies");
  await page.press("#search-q", "Enter");
  // The new hits replace the previous search's: wait for them before reading every mark.
  await page.locator(".row.hit .snippet mark", { hasText: /navies/i }).first().waitFor();
  const marks = await page.locator(".row.hit .snippet mark").allTextContents();
  assert.deepEqual(marks.map((m) => m.toLowerCase()).sort(), ["ministers", "navies"]);
  await shot(page, "search");

  // A query error is shown at its column.
  await page.fill("#search-q", "priority:high japan");
  await page.press("#search-q", "Enter");
  await page.locator("#query-error").waitFor();
  assert.equal(await page.locator("#query-error mark.at").textContent(), "h");
  assert.equal(await page.locator("#query-error .caret").textContent(), " ".repeat(9) + "^");
  await shot(page, "search-error");

  // An alert from the current search, then a matching story: the notification arrives.
  await page.fill("#search-q", "hd:earthquake");
  await page.press("#search-q", "Enter");
  await page.locator(".row.hit >> nth=0").waitFor({ state: "detached" }).catch(() => {});
  await page.click("#alert-from-search");
  await page.locator(".toast", { hasText: "created" }).waitFor();
  await post({ source: "wire", source_id: "quake-1", headline: "Earthquake Shakes Tokyo, Trains Halted", priority: "urgent" });
  const toast = page.locator(".toast.alert", { hasText: "Earthquake Shakes Tokyo" });
  await toast.waitFor({ timeout: 5000 });
  assert.match(await toast.textContent(), /ALERT hd:earthquake/);
  await page.locator("#alert-badge", { hasText: "ALRT 1" }).waitFor();
  await shot(page, "alert-notification");
  await page.keyboard.press("/");
  await page.keyboard.type("ALRT");
  await page.keyboard.press("Enter");
  await page.locator("#alerts-table td:first-child", { hasText: "hd:earthquake" }).waitFor();
  await page.locator(".row.entry.unread", { hasText: "Earthquake Shakes Tokyo" }).waitFor();
  await shot(page, "alerts");
  // Opening the inbox entry marks it read and opens the story.
  await page.locator(".row.entry", { hasText: "Earthquake Shakes Tokyo" }).click();
  await page.locator("#reader h1", { hasText: "Earthquake Shakes Tokyo" }).waitFor();
  await page.locator("#alert-badge").waitFor({ state: "hidden" });

  // Most read: the two stories opened above (and again after the restart below).
  await page.keyboard.press("Escape");
  await page.keyboard.type("READ");
  await page.keyboard.press("Enter");
  await page.locator("#pane .row.story >> nth=1").waitFor();
  assert.equal(await page.locator("#pane .row.story").count(), 2);

  // Drop the connection: the server stops, the banner says so; stories reach the log while the
  // page is cut off; the server comes back and the page fills the gap, each story once.
  await page.keyboard.press("Escape");
  await page.keyboard.type("N");
  await page.keyboard.press("Enter");
  await page.locator(".row.story >> nth=0").waitFor();
  await server.stop();
  await page.locator("#banner", { hasText: "Connection down" }).waitFor();
  await page.locator("#status", { hasText: "DOWN" }).waitFor();
  await shot(page, "connection-down");
  const gapFile = path.join(server.dataDir, "gap.ndjson");
  writeFileSync(gapFile, [1, 2, 3].map((i) => JSON.stringify({ source: "wire", source_id: `gap-${i}`, headline: `Gap story ${i}` })).join("\n") + "\n");
  server.cli(["ingest", gapFile, "--format", "ndjson"]);
  await server.start();
  for (const i of [1, 2, 3]) await page.locator(".row.story", { hasText: `Gap story ${i}` }).waitFor({ timeout: 30000 });
  await page.locator("#banner").waitFor({ state: "hidden" });
  // And the stream is live again after the catch-up.
  await post({ source: "wire", source_id: "after-gap", headline: "After the gap" });
  await page.locator(".row.story", { hasText: "After the gap" }).waitFor({ timeout: 5000 });
  const headlines = await page.locator(".row.story .hd").allTextContents();
  assert.equal(new Set(headlines).size, headlines.length, "no story listed twice: " + headlines.join(" | "));
  assert.equal(headlines.length, 10, headlines.join(" | "));
  assert.deepEqual(headlines.slice(0, 4), ["After the gap", "Gap story 3", "Gap story 2", "Gap story 1"]);
  await shot(page, "after-reconnect");

  // n: only unread (the opened stories drop out).
  await page.locator("#pane .list").focus();
  await page.keyboard.press("n");
  const unread = await page.locator(".row.story .hd").allTextContents();
  assert.ok(!unread.includes("Japan and Russia Agree on Navy Cooperation"));
  assert.ok(unread.includes("Gap story 1"));
  await page.keyboard.press("n");

  // The read counts came back with the server.
  await page.keyboard.type("READ");
  await page.keyboard.press("Enter");
  await page.locator("#pane .row.story >> nth=1").waitFor();
  assert.equal(await page.locator("#pane .row.story").count(), 2);

  // Help and the support desks.
  await page.keyboard.type("HELP");
  await page.keyboard.press("Enter");
  await page.locator("#support td", { hasText: "+44 20 5550 0100" }).waitFor();
  await shot(page, "help");

  // Account (sessions, tokens) and administration render.
  await page.goto(server.url + "/account");
  await page.locator("#sessions td", { hasText: "this one" }).waitFor();
  await page.locator("#tokens td", { hasText: "stories:write" }).waitFor();
  await shot(page, "account");
  await page.goto(server.url + "/admin");
  await page.locator("#admin-users td", { hasText: USER }).waitFor();
  await page.locator("#admin-audit td >> nth=0").waitFor();
  await shot(page, "admin");

  // Logging out ends the session: the login form is back and the API says 401.
  await page.click("#logout");
  await page.locator("#login-form").waitFor();
  assert.equal(await page.evaluate(async () => (await fetch("/api/v1/stories?limit=1")).status), 401);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a recovery code logs in instead of the authenticator code", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, USER, PASSWORD, recoveryCodes[0]);
  await page.locator("#shell").waitFor();
  await context.close();
});

test("first login: choose a password, then set up two-factor with the QR code", async () => {
  // An admin adds Bob with a one-time password; Bob's group requires 2FA.
  assert.equal((await alice.call("POST", "/api/v1/admin/groups", { name: "desk" })).status, 201);
  assert.equal((await alice.call("POST", "/api/v1/admin/groups/desk/require-2fa", { required: true })).status, 204);
  const add = await alice.call("POST", "/api/v1/admin/users", { username: "bob", password: "one-time password 123", groups: ["desk"] });
  assert.equal(add.status, 201, JSON.stringify(add.body));
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await logIn(page, "bob", "one-time password 123");
  await page.locator("#password-form").waitFor();
  await page.fill("#old-password", "one-time password 123");
  await page.fill("#new-password", "bob's own long password");
  await page.click("#password-form button[type=submit]");
  await page.locator("#enrol-form .qr svg").waitFor();
  await shot(page, "totp-enrolment");
  const secret = await page.locator("#totp-secret").textContent();
  await page.fill("#enrol-code", totp(secret));
  await page.click("#enrol-form button[type=submit]");
  await page.locator("#recovery-codes").waitFor();
  assert.ok((await page.locator("#recovery-codes").textContent()).trim().split("\n").length >= 5);
  await page.click("#codes-done");
  await page.locator("#shell").waitFor();
  assert.equal(await page.locator("#user").textContent(), "bob");
  await context.close();
});

test("a phone-sized screen shows one column; the reader replaces the list", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await logIn(page, USER, PASSWORD, recoveryCodes[1]);
  await page.locator(".row.story >> nth=0").waitFor();
  await shot(page, "phone-live-list");
  await page.locator(".row.story", { hasText: "Japan and Russia Agree" }).click();
  await page.locator("#reader h1", { hasText: "Japan and Russia Agree" }).waitFor();
  assert.equal(await page.locator("#pane").isVisible(), false);
  await shot(page, "phone-reader");
  await context.close();
});

test("a browser without WebSocket gets the upgrade page", async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => { delete window.WebSocket; });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.locator("h1", { hasText: "Please upgrade your browser" }).waitFor();
  assert.match(await page.locator("main.upgrade").textContent(), /WebSocket.*Chrome, Edge, Firefox and Safari/s);
  assert.equal(await page.locator("#login-form").count(), 0);
  await shot(page, "upgrade");
  await context.close();
});

test("a browser without ES2020 gets the upgrade page too", async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => { delete Promise.allSettled; });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.locator("main.upgrade", { hasText: "ES2020" }).waitFor();
  await context.close();
});

test("10,000 live stories keep the list small in the DOM and the selection in place", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await logIn(page, USER, PASSWORD, recoveryCodes[2]);
  await page.locator("#status", { hasText: "LIVE" }).waitFor();
  await page.locator(".row.story >> nth=0").waitFor();
  await page.keyboard.press("j");
  const selected = await page.locator(".row.sel .hd").textContent();
  // One NDJSON batch of 10,000 stories, pushed to the page over the stream.
  const lines = [];
  for (let i = 0; i < 10000; i++) lines.push(JSON.stringify({ source: "bulk", source_id: `b${i}`, headline: `Bulk story ${i}` }));
  const res = await fetch(server.url + "/api/v1/stories", {
    method: "POST", headers: { "Content-Type": "application/x-ndjson", Authorization: "Bearer " + feed.bearer },
    body: lines.join("\n") + "\n",
  });
  assert.equal(res.status, 201, await res.text());
  await page.waitForFunction(() => Number(document.querySelector(".row.story")?.getAttribute("aria-setsize")) >= 10000,
                             null, { timeout: 60000 });
  const rendered = await page.locator(".row").count();
  assert.ok(rendered < 100, `${rendered} rows in the DOM`);
  // The selected story is still selected and on screen.
  assert.equal(await page.locator(".row.sel .hd").textContent(), selected);
  assert.ok(await page.locator(".row.sel").isVisible());
  // Jumping far down renders the rows there, still few.
  const t0 = Date.now();
  await page.locator("#pane .list").evaluate((el) => { el.scrollTop = el.scrollHeight / 2; });
  await page.locator(".row.story", { hasText: /Bulk story \d+/ }).first().waitFor();
  assert.ok(Date.now() - t0 < 2000);
  assert.ok((await page.locator(".row").count()) < 100);
  // At the top: the newest.
  await page.locator("#pane .list").evaluate((el) => { el.scrollTop = 0; });
  await page.locator(".row.story >> nth=0", { hasText: "Bulk story 9999" }).waitFor();
  await shot(page, "ten-thousand-rows");
  await context.close();
});

test("an alert made in the page with a rate limit keeps its webhook signing secret through pause, resume and edit", async () => {
  // A webhook receiver on localhost that records each delivery's signature header and raw body.
  const received = [];
  const receiver = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ signature: String(req.headers["x-dateline-signature"] ?? ""), body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  try {
    await logIn(page, USER, PASSWORD, recoveryCodes[3]);
    await page.locator("#shell").waitFor();
    await page.keyboard.press("/");
    await page.keyboard.type("ALRT");
    await page.keyboard.press("Enter");
    await page.locator("form.new-alert").waitFor();
    // The generated secret is shown once, in a dialog.
    let shown = "";
    page.on("dialog", (d) => { shown = d.message(); void d.accept(); });
    await page.fill("form.new-alert input[name=name]", "Volcano watch");
    await page.fill("form.new-alert input[name=query]", "hd:volcano");
    await page.fill("form.new-alert input[name=webhook]", hookUrl);
    await page.fill("form.new-alert input[name=rate_max]", "3");
    await page.selectOption("form.new-alert select[name=rate_window]", "3600");
    await page.click("form.new-alert button[type=submit]");
    const row = page.locator("#alerts-table tr", { hasText: "Volcano watch" });
    await row.waitFor();
    const secret = shown.match(/whsec_[0-9a-f]+/)?.[0];
    assert.ok(secret, "the secret was shown: " + shown);

    // Pause, then resume, through the page.
    await row.locator("button", { hasText: "Pause" }).click();
    await row.locator("td", { hasText: "paused" }).waitFor();
    await row.locator("button", { hasText: "Resume" }).click();
    await row.locator("td", { hasText: /^on/ }).waitFor();
    const id = Number(await row.getAttribute("data-alert"));
    const got = await alice.call("GET", `/api/v1/alerts/${id}`);
    assert.equal(got.body.enabled, true);
    assert.equal(got.body.delivery.webhook.url, hookUrl);
    assert.equal(got.body.delivery.webhook.secret, undefined, "never shown again");
    assert.deepEqual(got.body.rate_limit, { max: 3, window_seconds: 3600 });
    assert.equal(await row.locator("td.limit").textContent(), "3 per hour");

    // Edit it in the page: a wider query and another limit; the form comes filled in.
    await row.locator("button", { hasText: "Edit" }).click();
    const edit = page.locator("form.edit-alert");
    await edit.waitFor();
    assert.equal(await edit.locator("input[name=query]").inputValue(), "hd:volcano");
    assert.equal(await edit.locator("input[name=webhook]").inputValue(), hookUrl);
    assert.equal(await edit.locator("input[name=rate_max]").inputValue(), "3");
    await edit.locator("input[name=query]").fill("hd:volcano OR hd:lava");
    await edit.locator("input[name=rate_max]").fill("5");
    await edit.locator("select[name=rate_window]").selectOption("86400");
    await shot(page, "alert-edit");
    await edit.locator("button[type=submit]").click();
    await row.locator("td.limit", { hasText: "5 per day" }).waitFor();
    assert.equal(await row.locator("code").textContent(), "hd:volcano OR hd:lava");
    const edited = await alice.call("GET", `/api/v1/alerts/${id}`);
    assert.equal(edited.body.query, "hd:volcano OR hd:lava");
    assert.equal(edited.body.enabled, true);
    assert.equal(edited.body.delivery.webhook.url, hookUrl);
    assert.deepEqual(edited.body.rate_limit, { max: 5, window_seconds: 86400 });

    // A story only the edited query matches: the delivery is signed with the secret shown at
    // creation (an edit keeps it).
    await post({ source: "wire", source_id: "volcano-1", headline: "Lava Flows Reach Naples" });
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(received.length, 1, "one webhook delivery");
    const { signature, body } = received[0];
    const parts = Object.fromEntries(signature.split(",").map((p) => p.split("=", 2)));
    const expected = createHmac("sha256", secret).update(parts.t + ".").update(body).digest("hex");
    assert.equal(parts.v1, expected, "signed with the original secret: " + signature);
    assert.match(body.toString(), /Lava Flows Reach Naples/);
  } finally {
    await context.close();
    receiver.close();
  }
});

test("live rows show the story's tags after the headline, tickers first", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  try {
    await logIn(page, USER, PASSWORD, recoveryCodes[4]);
    await page.locator("#status", { hasText: "LIVE" }).waitFor();
    await post({ source: "wire", source_id: "tagged-1", headline: "Toyota Raises Outlook",
                 tags: ["country:JP", "ticker:7203.T", "topic:autos"] });
    const row = page.locator(".row.story", { hasText: "Toyota Raises Outlook" });
    await row.waitFor({ timeout: 5000 });
    assert.deepEqual(await row.locator(".tg .tag").allTextContents(), ["7203.T", "JP", "autos"]);
    assert.equal(await row.locator(".tg .tag.f-ticker").getAttribute("title"), "ticker:7203.T");
    // After a reload the row comes from the story list (full tag objects), not a frame: the same.
    await page.reload();
    await row.waitFor({ timeout: 5000 });
    assert.deepEqual(await row.locator(".tg .tag").allTextContents(), ["7203.T", "JP", "autos"]);
    await shot(page, "live-tags");
  } finally {
    await context.close();
  }
});

test("admin: group members added and removed, and the 2FA requirement switched, from the page", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  try {
    await logIn(page, USER, PASSWORD, recoveryCodes[5]);
    await page.locator("#shell").waitFor();
    await page.goto(server.url + "/admin");
    await page.locator("#admin-groups").waitFor();
    await page.fill('form[aria-label="New group"] input[name=name]', "markets");
    await page.click('form[aria-label="New group"] button[type=submit]');
    const row = page.locator("#admin-groups tr", { hasText: "markets" });
    await row.waitFor();
    await page.fill("#admin-add-member input[name=username]", USER);
    await page.fill("#admin-add-member input[name=group]", "markets");
    await page.click("#admin-add-member button[type=submit]");
    await row.locator(".member", { hasText: USER }).waitFor();
    await row.locator("button.require-2fa", { hasText: "Require" }).click();
    await row.locator("button.require-2fa", { hasText: "Don't require" }).waitFor();
    await shot(page, "admin-groups");
    const groups = await alice.call("GET", "/api/v1/admin/groups");
    assert.equal(groups.body.groups.find((g) => g.name === "markets").requires_2fa, true);
    let users = await alice.call("GET", "/api/v1/admin/users");
    assert.ok(users.body.users.find((u) => u.username === USER).groups.includes("markets"));
    await row.locator(`button[aria-label="Remove ${USER} from markets"]`).click();
    await row.locator(".member").first().waitFor({ state: "detached" });
    users = await alice.call("GET", "/api/v1/admin/users");
    assert.ok(!users.body.users.find((u) => u.username === USER).groups.includes("markets"));
  } finally {
    await context.close();
  }
});

test("More results: the next page comes without the total and facets; the first page's stay", async () => {
  for (let i = 0; i < 55; i++) {
    await post({ source: "wire", source_id: `tin-${i}`, headline: `Tin Output Report Number ${i}` });
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  try {
    await logIn(page, USER, PASSWORD, recoveryCodes[6]);
    await page.locator("#shell").waitFor();
    await page.goto(server.url + "/search?q=" + encodeURIComponent("hd:tin"));
    await page.locator("#search-info", { hasText: /^55 stories/ }).waitFor();
    const requests = [];
    page.on("request", (r) => { if (r.url().includes("/api/v1/search")) requests.push(new URL(r.url())); });
    await page.click("button.more");
    await page.locator("button.more").waitFor({ state: "hidden" });
    assert.match(await page.locator("#search-info").textContent(), /^55 stories/);
    assert.equal(await page.locator("#query-error").isHidden(), true);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].searchParams.get("total"), "false");
    assert.equal(requests[0].searchParams.get("facets"), "");
    assert.ok(await page.locator(".facets .facet", { hasText: "wire" }).count() > 0);
  } finally {
    await context.close();
  }
});

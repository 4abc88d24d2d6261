// The terminal's shell: the command line at the top (always one keystroke away), the screen on
// the left, the story reader on the right, the connection banner, alert notifications, and the
// routes (each screen has a URL, so reload and back work).
import { alertText, alertsView } from "./alerts_view";
import { accountView } from "./account_view";
import { adminView } from "./admin_view";
import { api, setUnauthorizedHandler, type AlertFrame, type Me, type StoryFrame } from "./api";
import { complete, parseCommand, type Command, type Completion } from "./commands";
import type { AppContext } from "./context";
import { $, clear, h } from "./dom";
import { helpView } from "./help_view";
import { ListView } from "./list_view";
import { LiveModel } from "./live_model";
import { afterLogin, currentUser, login } from "./login";
import { showStory } from "./reader";
import { searchView } from "./search_view";
import { renderStoryRow } from "./story_row";
import { LiveStream, type StreamState } from "./stream";

type Screen = "live" | "top" | "read" | "other";

export class App {
  private readonly root: HTMLElement;
  private readonly authRoot: HTMLElement;
  private me: Me | null = null;
  private stream: LiveStream | null = null;
  private readonly model = new LiveModel();
  private screen: Screen = "other";
  private unreadOnly = false;
  private unreadAlerts = 0;
  private list: ListView<any> | null = null;
  private liveList: ListView<StoryFrame> | null = null;
  private completions: Completion[] = [];
  private completionIndex = -1;
  private readonly history: string[] = JSON.parse(localStorage.getItem("dateline.history") ?? "[]");
  private ctx!: AppContext;

  constructor(root: HTMLElement) {
    this.root = root;
    this.authRoot = h("div", {});
    setUnauthorizedHandler(() => void this.loggedOut());
  }

  async start(): Promise<void> {
    this.root.removeAttribute("aria-busy");
    this.root.append(this.authRoot);
    this.me = (await currentUser()) ? await afterLogin(this.authRoot) : await login(this.authRoot);
    if (this.me) await this.enter();
  }

  // ---- layout ----
  private build(): void {
    const me = this.me!;
    const cmd = h("input", { id: "cmd", type: "text", role: "combobox", "aria-label": "Command",
                             "aria-autocomplete": "list", "aria-controls": "cmd-list", "aria-expanded": "false",
                             autocomplete: "off", spellcheck: "false",
                             placeholder: "Command: N, TOP, FIND <query>, ALRT, HELP…  ( / )" });
    const shell = h("div", { class: "shell", id: "shell" },
      h("header", { class: "top", role: "banner" },
        h("span", { class: "brand" }, "DATELINE"),
        h("div", { class: "cmdwrap" }, cmd, h("ul", { id: "cmd-list", role: "listbox", "aria-label": "Completions", hidden: true })),
        h("span", { id: "view-title", class: "title" }),
        h("span", { id: "cmd-msg", class: "msg", role: "status", "aria-live": "polite" }),
        h("button", { type: "button", id: "alert-badge", class: "badge", hidden: true, onclick: () => this.run({ kind: "alerts" }) }),
        h("span", { id: "status", class: "status", role: "status" }, "connecting…"),
        h("span", { id: "user", class: "user" }, me.username),
        h("button", { type: "button", id: "logout", onclick: () => this.run({ kind: "logout" }) }, "Log out")),
      h("div", { id: "banner", class: "banner", role: "alert", hidden: true }),
      h("main", { class: "panes" },
        h("section", { id: "pane", class: "pane", "aria-label": "Screen" }),
        h("article", { id: "reader", class: "reader", "aria-label": "Story", "aria-live": "polite", tabindex: -1 },
          h("div", { class: "empty" }, "j/k or ↑/↓ to move, Enter to open, Esc to go back. / for commands."))),
      h("div", { id: "toasts", class: "toasts", "aria-live": "assertive" }));
    this.root.append(shell);
    cmd.addEventListener("input", () => this.updateCompletions());
    cmd.addEventListener("keydown", (e) => this.commandKey(e));
    cmd.addEventListener("blur", () => setTimeout(() => this.hideCompletions(), 150));
    document.addEventListener("keydown", (e) => this.globalKey(e));
    window.addEventListener("popstate", () => this.route(false));
    this.ctx = {
      me,
      pane: $("pane"),
      setTitle: (t) => { $("view-title").textContent = t; document.title = `${t} · Dateline`; },
      setList: (l) => { this.list = l; },
      openStory: (id) => void this.openStory(id),
      run: (c) => this.run(c),
      toast: (t, o) => this.toast(t, o),
      refreshAlertBadge: () => void this.refreshAlertBadge(),
    };
  }

  private async enter(): Promise<void> {
    this.build();
    await this.startStream();
    void this.refreshAlertBadge();
    this.route(false);
  }

  private async loggedOut(): Promise<void> {
    this.stream?.stop();
    this.stream = null;
    this.model.clear();
    const shell = document.getElementById("shell");
    shell?.remove();
    this.me = null;
    // A fresh page: nothing of the last user's state survives.
    history.replaceState(null, "", "/");
    location.reload();
  }

  // ---- live stream ----
  private async startStream(): Promise<void> {
    // The newest stories first, then the live stream from where that list ends.
    const r = await api<{ stories: StoryFrame[]; next_after: number }>("GET", "/api/v1/stories?order=desc&limit=1000");
    let after = 0;
    if (r.ok) {
      this.model.add(r.body.stories);
      after = r.body.next_after;
    }
    this.stream = new LiveStream(after, {
      stories: (frames) => this.onStories(frames),
      alert: (f) => this.onAlert(f),
      state: (s) => this.onStreamState(s),
    });
    this.stream.start();
  }

  private onStories(frames: StoryFrame[]): void {
    const added = this.model.add(frames);
    if (this.screen === "live" && this.liveList) {
      this.liveList.setItems(this.model.view(this.unreadOnly), added);
      for (const f of frames) if (f.priority === "flash") this.flashHeadline(f);
    } else if (this.screen === "top" && this.liveList) {
      this.liveList.setItems(this.model.top());
    }
  }

  private flashHeadline(f: StoryFrame): void {
    const msg = $("cmd-msg");
    msg.textContent = "FLASH " + f.headline;
    msg.className = "msg flash";
    setTimeout(() => { if (msg.textContent === "FLASH " + f.headline) { msg.textContent = ""; msg.className = "msg"; } }, 8000);
  }

  private onAlert(f: AlertFrame): void {
    this.toast("ALERT " + alertText(f), { kind: "alert", onClick: () => { if (f.story) void this.openStory(f.story.id); } });
    // The frame is one more unread entry; the server's count follows (and corrects it).
    this.showAlertBadge(this.unreadAlerts + 1);
    setTimeout(() => void this.refreshAlertBadge(), 500);
    if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
      new Notification("Dateline alert: " + f.alert.name, { body: f.story?.headline ?? alertText(f), tag: "dateline-" + f.id });
    }
  }

  private onStreamState(s: StreamState): void {
    const status = $("status"), banner = $("banner");
    status.className = "status " + s.state;
    if (s.state === "live") {
      status.textContent = "LIVE";
      banner.hidden = true;
    } else if (s.state === "connecting") {
      status.textContent = "connecting…";
    } else if (s.state === "down") {
      status.textContent = "DOWN";
      banner.hidden = false;
      banner.textContent = `Connection down${s.reason ? " (" + s.reason + ")" : ""}: reconnecting in ${Math.ceil(s.retryInMs / 1000)} s. ` +
        "Stories that arrive meanwhile will be filled in.";
    } else {
      status.textContent = "ENDED";
      banner.hidden = false;
      banner.textContent = "The session ended: " + s.reason;
      void this.loggedOut();
    }
  }

  // ---- screens ----
  private route(push: boolean): void {
    const path = location.pathname;
    const params = new URLSearchParams(location.search);
    if (path === "/top") this.show({ kind: "top" }, push);
    else if (path === "/search") this.show({ kind: "search", query: params.get("q") ?? "" }, push, params.get("sort") === "relevance" ? "relevance" : "newest");
    else if (path === "/alerts") this.show({ kind: "alerts" }, push);
    else if (path === "/read") this.show({ kind: "read" }, push);
    else if (path === "/help") this.show({ kind: "help" }, push);
    else if (path === "/account") this.show({ kind: "account" }, push);
    else if (path === "/admin") this.show({ kind: "admin" }, push);
    else if (path.startsWith("/story/")) {
      this.show({ kind: "live" }, false);
      void this.openStory(decodeURIComponent(path.slice(7)));
    } else this.show({ kind: "live" }, push);
  }

  run(c: Command): void {
    if (c.kind === "logout") {
      void api("POST", "/api/v1/auth/logout").then(() => this.loggedOut());
      return;
    }
    this.show(c, true);
  }

  private show(c: Command, push: boolean, sort: "newest" | "relevance" = "newest"): void {
    const url = { top: "/top", live: "/", alerts: "/alerts", read: "/read", help: "/help", account: "/account",
                  admin: "/admin", logout: "/", search: "/search?" + new URLSearchParams({ q: (c as { query?: string }).query ?? "" }) }[c.kind];
    if (push && location.pathname + location.search !== url) history.pushState(null, "", url);
    this.liveList = null;
    this.list = null;
    document.body.classList.remove("reading");
    switch (c.kind) {
      case "live": return this.storyScreen("live", "N · all news, live");
      case "top": return this.storyScreen("top", "TOP · top stories");
      case "read": return void this.readScreen();
      case "search": this.screen = "other"; return searchView(this.ctx, c.query, sort);
      case "alerts": this.screen = "other"; return void alertsView(this.ctx);
      case "help": this.screen = "other"; return void helpView(this.ctx);
      case "account": this.screen = "other"; return void accountView(this.ctx);
      case "admin": this.screen = "other"; return void adminView(this.ctx);
    }
  }

  private storyList(label: string, empty: string): ListView<StoryFrame> {
    return new ListView<StoryFrame>({
      // Taller rows on a phone (the stylesheet's --row).
      label, rowHeight: matchMedia("(max-width: 800px)").matches ? 28 : 20, key: (s) => s.id, empty,
      onOpen: (s) => void this.openStory(s.id),
      render: (s, el) => renderStoryRow(s, el, this.model.isRead(s.id)),
    });
  }

  private storyScreen(screen: "live" | "top", title: string): void {
    this.screen = screen;
    const pane = this.ctx.pane;
    clear(pane);
    this.ctx.setTitle(title + (this.unreadOnly && screen === "live" ? " · unread" : ""));
    const list = this.storyList("Headlines", "Waiting for stories…");
    pane.append(list.el);
    list.setItems(screen === "top" ? this.model.top() : this.model.view(this.unreadOnly));
    this.liveList = list;
    this.list = list;
    list.el.focus();
  }

  private async readScreen(): Promise<void> {
    this.screen = "read";
    const pane = this.ctx.pane;
    clear(pane);
    this.ctx.setTitle("READ · most read");
    const list = this.storyList("Most read", "No story has been opened yet.");
    const r = await api<{ stories: (StoryFrame & { reads: number })[] }>("GET", "/api/v1/stories/most-read?limit=100");
    pane.append(list.el);
    if (r.ok) list.setItems(r.body.stories);
    else list.el.append(h("div", { class: "empty" }, r.error.message));
    this.list = list;
    list.el.focus();
  }

  private async openStory(id: string): Promise<void> {
    const reader = $("reader");
    document.body.classList.add("reading");
    const s = await showStory(this.ctx, reader, id);
    if (s) {
      this.model.markRead(s.id);
      this.list?.refresh();
    }
  }

  // ---- command line ----
  private updateCompletions(): void {
    const input = $("cmd") as HTMLInputElement;
    this.completions = complete(input.value, this.history);
    this.completionIndex = -1;
    this.renderCompletions();
  }

  private renderCompletions(): void {
    const ul = $("cmd-list"), input = $("cmd");
    clear(ul);
    ul.hidden = this.completions.length === 0;
    input.setAttribute("aria-expanded", String(!ul.hidden));
    this.completions.forEach((c, i) => {
      const li = h("li", { role: "option", id: "cmp-" + i, "aria-selected": String(i === this.completionIndex),
                           class: i === this.completionIndex ? "sel" : "" },
        h("span", { class: "c" }, c.label), h("span", { class: "dim" }, c.help));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); this.accept(i); });
      ul.append(li);
    });
    if (this.completionIndex >= 0) input.setAttribute("aria-activedescendant", "cmp-" + this.completionIndex);
    else input.removeAttribute("aria-activedescendant");
  }

  private hideCompletions(): void {
    this.completions = [];
    this.renderCompletions();
  }

  private accept(i: number): void {
    const input = $("cmd") as HTMLInputElement;
    input.value = this.completions[i].text;
    input.focus();
    this.updateCompletions();
  }

  private commandKey(e: KeyboardEvent): void {
    const input = e.target as HTMLInputElement;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!this.completions.length) this.updateCompletions();
      const n = this.completions.length;
      if (!n) return;
      this.completionIndex = (this.completionIndex + (e.key === "ArrowDown" ? 1 : n - 1) + (this.completionIndex < 0 && e.key === "ArrowUp" ? 1 : 0)) % n;
      this.renderCompletions();
      e.preventDefault();
    } else if (e.key === "Tab") {
      if (!this.completions.length) return;
      this.accept(Math.max(0, this.completionIndex));
      e.preventDefault();
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (this.completionIndex >= 0 && this.completions[this.completionIndex].text.trim() !== input.value.trim()) {
        this.accept(this.completionIndex);
        if (input.value.endsWith(" ")) return;
      }
      this.execute(input.value);
    } else if (e.key === "Escape") {
      input.value = "";
      this.hideCompletions();
      this.focusList();
      e.preventDefault();
      e.stopPropagation();
    }
  }

  private execute(text: string): void {
    const input = $("cmd") as HTMLInputElement, msg = $("cmd-msg");
    const r = parseCommand(text);
    msg.className = "msg";
    if (!r.ok) {
      msg.textContent = r.message;
      msg.className = "msg error";
      if (r.suggestion) input.value = r.suggestion;
      return;
    }
    msg.textContent = "";
    const entry = text.trim();
    const i = this.history.findIndex((x) => x.toUpperCase() === entry.toUpperCase());
    if (i >= 0) this.history.splice(i, 1);
    this.history.unshift(entry);
    this.history.length = Math.min(this.history.length, 50);
    localStorage.setItem("dateline.history", JSON.stringify(this.history));
    input.value = "";
    this.hideCompletions();
    input.blur();
    this.run(r.command);
  }

  private focusList(): void {
    (this.list?.el ?? $("pane")).focus();
  }

  private globalKey(e: KeyboardEvent): void {
    if (!document.getElementById("shell") || e.defaultPrevented) return;
    const target = e.target as HTMLElement;
    const cmd = $("cmd") as HTMLInputElement;
    if (target === cmd) return;
    const editing = target.matches("input, textarea, select, [contenteditable]");
    if (e.key === "Escape") {
      if (editing) target.blur();
      document.body.classList.remove("reading");
      this.focusList();
      return;
    }
    if (editing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.querySelector(".overlay")) return;
    const list = this.list;
    switch (e.key) {
      case "/":
        e.preventDefault();
        cmd.focus();
        return;
      case "j": case "ArrowDown":
        if (list) { list.move(1); e.preventDefault(); }
        return;
      case "k": case "ArrowUp":
        if (list) { list.move(-1); e.preventDefault(); }
        return;
      case "Enter":
        if (list && target.closest("button, a") === null) { list.openSelected(); e.preventDefault(); }
        return;
      case "n":
        if (this.screen === "live") {
          this.unreadOnly = !this.unreadOnly;
          this.storyScreen("live", "N · all news, live");
          e.preventDefault();
        }
        return;
    }
    // Anything else printable goes to the command line.
    if (e.key.length === 1 && e.key !== " ") {
      e.preventDefault();
      cmd.focus();
      cmd.value += e.key;
      this.updateCompletions();
    }
  }

  // ---- notifications ----
  private toast(text: string, o: { kind?: "alert" | "error" | "info"; onClick?: () => void } = {}): void {
    const el = h("div", { class: "toast " + (o.kind ?? "info"), role: o.kind === "info" ? "status" : "alert" },
      h("span", {}, text), h("button", { type: "button", class: "x", "aria-label": "Dismiss" }, "×"));
    el.addEventListener("click", (e) => {
      el.remove();
      if (!(e.target as HTMLElement).classList.contains("x")) o.onClick?.();
    });
    $("toasts").append(el);
    setTimeout(() => el.remove(), o.kind === "alert" ? 30000 : 8000);
  }

  private async refreshAlertBadge(): Promise<void> {
    const r = await api<{ total: number }>("GET", "/api/v1/alerts/inbox/unread");
    if (r.ok) this.showAlertBadge(r.body.total);
  }

  private showAlertBadge(total: number): void {
    this.unreadAlerts = total;
    const badge = document.getElementById("alert-badge");
    if (!badge) return;
    badge.hidden = total === 0;
    badge.textContent = `ALRT ${total}`;
    badge.setAttribute("aria-label", `${total} unread alerts`);
  }
}

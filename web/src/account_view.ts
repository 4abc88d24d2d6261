// The account: password change, two-factor on/off, the sessions (revoke any) and API tokens
// (create, shown once; revoke).
import { api } from "./api";
import type { AppContext } from "./context";
import { clear, fullTime, h } from "./dom";
import { changePassword, enrolTotp } from "./login";

interface Session { id: string; created: string; last_seen: string; address: string; user_agent: string; current: boolean }
interface Token { id: string; name: string; prefix: string; scopes: string[]; created: string; last_used: string }

export async function accountView(ctx: AppContext): Promise<void> {
  clear(ctx.pane);
  ctx.setTitle("ACCT");
  ctx.setList(null);
  const modal = h("div", {});
  const sessions = h("section", { "aria-label": "Sessions" });
  const tokens = h("section", { "aria-label": "API tokens" });
  const me = ctx.me;
  ctx.pane.append(h("div", { class: "account" },
    h("h2", {}, me.username), h("p", { class: "dim" }, `Role ${me.role}${me.groups.length ? " · groups " + me.groups.join(", ") : ""}`),
    h("div", { class: "bar" },
      h("button", { type: "button", onclick: async () => { document.body.append(modal); await changePassword(modal, false); modal.remove(); ctx.toast("Password changed", { kind: "info" }); } }, "Change password"),
      h("button", { type: "button", id: "enrol-2fa", onclick: async () => { document.body.append(modal); await enrolTotp(modal, false); modal.remove(); } }, "Set up two-factor")),
    sessions, tokens), modal);
  modal.remove();

  const loadSessions = async () => {
    const r = await api<{ sessions: Session[] }>("GET", "/api/v1/auth/sessions");
    clear(sessions);
    sessions.append(h("h2", {}, "Sessions"));
    if (!r.ok) return void sessions.append(h("p", { class: "err" }, r.error.message));
    sessions.append(h("table", { class: "grid", id: "sessions" },
      h("thead", {}, h("tr", {}, ["Started", "Last seen", "From", "Browser", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, r.body.sessions.map((s) => h("tr", {},
        h("td", {}, fullTime(s.created)), h("td", {}, fullTime(s.last_seen)), h("td", {}, s.address),
        h("td", { class: "ua" }, s.user_agent),
        h("td", {}, s.current ? "this one" : h("button", { type: "button", onclick: async () => {
          await api("DELETE", "/api/v1/auth/sessions/" + encodeURIComponent(s.id));
          await loadSessions();
        } }, "Revoke")))))));
  };
  const loadTokens = async () => {
    const r = await api<{ tokens: Token[] }>("GET", "/api/v1/auth/tokens");
    clear(tokens);
    tokens.append(h("h2", {}, "API tokens"));
    if (!r.ok) return void tokens.append(h("p", { class: "err" }, r.error.message));
    const scopes = ["stories:read", "stories:write", "alerts", "admin"];
    const shown = h("pre", { class: "codes", id: "new-token", hidden: true });
    const form = h("form", { class: "bar", "aria-label": "New API token" },
      h("input", { name: "name", placeholder: "Token name", required: true, "aria-label": "Token name" }),
      scopes.map((s) => h("label", {}, h("input", { type: "checkbox", name: "scope", value: s, checked: s === "stories:read" }), " " + s)),
      h("button", { type: "submit" }, "Create token"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const c = await api<{ token: string }>("POST", "/api/v1/auth/tokens",
                                              { name: data.get("name"), scopes: data.getAll("scope") });
      if (!c.ok) return void ctx.toast(c.error.message, { kind: "error" });
      await loadTokens();
      const again = tokens.querySelector<HTMLElement>("#new-token");
      if (again) {
        again.hidden = false;
        again.textContent = "New token (shown once): " + c.body.token;
      }
    });
    tokens.append(h("table", { class: "grid", id: "tokens" },
      h("thead", {}, h("tr", {}, ["Name", "Prefix", "Scopes", "Created", "Last used", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, r.body.tokens.map((t) => h("tr", {},
        h("td", {}, t.name), h("td", {}, h("code", {}, t.prefix)), h("td", {}, t.scopes.join(" ")),
        h("td", {}, fullTime(t.created)), h("td", {}, fullTime(t.last_used) || "never"),
        h("td", {}, h("button", { type: "button", onclick: async () => {
          await api("DELETE", "/api/v1/auth/tokens/" + encodeURIComponent(t.id));
          await loadTokens();
        } }, "Revoke")))))), form, shown);
  };
  await Promise.all([loadSessions(), loadTokens()]);
}

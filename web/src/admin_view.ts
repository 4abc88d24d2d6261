// Administration (the admin role): users (add, disable/enable, reset 2FA), groups with their
// members (add, remove), whether they require 2FA, and their sources; the sources, grants of
// sources to groups, and the audit log.
import { api } from "./api";
import type { AppContext } from "./context";
import { membersByGroup } from "./admin_model";
import { clear, fullTime, h } from "./dom";

interface User { username: string; role: string; groups: string[]; disabled: boolean; must_change_password: boolean; totp_enabled: boolean; created: string }
interface Group { name: string; requires_2fa: boolean; sources: string[] }
interface AuditEntry { id: number; at: string; actor: string; action: string; target: string; address: string; detail: unknown }

function table(id: string, head: string[], rows: (Node | string)[][]): HTMLElement {
  return h("table", { class: "grid", id },
    h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))));
}

export async function adminView(ctx: AppContext): Promise<void> {
  clear(ctx.pane);
  ctx.setTitle("ADMIN");
  ctx.setList(null);
  if (ctx.me.role !== "admin") {
    ctx.pane.append(h("div", { class: "empty" }, "Administration needs the admin role."));
    return;
  }
  const root = h("div", { class: "admin" });
  ctx.pane.append(root);
  const act = async (method: string, path: string, body?: unknown) => {
    const r = await api(method, path, body);
    if (!r.ok) ctx.toast(r.error.message, { kind: "error" });
    await load();
  };
  const load = async () => {
    const [users, groups, sources, audit] = await Promise.all([
      api<{ users: User[] }>("GET", "/api/v1/admin/users"),
      api<{ groups: Group[] }>("GET", "/api/v1/admin/groups"),
      api<{ sources: string[] }>("GET", "/api/v1/admin/sources"),
      api<{ entries: AuditEntry[] }>("GET", "/api/v1/admin/audit?limit=100"),
    ]);
    clear(root);
    const addUser = h("form", { class: "bar", "aria-label": "Add a user" },
      h("input", { name: "username", placeholder: "username", required: true, "aria-label": "Username" }),
      h("select", { name: "role", "aria-label": "Role" }, ["reader", "editor", "admin"].map((r) => h("option", {}, r))),
      h("input", { name: "password", type: "password", placeholder: "one-time password (12+)", required: true, minlength: "12", "aria-label": "One-time password" }),
      h("button", { type: "submit" }, "Add user"));
    addUser.addEventListener("submit", (e) => {
      e.preventDefault();
      const d = new FormData(addUser);
      void act("POST", "/api/v1/admin/users", { username: d.get("username"), role: d.get("role"), password: d.get("password") });
    });
    const grant = h("form", { class: "bar", "aria-label": "Grant a source to a group" },
      h("input", { name: "group", placeholder: "group", required: true, "aria-label": "Group" }),
      h("input", { name: "source", placeholder: "source", required: true, "aria-label": "Source" }),
      h("button", { type: "submit" }, "Grant"));
    grant.addEventListener("submit", (e) => {
      e.preventDefault();
      const d = new FormData(grant);
      void act("POST", "/api/v1/admin/grants", { group: d.get("group"), source: d.get("source") });
    });
    const newGroup = h("form", { class: "bar", "aria-label": "New group" },
      h("input", { name: "name", placeholder: "new group", required: true, "aria-label": "Group name" }),
      h("button", { type: "submit" }, "Create group"));
    newGroup.addEventListener("submit", (e) => {
      e.preventDefault();
      void act("POST", "/api/v1/admin/groups", { name: new FormData(newGroup).get("name") });
    });
    const addMember = h("form", { class: "bar", "aria-label": "Add a user to a group", id: "admin-add-member" },
      h("input", { name: "username", placeholder: "username", required: true, "aria-label": "Username" }),
      h("input", { name: "group", placeholder: "group", required: true, "aria-label": "Group" }),
      h("button", { type: "submit" }, "Add to group"));
    addMember.addEventListener("submit", (e) => {
      e.preventDefault();
      const d = new FormData(addMember);
      void act("POST", `/api/v1/admin/groups/${encodeURIComponent(String(d.get("group")))}/members`, { username: d.get("username") });
    });
    const members = membersByGroup(users.ok ? users.body.users : [], groups.ok ? groups.body.groups.map((g) => g.name) : []);
    const groupPath = (g: string) => `/api/v1/admin/groups/${encodeURIComponent(g)}`;
    root.append(
      h("h2", {}, "Users"),
      users.ok ? table("admin-users", ["User", "Role", "Groups", "2FA", "State", ""], users.body.users.map((u) => [
        u.username, u.role, u.groups.join(", "), u.totp_enabled ? "on" : "off",
        u.disabled ? "disabled" : u.must_change_password ? "must change password" : "active",
        h("span", { class: "actions" },
          h("button", { type: "button", onclick: () => void act("POST", `/api/v1/admin/users/${encodeURIComponent(u.username)}/${u.disabled ? "enable" : "disable"}`) }, u.disabled ? "Enable" : "Disable"),
          u.totp_enabled ? h("button", { type: "button", onclick: () => void act("POST", `/api/v1/admin/users/${encodeURIComponent(u.username)}/reset-2fa`) }, "Reset 2FA") : ""),
      ])) : h("p", { class: "err" }, users.error.message),
      addUser,
      h("h2", {}, "Groups and entitlements"),
      groups.ok ? table("admin-groups", ["Group", "Members", "Requires 2FA", "Sources"], groups.body.groups.map((g) => [
        g.name,
        h("span", { class: "members" }, (members.get(g.name) ?? []).map((u) => h("span", { class: "member" }, u,
          h("button", { type: "button", class: "remove", "aria-label": `Remove ${u} from ${g.name}`, title: `Remove ${u} from ${g.name}`,
                        onclick: () => void act("DELETE", `${groupPath(g.name)}/members/${encodeURIComponent(u)}`) }, "×")))),
        h("span", { class: "actions" }, g.requires_2fa ? "yes " : "no ",
          h("button", { type: "button", class: "require-2fa",
                        onclick: () => void act("POST", `${groupPath(g.name)}/require-2fa`, { required: !g.requires_2fa }) },
            g.requires_2fa ? "Don't require" : "Require")),
        g.sources.join(", ")])) : h("p", { class: "err" }, groups.error.message),
      newGroup, addMember, grant,
      h("h2", {}, "Sources"),
      h("p", { id: "admin-sources" }, sources.ok ? sources.body.sources.join(", ") || "none yet" : sources.error.message),
      h("h2", {}, "Audit log"),
      audit.ok ? table("admin-audit", ["When", "Who", "Action", "Target", "From"], audit.body.entries.map((a) => [
        fullTime(a.at), a.actor, a.action, a.target, a.address])) : h("p", { class: "err" }, audit.error.message));
  };
  await load();
}

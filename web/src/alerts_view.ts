// Alerts: the user's alerts with unread counts (edit, pause, resume, delete, mark read), a form
// for a new one or an edit (query, optional webhook and rate limit), and the inbox, newest first.
import { api, type AlertFrame } from "./api";
import type { AppContext } from "./context";
import { clear, h, shortTime } from "./dom";
import { ListView } from "./list_view";
import { rateLimitFromForm, rateLimitText, rateWindowOptions } from "./admin_model";

interface Alert {
  id: number; name: string; query: string; enabled: boolean;
  delivery: { live: boolean; webhook: { url: string; secret?: string } | null };
  rate_limit: { max: number; window_seconds: number } | null;
}
type Entry = Omit<AlertFrame, "type">;
interface Unread { total: number; by_alert: Record<string, number> }

export async function alertsView(ctx: AppContext): Promise<void> {
  clear(ctx.pane);
  ctx.setTitle("ALRT");
  const alertsEl = h("section", { class: "alerts", "aria-label": "Your alerts" });
  const inbox = new ListView<Entry>({
    label: "Alert inbox", rowHeight: 20, key: (e) => String(e.id), empty: "No alerts have fired yet.",
    onOpen: (e) => {
      void api("POST", `/api/v1/alerts/inbox/${e.id}/read`).then(() => ctx.refreshAlertBadge());
      e.read_at = e.read_at ?? new Date().toISOString();
      inbox.refresh();
      const id = e.story?.id ?? e.digest?.stories[0]?.id;
      if (id) ctx.openStory(id);
    },
    render: (e, el) => {
      el.classList.add("entry");
      if (!e.read_at) el.classList.add("unread");
      el.append(h("span", { class: "t" }, shortTime(e.fired_at)), h("span", { class: "s" }, e.alert.name),
        h("span", { class: "hd" }, e.kind === "digest" ? `${e.digest?.count} stories (digest)` : e.story?.headline ?? ""));
    },
  });
  const notify = "Notification" in window && Notification.permission === "default"
    ? h("button", { type: "button", onclick: () => void Notification.requestPermission() }, "Allow desktop notifications")
    : null;
  const markAll = h("button", { type: "button", id: "inbox-read-all" }, "Mark all read");
  ctx.pane.append(alertsEl, h("section", { class: "inbox", "aria-label": "Inbox" },
    h("div", { class: "bar" }, h("h2", {}, "Inbox"), markAll, notify), inbox.el));
  ctx.setList(inbox);

  const load = async () => {
    const [list, unread, entries] = await Promise.all([
      api<{ alerts: Alert[] }>("GET", "/api/v1/alerts"),
      api<Unread>("GET", "/api/v1/alerts/inbox/unread"),
      api<{ entries: Entry[] }>("GET", "/api/v1/alerts/inbox?limit=200"),
    ]);
    clear(alertsEl);
    alertsEl.append(h("h2", {}, "Alerts"));
    if (!list.ok) {
      alertsEl.append(h("div", { class: "empty" }, list.error.message));
      return;
    }
    const counts = unread.ok ? unread.body.by_alert : {};
    const table = h("table", { class: "grid", id: "alerts-table" },
      h("thead", {}, h("tr", {}, ["Name", "Query", "Unread", "State", "Limit", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.body.alerts.map((a) => h("tr", { "data-alert": a.id },
        h("td", {}, a.name), h("td", {}, h("code", {}, a.query)), h("td", { class: "num" }, counts[String(a.id)] ?? 0),
        h("td", {}, a.enabled ? "on" : "paused", a.delivery.webhook ? " · webhook" : ""),
        h("td", { class: "limit" }, rateLimitText(a.rate_limit)),
        h("td", { class: "actions" },
          h("button", { type: "button", onclick: () => edit(a) }, "Edit"),
          h("button", { type: "button", onclick: () => void pause(a) }, a.enabled ? "Pause" : "Resume"),
          h("button", { type: "button", onclick: () => void markRead(a) }, "Mark read"),
          h("button", { type: "button", onclick: () => void remove(a) }, "Delete"))))));
    alertsEl.append(list.body.alerts.length ? table : h("div", { class: "empty" },
      "No alerts. Search (FIND …) and press “Alert me”, or create one here."), alertForm(load));
    if (entries.ok) inbox.setItems(entries.body.entries);
    ctx.refreshAlertBadge();
  };
  // Edit: the form below the table becomes this alert's, focused on its query.
  const edit = (a: Alert) => {
    alertsEl.querySelector("form.new-alert")?.replaceWith(alertForm(load, a));
    alertsEl.querySelector<HTMLInputElement>("form.edit-alert input[name=query]")?.focus();
  };
  const pause = async (a: Alert) => {
    // PUT replaces every field: send the alert back as it is, with `enabled` flipped.
    const r = await api("PUT", `/api/v1/alerts/${a.id}`, {
      name: a.name, query: a.query, enabled: !a.enabled,
      delivery: { live: a.delivery.live, webhook: a.delivery.webhook ? { url: a.delivery.webhook.url } : null },
      rate_limit: a.rate_limit,
    });
    if (!r.ok) ctx.toast(r.error.message, { kind: "error" });
    await load();
  };
  const markRead = async (a: Alert) => {
    await api("POST", `/api/v1/alerts/${a.id}/read`);
    await load();
  };
  const remove = async (a: Alert) => {
    if (!confirm(`Delete the alert “${a.name}” and its inbox entries?`)) return;
    await api("DELETE", `/api/v1/alerts/${a.id}`);
    await load();
  };
  markAll.addEventListener("click", async () => {
    await api("POST", "/api/v1/alerts/inbox/read");
    await load();
  });
  await load();
}

// The alert form: a new alert, or (with `existing`) an edit of one. An edit sends the whole alert
// back with PUT (keeping `enabled` and live delivery); the webhook's signing secret is not sent,
// so the server keeps the one it has (or makes one, shown once, for a newly added webhook).
function alertForm(reload: () => Promise<void>, existing?: Alert): HTMLElement {
  const err = h("div", { class: "err", role: "alert" });
  const limit = existing?.rate_limit ?? null;
  const window = String(limit?.window_seconds ?? 3600);
  const form = h("form", { class: existing ? "new-alert edit-alert" : "new-alert",
                           "aria-label": existing ? `Edit alert ${existing.name}` : "New alert" },
    h("h3", {}, existing ? `Edit alert “${existing.name}”` : "New alert"),
    h("label", {}, "Name ", h("input", { name: "name", required: true, maxlength: "200", value: existing?.name })),
    h("label", {}, "Query ", h("input", { name: "query", required: true, spellcheck: "false", value: existing?.query })),
    h("label", {}, "Webhook URL (optional) ",
      h("input", { name: "webhook", type: "url", placeholder: "https://…", value: existing?.delivery.webhook?.url })),
    // Beyond the limit, matches are held back and summarised in one digest when the window ends.
    h("label", {}, "At most (optional) ",
      h("input", { name: "rate_max", type: "number", min: "1", max: "10000", step: "1", inputmode: "numeric", size: "5",
                   value: limit ? String(limit.max) : undefined })),
    h("label", {}, " per ", h("select", { name: "rate_window" },
      rateWindowOptions(Number(window)).map(([v, t]) => h("option", { value: v, selected: v === window }, t)))),
    h("div", { class: "buttons" },
      h("button", { type: "submit" }, existing ? "Save" : "Create"),
      existing ? h("button", { type: "button", class: "cancel", onclick: () => void reload() }, "Cancel") : null),
    err);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const webhook = String(data.get("webhook") ?? "").trim();
    const limit = rateLimitFromForm(String(data.get("rate_max") ?? ""), String(data.get("rate_window") ?? ""));
    if (!limit.ok) {
      err.textContent = limit.error;
      return;
    }
    const body = {
      name: data.get("name"), query: data.get("query"),
      ...(existing ? { enabled: existing.enabled } : {}),
      delivery: { live: existing?.delivery.live ?? true, webhook: webhook ? { url: webhook } : null },
      rate_limit: limit.value,
    };
    const r = existing ? await api<Alert>("PUT", `/api/v1/alerts/${existing.id}`, body)
                       : await api<Alert>("POST", "/api/v1/alerts", body);
    if (!r.ok) {
      err.textContent = r.error.message;
      return;
    }
    if (r.body.delivery.webhook?.secret) {
      alert(`Webhook secret (shown once; it signs every delivery):\n\n${r.body.delivery.webhook.secret}`);
    }
    await reload();
  });
  return form;
}

export function alertText(f: AlertFrame): string {
  if (f.kind === "digest") return `${f.alert.name}: ${f.digest?.count ?? 0} more stories`;
  return `${f.alert.name}: ${f.story?.headline ?? ""}`;
}


// Help: the commands, the keyboard, the query language in brief, and the support desks (from
// support.json in the served web folder, so that an operator can change them without a build).
import type { AppContext } from "./context";
import { MNEMONICS } from "./commands";
import { clear, h } from "./dom";

interface Desk { region: string; hours?: string; phone?: string; email?: string }

const KEYS: [string, string][] = [
  ["/", "Go to the command line (or just start typing)"],
  ["Tab, ↑ ↓", "Pick a completion on the command line"],
  ["j / ↓, k / ↑", "Next / previous row"],
  ["Enter", "Open the selected story"],
  ["Esc", "Back: close the story, leave the command line"],
  ["n", "Only unread stories (again: all)"],
];

const QUERY: [string, string][] = [
  ["fed rates", "both words (AND is implied); words match their other forms (rate, rates)"],
  ['"interest rates"', "the exact phrase"],
  ["fed OR fomc, -preview", "either; without"],
  ["hd:inflation", "in the headline (lead: in the first paragraph)"],
  ["source:reuters ticker:7203 country:JP topic:energy", "fields"],
  ["priority:flash lang:ja since:1d", "priority, language, the last day"],
  ["published:[2026-01-01 TO *]", "a date range"],
  ["rate NEAR/5 cut, infla*", "within five words; a prefix"],
];

export async function helpView(ctx: AppContext): Promise<void> {
  clear(ctx.pane);
  ctx.setTitle("HELP");
  ctx.setList(null);
  const desks = h("tbody", {});
  ctx.pane.append(h("div", { class: "help", id: "help", tabindex: 0 },
    h("h2", {}, "Commands"),
    h("table", { class: "grid" }, h("tbody", {}, MNEMONICS.map((m) =>
      h("tr", {}, h("th", { scope: "row" }, m.name + (m.arg ? " " + m.arg : "")), h("td", {}, m.help))))),
    h("h2", {}, "Keyboard"),
    h("table", { class: "grid" }, h("tbody", {}, KEYS.map(([k, d]) => h("tr", {}, h("th", { scope: "row" }, h("kbd", {}, k)), h("td", {}, d))))),
    h("h2", {}, "Query language"),
    h("table", { class: "grid" }, h("tbody", {}, QUERY.map(([q, d]) => h("tr", {}, h("th", { scope: "row" }, h("code", {}, q)), h("td", {}, d))))),
    h("h2", {}, "Support"),
    h("table", { class: "grid", id: "support" }, h("thead", {}, h("tr", {}, ["Desk", "Hours", "Phone", "Email"].map((c) => h("th", { scope: "col" }, c)))), desks)));
  try {
    const res = await fetch("/support.json");
    const cfg = (await res.json()) as { desks: Desk[] };
    for (const d of cfg.desks ?? []) {
      desks.append(h("tr", {}, h("th", { scope: "row" }, d.region), h("td", {}, d.hours ?? ""),
        h("td", {}, d.phone ? h("a", { href: "tel:" + d.phone.replace(/\s/g, "") }, d.phone) : ""),
        h("td", {}, d.email ? h("a", { href: "mailto:" + d.email }, d.email) : "")));
    }
  } catch {
    desks.append(h("tr", {}, h("td", { colspan: "4" }, "No support desks are configured.")));
  }
}

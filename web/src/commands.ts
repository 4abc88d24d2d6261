// The command line's language: the terminal mnemonics, their completion, and what an unknown
// command most likely meant. Pure functions: the UI calls them, the unit tests check them.

export type Command =
  | { kind: "top" }
  | { kind: "live" }
  | { kind: "search"; query: string }
  | { kind: "alerts" }
  | { kind: "read" }
  | { kind: "help" }
  | { kind: "account" }
  | { kind: "admin" }
  | { kind: "logout" };

export interface Mnemonic {
  name: string;
  arg?: string;  // shown in help and completion: "<topic>"
  help: string;
}

export const MNEMONICS: readonly Mnemonic[] = [
  { name: "TOP", help: "Top stories: flash and urgent first, then the newest" },
  { name: "N", help: "All news, live" },
  { name: "NI", arg: "<topic>", help: "News on a topic (topic:<topic>)" },
  { name: "CN", arg: "<ticker>", help: "Company news (ticker:<ticker>)" },
  { name: "FIND", arg: "<query>", help: "Search with the query language" },
  { name: "NSE", arg: "<query>", help: "News search: the same as FIND" },
  { name: "ALRT", help: "Alerts and the alert inbox" },
  { name: "READ", help: "Most read stories" },
  { name: "ACCT", help: "Your account: password, two-factor, sessions, API tokens" },
  { name: "ADMIN", help: "Users, groups, sources, entitlements and the audit log (admins)" },
  { name: "HELP", help: "Commands, keyboard, query language and support desks" },
  { name: "LOGOUT", help: "Log out" },
];

export type ParseResult =
  | { ok: true; command: Command }
  | { ok: false; message: string; suggestion?: string };

// A field value as the query language wants it: bare when it is one plain word, else quoted.
export function fieldValue(value: string): string {
  return /^[\p{L}\p{N}._*-]+$/u.test(value) ? value : '"' + value.replace(/(["\\])/g, "\\$1") + '"';
}

export function parseCommand(input: string): ParseResult {
  const text = input.trim();
  if (!text) return { ok: false, message: "Type a command: HELP lists them" };
  const space = text.search(/\s/);
  const word = (space < 0 ? text : text.slice(0, space)).toUpperCase();
  const rest = space < 0 ? "" : text.slice(space).trim();
  const needs = (what: string): ParseResult => ({
    ok: false, message: `${word} needs ${what}, e.g. ${example(word)}`,
  });
  switch (word) {
    case "TOP": return { ok: true, command: { kind: "top" } };
    case "N": return { ok: true, command: { kind: "live" } };
    case "NI":
      if (!rest) return needs("a topic");
      return { ok: true, command: { kind: "search", query: "topic:" + fieldValue(rest) } };
    case "CN":
      if (!rest) return needs("a ticker");
      return { ok: true, command: { kind: "search", query: "ticker:" + fieldValue(rest.toUpperCase()) } };
    case "FIND":
    case "NSE":
      if (!rest) return needs("a query");
      return { ok: true, command: { kind: "search", query: rest } };
    case "ALRT": return { ok: true, command: { kind: "alerts" } };
    case "READ": return { ok: true, command: { kind: "read" } };
    case "ACCT": return { ok: true, command: { kind: "account" } };
    case "ADMIN": return { ok: true, command: { kind: "admin" } };
    case "HELP": return { ok: true, command: { kind: "help" } };
    case "LOGOUT": return { ok: true, command: { kind: "logout" } };
  }
  const near = nearestMnemonic(word);
  const guess = near ? near + (rest ? " " + rest : "") : undefined;
  return {
    ok: false,
    message: near
      ? `Unknown command ${word}: did you mean ${guess}?`
      : `Unknown command ${word}: HELP lists the commands; FIND ${text} searches for it`,
    suggestion: guess,
  };
}

function example(word: string): string {
  switch (word) {
    case "NI": return "NI energy";
    case "CN": return "CN 7203";
    default: return `${word} hd:fed rates`;
  }
}

// Optimal string alignment distance (Levenshtein with adjacent transpositions).
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

// The mnemonic an unknown word most likely meant: a prefix of one, or within two edits (one for
// short words, where two edits reach everything). Ties go to the earlier, more common command.
export function nearestMnemonic(word: string): string | undefined {
  const w = word.toUpperCase();
  if (!w) return undefined;
  const prefixed = MNEMONICS.find((m) => m.name.startsWith(w));
  if (prefixed && w.length >= 2) return prefixed.name;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const m of MNEMONICS) {
    const dist = editDistance(w, m.name);
    const allowed = Math.min(2, Math.max(1, Math.floor(m.name.length / 2)));
    if (dist <= allowed && dist < bestDistance) {
      best = m.name;
      bestDistance = dist;
    }
  }
  return best;
}

export interface Completion {
  text: string;    // what the input becomes
  label: string;   // what the list shows
  help: string;
}

// Completions for what is typed so far: mnemonics by prefix while the first word is typed, then
// the argument's form; recent commands that start with the input come first.
export function complete(input: string, history: readonly string[] = []): Completion[] {
  const text = input.trimStart();
  const out: Completion[] = [];
  const seen = new Set<string>();
  const add = (c: Completion) => {
    if (seen.has(c.text.toUpperCase())) return;
    seen.add(c.text.toUpperCase());
    out.push(c);
  };
  if (text) {
    for (const h of history) {
      if (h.toUpperCase().startsWith(text.toUpperCase()) && h.length > text.length) {
        add({ text: h, label: h, help: "recent" });
      }
    }
  }
  if (!/\s/.test(text)) {
    const prefix = text.toUpperCase();
    for (const m of MNEMONICS) {
      if (m.name.startsWith(prefix)) {
        add({ text: m.arg ? m.name + " " : m.name, label: m.name + (m.arg ? " " + m.arg : ""), help: m.help });
      }
    }
  }
  return out.slice(0, 8);
}

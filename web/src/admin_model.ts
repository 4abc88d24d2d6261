// The pure parts of the admin screen and the alert form: who is in which group (the users list
// carries each user's groups), and a rate limit from the form's fields as the API wants it.

export interface RateLimit { max: number; window_seconds: number }

// Each group's members by name, in the users' order; groups nobody is in map to [].
export function membersByGroup(users: readonly { username: string; groups: readonly string[] }[],
                               groups: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(groups.map((g) => [g, []]));
  for (const u of users) {
    for (const g of u.groups) {
      if (!out.has(g)) out.set(g, []);
      out.get(g)!.push(u.username);
    }
  }
  return out;
}

// The alert form's "at most N per window" fields: empty N means no limit; otherwise the API's
// bounds (1–10,000 per window of 1 s – 7 days), said before the request is sent.
export function rateLimitFromForm(maxText: string, windowText: string):
  { ok: true; value: RateLimit | null } | { ok: false; error: string } {
  const maxTrim = maxText.trim();
  if (maxTrim === "") return { ok: true, value: null };
  const max = Number(maxTrim);
  const window = Number(windowText);
  if (!Number.isInteger(max) || max < 1 || max > 10000) {
    return { ok: false, error: "the rate limit must be a whole number from 1 to 10,000" };
  }
  if (!Number.isInteger(window) || window < 1 || window > 604800) {
    return { ok: false, error: "the rate-limit window must be from 1 second to 7 days" };
  }
  return { ok: true, value: { max, window_seconds: window } };
}

const kWindowNames: Record<number, string> = { 60: "minute", 3600: "hour", 86400: "day", 604800: "week" };

// The form's window choices as [seconds, label]: minute, hour, day, week, and `current` in its
// place by length when it is none of those (an alert made through the API with a 90 s window
// keeps it when edited in the page).
export function rateWindowOptions(current?: number): [string, string][] {
  const seconds = Object.keys(kWindowNames).map(Number);
  if (current !== undefined && Number.isInteger(current) && current > 0 && !(current in kWindowNames)) {
    seconds.push(current);
    seconds.sort((a, b) => a - b);
  }
  return seconds.map((s) => [String(s), kWindowNames[s] ?? `${s} s`]);
}

// "5 per hour", "1 per 90 s": how the alerts table shows a limit.
export function rateLimitText(r: RateLimit | null | undefined): string {
  if (!r) return "";
  const unit = kWindowNames[r.window_seconds];
  return `${r.max} per ${unit ?? r.window_seconds + " s"}`;
}

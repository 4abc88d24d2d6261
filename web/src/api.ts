// The HTTP API from the page: the session cookie rides along, state changes carry the CSRF token
// (the dateline_csrf cookie's value), and errors come back as values, never as exceptions.

export interface ApiError {
  code: string;
  message: string;
  field?: string;
  column?: number;
  reason?: string;
}

export type ApiResult<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; error: ApiError };

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

export function csrfToken(): string {
  const m = document.cookie.match(/(?:^|; )dateline_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export async function api<T = unknown>(method: string, path: string, body?: unknown,
                                       options: { quiet401?: boolean } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = {};
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                              credentials: "same-origin" });
  } catch {
    return { ok: false, status: 0, error: { code: "network", message: "cannot reach the server" } };
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.ok) return { ok: true, status: res.status, body: parsed as T };
  const error = (parsed as { error?: ApiError } | undefined)?.error ??
    { code: "http_" + res.status, message: `the server answered ${res.status}` };
  if (res.status === 401 && !options.quiet401 && path !== "/api/v1/auth/login") onUnauthorized();
  return { ok: false, status: res.status, error };
}

export interface StoryFrame {
  type?: "story";
  seq: number;
  id: string;
  version: number;
  source: string;
  headline: string;
  priority: "normal" | "urgent" | "flash" | string;
  published: string | null;
  received: string | null;
  // A stream frame's are "field:value" strings (absent when the story has none); a listed story
  // (GET /api/v1/stories) has the full form.
  tags?: (string | Tag)[];
}

export interface Tag { field: string; value: string }

export interface Story extends Omit<StoryFrame, "tags"> {
  summary?: string;
  body: (string | { subheading: string })[];
  bylines: string[];
  dateline_place?: string;
  contacts: { role: string; name: string; place?: string; email?: string; phone?: string }[];
  language?: string;
  updated?: string;
  url?: string;
  tags?: Tag[];
}

export interface AlertFrame {
  type: "alert";
  id: number;
  kind: "match" | "digest";
  alert: { id: number; name: string };
  story?: { id: string; seq: number; headline: string };
  digest?: { count: number; stories: { id: string; headline: string }[] };
  matched_terms?: string[];
  fired_at: string;
  read_at: string | null;
}

export interface Me {
  username: string;
  role: string;
  groups: string[];
  must_change_password: boolean;
  must_enroll_2fa: boolean;
  scopes: string[];
  session_id: string;
}

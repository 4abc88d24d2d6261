// One headline row: time, source, priority (FLASH and URGENT stand out), headline, and the tags
// after it as a terminal shows them (tickers first, then countries, people, topics).
import type { StoryFrame, Tag } from "./api";
import { h, shortTime } from "./dom";

export interface RowTag { field: string; value: string }

const fieldOrder = ["ticker", "country", "person", "topic"];

// The tags in the order a row shows them, at most `max`: a frame's "field:value" strings or a
// listed story's {field, value} objects. Malformed entries are skipped, not shown half-parsed.
export function rowTags(tags: readonly (string | Tag)[] | undefined, max = 6): RowTag[] {
  const out: RowTag[] = [];
  for (const t of tags ?? []) {
    if (typeof t === "string") {
      const colon = t.indexOf(":");
      if (colon > 0 && colon < t.length - 1) out.push({ field: t.slice(0, colon), value: t.slice(colon + 1) });
    } else if (t && typeof t.field === "string" && typeof t.value === "string" && t.field && t.value) {
      out.push({ field: t.field, value: t.value });
    }
  }
  const rank = (f: string) => { const i = fieldOrder.indexOf(f); return i < 0 ? fieldOrder.length : i; };
  // Array.prototype.sort is stable: within a field the story's own order stays.
  return out.sort((a, b) => rank(a.field) - rank(b.field)).slice(0, max);
}

export function renderStoryRow(s: StoryFrame, el: HTMLElement, read: boolean): void {
  el.classList.add("story", "p-" + s.priority);
  if (!read) el.classList.add("unread");
  el.append(
    h("span", { class: "t" }, shortTime(s.published || s.received)),
    h("span", { class: "s" }, s.source),
    h("span", { class: "p" }, s.priority === "normal" ? "" : s.priority.toUpperCase()),
    h("span", { class: "hd" }, s.headline),
    h("span", { class: "tg" }, rowTags(s.tags).map((t) =>
      h("span", { class: "tag f-" + t.field, title: `${t.field}:${t.value}` }, t.value))),
  );
}

// The story reader: headline, dateline, bylines, body with subheadings, tags that run their
// search, versions with what changed, related stories, and the story's contacts.
import { api, type Story } from "./api";
import { fieldValue } from "./commands";
import type { AppContext } from "./context";
import { append, clear, fullTime, h } from "./dom";

interface Versions { versions: { version: number; seq: number; headline: string; updated: string }[] }
interface SearchHits { hits: { id: string; headline: string; source: string; published: string | null }[] }

export async function showStory(ctx: AppContext, reader: HTMLElement, id: string): Promise<Story | null> {
  clear(reader);
  reader.append(h("div", { class: "empty" }, "Loading…"));
  const res = await api<Story>("GET", "/api/v1/stories/" + encodeURIComponent(id));
  clear(reader);
  if (!res.ok) {
    reader.append(h("div", { class: "empty" }, res.error.message));
    return null;
  }
  const s = res.body;
  const meta = [s.dateline_place, s.source, fullTime(s.published || s.received),
                s.bylines?.length ? "By " + s.bylines.join(", ") : "",
                s.version > 1 ? "version " + s.version : ""].filter(Boolean).join(" · ");
  const tags = s.tags ?? [];
  append(reader, [
    h("h1", { id: "reader-title", class: "p-" + s.priority },
      s.priority !== "normal" ? h("span", { class: "badge" }, s.priority.toUpperCase()) : null, s.headline),
    h("div", { class: "meta" }, meta),
    tags.length ? h("div", { class: "tags", "aria-label": "Tags" },
      tags.map((t) => h("a", { href: "#", class: "tag", onclick: (e: Event) => {
        e.preventDefault();
        ctx.run({ kind: "search", query: `${t.field}:${fieldValue(t.value)}` });
      } }, `${t.field}:${t.value}`))) : null,
    s.summary ? h("p", { class: "summary" }, s.summary) : null,
    (s.body ?? []).map((b) => typeof b === "string" ? h("p", {}, b) : h("h2", {}, b.subheading)),
    (s.contacts ?? []).map((c) => h("p", { class: "contact" },
      `To contact the ${c.role} on this story: ${c.name}${c.place ? " in " + c.place : ""}`,
      c.email ? [" at ", h("a", { href: "mailto:" + c.email }, c.email)] : null,
      c.phone ? " · " + c.phone : null)),
    s.url ? h("p", { class: "meta" }, h("a", { href: s.url, rel: "noopener noreferrer", target: "_blank" }, "Original")) : null,
  ].flat());
  reader.scrollTop = 0;
  const extra = h("div", { class: "extra" });
  reader.append(extra);
  void loadExtras(ctx, extra, s);
  return s;
}

async function loadExtras(ctx: AppContext, el: HTMLElement, s: Story): Promise<void> {
  if (s.version > 1) {
    const v = await api<Versions>("GET", `/api/v1/stories/${encodeURIComponent(s.id)}/versions`);
    if (v.ok && v.body.versions.length > 1) {
      const list = v.body.versions;
      el.append(h("h2", {}, "Versions"), h("ol", { class: "versions" }, list.map((x, i) => {
        const prev = list[i - 1];
        const changed = prev && prev.headline !== x.headline ? ` (headline was: ${prev.headline})` : "";
        return h("li", {}, `v${x.version} ${fullTime(x.updated)}: ${x.headline}${changed}`);
      })));
    }
  }
  // Related: stories sharing the most specific tags, else the headline's longest words.
  const tags = s.tags ?? [];
  const terms = tags.slice(0, 4).map((t) => `${t.field}:${fieldValue(t.value)}`);
  const words = s.headline.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 4)
    .sort((a, b) => b.length - a.length).slice(0, 3);
  const q = terms.length ? terms.join(" OR ") : words.join(" OR ");
  if (!q) return;
  // Only the hits are shown: no total, no facets (the cheapest search for them).
  const r = await api<SearchHits>("GET", "/api/v1/search?limit=6&sort=relevance&total=false&facets=&q=" +
                                         encodeURIComponent(q));
  if (!r.ok) return;
  const hits = r.body.hits.filter((x) => x.id !== s.id).slice(0, 5);
  if (!hits.length) return;
  el.append(h("h2", {}, "Related"), h("ul", { class: "related" }, hits.map((x) =>
    h("li", {}, h("a", { href: "/story/" + x.id, onclick: (e: Event) => {
      e.preventDefault();
      ctx.openStory(x.id);
    } }, x.headline), h("span", { class: "dim" }, ` ${x.source} ${fullTime(x.published)}`)))));
}

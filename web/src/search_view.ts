// Search: the query as typed, results with highlighted snippets, facets that narrow the query,
// newest/relevance, the time taken, query errors shown at their column, and an alert from the
// current search in one step.
import { api, type ApiError } from "./api";
import { fieldValue } from "./commands";
import type { AppContext } from "./context";
import { clear, h, shortTime } from "./dom";
import { ListView } from "./list_view";
import { markColumn } from "./query_error";

export interface Hit {
  id: string; source: string; headline: string; priority: string; published: string | null;
  snippet: string; score: number;
}
interface SearchResult {
  total: number | null; hits: Hit[]; facets: Record<string, { value: string; count: number }[]>;
  next_cursor: string | null; took_ms: number;
}

const FACETS = "source,priority,topic,ticker,country";

// The snippet is HTML from the server: escaped text with <em> around matches. It is rebuilt
// here as text and <mark> nodes, so nothing else in it could ever become markup.
export function snippetNodes(html: string): Node[] {
  const out: Node[] = [];
  const decode = (s: string) => s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e) =>
    ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" } as Record<string, string>)[e]);
  const parts = html.split(/(<em>.*?<\/em>)/s);
  for (const p of parts) {
    if (!p) continue;
    if (p.startsWith("<em>")) {
      const m = document.createElement("mark");
      m.textContent = decode(p.slice(4, -5));
      out.push(m);
    } else {
      out.push(document.createTextNode(decode(p)));
    }
  }
  return out;
}

export function searchView(ctx: AppContext, query: string, sort: "newest" | "relevance" = "newest"): void {
  clear(ctx.pane);
  ctx.setTitle("FIND " + query);
  const input = h("input", { id: "search-q", "aria-label": "Query", value: query, spellcheck: "false",
                             autocomplete: "off" });
  const sortSel = h("select", { id: "search-sort", "aria-label": "Sort" },
    h("option", { value: "newest", selected: sort === "newest" }, "Newest"),
    h("option", { value: "relevance", selected: sort === "relevance" }, "Relevance"));
  const alertBtn = h("button", { type: "button", id: "alert-from-search" }, "Alert me");
  const form = h("form", { class: "searchbar", role: "search" }, input, sortSel,
                 h("button", { type: "submit" }, "Search"), alertBtn);
  const info = h("div", { class: "info", id: "search-info", role: "status" });
  const errorBox = h("div", { class: "qerror", id: "query-error", role: "alert", hidden: true });
  const facets = h("aside", { class: "facets", "aria-label": "Facets" });
  const list = new ListView<Hit>({
    label: "Search results", rowHeight: 40, key: (x) => x.id, empty: "No stories match.",
    onOpen: (x) => ctx.openStory(x.id),
    render: (x, el) => {
      el.classList.add("hit", "p-" + x.priority);
      el.append(h("div", { class: "line" },
        h("span", { class: "t" }, shortTime(x.published)), h("span", { class: "s" }, x.source),
        h("span", { class: "p" }, x.priority === "normal" ? "" : x.priority.toUpperCase()),
        h("span", { class: "hd" }, x.headline)),
        h("div", { class: "snippet" }, ...snippetNodes(x.snippet)));
    },
  });
  const more = h("button", { type: "button", class: "more", hidden: true }, "More results");
  ctx.pane.append(form, errorBox, info, h("div", { class: "results" }, h("div", { class: "col" }, list.el, more), facets));
  ctx.setList(list);

  let hits: Hit[] = [];
  let cursor: string | null = null;

  const run = async (append: boolean) => {
    const q = input.value.trim();
    if (!q) return;
    const params = new URLSearchParams({ q, sort: sortSel.value, facets: FACETS, limit: "50" });
    if (append && cursor) {
      // The total and facets shown are the first page's: the next pages skip counting them.
      params.set("cursor", cursor);
      params.set("total", "false");
      params.set("facets", "");
    }
    history.replaceState(null, "", "/search?" + new URLSearchParams({ q, sort: sortSel.value }));
    ctx.setTitle("FIND " + q);
    const r = await api<SearchResult>("GET", "/api/v1/search?" + params);
    if (!r.ok) {
      showError(errorBox, q, r.error);
      info.textContent = "";
      if (!append) list.setItems([]);
      return;
    }
    errorBox.hidden = true;
    hits = append ? hits.concat(r.body.hits) : r.body.hits;
    cursor = r.body.next_cursor;
    more.hidden = !cursor;
    list.setItems(hits);
    if (append) return;
    info.textContent = `${(r.body.total ?? hits.length).toLocaleString("en")} stories · ${r.body.took_ms} ms · sorted by ${sortSel.value}`;
    renderFacets(facets, r.body.facets, (field, value) => {
      input.value = `${input.value.trim()} ${field}:${fieldValue(value)}`;
      void run(false);
    });
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void run(false);
    list.el.focus();
  });
  sortSel.addEventListener("change", () => void run(false));
  more.addEventListener("click", () => void run(true));
  alertBtn.addEventListener("click", async () => {
    const q = input.value.trim();
    const r = await api<{ id: number; name: string }>("POST", "/api/v1/alerts",
                                                      { name: q.slice(0, 200), query: q, delivery: { live: true } });
    if (r.ok) {
      ctx.toast(`Alert “${r.body.name}” created: matching stories will show here.`, { kind: "info" });
      alertBtn.textContent = "Alert set";
      ctx.refreshAlertBadge();
    } else {
      ctx.toast("Could not create the alert: " + r.error.message, { kind: "error" });
    }
  });
  void run(false);
}

function showError(box: HTMLElement, q: string, e: ApiError): void {
  clear(box);
  box.hidden = false;
  if (e.column && e.column > 0) {
    const m = markColumn(q, e.column);
    box.append(h("pre", { class: "qline" }, m.before, h("mark", { class: "at" }, m.at || " "), m.after),
               h("pre", { class: "caret", "aria-hidden": "true" }, " ".repeat(m.caretOffset) + "^"));
  }
  box.append(h("div", { class: "msg" }, e.message));
}

function renderFacets(el: HTMLElement, facets: SearchResult["facets"],
                      narrow: (field: string, value: string) => void): void {
  clear(el);
  for (const [field, values] of Object.entries(facets ?? {})) {
    if (!values.length) continue;
    el.append(h("h3", {}, field), h("ul", {}, values.map((v) => h("li", {},
      h("button", { type: "button", class: "facet", "data-field": field, onclick: () => narrow(field, v.value) },
        h("span", {}, v.value), h("span", { class: "n" }, v.count))))));
  }
}

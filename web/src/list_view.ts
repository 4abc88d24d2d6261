// A keyboard-driven, virtualised listbox of fixed-height rows: only the rows in view (plus a
// margin) are in the DOM, so 10,000 headlines scroll like 40. Selection follows the story, not
// the position: rows arriving above keep the selected one where it is on screen.
import { h, clear } from "./dom";
import { keepAnchor, scrollToReveal, visibleRange } from "./virtual";

export interface ListOptions<T> {
  label: string;
  rowHeight: number;
  key: (item: T) => string;
  render: (item: T, el: HTMLElement) => void;
  onOpen: (item: T) => void;
  empty: string;
}

export class ListView<T> {
  readonly el: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly emptyEl: HTMLElement;
  private items: T[] = [];
  private selectedKey: string | null = null;
  private frame = 0;

  constructor(private readonly opt: ListOptions<T>) {
    this.spacer = h("div", { class: "spacer" });
    this.emptyEl = h("div", { class: "empty" }, opt.empty);
    this.el = h("div", { class: "list", role: "listbox", tabindex: 0, "aria-label": opt.label },
                this.spacer, this.emptyEl);
    this.el.addEventListener("scroll", () => this.schedule());
    this.el.addEventListener("click", (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>(".row");
      if (!row || row.dataset.index === undefined) return;
      const item = this.items[Number(row.dataset.index)];
      if (!item) return;
      this.select(Number(row.dataset.index));
      this.opt.onOpen(item);
    });
    new ResizeObserver(() => this.schedule()).observe(this.el);
  }

  get length(): number {
    return this.items.length;
  }
  get selectedIndex(): number {
    if (this.selectedKey === null) return -1;
    return this.items.findIndex((i) => this.opt.key(i) === this.selectedKey);
  }
  get selected(): T | undefined {
    const i = this.selectedIndex;
    return i >= 0 ? this.items[i] : undefined;
  }

  // Replaces the items. `insertedAtTop` rows are new above the old first one: the scroll
  // position moves by them so that the rows being read stay put.
  setItems(items: T[], insertedAtTop = 0): void {
    const anchor = keepAnchor(this.el.scrollTop, insertedAtTop, this.opt.rowHeight,
                              this.selectedKey !== null && this.selectedIndex >= 0);
    this.items = items;
    if (this.selectedKey !== null && this.selectedIndex < 0) this.selectedKey = null;
    this.spacer.style.height = items.length * this.opt.rowHeight + "px";
    this.emptyEl.hidden = items.length > 0;
    if (anchor !== this.el.scrollTop) this.el.scrollTop = anchor;
    this.render();
  }

  move(delta: number): void {
    if (!this.items.length) return;
    const i = this.selectedIndex;
    const next = i < 0 ? (delta > 0 ? this.firstVisible() : this.firstVisible()) :
      Math.max(0, Math.min(this.items.length - 1, i + delta));
    this.select(next);
  }

  select(index: number): void {
    const item = this.items[index];
    if (!item) return;
    this.selectedKey = this.opt.key(item);
    this.el.scrollTop = scrollToReveal(index, this.el.scrollTop, this.el.clientHeight, this.opt.rowHeight);
    this.render();
  }

  openSelected(): void {
    const item = this.selected;
    if (item) this.opt.onOpen(item);
  }

  refresh(): void {
    this.render();
  }

  private firstVisible(): number {
    return Math.min(this.items.length - 1, Math.ceil(this.el.scrollTop / this.opt.rowHeight));
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const { start, end } = visibleRange(this.el.scrollTop, this.el.clientHeight || 600,
                                        this.opt.rowHeight, this.items.length);
    for (const old of Array.from(this.el.querySelectorAll(".row"))) old.remove();
    const fragment = document.createDocumentFragment();
    let active = "";
    for (let i = start; i < end; i++) {
      const item = this.items[i];
      const key = this.opt.key(item);
      const row = h("div", { class: "row", role: "option", id: "row-" + key, "data-index": i,
                             "aria-setsize": this.items.length, "aria-posinset": i + 1 });
      row.style.top = i * this.opt.rowHeight + "px";
      row.style.height = this.opt.rowHeight + "px";
      const selected = key === this.selectedKey;
      row.setAttribute("aria-selected", selected ? "true" : "false");
      if (selected) {
        row.classList.add("sel");
        active = row.id;
      }
      this.opt.render(item, row);
      fragment.append(row);
    }
    this.el.append(fragment);
    if (active) this.el.setAttribute("aria-activedescendant", active);
    else this.el.removeAttribute("aria-activedescendant");
  }

  destroy(): void {
    clear(this.el);
  }
}

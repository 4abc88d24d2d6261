// One headline row: time, source, priority (FLASH and URGENT stand out), headline.
import type { StoryFrame } from "./api";
import { h, shortTime } from "./dom";

export function renderStoryRow(s: StoryFrame, el: HTMLElement, read: boolean): void {
  el.classList.add("story", "p-" + s.priority);
  if (!read) el.classList.add("unread");
  el.append(
    h("span", { class: "t" }, shortTime(s.published || s.received)),
    h("span", { class: "s" }, s.source),
    h("span", { class: "p" }, s.priority === "normal" ? "" : s.priority.toUpperCase()),
    h("span", { class: "hd" }, s.headline),
  );
}

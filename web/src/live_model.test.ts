import { describe, expect, it } from "vitest";
import type { StoryFrame } from "./api";
import { LiveModel } from "./live_model";

function frame(seq: number, id = "s" + seq, priority = "normal"): StoryFrame {
  return { seq, id, version: 1, source: "wire", headline: "H" + seq, priority, published: null, received: null };
}

describe("LiveModel", () => {
  it("lists newest first and counts the rows added at the top", () => {
    const m = new LiveModel();
    expect(m.add([frame(1), frame(3), frame(2)])).toBe(3);
    expect(m.all.map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(m.add([frame(4)])).toBe(1);
    expect(m.all.map((r) => r.seq)).toEqual([4, 3, 2, 1]);
  });

  it("replaces a story's row in place when a new version arrives", () => {
    const m = new LiveModel();
    m.add([frame(1, "a"), frame(2, "b"), frame(3, "c")]);
    const added = m.add([{ ...frame(4, "b"), version: 2, headline: "B v2" }]);
    expect(added).toBe(0);
    expect(m.all.map((r) => r.id)).toEqual(["c", "b", "a"]);
    expect(m.all[1].headline).toBe("B v2");
    // An older version arriving late changes nothing.
    m.add([frame(2, "b")]);
    expect(m.all[1].headline).toBe("B v2");
  });

  it("puts a late older story where it belongs, not on top", () => {
    const m = new LiveModel();
    m.add([frame(10), frame(30)]);
    expect(m.add([frame(20)])).toBe(0);
    expect(m.all.map((r) => r.seq)).toEqual([30, 20, 10]);
  });

  it("filters unread and orders TOP by priority then recency", () => {
    const m = new LiveModel();
    m.add([frame(1, "a", "flash"), frame(2, "b"), frame(3, "c", "urgent"), frame(4, "d", "flash")]);
    m.markRead("d");
    expect(m.view(true).map((r) => r.id)).toEqual(["c", "b", "a"]);
    expect(m.view(false).length).toBe(4);
    expect(m.top().map((r) => r.id)).toEqual(["d", "a", "c", "b"]);
  });

  it("keeps at most maxRows, dropping the oldest", () => {
    const m = new LiveModel(100);
    m.add(Array.from({ length: 250 }, (_, i) => frame(i + 1)));
    expect(m.all.length).toBe(100);
    expect(m.all[99].seq).toBe(151);
  });
});

import { describe, expect, it } from "vitest";
import { keepAnchor, scrollToReveal, visibleRange } from "./virtual";

describe("visibleRange", () => {
  it("renders only the rows on screen plus the overscan", () => {
    // 10,000 rows of 20 px in a 600 px viewport scrolled to row 5000.
    const r = visibleRange(5000 * 20, 600, 20, 10000, 8);
    expect(r).toEqual({ start: 4992, end: 5039 });
    expect(r.end - r.start).toBeLessThan(50);
  });
  it("clamps at both ends", () => {
    expect(visibleRange(0, 600, 20, 10000, 8)).toEqual({ start: 0, end: 39 });
    expect(visibleRange(-50, 600, 20, 10, 8)).toEqual({ start: 0, end: 10 });
    expect(visibleRange(1e9, 600, 20, 100, 8)).toEqual({ start: 91, end: 100 });
    expect(visibleRange(0, 600, 20, 0)).toEqual({ start: 0, end: 0 });
  });
  it("agrees with a brute-force check of which rows intersect the viewport", () => {
    for (let trial = 0; trial < 200; trial++) {
      const total = 1 + Math.floor(Math.random() * 500);
      const rowHeight = 10 + Math.floor(Math.random() * 20);
      const viewport = Math.floor(Math.random() * 900);
      const scrollTop = Math.floor(Math.random() * Math.max(1, total * rowHeight - viewport));
      const r = visibleRange(scrollTop, viewport, rowHeight, total, 0);
      for (let i = 0; i < total; i++) {
        const visible = i * rowHeight < scrollTop + viewport && (i + 1) * rowHeight > scrollTop;
        if (visible) expect(i >= r.start && i < r.end, `row ${i} of ${total}`).toBe(true);
      }
    }
  });
});

describe("scrollToReveal", () => {
  it("moves as little as possible", () => {
    expect(scrollToReveal(10, 0, 600, 20)).toBe(0);        // already visible
    expect(scrollToReveal(40, 0, 600, 20)).toBe(220);      // below: its bottom at the bottom
    expect(scrollToReveal(3, 200, 600, 20)).toBe(60);      // above: its top at the top
  });
});

describe("keepAnchor", () => {
  it("keeps what is read in place when stories arrive above it", () => {
    expect(keepAnchor(400, 3, 20, false)).toBe(460);
    expect(keepAnchor(0, 3, 20, true)).toBe(60);
    expect(keepAnchor(0, 3, 20, false)).toBe(0);
    expect(keepAnchor(400, 0, 20, true)).toBe(400);
  });
});

import { describe, expect, it } from "vitest";
import { caretLine, markColumn } from "./query_error";

describe("markColumn", () => {
  it("splits an ASCII query at the 1-based column", () => {
    expect(markColumn("priority:high", 10)).toEqual({ before: "priority:", at: "h", after: "igh", caretOffset: 9 });
    expect(markColumn("bogus:x", 1)).toEqual({ before: "", at: "b", after: "ogus:x", caretOffset: 0 });
  });
  it("points past the end for errors at the end of the query", () => {
    // "rates (cut OR hike" → unclosed_paren at column 19 (the end).
    expect(markColumn("rates (cut OR hike", 19)).toEqual({ before: "rates (cut OR hike", at: "", after: "", caretOffset: 18 });
    expect(markColumn("a", 99).caretOffset).toBe(1);
    expect(markColumn("a", 0).caretOffset).toBe(0);
  });
  it("counts code points, not UTF-16 units", () => {
    // "𝔸" is two UTF-16 units but one column; 日 and 銀 are one each.
    const q = '𝔸 日銀 "x';
    const m = markColumn(q, 6);  // the quote
    expect(m.at).toBe('"');
    expect(m.before).toBe("𝔸 日銀 ");
    expect(caretLine(q, 6)).toBe("     ^");
  });
});

import { describe, expect, it } from "vitest";
import { membersByGroup, rateLimitFromForm, rateLimitText, rateWindowOptions } from "./admin_model";

describe("membersByGroup", () => {
  it("lists each group's members, and empty groups too", () => {
    const m = membersByGroup([
      { username: "alice", groups: ["everyone", "desk"] },
      { username: "bob", groups: ["desk"] },
    ], ["desk", "everyone", "tokyo"]);
    expect(m.get("desk")).toEqual(["alice", "bob"]);
    expect(m.get("everyone")).toEqual(["alice"]);
    expect(m.get("tokyo")).toEqual([]);
  });
});

describe("rateLimitFromForm", () => {
  it("no number means no limit", () => {
    expect(rateLimitFromForm("", "3600")).toEqual({ ok: true, value: null });
    expect(rateLimitFromForm("  ", "60")).toEqual({ ok: true, value: null });
  });
  it("takes a whole number per window", () => {
    expect(rateLimitFromForm("5", "3600")).toEqual({ ok: true, value: { max: 5, window_seconds: 3600 } });
  });
  it("refuses what the server would refuse", () => {
    expect(rateLimitFromForm("0", "60").ok).toBe(false);
    expect(rateLimitFromForm("10001", "60").ok).toBe(false);
    expect(rateLimitFromForm("2.5", "60").ok).toBe(false);
    expect(rateLimitFromForm("x", "60").ok).toBe(false);
    expect(rateLimitFromForm("5", "604801").ok).toBe(false);
  });
});

describe("rateLimitText", () => {
  it("names the usual windows", () => {
    expect(rateLimitText({ max: 5, window_seconds: 3600 })).toBe("5 per hour");
    expect(rateLimitText({ max: 1, window_seconds: 90 })).toBe("1 per 90 s");
    expect(rateLimitText(null)).toBe("");
  });
});

describe("rateWindowOptions", () => {
  it("offers the usual windows", () => {
    expect(rateWindowOptions()).toEqual([["60", "minute"], ["3600", "hour"], ["86400", "day"], ["604800", "week"]]);
    expect(rateWindowOptions(3600)).toEqual(rateWindowOptions());
  });
  it("keeps an alert's unusual window, in order", () => {
    expect(rateWindowOptions(90)).toEqual(
      [["60", "minute"], ["90", "90 s"], ["3600", "hour"], ["86400", "day"], ["604800", "week"]]);
    expect(rateWindowOptions(600000).map(([v]) => v)).toEqual(["60", "3600", "86400", "600000", "604800"]);
  });
});

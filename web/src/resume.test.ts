import { describe, expect, it } from "vitest";
import { backoffDelay, ResumeCursor, shouldReconnect } from "./resume";

describe("ResumeCursor", () => {
  it("accepts increasing sequence numbers and drops repeats and older ones", () => {
    const c = new ResumeCursor(10);
    expect(c.query()).toBe("?after=10");
    expect(c.accept(10)).toBe(false);
    expect(c.accept(11)).toBe(true);
    expect(c.accept(11)).toBe(false);
    expect(c.accept(9)).toBe(false);
    expect(c.accept(15)).toBe(true);  // a gap in numbers is fine: other users' sources
    expect(c.lastSeq).toBe(15);
    expect(c.query()).toBe("?after=15");
  });

  it("starts from the beginning when nothing was seen", () => {
    expect(new ResumeCursor().query()).toBe("");
    expect(new ResumeCursor().accept(Number.NaN)).toBe(false);
  });

  it("replaying a drop: the union of before and after the reconnect has every seq once", () => {
    // Frames 1..20; the connection drops after 8; the catch-up resends from the cursor (9..20),
    // and a duplicate of 8 arrives from a straggling frame.
    const c = new ResumeCursor();
    const applied: number[] = [];
    for (let s = 1; s <= 8; s++) if (c.accept(s)) applied.push(s);
    const resumeFrom = Number(c.query().slice("?after=".length));
    const replay = [8, ...Array.from({ length: 20 - resumeFrom }, (_, i) => resumeFrom + 1 + i)];
    for (const s of replay) if (c.accept(s)) applied.push(s);
    expect(applied).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe("backoffDelay", () => {
  const noJitter = () => 0;
  it("doubles up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, undefined, noJitter)))
      .toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
    expect(backoffDelay(1000, undefined, noJitter)).toBe(15000);
  });
  it("jitter only shortens, by at most its share", () => {
    expect(backoffDelay(2, undefined, () => 1)).toBe(1600);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1000, jitter: 0.5 }, () => 0.5)).toBe(300);
  });
});

describe("shouldReconnect", () => {
  it("gives up only when the session ended", () => {
    expect(shouldReconnect(1006)).toBe(true);
    expect(shouldReconnect(1001)).toBe(true);
    expect(shouldReconnect(4003)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { complete, editDistance, fieldValue, nearestMnemonic, parseCommand } from "./commands";

describe("parseCommand", () => {
  it("reads every mnemonic, in any case", () => {
    expect(parseCommand("top")).toEqual({ ok: true, command: { kind: "top" } });
    expect(parseCommand(" N ")).toEqual({ ok: true, command: { kind: "live" } });
    expect(parseCommand("alrt")).toEqual({ ok: true, command: { kind: "alerts" } });
    expect(parseCommand("READ")).toEqual({ ok: true, command: { kind: "read" } });
    expect(parseCommand("Help")).toEqual({ ok: true, command: { kind: "help" } });
    expect(parseCommand("LOGOUT")).toEqual({ ok: true, command: { kind: "logout" } });
    expect(parseCommand("acct")).toEqual({ ok: true, command: { kind: "account" } });
  });

  it("turns NI and CN into field searches and keeps FIND/NSE queries as typed", () => {
    expect(parseCommand("NI energy")).toEqual({ ok: true, command: { kind: "search", query: "topic:energy" } });
    expect(parseCommand("ni central banks")).toEqual({
      ok: true, command: { kind: "search", query: 'topic:"central banks"' },
    });
    expect(parseCommand("cn 7203.t")).toEqual({ ok: true, command: { kind: "search", query: "ticker:7203.T" } });
    expect(parseCommand("FIND hd:(fed OR fomc)  rates")).toEqual({
      ok: true, command: { kind: "search", query: "hd:(fed OR fomc)  rates" },
    });
    expect(parseCommand("nse boj")).toEqual({ ok: true, command: { kind: "search", query: "boj" } });
  });

  it("asks for the missing argument", () => {
    const r = parseCommand("FIND");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/FIND needs a query/);
    const n = parseCommand("NI  ");
    if (!n.ok) expect(n.message).toMatch(/NI needs a topic, e.g. NI energy/);
  });

  it("suggests the nearest command for a typo and keeps the argument", () => {
    const r = parseCommand("FNID fed rates");
    expect(r).toEqual({ ok: false, message: "Unknown command FNID: did you mean FIND fed rates?", suggestion: "FIND fed rates" });
    expect(parseCommand("ALERT")).toMatchObject({ suggestion: "ALRT" });
    expect(parseCommand("HLEP")).toMatchObject({ suggestion: "HELP" });
    expect(parseCommand("LOGOU")).toMatchObject({ suggestion: "LOGOUT" });
  });

  it("offers a search when nothing is near", () => {
    const r = parseCommand("inflation outlook");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.suggestion).toBeUndefined();
      expect(r.message).toContain("FIND inflation outlook");
    }
  });
});

describe("nearestMnemonic and editDistance", () => {
  it("counts transpositions as one edit", () => {
    expect(editDistance("FNID", "FIND")).toBe(1);
    expect(editDistance("", "TOP")).toBe(3);
    expect(editDistance("READ", "READ")).toBe(0);
  });
  it("does not reach far-off words", () => {
    expect(nearestMnemonic("XYZZY")).toBeUndefined();
    expect(nearestMnemonic("TPO")).toBe("TOP");
    expect(nearestMnemonic("RE")).toBe("READ");
  });
});

describe("complete", () => {
  it("completes mnemonics by prefix with their argument form", () => {
    expect(complete("f").map((c) => c.label)).toEqual(["FIND <query>"]);
    expect(complete("F")[0].text).toBe("FIND ");
    expect(complete("N").map((c) => c.label)).toEqual(["N", "NI <topic>", "NSE <query>"]);
    expect(complete("").length).toBe(8);
  });
  it("puts matching history first and stops completing mnemonics after the first word", () => {
    const history = ["FIND hd:fed", "CN 7203", "FIND boj"];
    expect(complete("find ", history).map((c) => c.text)).toEqual(["FIND hd:fed", "FIND boj"]);
    expect(complete("c", history).map((c) => c.text)).toEqual(["CN 7203", "CN "]);
  });
});

describe("fieldValue", () => {
  it("quotes what is not one word", () => {
    expect(fieldValue("energy")).toBe("energy");
    expect(fieldValue("7203.T")).toBe("7203.T");
    expect(fieldValue('say "hi"')).toBe('"say \\"hi\\""');
  });
});

import { describe, expect, it } from "vitest";
import { rowTags } from "./story_row";

describe("rowTags", () => {
  it("splits field:value at the first colon and puts tickers first", () => {
    expect(rowTags(["topic:central banks", "country:JP", "ticker:7203.T", "person:Koji Sato", "ticker:TM"]))
      .toEqual([
        { field: "ticker", value: "7203.T" }, { field: "ticker", value: "TM" },
        { field: "country", value: "JP" }, { field: "person", value: "Koji Sato" },
        { field: "topic", value: "central banks" },
      ]);
  });

  it("keeps a colon inside the value and skips malformed entries", () => {
    expect(rowTags(["topic:a:b", "nocolon", ":x", "y:"])).toEqual([{ field: "topic", value: "a:b" }]);
  });

  it("takes a listed story's {field, value} objects as well", () => {
    expect(rowTags([{ field: "country", value: "JP" }, { field: "ticker", value: "7203.T" }]))
      .toEqual([{ field: "ticker", value: "7203.T" }, { field: "country", value: "JP" }]);
  });

  it("shows at most a few and nothing for a story without tags", () => {
    expect(rowTags(undefined)).toEqual([]);
    expect(rowTags(["ticker:A", "ticker:B", "ticker:C"], 2).map((t) => t.value)).toEqual(["A", "B"]);
  });
});

/**
 * The interop tests' own bookkeeping, which needs no Python: the list of expected differences
 * (a new difference and a listed one that is gone both fail) and the reading of the action's
 * error annotation.
 */
import { describe, expect, it } from "vitest";
import { parseErrorAnnotation } from "./lib/action.js";
import { type Difference, type ExpectedList, UNEXPLAINED, checkAgainstExpected, explainFailure, reasonOf } from "./lib/differences.js";

const listed: Difference = { file: "a.csv", test: "load", kind: "string-type", detail: "x: python large_string action string" };
const list: ExpectedList = {
  about: "",
  reasons: { "string-type": "pandas 3" },
  differences: [listed, { file: "b.json", test: "load", kind: "action-refuses", detail: "b.json:1: bad", why: UNEXPLAINED }],
};

describe("expected differences", () => {
  it("passes when a file shows exactly its listed differences", () => {
    expect(checkAgainstExpected("a.csv", "load", [{ ...listed }], list)).toEqual({ unexpected: [], gone: [] });
    expect(checkAgainstExpected("a.csv", "layout", [], list)).toEqual({ unexpected: [], gone: [] });
  });

  it("reports a new difference, and a listed one that is gone, and says what to do", () => {
    const changed = { ...listed, detail: "x: python large_string action large_binary" };
    const result = checkAgainstExpected("a.csv", "load", [changed], list);
    expect(result).toEqual({ unexpected: [changed], gone: [listed] });
    const text = explainFailure("a.csv", "load", result);
    expect(text).toContain("NEW difference (load) a.csv: [string-type] x: python large_string action large_binary");
    expect(text).toContain("GONE (load) a.csv: [string-type] x: python large_string action string no longer occurs");
  });

  it("takes a reason from the entry or its kind, never UNEXPLAINED", () => {
    expect(reasonOf(listed, list)).toBe("pandas 3");
    expect(reasonOf(list.differences[1]!, list)).toBeUndefined();
    expect(reasonOf({ ...listed, why: "own reason" }, list)).toBe("own reason");
  });
});

describe("the action's error annotation", () => {
  it("gives the message, file and line, with the runner's escapes undone", () => {
    const line = "::error title=Invalid data,file=dir/a%2Cb.csv,line=7::dir/a,b.csv:7: expected 3 fields%0Afound 4 (50%25)";
    expect(parseErrorAnnotation(`log\n${line}\nmore`)).toEqual({
      message: "dir/a,b.csv:7: expected 3 fields\nfound 4 (50%)",
      file: "dir/a,b.csv",
      line: "7",
    });
    expect(parseErrorAnnotation("no annotation")).toBeUndefined();
  });
});

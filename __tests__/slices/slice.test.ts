import { describe, expect, it } from "vitest";
import { parseSlice, sliceCuts, sliceFiles } from "../../src/slices/slice.js";

describe("parseSlice", () => {
  it("reads i/n, 1-based", () => {
    expect(parseSlice("3/16")).toEqual({ index: 3, count: 16 });
    expect(parseSlice(" 1 / 1 ")).toEqual({ index: 1, count: 1 });
  });

  it("refuses what is not a slice", () => {
    expect(() => parseSlice("0/4")).toThrow(/between 1 and 4/);
    expect(() => parseSlice("5/4")).toThrow(/between 1 and 4/);
    expect(() => parseSlice("1/0")).toThrow(/number of slices/);
    expect(() => parseSlice("3")).toThrow(/write i\/n/);
    expect(() => parseSlice("1.5/4")).toThrow(/write i\/n/);
  });
});

describe("sliceCuts", () => {
  it("cuts contiguous runs of similar byte totals", () => {
    expect(sliceCuts([10, 10, 10, 10], 2)).toEqual([0, 2, 4]);
    expect(sliceCuts([30, 10, 10, 10], 2)).toEqual([0, 1, 4]);
    expect(sliceCuts([1, 1, 1, 1, 1, 1, 1, 1, 1], 3)).toEqual([0, 3, 6, 9]);
  });

  it("covers every item once, in order, for any number of slices", () => {
    const sizes = Array.from({ length: 37 }, (_, i) => ((i * 7919) % 101) + 1);
    for (const n of [1, 2, 5, 8, 37, 50]) {
      const cuts = sliceCuts(sizes, n);
      expect(cuts).toHaveLength(n + 1);
      expect(cuts[0]).toBe(0);
      expect(cuts[n]).toBe(sizes.length);
      for (let k = 1; k <= n; k++) expect(cuts[k]).toBeGreaterThanOrEqual(cuts[k - 1]!);
    }
  });

  it("keeps each slice near its share of the bytes", () => {
    const sizes = Array.from({ length: 400 }, (_, i) => ((i * 7919) % 1000) + 1);
    const total = sizes.reduce((a, b) => a + b, 0);
    const cuts = sliceCuts(sizes, 8);
    for (let k = 0; k < 8; k++) {
      const bytes = sizes.slice(cuts[k], cuts[k + 1]).reduce((a, b) => a + b, 0);
      expect(Math.abs(bytes - total / 8)).toBeLessThanOrEqual(1000);
    }
  });

  it("leaves slices empty when there are fewer files than slices, and a big file takes the shares it spans", () => {
    expect(sliceCuts([5, 5], 4)).toEqual([0, 0, 1, 1, 2]);
    expect(sliceCuts([100, 1, 1], 3)).toEqual([0, 0, 1, 3]);
    expect(sliceCuts([0, 0, 0, 0], 2)).toEqual([0, 2, 4]);
  });
});

describe("sliceFiles", () => {
  const splits = [
    { split: "train", files: ["a", "b", "c"] },
    { split: "test", files: ["d"] },
  ];
  it("deals the (split, file) list out in order; slices put end to end give back every split's files", () => {
    const parts = [1, 2, 3].map((index) => sliceFiles(splits, () => 10, { index, count: 3 }));
    expect(parts[0]).toEqual([
      { split: "train", files: ["a"] },
      { split: "test", files: [] },
    ]);
    for (const [i, s] of splits.entries()) expect(parts.flatMap((p) => p[i]!.files)).toEqual(s.files);
  });
});

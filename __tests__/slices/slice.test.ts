import { describe, expect, it } from "vitest";
import { parseSlice, sliceCuts, sliceFilesCutting } from "../../src/slices/slice.js";

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

  it("moves past empty files to the nearest edge (it used to stop before them)", () => {
    expect(sliceCuts([1, 0, 60, 60], 3)).toEqual([0, 3, 3, 4]);
    expect(sliceCuts([5, 0, 5], 2)).toEqual([0, 2, 3]);
  });
});

describe("sliceFilesCutting, with files that are never cut", () => {
  const splits = [
    { split: "train", files: ["a", "b", "c"] },
    { split: "test", files: ["d"] },
  ];
  const never = { canCut: async () => false, findCuts: async (_: string, offsets: number[]) => offsets.map(() => undefined) };
  it("deals the (split, file) list out in order; slices put end to end give back every split's files", async () => {
    const parts = await Promise.all([1, 2, 3].map((index) => sliceFilesCutting(splits, () => 10, { index, count: 3 }, never)));
    expect(parts[0]).toEqual([
      { split: "train", files: [{ file: "a" }] },
      { split: "test", files: [] },
    ]);
    for (const [i, s] of splits.entries()) expect(parts.flatMap((p) => p[i]!.files.map((f) => f.file))).toEqual(s.files);
  });
});

describe("sliceFilesCutting", () => {
  interface Item {
    name: string;
    size: number;
    cuttable: boolean;
  }
  // Records every 10 bytes; cuts are where they start.
  const cutter = {
    canCut: async (f: Item) => f.cuttable,
    findCuts: async (f: Item, offsets: number[]) => offsets.map((o) => (Math.ceil(o / 10) * 10 < f.size ? { byte: Math.ceil(o / 10) * 10 } : undefined)),
  };
  const slicesOf = (splits: { split: string; files: Item[] }[], count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => sliceFilesCutting(splits, (f) => f.size, { index: i + 1, count }, cutter)));
  /** Every slice's bytes of each file, in slice order: [file, from, to]. */
  const spans = (slices: Awaited<ReturnType<typeof slicesOf>>) =>
    slices.flatMap((s) => s.flatMap((split) => split.files.map((f) => [f.file.name, f.from?.byte ?? 0, f.to?.byte ?? f.file.size] as const)));

  it("cuts a file bigger than its share at record starts; the slices' pieces follow each other and cover it", async () => {
    const big = { name: "big", size: 1000, cuttable: true };
    const splits = [
      { split: "train", files: [{ name: "a", size: 30, cuttable: true }, big, { name: "c", size: 30, cuttable: true }] },
      { split: "test", files: [{ name: "d", size: 40, cuttable: true }] },
    ];
    for (const count of [1, 2, 3, 4, 7, 16]) {
      const all = spans(await slicesOf(splits, count));
      // Put end to end, the pieces give each file once, in order.
      const merged: [string, number, number][] = [];
      for (const [name, from, to] of all) {
        const last = merged[merged.length - 1];
        if (last && last[0] === name) {
          expect(from, `${name} in ${count} slices`).toBe(last[2]);
          last[2] = to;
        } else merged.push([name, from, to]);
      }
      expect(merged).toEqual([["a", 0, 30], ["big", 0, 1000], ["c", 0, 30], ["d", 0, 40]]);
      for (const [, from, to] of all) {
        expect(from % 10).toBe(0);
        expect(to === 1000 || to % 10 === 0).toBe(true);
      }
    }
    // 4 slices of 1100 bytes: shares end at bytes 275, 550 and 825, the big file's 245, 520 and 795: cut at the next records.
    const four = await slicesOf(splits, 4);
    expect(spans(four)).toEqual([
      ["a", 0, 30],
      ["big", 0, 250],
      ["big", 250, 520],
      ["big", 520, 800],
      ["big", 800, 1000],
      ["c", 0, 30],
      ["d", 0, 40],
    ]);
  });

  it("keeps files that cannot be cut, have no record to cut at, or are not bigger than a share, whole (at sliceCuts' edges)", async () => {
    const splits = [{ split: "train", files: [{ name: "a", size: 100, cuttable: false }, { name: "b", size: 10, cuttable: true }, { name: "c", size: 12, cuttable: true }] }];
    // A 9-byte file holds one record (no cut): the boundary inside it goes to its nearest edge.
    const noCut = [{ split: "train", files: [{ name: "a", size: 7, cuttable: true }, { name: "b", size: 9, cuttable: true }] }];
    const halves = await slicesOf(noCut, 2);
    expect(halves.map((s) => s[0]!.files.map((f) => [f.file.name, f.from, f.to]))).toEqual([[["a", undefined, undefined]], [["b", undefined, undefined]]]);
    for (const count of [2, 3, 5]) {
      const sliced = await slicesOf(splits, count);
      const edges = sliceCuts(splits[0]!.files.map((f) => f.size), count);
      const plain = Array.from({ length: count }, (_, k) => splits[0]!.files.slice(edges[k], edges[k + 1]));
      expect(sliced.map((s) => s[0]!.files.map((f) => f.file))).toEqual(plain);
      expect(spans(sliced).every(([, from, to]) => from === 0 && (to === 100 || to === 10 || to === 12))).toBe(true);
    }
  });

  it("keeps the slices in order next to an empty file", async () => {
    const splits = [
      {
        split: "train",
        files: [
          { name: "a", size: 1, cuttable: true },
          { name: "empty", size: 0, cuttable: true },
          { name: "big", size: 60, cuttable: true },
          { name: "gz", size: 60, cuttable: false },
        ],
      },
    ];
    expect(spans(await slicesOf(splits, 3))).toEqual([
      ["a", 0, 1],
      ["empty", 0, 0],
      ["big", 0, 40],
      ["big", 40, 60],
      ["gz", 0, 60],
    ]);
  });

  it("leaves a slice empty when its cuts find the same record, or none before the end", async () => {
    // Records every 10 bytes of a 25-byte file, 8 slices: most boundaries meet at bytes 10 and 20.
    const splits = [{ split: "train", files: [{ name: "tiny", size: 25, cuttable: true }] }];
    const sliced = await slicesOf(splits, 8);
    expect(spans(sliced)).toEqual([
      ["tiny", 0, 10],
      ["tiny", 10, 20],
      ["tiny", 20, 25],
    ]);
  });
});

/**
 * Where a split's rows are cut into row groups and shards (src/data/write/row-groups.ts,
 * docs/parquet.md#row-groups): cuts that depend on the rows only (not on how they are
 * batched), that an edit moves only next to it, shard ends at a row group end within the
 * last 20 % of Python's even share, and Python's own cuts when the rows offer none. A small
 * rule (row groups of a few kB) stands for the real one (tens of MB).
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { type RowGroupRule, SplitCutter } from "../../src/data/write/row-groups.js";
import { shardRanges } from "../../src/data/write/shards.js";

const RULE: RowGroupRule = { gapBytes: 2_000, minBytes: 2_000, maxBytes: 8_000, floorBytes: 8 };

const SCHEMA = new arrow.Schema([new arrow.Field("id", new arrow.Int64(), true), new arrow.Field("text", new arrow.Utf8(), true)]);

/** Batches of `batchRows` rows holding `ids` and a text made from each id. */
async function* batchesOf(ids: number[], batchRows: number): AsyncGenerator<arrow.RecordBatch> {
  for (let at = 0; at < ids.length; at += batchRows) {
    const slice = ids.slice(at, at + batchRows);
    const children = [
      arrow.makeData({ type: new arrow.Int64(), length: slice.length, nullCount: 0, data: BigInt64Array.from(slice, BigInt) }),
      arrow.vectorFromArray(slice.map((i) => `row ${i} `.repeat(1 + (i % 5))), new arrow.Utf8()).data[0]!,
    ];
    yield new arrow.RecordBatch(SCHEMA, arrow.makeData({ type: new arrow.Struct(SCHEMA.fields), length: slice.length, nullCount: 0, children }));
  }
}

/** Per shard, its row groups as lists of ids; checks that every shard ends a row group. */
async function cut(ids: number[], shards: number, batchRows: number, rule = RULE): Promise<number[][][]> {
  const cutter = new SplitCutter(batchesOf(ids, batchRows)[Symbol.asyncIterator](), shardRanges(ids.length, shards), rule);
  const out: number[][][] = [];
  for (let s = 0; s < shards; s++) {
    const groups: number[][] = [[]];
    let last = true;
    for await (const piece of cutter.shard()) {
      groups[groups.length - 1]!.push(...Array.from(piece.batch.getChild("id")!.toArray() as BigInt64Array, Number));
      if (piece.last) groups.push([]);
      last = piece.last;
    }
    expect(last).toBe(true);
    groups.pop();
    out.push(groups);
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("row groups and shard ends where the rows say", () => {
  it("cut the same rows whatever the batches", async () => {
    const ids = range(0, 5_000);
    const byThree = await cut(ids, 1, 3);
    expect(byThree[0]!.length).toBeGreaterThan(5);
    expect(await cut(ids, 1, 1_000)).toEqual(byThree);
    expect(await cut(ids, 1, 4_999)).toEqual(byThree);
  });

  it("an edit moves only the row groups next to it: rows inserted at the start, a block deleted in the middle", async () => {
    const ids = range(0, 5_000);
    const [base] = await cut(ids, 1, 100);
    const key = (g: number[]) => g.join(",");
    const [inserted] = await cut([...range(10_000, 10_050), ...ids], 1, 100);
    const kept = new Set(inserted!.map(key));
    // All but the row groups that held the first rows are the same rows again.
    const changed = base!.filter((g) => !kept.has(key(g)));
    expect(changed.length).toBeLessThanOrEqual(2);
    expect(changed.every((g) => g[0]! < 1_000)).toBe(true);

    const [deleted] = await cut([...range(0, 2_500), ...range(2_550, 5_000)], 1, 100);
    const after = new Set(deleted!.map(key));
    const lost = base!.filter((g) => !after.has(key(g)));
    expect(lost.length).toBeLessThanOrEqual(3);
    expect(lost.every((g) => g[g.length - 1]! >= 2_000 && g[0]! <= 3_500)).toBe(true);
  });

  it("a shard ends at a row group end in the last 20 % of its even share, never past Python's cut", async () => {
    const ids = range(0, 6_000);
    const shards = await cut(ids, 3, 250);
    const python = shardRanges(ids.length, 3);
    let start = 0;
    let early = 0;
    for (const [i, groups] of shards.entries()) {
      const rows = groups.flat();
      expect(rows[0]).toBe(start);
      const end = start + rows.length;
      const [from, to] = python[i]!;
      if (i < shards.length - 1) {
        expect(end).toBeLessThanOrEqual(to);
        expect(end).toBeGreaterThanOrEqual(to - Math.floor(0.2 * (to - from)));
        if (end < to) early++;
      } else expect(end).toBe(ids.length);
      start = end;
    }
    // The row groups chose the ends, not Python's cuts.
    expect(early).toBe(2);
  });

  it("cuts shards exactly as Python does when the rows offer no row group end (data too small)", async () => {
    const ids = range(0, 3_001);
    const big: RowGroupRule = { gapBytes: 1e12, minBytes: 1e12, maxBytes: 1e12, floorBytes: 8 };
    const shards = await cut(ids, 3, 100, big);
    expect(shards.map((groups) => groups.length)).toEqual([1, 1, 1]);
    expect(shards.map((groups) => [groups[0]![0], groups[0]![groups[0]!.length - 1]! + 1])).toEqual(shardRanges(3_001, 3));
  });
});

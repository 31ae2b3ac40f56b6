/**
 * Content-defined page boundaries (src/data/write/pages/cdc.ts): the gear
 * tables and mask of Arrow C++'s chunker, the WebAssembly scan equal to
 * the JavaScript reference, boundaries that do not depend on how a column
 * arrives in batches, and — the point — the very rows where pyarrow 25
 * (what `datasets` 5 writes with) starts its pages, for every flat type and
 * for lists, structs and their nesting (__tests__/fixtures/cdc/pyarrow-pages.json,
 * made by make-fixture.ts).
 */
import { readFileSync } from "node:fs";
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { rng } from "../../../bench/generate.js";
import { batchToStorage, hashRules, storageSchema } from "../../../src/data/model/storage.js";
import { ContentDefinedChunker, DATASETS_CDC, cdcMetadata } from "../../../src/data/write/pages/cdc.js";
import { gearTables, maskBits } from "../../../src/data/write/pages/gear.js";
import { Kernels, type Levels } from "../../../src/data/write/pages/kernels.js";
import { type HashValues, hashValues } from "../../../src/data/write/pages/physical.js";
import { leavesOf } from "../../../src/data/write/pages/leaf.js";
import { gatherValues, leafFields, shred } from "../../../src/data/write/pages/shred.js";
import type { Validity } from "../../../src/data/write/pages/statistics.js";
import { FooterTemplates } from "../../../src/data/write/templates.js";
import { ROWS, ROW_GROUP_ROWS, parityTable } from "../../fixtures/cdc/columns.js";

const tables = gearTables();
const kernels = new Kernels(tables);
const hex = (k: number) => `0x${tables.hi[k]!.toString(16).padStart(8, "0")}${tables.lo[k]!.toString(16).padStart(8, "0")}`;
/** The levels of a flat nullable column: from its validity. */
const FLAT: Levels = { def: null, rep: null, maxDef: 1, maxRep: 0 };
const validityOf = (data: arrow.Data): Validity => ({ bits: data.nullCount > 0 ? (data.nullBitmap ?? null) : null, offset: data.offset });

describe("the gear hash", () => {
  it("rebuilds Arrow's eight tables (entries pinned from chunker_internal_generated.h)", () => {
    expect(hex(0)).toBe("0xf09f35a563783945");
    expect(hex(1)).toBe("0x0dcc5b3bc5ae410a");
    expect(hex(7 * 256 + 255)).toBe("0x8df9314914f0857e");
  });

  it("uses Arrow's mask: 15 top bits for datasets' 256 KiB / 1 MiB / norm 0, and refuses impossible settings", () => {
    expect(maskBits(262_144, 1_048_576, 0)).toBe(15);
    expect(maskBits(262_144, 1_048_576, 2)).toBe(13);
    expect(() => maskBits(1000, 1000, 0)).toThrow(/greater than min_chunk_size/);
    expect(() => maskBits(-1, 10, 0)).toThrow(/non-negative/);
    expect(() => maskBits(0, 16, 0)).toThrow(/between 1 and 63/);
  });

  it("writes the footer entry as datasets does (json.dumps of its options)", () => {
    expect(cdcMetadata(DATASETS_CDC)).toBe('{"min_chunk_size": 262144, "max_chunk_size": 1048576, "norm_level": 0}');
  });
});

/** Random columns of each layout, with and without nulls. */
function randomColumns(rows: number, seed: number): arrow.Data[] {
  const r = rng(seed);
  const values = <T>(make: () => T, nullShare: number) => Array.from({ length: rows }, () => (r() < nullShare ? null : make()));
  return [
    arrow.vectorFromArray(values(() => Math.floor(r() * 256) - 128, 0), new arrow.Int8()).data[0]!,
    arrow.vectorFromArray(values(() => Math.floor(r() * 65536), 0.2), new arrow.Uint16()).data[0]!,
    arrow.vectorFromArray(values(() => r() * 1e6, 0.05), new arrow.Float64()).data[0]!,
    arrow.vectorFromArray(values(() => r() < 0.5, 0.1), new arrow.Bool()).data[0]!,
    arrow.vectorFromArray(values(() => "x".repeat(Math.floor(r() * 40)) + String(r()), 0.1), new arrow.Utf8()).data[0]!,
    arrow.vectorFromArray(values(() => Uint32Array.from({ length: 4 }, () => Math.floor(r() * 2 ** 32)), 0.1), new arrow.Decimal(0, 30, 128)).data[0]!,
    arrow.vectorFromArray(values(() => null, 1), new arrow.Null()).data[0]!,
  ];
}

/** Cuts of one column fed in batches of `batchRows` (the chunker carries on from batch to batch). */
function cutsInBatches(data: arrow.Data, batchRows: number, use: "kernel" | "javascript", options = DATASETS_CDC): number[] {
  const chunker = new ContentDefinedChunker(options);
  const cuts: number[] = [];
  for (let start = 0; start < data.length; start += batchRows) {
    const slice = data.slice(start, Math.min(batchRows, data.length - start));
    const hash = hashValues(slice, "stored");
    const found =
      use === "kernel"
        ? chunker.cuts(kernels, hash, validityOf(slice), slice.length, FLAT)
        : chunker.jsCuts(tables, hash, validityOf(slice), slice.length, FLAT);
    cuts.push(...found.map((c) => c + start));
  }
  return cuts;
}

describe("the WebAssembly scan", () => {
  it("finds the cuts the JavaScript reference finds in nested columns (levels hashed, cuts at a record's start)", () => {
    const table = parityTable();
    const stored = storageSchema(table.schema);
    const leaves = leavesOf(new FooterTemplates().get(stored, { compression: "none", metadata: [] }));
    const small = { minChunkSize: 512, maxChunkSize: 4096, normLevel: 0 };
    for (const [c, field] of stored.fields.entries()) {
      if (!field.type.children?.length) continue;
      const column = batchToStorage(new arrow.RecordBatch(table.schema, table.batches[0]!.data), table.schema, stored).data.children[c]!.slice(0, 20_000);
      shred(field, column, leaves[c]!).forEach((triplets, l) => {
        const leaf = leaves[c]![l]!;
        const values = gatherValues(triplets, leaf.maxDef);
        const levels: Levels = { def: triplets.def, rep: triplets.rep, maxDef: leaf.maxDef, maxRep: leaf.maxRep };
        const hash = hashValues(values, "stored");
        const expected = new ContentDefinedChunker(small).jsCuts(tables, hash, validityOf(values), triplets.count, levels);
        expect(expected.length).toBeGreaterThan(20);
        if (triplets.rep) for (const cut of expected) expect(triplets.rep[cut], `${field.name}: a cut at a record's start`).toBe(0);
        expect(new ContentDefinedChunker(small).cuts(kernels, hash, validityOf(values), triplets.count, levels), `${field.name}, leaf ${l}`).toEqual(expected);
      });
    }
  });

  // Small chunks, so that a few thousand rows make many of them.
  const small = { minChunkSize: 512, maxChunkSize: 4096, normLevel: 0 };

  it("finds the cuts the JavaScript reference finds, for every layout, with and without nulls", () => {
    for (const data of randomColumns(30_000, 7)) {
      const expected = cutsInBatches(data, 30_000, "javascript", small);
      expect(expected.length, String(data.type)).toBeGreaterThan(data.typeId === arrow.Type.Null ? 10 : 20);
      expect(cutsInBatches(data, 30_000, "kernel", small), String(data.type)).toEqual(expected);
    }
  });

  it("cuts the same rows whatever the batches a column arrives in", () => {
    for (const data of randomColumns(20_000, 11)) {
      const whole = cutsInBatches(data, 20_000, "kernel", small);
      for (const batchRows of [1, 7, 1000, 4096]) expect(cutsInBatches(data, batchRows, "kernel", small), `${String(data.type)} in ${batchRows}s`).toEqual(whole);
    }
  });

  it("hashes a value larger than its scratch slice (one row per slice)", () => {
    const big = "y".repeat(3 << 20);
    const data = arrow.vectorFromArray(["a", big, "b", big, "c"], new arrow.Utf8()).data[0]!;
    const hash: HashValues = hashValues(data, "stored");
    expect(new ContentDefinedChunker(DATASETS_CDC).cuts(kernels, hash, validityOf(data), 5, FLAT)).toEqual(new ContentDefinedChunker(DATASETS_CDC).jsCuts(tables, hash, validityOf(data), 5, FLAT));
  });
});

describe("page boundaries equal to pyarrow 25's (datasets' settings, one chunker per row group)", () => {
  const fixture = JSON.parse(readFileSync(new URL("../../fixtures/cdc/pyarrow-pages.json", import.meta.url), "utf8")) as { rowGroupRows: number; pages: Record<string, number[][]> };
  const table = parityTable();
  // What the shards store (timestamp[s] as milliseconds, date64 as days, time32[s] as milliseconds), hashed as pyarrow hashes the dataset's values.
  const stored = storageSchema(table.schema);
  const rules = hashRules(table.schema);
  const batch = batchToStorage(new arrow.RecordBatch(table.schema, table.batches[0]!.data), table.schema, stored);
  // The leaves as arrow-rs's schema gives them (levels), in file order: pyarrow's pages for leaf k are the fixture's k-th entry.
  const leaves = leavesOf(new FooterTemplates().get(stored, { compression: "none", metadata: [] }));
  const expected = Object.values(fixture.pages);

  it("uses the fixture's row groups and leaves", () => {
    expect(fixture.rowGroupRows).toBe(ROW_GROUP_ROWS);
    expect(table.numRows).toBe(ROWS);
    expect(leaves.flat().length).toBe(expected.length);
  });

  let k = 0;
  for (const [c, field] of stored.fields.entries()) {
    const paths = leafFields(field);
    for (const [l, path] of paths.entries()) {
      const at = k++;
      it(`${path.map((f) => f.name).join(".")} (${String(path.at(-1)!.type)}${paths.length > 1 || path.length > 1 ? ` in ${String(field.type)}` : ""})`, () => {
        const leaf = leaves[c]![l]!;
        const ours: number[][] = [];
        for (let start = 0; start < ROWS; start += ROW_GROUP_ROWS) {
          const rowGroup = batch.data.children[c]!.slice(start, Math.min(ROW_GROUP_ROWS, ROWS - start));
          const triplets = shred(field, rowGroup, leaves[c]!)[l]!;
          const values = gatherValues(triplets, leaf.maxDef);
          const chunker = new ContentDefinedChunker(DATASETS_CDC);
          const hash = hashValues(values, rules[JSON.stringify(path.map((f) => f.name))] ?? "stored");
          const levels: Levels = { def: triplets.def, rep: triplets.rep, maxDef: leaf.maxDef, maxRep: leaf.maxRep };
          ours.push(chunker.cuts(kernels, hash, validityOf(values), triplets.count, levels).filter((cut) => cut > 0));
        }
        expect(ours).toEqual(expected[at]);
      });
    }
  }
});

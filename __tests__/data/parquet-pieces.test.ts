/**
 * The Parquet reader's pieces (read/parquet/file.ts, ffi.ts):
 * footer-only profiles are exact, batches and values are those of
 * parquet-wasm's own record batch stream (which today's shards were written
 * from), a row group is read a few pages at a time, Arrow data comes out of
 * wasm memory intact (offsets, unaligned bitmaps, nesting), and broken files
 * are errors naming the file.
 */
import { openAsBlob } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as arrow from "apache-arrow";
import * as parquet from "parquet-wasm/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { featureFromArrow } from "../../src/model/features.js";
import { ParquetReader, pythonBatchEnds } from "../../src/data/read/parquet/parquet.js";
import { WasmView, batchColumns, importArray } from "../../src/data/read/parquet/ffi.js";
import { ParquetFile } from "../../src/data/read/parquet/file.js";
import { type SizeStats, addData, closeBatch, emptyStats } from "../../src/data/model/sizes.js";
import { query } from "../helpers/duckdb.js";
import { convertFiles, dataFile, rejection, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

let dir: string;
const N = 60_000;

/** An Arrow table of many shapes (nulls everywhere), written by arrow-rs with the given settings. */
async function arrowRsFile(name: string, settings: { version: parquet.WriterVersion; pageBytes: number; rowGroupRows: number; statistics: parquet.EnabledStatistics }): Promise<string> {
  const strs = Array.from({ length: N }, (_, i) => (i % 17 === 0 ? null : `s${i % 500}-${"q".repeat(i % 40)}`));
  const table = new arrow.Table({
    id: arrow.makeVector(Int32Array.from({ length: N }, (_, i) => i)),
    s: arrow.vectorFromArray(strs, new arrow.Utf8()),
    big: arrow.vectorFromArray(strs, new arrow.LargeUtf8()),
    flag: arrow.vectorFromArray(Array.from({ length: N }, (_, i) => (i % 5 === 0 ? null : i % 3 === 0)), new arrow.Bool()),
    l: arrow.vectorFromArray(
      Array.from({ length: N }, (_, i) => (i % 13 === 0 ? null : Array.from({ length: i % 6 }, (_, k) => (k === 2 ? null : i + k)))),
      new arrow.List(new arrow.Field("item", new arrow.Int32(), true)),
    ),
    d: arrow.vectorFromArray(Array.from({ length: N }, (_, i) => (i % 19 === 0 ? null : ["red", "green", "blue"][i % 3])), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    st: arrow.vectorFromArray(
      Array.from({ length: N }, (_, i) => (i % 23 === 0 ? null : { p: i % 100, q: i % 3 === 0 ? null : `q${i}` })),
      new arrow.Struct([new arrow.Field("p", new arrow.Int32(), true), new arrow.Field("q", new arrow.Utf8(), true)]),
    ),
    ts: arrow.vectorFromArray(Array.from({ length: N }, (_, i) => (i % 29 === 0 ? null : 1_700_000_000_000 + i * 1000)), new arrow.TimestampMillisecond("Europe/Paris")),
  });
  let builder = new parquet.WriterPropertiesBuilder();
  builder = builder
    .setWriterVersion(settings.version)
    .setDataPageSizeLimit(settings.pageBytes)
    .setMaxRowGroupSize(settings.rowGroupRows)
    .setStatisticsEnabled(settings.statistics)
    .setCompression(parquet.Compression.SNAPPY);
  const file = path.join(dir, name);
  await writeFile(file, parquet.writeParquet(parquet.Table.fromIPCStream(arrow.tableToIPC(table, "stream")), builder.build()));
  return file;
}

const FILES: Record<string, () => Promise<string>> = {
  "arrow-rs v1 pages, page index, size statistics": () =>
    arrowRsFile("v1.parquet", { version: parquet.WriterVersion.V1, pageBytes: 16 * 1024, rowGroupRows: 25_000, statistics: parquet.EnabledStatistics.Page }),
  "arrow-rs v2 pages": () => arrowRsFile("v2.parquet", { version: parquet.WriterVersion.V2, pageBytes: 8 * 1024, rowGroupRows: 40_000, statistics: parquet.EnabledStatistics.Page }),
  "arrow-rs without statistics or page index": () =>
    arrowRsFile("none.parquet", { version: parquet.WriterVersion.V1, pageBytes: 4 * 1024, rowGroupRows: N, statistics: parquet.EnabledStatistics.None }),
  "DuckDB, nested, zstd": async () => {
    const file = path.join(dir, "duck.parquet");
    await query(`copy (select i, case when i % 5 = 0 then null else [i, i + 1, i % 3] end as l,
      case when i % 11 = 0 then null else {'a': i % 13, 'b': case when i % 3 = 0 then null else 'v' || (i % 1000) end, 'c': [i % 4, i % 5]} end as st,
      case when i % 7 = 0 then null else [{'k': 'x' || i, 'v': i * 1.5}] end as ls,
      case when i % 9 = 0 then null else repeat('t', (i % 50)::int) end as txt, (i % 3)::tinyint as small
      from range(${N}) t(i)) to '${file}' (format parquet, row_group_size 45000, compression zstd)`);
    return file;
  },
};

const files: Record<string, string> = {};

beforeAll(async () => {
  dir = await tempDir();
  for (const [name, make] of Object.entries(FILES)) files[name] = await make();
});

/** Batches of parquet-wasm's async record batch stream, the way the reader used to read (and today's shards were written). */
async function streamBatches(file: string, batchSize: number): Promise<arrow.RecordBatch[]> {
  const pf = await parquet.ParquetFile.fromFile(await openAsBlob(file));
  const out: arrow.RecordBatch[] = [];
  const stream = (await pf.stream({ batchSize })) as ReadableStream<parquet.RecordBatch>;
  for await (const b of stream as unknown as AsyncIterable<parquet.RecordBatch>) out.push(...arrow.tableFromIPC(b.intoIPCStream()).batches);
  pf.free();
  return out;
}

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));
const values = (data: arrow.Data) => json(arrow.makeVector(data).toJSON());

describe("the Parquet reader", () => {
  for (const name of Object.keys(FILES)) {
    it(`profiles exactly what decoding everything measures: ${name}`, async () => {
      const file = files[name]!;
      const reader = new ParquetReader(file, "x.parquet");
      const profile = await reader.profile(new Map());
      // The reference: every value decoded, counted in Python's record batches (pythonBatchEnds of each row group).
      const pf = await ParquetFile.open(file);
      const groups = pf.rowGroups.map((rg) => rg.rows);
      await pf.close();
      const ends = new Set<number>();
      let start = 0;
      for (const rows of groups) {
        for (const end of pythonBatchEnds(rows, groups[0]!)) ends.add(start + end);
        start += rows;
      }
      const reference = new Map<string, SizeStats>();
      let row = 0;
      for (const batch of await streamBatches(file, 10_000)) {
        for (const field of batch.schema.fields) {
          let data = batch.getChild(field.name)!.data[0]!;
          // The reader decodes dictionary columns to their values (their feature is the value type).
          if (arrow.DataType.isDictionary(field.type)) data = arrow.vectorFromArray([...arrow.makeVector(data)], field.type.dictionary).data[0]!;
          const stats = reference.get(field.name) ?? emptyStats();
          reference.set(field.name, stats);
          let from = 0;
          for (let i = 1; i <= data.length; i++)
            if (ends.has(row + i)) {
              addData(stats, data, from, i);
              closeBatch(stats);
              from = i;
            }
          addData(stats, data, from, data.length);
        }
        row += batch.numRows;
      }
      for (const c of profile.columns) expect([c.name, c.stats]).toEqual([c.name, reference.get(c.name)]);
    });

    it(`hands out the same batches and values as parquet-wasm's stream: ${name}`, async () => {
      const file = files[name]!;
      const reader = new ParquetReader(file, "x.parquet");
      const profile = await reader.profile(new Map());
      const cursor = await reader.open(profile.columns.map((c) => ({ name: c.name, feature: c.feature! })));
      // batchRows for these files is 65536 (small row groups): the stream cuts batches at row group ends.
      const expected = await streamBatches(file, 65_536);
      // Ask for rows the way shards do: a short first request, then large ones.
      const sizes = [777, 100_000];
      let k = 0;
      for (const want of expected) {
        let done = 0;
        while (done < want.numRows) {
          const batch = (await cursor.next(sizes[Math.min(k++, sizes.length - 1)]!))!;
          expect(batch.rows).toBe(Math.min(k === 1 ? 777 : 100_000, want.numRows - done));
          for (const [i, field] of want.schema.fields.entries()) {
            const data = want.getChildAt(i)!.data[0]!.slice(done, batch.rows);
            // Dictionary columns are decoded to their values by the reader (their feature is a plain value).
            const got = batch.columns[i]!;
            if (arrow.DataType.isDictionary(field.type)) expect(json(arrow.makeVector(got).toArray())).toBe(json(arrow.makeVector(data).toArray()));
            else expect([field.name, values(got)]).toEqual([field.name, values(data)]);
          }
          done += batch.rows;
        }
      }
      expect(await cursor.next(10)).toBeUndefined();
      await cursor.close();
    });
  }

  it("reads a row group larger than a batch a few pages at a time", async () => {
    const file = files["arrow-rs v2 pages"]!;
    const pf = await ParquetFile.open(file);
    try {
      const rg = pf.rowGroups[0]!;
      expect(rg.rows).toBe(40_000);
      for (const field of pf.fields) {
        const window = await pf.window(rg, field, 10_000, 11_000);
        // The piece starts and ends on page boundaries of every leaf, around the rows asked for.
        expect(window.start).toBeLessThanOrEqual(10_000);
        expect(window.end).toBeGreaterThanOrEqual(11_000);
        expect(window.end - window.start).toBeLessThan(rg.rows);
        // 8 KB pages of strings hold a few thousand rows: the piece is a few pages, not the row group.
        if (field.name === "s") expect(window.end - window.start).toBeLessThan(rg.rows / 4);
      }
    } finally {
      await pf.close();
    }
  });

  it("re-shards files written by arrow-rs and DuckDB across shards, value for value", async () => {
    const file = files["DuckDB, nested, zstd"]!;
    const { conversion } = await convertFiles([dataFile(path.dirname(file), path.basename(file))], { numShards: 3 });
    expect(conversion.splits[0]!.shards.map((s) => s.rows)).toEqual([20_000, 20_000, 20_000]);
    const out = conversion.splits[0]!.shards.map((s) => `'${s.localPath}'`).join(", ");
    expect(await query(`select * from read_parquet([${out}]) order by i`)).toEqual(await query(`select * from read_parquet('${file}') order by i`));
  });

  it("copies Arrow data out of wasm memory at any offset: unaligned bitmaps, strings, lists, structs", async () => {
    const file = files["arrow-rs v1 pages, page index, size statistics"]!;
    const table = parquet.readParquet(await readFile(file), { batchSize: 5_000 });
    const schema = arrow.tableFromIPC(table.schema.intoIPCStream()).schema;
    const batch = table.recordBatch(0)!;
    const expected = arrow.tableFromIPC(batch.slice(3, 4_000).intoIPCStream()).batches[0]!;
    const ffi = batch.slice(3, 4_000).intoFFI();
    try {
      const m = new WasmView(parquet.wasmMemory().buffer);
      const { arrays } = batchColumns(m, ffi.arrayAddr(), ffi.schemaAddr());
      for (const [i, field] of schema.fields.entries())
        for (const [start, length] of [[0, 4_000], [5, 1_234], [13, 0], [3_999, 1]] as const) {
          const got = importArray(m, arrays[i]!, field.type, start, length);
          expect(got.offset).toBe(0);
          expect([field.name, start, values(got)]).toEqual([field.name, start, values(expected.getChildAt(i)!.data[0]!.slice(start, length))]);
          expect(got.nullCount).toBe(expected.getChildAt(i)!.data[0]!.slice(start, length).nullCount);
        }
    } finally {
      ffi.free();
      table.free();
    }
  });

  it("decodes and converts in pass 1 the columns a features override changes", async () => {
    const file = files["arrow-rs v1 pages, page index, size statistics"]!;
    const reader = new ParquetReader(file, "x.parquet");
    const overrides = new Map([["id", featureFromArrow(new arrow.Float64())]]);
    const profile = await reader.profile(overrides);
    expect(profile.columns.find((c) => c.name === "id")!.stats).toMatchObject({ count: N, nulls: 0, bytes: 0, validity: 0 });
  });

  it("names the file when its pages are damaged, or it is cut short", async () => {
    const file = files["DuckDB, nested, zstd"]!;
    const bytes = await readFile(file);
    const damaged = Buffer.from(bytes);
    // Overwrite the first column's data (the footer stays intact). Its figures come from the footer, so the
    // damage shows when its pages are decoded, in pass 2.
    for (let i = 200; i < 2_000; i++) damaged[i] = 0xff;
    await writeFile(path.join(dir, "damaged.parquet"), damaged);
    const reader = new ParquetReader(path.join(dir, "damaged.parquet"), "damaged.parquet");
    const profile = await reader.profile(new Map());
    const cursor = await reader.open(profile.columns.map((c) => ({ name: c.name, feature: c.feature! })));
    const e = await rejection(cursor.next(1_000));
    await cursor.close();
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(/^damaged\.parquet: cannot read the Parquet data \(/);

    await writeFile(path.join(dir, "cut.parquet"), bytes.subarray(0, bytes.length - 100));
    const cut = await rejection(convertFiles([dataFile(dir, "cut.parquet")]));
    expect(cut).toBeInstanceOf(DataError);
    expect(cut.message).toMatch(/^cut\.parquet: not a readable Parquet file/);
  });
});

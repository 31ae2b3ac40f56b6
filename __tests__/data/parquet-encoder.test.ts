/**
 * Parallel Parquet encoding: row groups encoded on worker threads (one or
 * two, a share of the columns each) and joined must give the very bytes
 * the calling thread gives, whatever the batches, and read back right in
 * DuckDB; parts joined by moving bytes are what one writer gives.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as arrow from "apache-arrow";
import * as parquet from "parquet-wasm/node";
import { afterAll, describe, expect, it } from "vitest";
import { WorkerPool } from "../../src/data/workers/pool.js";
import { ThreadedEncoder } from "../../src/data/workers/threaded-encoder.js";
import { type RowGroupPiece, encodeShardInline } from "../../src/data/write/shard-encoder.js";
import { type PartSource, type Sink, assembleParquet, leavesPerField, memorySource, openPart } from "../../src/data/write/merge.js";
import { type ArrowRsSettings, type EncoderSettings, writerProperties } from "../../src/data/write/properties.js";
import { decodeStruct, encodeStruct } from "../../src/data/model/thrift.js";
import { query } from "../helpers/duckdb.js";

const workers = new WorkerPool(2);
const encoder = new ThreadedEncoder(workers);
const oneThread = new WorkerPool(1);
afterAll(() => Promise.all([workers.close(), oneThread.close()]));

function sampleTable(rows: number): arrow.Table {
  const strings = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : `text ${i} ${"x".repeat(i % 50)}`)),
    new arrow.Utf8(),
  );
  const lists = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : Array.from({ length: i % 4 }, (_, j) => i + j))),
    new arrow.List(new arrow.Field("item", new arrow.Int32(), true)),
  );
  const structs = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? null : { a: i % 2 === 0, b: i / 8 })),
    new arrow.Struct([new arrow.Field("a", new arrow.Bool(), true), new arrow.Field("b", new arrow.Float64(), true)]),
  );
  return new arrow.Table({
    id: arrow.vectorFromArray(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i))),
    s: strings,
    l: lists,
    st: structs,
  });
}

/** The same table fed as batches of `batchRows`, a row group ending every `rowGroupRows` rows, like the converter does. */
async function* piecesOf(table: arrow.Table, batchRows: number, rowGroupRows: number): AsyncGenerator<RowGroupPiece> {
  for (let start = 0; start < table.numRows; ) {
    const end = Math.min(table.numRows, start + batchRows, (Math.floor(start / rowGroupRows) + 1) * rowGroupRows);
    const last = end % rowGroupRows === 0 || end === table.numRows;
    const batches = table.slice(start, end).batches;
    for (const [k, batch] of batches.entries()) yield { batch, last: last && k === batches.length - 1 };
    start = end;
  }
}

const settings: EncoderSettings = { compression: "zstd", metadata: [["huggingface", '{"info": {"features": {}}}']], cdc: true, hashRules: {} };
const arrowRs = (rowGroupRows: number): ArrowRsSettings => ({ compression: "zstd", metadata: [["huggingface", '{"info": {"features": {}}}']], rowGroupRows });

/** The parts (whole row groups each), in order, joined into one file; footer from the first part. */
async function mergeParquet(sources: PartSource[], sink: Sink): Promise<void> {
  const parts = await Promise.all(sources.map((s) => openPart(s)));
  const owner = new Array<number>(leavesPerField(parts[0]!.meta).length).fill(0);
  const plans = parts.flatMap((part) => part.rowGroups.map((_, rowGroup) => ({ cells: [{ part, rowGroup }], owner })));
  await assembleParquet(parts[0]!.meta, plans, sink);
}

async function singleWriter(table: arrow.Table, s: ArrowRsSettings): Promise<Buffer> {
  const wasm = parquet.Table.fromIPCStream(arrow.tableToIPC(table, "stream"));
  return Buffer.from(parquet.writeParquet(wasm, writerProperties(s)));
}

describe("Thrift compact codec", () => {
  it("re-encodes a real Parquet footer to the same bytes", async () => {
    const file = await singleWriter(sampleTable(500), arrowRs(200));
    const length = file.readUInt32LE(file.length - 8);
    const footer = file.subarray(file.length - 8 - length, file.length - 8);
    expect(Buffer.from(encodeStruct(decodeStruct(footer).struct)).equals(footer)).toBe(true);
  });
});

describe("joining Parquet parts", () => {
  it("gives exactly the bytes of one writer, for one part and for several", async () => {
    const table = sampleTable(2500);
    const reference = await singleWriter(table, arrowRs(1000));
    const parts = await Promise.all([0, 1000, 2000].map((start) => singleWriter(table.slice(start, start + 1000), arrowRs(1000))));
    const chunks: Uint8Array[] = [];
    await mergeParquet(parts.map(memorySource), { write: async (b) => void chunks.push(b.slice()) });
    expect(Buffer.concat(chunks).equals(reference)).toBe(true);
    const single: Uint8Array[] = [];
    await mergeParquet([memorySource(reference)], { write: async (b) => void single.push(b.slice()) });
    expect(Buffer.concat(single).equals(reference)).toBe(true);
  });
});

describe("the worker-thread encoder pool", () => {
  it("writes the same bytes on one thread, two threads and the calling thread, whatever the batches", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pool-"));
    const table = sampleTable(20_000);
    const reference = path.join(dir, "inline.parquet");
    await encodeShardInline(reference, table.schema, piecesOf(table, 4096, 7000), settings);
    const expected = await readFile(reference);
    for (const [name, threads] of [["two threads", encoder], ["one thread", new ThreadedEncoder(oneThread)]] as const)
      for (const batchRows of [3000, 7000, 131_072]) {
        const file = path.join(dir, `out-${batchRows}.parquet`);
        const result = await threads.encodeShard(file, table.schema, piecesOf(table, batchRows, 7000), settings);
        const bytes = await readFile(file);
        expect(result.rows).toBe(20_000);
        expect(result.bytes).toBe(bytes.length);
        expect(bytes.equals(expected), `${name}, batches of ${batchRows}`).toBe(true);
      }
  });

  it("produces files DuckDB reads back value by value, with the row groups it was given", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pool-"));
    const table = sampleTable(3000);
    const file = path.join(dir, "check.parquet");
    await encoder.encodeShard(file, table.schema, piecesOf(table, 700, 1000), settings);
    const groups = await query(`select count(distinct row_group_id)::INTEGER as n from parquet_metadata('${file}')`);
    expect(groups[0]!.n).toBe(3);
    const rows = await query(`select id, s, l, st from read_parquet('${file}') order by id`);
    expect(rows).toHaveLength(3000);
    const expected = table.toArray();
    for (const i of [0, 1, 7, 11, 13, 999, 1000, 1001, 2999]) {
      const e = expected[i]!.toJSON();
      expect(rows[i]!.id).toBe(String(i));
      expect(rows[i]!.s).toBe(e.s);
      expect(rows[i]!.l).toEqual(e.l === null ? null : [...e.l]);
      expect(rows[i]!.st).toEqual(e.st === null ? null : { a: e.st.a, b: e.st.b });
    }
  });

  it("writes an empty shard as a valid file with the schema", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pool-"));
    const table = sampleTable(10);
    const file = path.join(dir, "empty.parquet");
    const result = await encoder.encodeShard(file, table.schema, piecesOf(table.slice(0, 0), 100, 1000), settings);
    expect(result.rows).toBe(0);
    const rows = await query(`select count(*)::INTEGER as n from read_parquet('${file}')`);
    expect(rows[0]!.n).toBe(0);
  });

  it("passes on the batch source's own error, inline and on threads", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pool-"));
    const table = sampleTable(100);
    async function* failing(): AsyncGenerator<RowGroupPiece> {
      for (const batch of table.slice(0, 50).batches) yield { batch, last: false };
      throw new Error("bad row 51 in data.csv");
    }
    await expect(encodeShardInline(path.join(dir, "a.parquet"), table.schema, failing(), settings)).rejects.toThrow("bad row 51 in data.csv");
    await expect(encoder.encodeShard(path.join(dir, "b.parquet"), table.schema, failing(), settings)).rejects.toThrow("bad row 51 in data.csv");
  });

  it("reports an encoder failure instead of hanging", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pool-"));
    await writeFile(path.join(dir, "blocker"), "");
    const table = sampleTable(100);
    // The part file cannot be created inside a path that is a file.
    await expect(encoder.encodeShard(path.join(dir, "blocker", "x.parquet"), table.schema, piecesOf(table, 50, 1000), settings)).rejects.toThrow(
      /Parquet encoding failed: ENOTDIR/,
    );
    // The threads are still usable afterwards.
    const ok = await encoder.encodeShard(path.join(dir, "ok.parquet"), table.schema, piecesOf(table, 50, 1000), settings);
    expect(ok.rows).toBe(100);
  });
});

/**
 * Shards whose pages our writer writes, checked against independent
 * readers and against parquet-wasm (arrow-rs, the writer before it) on the
 * same rows: every flat type, with nulls and awkward values, each codec;
 * lists, structs and their nesting.
 * - DuckDB, hyparquet and pyarrow read the same values from our file as
 *   from parquet-wasm's, and pyarrow the values given;
 * - each column chunk's statistics (min/max and their exactness, null
 *   count, the deprecated min/max of signed types, the unencoded bytes of
 *   strings and the definition level histogram) are byte for byte
 *   arrow-rs's;
 * - every page's column index entry is what arrow-rs gives those very rows
 *   as a chunk of their own, the offset index points at each page header
 *   and gives its first row, the boundary order holds;
 * - the footer: arrow-rs's schema, `created_by` ours, the
 *   `content_defined_chunking` entry as datasets writes it;
 * - the same bytes every time, on the calling thread and on two threads.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import zlib from "node:zlib";
import * as arrow from "apache-arrow";
import { parquetReadObjects } from "hyparquet";
import * as parquet from "parquet-wasm/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyValue } from "../../../src/data/model/arrow-schema.js";
import { batchToStorage } from "../../../src/data/model/storage.js";
import { type ThriftStruct, decodeStruct, encodeStruct } from "../../../src/data/model/thrift.js";
import { WorkerPool } from "../../../src/data/workers/pool.js";
import { ThreadedEncoder } from "../../../src/data/workers/threaded-encoder.js";
import { CC, CI, CM, FM, OI, PH, PL, RG, SE, ST } from "../../../src/data/write/pages/format.js";
import { CREATED_BY } from "../../../src/data/write/pages/part-writer.js";
import { type Compression, writeParquetFile } from "../../../src/data/write/shard-writer.js";
import { type RowGroupPiece, type ShardEncoder, inlineEncoder } from "../../../src/data/write/shard-encoder.js";
import { batchToIPC } from "../../../src/data/write/ipc.js";
import { writerProperties } from "../../../src/data/write/properties.js";
import { query } from "../../helpers/duckdb.js";
import { NO_PYTHON, interopPython } from "../../helpers/interop-python.js";
import { allTypesBatch, allTypesSchema, nestedBatch, nestedSchema } from "./all-types.js";

const ROWS = 24_000;
const GROUP = 12_000; // two row groups
const shape = allTypesSchema();
const given = allTypesBatch(shape.schema, ROWS, 17);
const stored = batchToStorage(given, shape.schema, shape.stored);
const workers = new WorkerPool(2);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "page-writer-"));
});
afterAll(() => workers.close());

async function* pieces(): AsyncGenerator<RowGroupPiece> {
  for (let start = 0; start < ROWS; start += 7000) {
    const end = Math.min(ROWS, start + 7000);
    // Row groups end at GROUP and at the end, inside batches of 7000 rows.
    if (start < GROUP && end > GROUP) {
      yield { batch: stored.slice(start, GROUP), last: true };
      yield { batch: stored.slice(GROUP, end), last: false };
    } else yield { batch: stored.slice(start, end), last: end === GROUP || end === ROWS };
  }
}

async function ours(codec: Compression, name: string = codec, encoder: ShardEncoder = inlineEncoder): Promise<string> {
  const file = path.join(dir, `ours-${name}.parquet`);
  await writeParquetFile(file, shape.stored, pieces(), { compression: codec, metadata: shape.metadata, arrowSchema: shape.arrowSchema, hashRules: shape.hashRules }, encoder);
  return file;
}

/** The same rows written by parquet-wasm in the same row groups (or `rows` alone). */
async function reference(codec: Compression, rows = stored, name = `reference-${codec}`): Promise<string> {
  const file = path.join(dir, `${name}.parquet`);
  const table = parquet.Table.fromIPCStream(batchToIPC(rows));
  await writeFile(file, parquet.writeParquet(table, writerProperties({ compression: codec, metadata: [...shape.metadata], rowGroupRows: GROUP })));
  return file;
}

function footer(bytes: Uint8Array): ThriftStruct {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
  return decodeStruct(bytes, bytes.length - 8 - length).struct;
}

/** Rows as one string (bigints, byte arrays and NaN spelled out), to compare many rows at once. */
const text = (rows: unknown[]) =>
  JSON.stringify(rows, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
const hex = (struct: ThriftStruct | undefined) => (struct ? Buffer.from(encodeStruct(struct)).toString("hex") : "none");
const chunksOf = (meta: ThriftStruct) => (meta.list(FM.ROW_GROUPS)!.items as ThriftStruct[]).map((rg) => rg.list(RG.COLUMNS)!.items as ThriftStruct[]);
const nameOf = (chunk: ThriftStruct) => new TextDecoder().decode((chunk.struct(CC.META)!.list(CM.PATH)!.items as Uint8Array[])[0]!);

describe("every flat type, through each codec", () => {
  for (const codec of ["snappy", "zstd", "gzip", "none"] as Compression[])
    it(`${codec}: DuckDB and hyparquet read the values parquet-wasm's file holds`, async () => {
      const [mine, theirs] = await Promise.all([ours(codec), reference(codec)]);
      const [a, b] = await Promise.all([readFile(mine), readFile(theirs)]);
      // hyparquet decompresses snappy itself; zstd and gzip through Node's zlib.
      const compressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zlib.zstdDecompressSync(input)), GZIP: (input: Uint8Array) => new Uint8Array(zlib.gunzipSync(input)) };
      const read = async (bytes: Buffer) => parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer, compressors });
      const [rowsA, rowsB] = await Promise.all([read(a), read(b)]);
      expect(rowsA.length).toBe(ROWS);
      expect(text(rowsA) === text(rowsB)).toBe(true);
      // DuckDB: every column but float16, which it does not read.
      const columns = shape.stored.fields.map((f) => f.name).filter((n) => n !== "f16").join(", ");
      const duck = (file: string) => query(`select ${columns} from read_parquet('${file}')`);
      const [duckA, duckB] = await Promise.all([duck(mine), duck(theirs)]);
      expect(duckA).toHaveLength(ROWS);
      expect(text(duckA) === text(duckB)).toBe(true);
    });
});

describe.skipIf(!interopPython)(`pyarrow reads every type${interopPython ? "" : ` (${NO_PYTHON})`}`, () => {
  it("the values given, the values of parquet-wasm's file, the statistics and a page index in every chunk", async () => {
    const [mine, theirs] = await Promise.all([ours("snappy", "pyarrow"), reference("snappy")]);
    const input = path.join(dir, "given.arrows");
    await writeFile(input, arrow.tableToIPC(new arrow.Table([given]), "stream"));
    const script = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "helpers", "parquet_compare.py");
    const { stdout } = await promisify(execFile)(interopPython!, ["-B", script, input, mine, theirs], { maxBuffer: 64 << 20 });
    const report = JSON.parse(stdout) as { columns: Record<string, { as_reference: boolean; as_given: boolean }>; statistics: unknown[]; page_index: boolean; created_by: string };
    for (const [name, column] of Object.entries(report.columns)) {
      expect(column.as_reference, `${name}: as parquet-wasm's file`).toBe(true);
      expect(column.as_given, `${name}: as given`).toBe(true);
    }
    expect(report.page_index).toBe(true);
    expect(report.created_by).toBe(CREATED_BY);
    // The statistics pyarrow decodes are parquet-wasm's file's (byte equality is checked below): spot checks.
    const first = report.statistics[0] as Record<string, { null_count: number; min: unknown; max: unknown } | null>;
    expect(first.nothing).toEqual({ null_count: GROUP, min: null, max: null });
    expect(first.f32!.min).toBe("-inf");
    expect(first.f32!.max).toBe("inf");
  });
});

describe("metadata", () => {
  let mine: Uint8Array;
  let theirs: Uint8Array;
  beforeAll(async () => {
    mine = new Uint8Array(await readFile(await ours("zstd", "metadata")));
    theirs = new Uint8Array(await readFile(await reference("zstd")));
  });

  it("keeps arrow-rs's schema; names our writer; says the pages were chunked by content, as datasets does", () => {
    const a = footer(mine);
    const b = footer(theirs);
    expect(hex(a.list(FM.SCHEMA)!.items[0] as ThriftStruct)).toBe(hex(b.list(FM.SCHEMA)!.items[0] as ThriftStruct));
    expect((a.list(FM.SCHEMA)!.items as ThriftStruct[]).map(hex)).toEqual((b.list(FM.SCHEMA)!.items as ThriftStruct[]).map(hex));
    expect(new TextDecoder().decode(a.get(FM.CREATED_BY) as Uint8Array)).toBe(CREATED_BY);
    expect(keyValue(a, "content_defined_chunking")).toBe('{"min_chunk_size": 262144, "max_chunk_size": 1048576, "norm_level": 0}');
    expect(keyValue(a, "huggingface")).toBe(shape.metadata.get("huggingface"));
    expect(keyValue(a, "ARROW:schema")).toBe(shape.arrowSchema);
    expect(a.get(FM.COLUMN_ORDERS)).toBeDefined();
    expect(a.get(FM.COLUMN_ORDERS)).toEqual(b.get(FM.COLUMN_ORDERS));
  });

  it("writes each chunk's statistics and size statistics byte for byte as arrow-rs does", () => {
    const ourChunks = chunksOf(footer(mine));
    const theirChunks = chunksOf(footer(theirs));
    expect(ourChunks.length).toBe(2);
    for (const [g, row] of ourChunks.entries())
      for (const [c, chunk] of row.entries()) {
        const cm = chunk.struct(CC.META)!;
        const expected = theirChunks[g]![c]!.struct(CC.META)!;
        const where = `row group ${g}, ${nameOf(chunk)}`;
        expect(hex(cm.struct(CM.STATISTICS)), where).toBe(hex(expected.struct(CM.STATISTICS)));
        expect(hex(cm.struct(16)), `${where}: size statistics`).toBe(hex(expected.struct(16)));
        expect(cm.int(CM.NUM_VALUES), where).toBe(expected.int(CM.NUM_VALUES));
      }
  });

  it("indexes every page: its first row and place, and the min, max and nulls arrow-rs gives those rows", async () => {
    const chunks = chunksOf(footer(mine));
    let checked = 0;
    for (const [g, row] of chunks.entries())
      for (const [c, chunk] of row.entries()) {
        const name = nameOf(chunk);
        const offsetIndex = decodeStruct(mine, Number(chunk.int(CC.OFFSET_INDEX_OFFSET))).struct;
        const columnIndex = decodeStruct(mine, Number(chunk.int(CC.COLUMN_INDEX_OFFSET))).struct;
        const locations = offsetIndex.list(OI.PAGE_LOCATIONS)!.items as ThriftStruct[];
        const firstRows = locations.map((l) => Number(l.int(PL.FIRST_ROW)));
        expect(firstRows[0]).toBe(0);
        for (const l of locations) {
          const header = decodeStruct(mine, Number(l.int(PL.OFFSET))).struct;
          expect(header.int(PH.TYPE), `${name}: a data page at each location`).toBe(0n);
          expect(Number(l.int(PL.COMPRESSED_SIZE))).toBe(decodeStruct(mine, Number(l.int(PL.OFFSET))).end - Number(l.int(PL.OFFSET)) + Number(header.int(PH.COMPRESSED)));
        }
        const column = stored.data.children[c]!;
        for (const [p, first] of firstRows.entries()) {
          const end = p + 1 < firstRows.length ? firstRows[p + 1]! : GROUP;
          expect(end - first, `${name}: at most 20,000 rows a page`).toBeLessThanOrEqual(20_000);
          if (["s", "ls"].includes(name)) expect(end - first, `${name}: pages cut by content`).toBeLessThan(GROUP);
          // The page's rows as a file of their own: arrow-rs's chunk statistics are what the index must say.
          const slice = column.slice(g * GROUP + first, end - first);
          const pageSchema = new arrow.Schema([shape.stored.fields[c]!]);
          const alone = await reference("none", new arrow.RecordBatch(pageSchema, arrow.makeData({ type: new arrow.Struct(pageSchema.fields), length: slice.length, nullCount: 0, children: [slice] })), "page");
          const stats = chunksOf(footer(new Uint8Array(await readFile(alone))))[0]![0]!.struct(CC.META)!.struct(CM.STATISTICS)!;
          const nulls = Number(stats.int(ST.NULL_COUNT));
          const where = `row group ${g}, ${name}, page ${p}`;
          expect(Number((columnIndex.list(CI.NULL_COUNTS)!.items as bigint[])[p]), where).toBe(nulls);
          expect((columnIndex.list(CI.NULL_PAGES)!.items as boolean[])[p], where).toBe(nulls === end - first);
          const min = (columnIndex.list(CI.MIN_VALUES)!.items as Uint8Array[])[p]!;
          const max = (columnIndex.list(CI.MAX_VALUES)!.items as Uint8Array[])[p]!;
          expect(Buffer.from(min).toString("hex"), `${where}: min`).toBe(Buffer.from((stats.get(ST.MIN_VALUE) as Uint8Array | undefined) ?? []).toString("hex"));
          expect(Buffer.from(max).toString("hex"), `${where}: max`).toBe(Buffer.from((stats.get(ST.MAX_VALUE) as Uint8Array | undefined) ?? []).toString("hex"));
          checked++;
        }
        expect(Number(columnIndex.int(CI.BOUNDARY_ORDER)), name).toBeGreaterThanOrEqual(0);
      }
    expect(checked).toBeGreaterThan(60);
  });

  it("keeps the schema element of each column as arrow-rs writes it (physical type, annotations)", () => {
    const elements = footer(mine).list(FM.SCHEMA)!.items as ThriftStruct[];
    const types = Object.fromEntries(elements.slice(1).map((e) => [new TextDecoder().decode(e.get(SE.NAME) as Uint8Array), Number(e.int(SE.TYPE))]));
    expect(types).toMatchObject({ i8: 1, u64: 2, f16: 7, dec9: 1, dec18: 2, dec30: 7, dec40: 7, d64: 1, ts_s: 2, t32_s: 1, nothing: 1, lbin: 6 });
  });
});

describe("determinism", () => {
  it("the same bytes twice, and on two worker threads (a share of the columns each)", async () => {
    const first = await readFile(await ours("snappy", "once"));
    const second = await readFile(await ours("snappy", "twice"));
    const threads = await readFile(await ours("snappy", "threads", new ThreadedEncoder(workers)));
    expect(second.equals(first)).toBe(true);
    expect(threads.equals(first)).toBe(true);
  });
});

describe("nested columns (lists, structs and their nesting)", () => {
  const nested = nestedSchema();
  const rows = 30_000;
  const givenNested = nestedBatch(nested.schema, rows, 23);
  const storedNested = batchToStorage(givenNested, nested.schema, nested.stored);
  let mine: string;
  let theirs: string;
  beforeAll(async () => {
    mine = path.join(dir, "nested-ours.parquet");
    async function* one(): AsyncGenerator<RowGroupPiece> {
      yield { batch: storedNested.slice(0, 10_000), last: false };
      yield { batch: storedNested.slice(10_000), last: true };
    }
    await writeParquetFile(mine, nested.stored, one(), { compression: "snappy", metadata: nested.metadata, arrowSchema: nested.arrowSchema, hashRules: nested.hashRules });
    theirs = path.join(dir, "nested-reference.parquet");
    const table = parquet.Table.fromIPCStream(batchToIPC(storedNested));
    await writeFile(theirs, parquet.writeParquet(table, writerProperties({ compression: "snappy", metadata: [...nested.metadata], rowGroupRows: rows })));
  });

  it("DuckDB and hyparquet read the values parquet-wasm's file holds", async () => {
    const [a, b] = await Promise.all([readFile(mine), readFile(theirs)]);
    const read = async (bytes: Buffer) => parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer });
    const [rowsA, rowsB] = await Promise.all([read(a), read(b)]);
    expect(rowsA.length).toBe(rows);
    expect(text(rowsA) === text(rowsB)).toBe(true);
    const duck = (file: string) => query(`select * from read_parquet('${file}')`);
    expect(text(await duck(mine)) === text(await duck(theirs))).toBe(true);
  });

  it("writes each leaf's statistics and size statistics (level histograms) as arrow-rs does, and a page index", async () => {
    const a = chunksOf(footer(new Uint8Array(await readFile(mine))))[0]!;
    const b = chunksOf(footer(new Uint8Array(await readFile(theirs))))[0]!;
    expect(a.length).toBe(b.length);
    for (const [c, chunk] of a.entries()) {
      const cm = chunk.struct(CC.META)!;
      const expected = b[c]!.struct(CC.META)!;
      const where = (cm.list(CM.PATH)!.items as Uint8Array[]).map((x) => new TextDecoder().decode(x)).join(".");
      expect(hex(cm.struct(CM.STATISTICS)), where).toBe(hex(expected.struct(CM.STATISTICS)));
      expect(hex(cm.struct(16)), `${where}: size statistics`).toBe(hex(expected.struct(16)));
      expect(cm.int(CM.NUM_VALUES), where).toBe(expected.int(CM.NUM_VALUES));
      expect(chunk.int(CC.OFFSET_INDEX_OFFSET), where).toBeDefined();
      expect(chunk.int(CC.COLUMN_INDEX_OFFSET), where).toBeDefined();
    }
  });

  it.skipIf(!interopPython)("pyarrow reads the values given and parquet-wasm's file's", async () => {
    const input = path.join(dir, "nested.arrows");
    await writeFile(input, arrow.tableToIPC(new arrow.Table([givenNested]), "stream"));
    const script = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "helpers", "parquet_compare.py");
    const { stdout } = await promisify(execFile)(interopPython!, ["-B", script, input, mine, theirs], { maxBuffer: 64 << 20 });
    const report = JSON.parse(stdout) as { columns: Record<string, { as_reference: boolean; as_given: boolean }>; page_index: boolean };
    for (const [name, column] of Object.entries(report.columns)) {
      expect(column.as_reference, `${name}: as parquet-wasm's file`).toBe(true);
      expect(column.as_given, `${name}: as given`).toBe(true);
    }
    expect(report.page_index).toBe(true);
  });
});

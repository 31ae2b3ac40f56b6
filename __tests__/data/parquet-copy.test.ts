/**
 * Parquet inputs that already store the shard's columns are copied row group
 * by row group instead of re-encoded; anything the copy could get wrong
 * (another codec, annotation, repetition, writer, a big row group without a
 * page index, nested columns) falls back to re-encoding. Shards are read back
 * by DuckDB and hyparquet.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as arrow from "apache-arrow";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import * as parquet from "parquet-wasm/node";
import { afterAll, describe, expect, it } from "vitest";
import type { Logger } from "../../src/log.js";
import { type ParquetSettings, openParquetCopier } from "../../src/data/write/shard-writer.js";
import { writerProperties } from "../../src/data/write/properties.js";
import { OpenFiles, RowGroupCopier, annotationMeaning } from "../../src/data/write/copy.js";
import { memorySource, readFooter } from "../../src/data/write/merge.js";
import { ThriftStruct, TType, decodeStruct, encodeStruct } from "../../src/data/model/thrift.js";
import { columnTypes, kvMetadata, query } from "../helpers/duckdb.js";
import { convertFiles, dataFile, readRows, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warning: (m) => void lines.push(`warning: ${m}`), debug: (m) => void lines.push(`debug: ${m}`) };
}

const FLAT_SQL = (from: number, to: number) => `select i::bigint as id, (i * 0.5)::double as half, 'row ' || i as label, (i % 3 = 0) as third,
  date '2024-01-01' + (i % 365)::integer as day, (i % 100)::tinyint as small, case when i % 7 = 0 then null else i::ubigint end as maybe
  from range(${from}, ${to}) t(i)`;

async function duckdbParquet(file: string, select: string, options = ""): Promise<string> {
  await query(`copy (${select}) to '${file}' (format parquet, compression snappy${options})`);
  return file;
}

/** Rewrites a Parquet file's footer in place (the pages before it stay where they are). */
async function patchFooter(file: string, edit: (meta: ThriftStruct) => void): Promise<void> {
  const bytes = await readFile(file);
  const meta = await readFooter(memorySource(bytes));
  edit(meta);
  const footer = encodeStruct(meta);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footer.length);
  const dataEnd = bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8);
  await writeFile(file, Buffer.concat([bytes.subarray(0, dataEnd), footer, length, Buffer.from("PAR1")]));
}

/** Every column chunk of a footer. */
function chunksOf(meta: ThriftStruct): ThriftStruct[] {
  return ((meta.list(4)?.items ?? []) as ThriftStruct[]).flatMap((rg) => (rg.list(1)?.items ?? []) as ThriftStruct[]);
}

async function createdBy(file: string): Promise<string> {
  return String((await query(`select created_by from parquet_file_metadata('${file}')`))[0]!.created_by);
}

describe("Parquet inputs copied as they are", () => {
  it("copies the row groups of DuckDB files that already store the dataset's columns, values and types intact", async () => {
    const dir = await tempDir();
    const a = await duckdbParquet(path.join(dir, "a.parquet"), FLAT_SQL(0, 5000), ", row_group_size 1000");
    const b = await duckdbParquet(path.join(dir, "b.parquet"), FLAT_SQL(5000, 7500), ", row_group_size 1000");
    const log = recordingLogger();
    const { conversion } = await convertFiles([dataFile(dir, "a.parquet"), dataFile(dir, "b.parquet")], { log });
    const groups = async (f: string) => Number((await query(`select count(distinct row_group_id)::INTEGER as n from parquet_metadata('${f}')`))[0]!.n);
    const rowGroups = (await groups(a)) + (await groups(b));
    expect(rowGroups).toBeGreaterThan(2);
    expect(log.lines.some((l) => l.includes(`wrote data/train-00000-of-00001.parquet — 7,500 rows`) && l.includes(`${rowGroups} row groups copied from the Parquet inputs, not re-encoded`))).toBe(true);

    const shard = conversion.splits[0]!.shards[0]!;
    expect(conversion.splits[0]!.rows).toBe(7500);
    expect(await readRows(conversion)).toEqual(await query(`select * from read_parquet(['${a}', '${b}'])`));
    expect(await columnTypes(shard.localPath)).toEqual(await columnTypes(a));
    const kv = await kvMetadata(shard.localPath);
    expect(Object.keys(kv).sort()).toEqual(["ARROW:schema", "huggingface"]);
    expect(JSON.parse(kv.huggingface!).info.features.maybe).toEqual({ dtype: "uint64", _type: "Value" });
    // The pages are DuckDB's: the footer keeps its created_by (readers key their workarounds on it); no bloom filters.
    expect(await createdBy(shard.localPath)).toBe(await createdBy(a));
    const blooms = await query(`select count(*)::INTEGER as n from parquet_metadata('${shard.localPath}') where bloom_filter_offset is not null`);
    expect(blooms[0]!.n).toBe(0);

    // A second reader, and the size and hash the plan relies on.
    const bytes = await readFile(shard.localPath);
    expect(bytes.length).toBe(shard.bytes);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    expect(parquetMetadata(file).row_groups).toHaveLength(rowGroups);
    const tail = await parquetReadObjects({ file, rowStart: 7498, rowEnd: 7500 });
    expect(tail.map((r) => [r.id, r.label, r.maybe])).toEqual([
      [7498n, "row 7498", 7498n],
      [7499n, "row 7499", 7499n],
    ]);
    // Same inputs, same bytes.
    const again = await convertFiles([dataFile(dir, "a.parquet"), dataFile(dir, "b.parquet")]);
    expect(again.conversion.splits[0]!.shards[0]!.sha256).toBe(shard.sha256);
  });

  it("copies whole row groups into several shards, cut near Python's even cuts", async () => {
    const dir = await tempDir();
    const a = await duckdbParquet(path.join(dir, "a.parquet"), FLAT_SQL(0, 40_000), ", row_group_size 2048");
    const log = recordingLogger();
    const { conversion } = await convertFiles([dataFile(dir, "a.parquet")], { numShards: 3, log });
    const shards = conversion.splits[0]!.shards;
    expect(shards.map((s) => s.repoPath)).toEqual([0, 1, 2].map((i) => `data/train-0000${i}-of-00003.parquet`));
    expect(log.lines.filter((l) => l.includes("copied from the Parquet input, not re-encoded"))).toHaveLength(3);
    expect(shards.reduce((n, s) => n + s.rows, 0)).toBe(40_000);
    for (const s of shards) expect(Math.abs(s.rows - 40_000 / 3)).toBeLessThanOrEqual(40_000 / 30);
    for (const s of shards) expect((await query(`select count(*)::INTEGER as n from read_parquet('${s.localPath}')`))[0]!.n).toBe(s.rows);
    expect(await readRows(conversion)).toEqual(await query(`select * from read_parquet('${a}')`));
  });

  it("moves only real offsets: a 0 'no dictionary' offset and an old writer's file_offset are not shifted into the data", async () => {
    const dir = await tempDir();
    const files = [0, 1].map((k) => path.join(dir, `p${k}.parquet`));
    // Per column chunk of both files, in order: whether it was given a 0 offset (it has no dictionary).
    const zeroed: boolean[] = [];
    for (const [k, file] of files.entries()) {
      await duckdbParquet(file, FLAT_SQL(k * 3000, (k + 1) * 3000), ", row_group_size 2048");
      // As old parquet-cpp wrote them: dictionary_page_offset 0 on chunks without a dictionary, file_offset = the chunk's end.
      await patchFooter(file, (meta) => {
        for (const chunk of chunksOf(meta)) {
          const cm = chunk.struct(3)!;
          zeroed.push(cm.get(11) === undefined);
          if (cm.get(11) === undefined) cm.set(11, TType.I64, 0n);
          chunk.set(2, TType.I64, cm.int(9)! + cm.int(7)!);
        }
      });
    }
    expect(zeroed.filter(Boolean).length).toBeGreaterThan(0);
    expect(zeroed.filter((z) => !z).length).toBeGreaterThan(0);
    const log = recordingLogger();
    const { conversion } = await convertFiles(files.map((f) => dataFile(dir, path.basename(f))), { log });
    expect(log.lines.some((l) => l.includes("copied from the Parquet inputs"))).toBe(true);
    const shard = conversion.splits[0]!.shards[0]!.localPath;
    expect(await readRows(conversion)).toEqual(await query(`select * from read_parquet(['${files[0]}', '${files[1]}'])`));
    const bytes = await readFile(shard);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    expect((await parquetReadObjects({ file, rowStart: 5999, rowEnd: 6000 }))[0]!.label).toBe("row 5999");
    const copied = chunksOf(await readFooter(memorySource(bytes)));
    expect(copied).toHaveLength(zeroed.length);
    for (const [i, chunk] of copied.entries()) {
      const dictionary = chunk.struct(3)!.int(11);
      // Zeroed ones have none; real ones point at a dictionary page (PageHeader.type 2).
      if (zeroed[i]) expect(dictionary).toBeUndefined();
      else expect(decodeStruct(bytes, Number(dictionary)).struct.int(1)).toBe(2n);
      expect(chunk.int(2)).toBe(0n);
    }
  });

  it("copies from more files than it keeps open (see OpenFiles), and refuses a footer whose value counts are off", async () => {
    const dir = await tempDir();
    const names = Array.from({ length: 40 }, (_, k) => `part-${String(k).padStart(2, "0")}.parquet`);
    for (const [k, name] of names.entries()) await duckdbParquet(path.join(dir, name), FLAT_SQL(k * 100, (k + 1) * 100));
    const log = recordingLogger();
    const { conversion } = await convertFiles(names.map((n) => dataFile(dir, n)), { log });
    expect(log.lines.some((l) => l.includes("40 row groups copied from the Parquet inputs"))).toBe(true);
    expect(await readRows(conversion)).toEqual(await query(`select * from read_parquet([${names.map((n) => `'${path.join(dir, n)}'`).join(", ")}])`));

    await patchFooter(path.join(dir, names[7]!), (meta) => void chunksOf(meta)[2]!.struct(3)!.set(5, TType.I64, 99n));
    const refused = recordingLogger();
    await convertFiles(names.map((n) => dataFile(dir, n)), { log: refused });
    expect(refused.lines).toContain("debug: train: re-encoding the Parquet input (part-07.parquet: row group 0, column 'label': 99 values for 100 rows)");
  });

  it("re-encodes when the codec, the shard count or the columns differ from what the shard stores", async () => {
    const dir = await tempDir();
    const a = await duckdbParquet(path.join(dir, "a.parquet"), FLAT_SQL(0, 3000));
    const expected = await query(`select * from read_parquet('${a}')`);

    const zstd = recordingLogger();
    const z = await convertFiles([dataFile(dir, "a.parquet")], { compression: "zstd", log: zstd });
    expect(zstd.lines).toContain("debug: train: re-encoding the Parquet input (a.parquet: its pages are not compressed with zstd)");
    expect(await readRows(z.conversion)).toEqual(expected);
    const codecs = await query(`select distinct compression from parquet_metadata('${z.conversion.splits[0]!.shards[0]!.localPath}')`);
    expect(codecs).toEqual([{ compression: "ZSTD" }]);

    // One row group cannot be cut into two shards.
    const shards = recordingLogger();
    const two = await convertFiles([dataFile(dir, "a.parquet")], { numShards: 2, log: shards });
    expect(shards.lines).toContain("debug: train: re-encoding the Parquet input (its 1 row group cannot be cut into 2 even shards)");
    expect(await readRows(two.conversion)).toEqual(expected);

    // A nested column: the copy is not even tried; the shard is our writer's.
    const nestedFile = await duckdbParquet(path.join(dir, "n.parquet"), "select i::bigint as id, [i, i + 1] as pair from range(0, 100) t(i)");
    const nested = recordingLogger();
    const n = await convertFiles([dataFile(dir, "n.parquet")], { log: nested });
    expect(nested.lines.some((l) => l.includes("copied") || l.includes("re-encoding"))).toBe(false);
    expect(await createdBy(n.conversion.splits[0]!.shards[0]!.localPath)).not.toBe(await createdBy(nestedFile));
    expect((await readRows(n.conversion))[99]).toEqual({ id: "99", pair: ["99", "100"] });
  });
});

describe("type annotations", () => {
  const element = (fields: [number, TType, unknown][]) => new ThriftStruct(fields.map(([id, type, value]) => ({ id, type, value: value as never })));
  const logical = (member: number, value: ThriftStruct) => new ThriftStruct([{ id: member, type: TType.Struct, value }]);

  it("reads the same meaning from logical types, converted types and bare physical types, and tells different ones apart", () => {
    const int64 = element([[1, TType.I32, 2]]);
    const int64Converted = element([[1, TType.I32, 2], [6, TType.I32, 18]]);
    const int64Logical = element([[1, TType.I32, 2], [6, TType.I32, 18], [10, TType.Struct, logical(10, element([[1, TType.Byte, 64], [2, TType.True, true]]))]]);
    const uint64 = element([[1, TType.I32, 2], [6, TType.I32, 14]]);
    expect(new Set([int64, int64Converted, int64Logical].map(annotationMeaning))).toEqual(new Set(["int64"]));
    expect(annotationMeaning(uint64)).toBe("uint64");
    const utf8 = element([[1, TType.I32, 6], [6, TType.I32, 0]]);
    const string = element([[1, TType.I32, 6], [6, TType.I32, 0], [10, TType.Struct, logical(1, new ThriftStruct())]]);
    expect(annotationMeaning(utf8)).toBe(annotationMeaning(string));
    expect(annotationMeaning(element([[1, TType.I32, 6]]))).not.toBe(annotationMeaning(string)); // binary
    // Timestamps: the UTC adjustment only the logical type states.
    const timestamp = (utc: boolean) => element([[1, TType.I32, 2], [10, TType.Struct, logical(8, element([[1, utc ? TType.True : TType.False, utc], [2, TType.Struct, logical(2, new ThriftStruct())]]))]]);
    expect(annotationMeaning(timestamp(true))).not.toBe(annotationMeaning(timestamp(false)));
    expect(annotationMeaning(element([[1, TType.I32, 2], [6, TType.I32, 10]]))).not.toBe(annotationMeaning(timestamp(false)));
  });
});

describe("OpenFiles", () => {
  it("reads any number of files through at most its limit of open files", async () => {
    const dir = await tempDir();
    const paths = Array.from({ length: 10 }, (_, k) => path.join(dir, `f${k}`));
    for (const [k, p] of paths.entries()) await writeFile(p, `file ${k} `.repeat(100));
    const files = new OpenFiles(3);
    try {
      const sources = paths.map((p) => files.source(p));
      let most = 0;
      for (const round of [0, 1])
        for (const [k, source] of sources.entries()) {
          const at = round * 7;
          expect(Buffer.from(await source.read(at, 6)).toString()).toBe(`file ${k} `.repeat(2).slice(at, at + 6));
          most = Math.max(most, files.count);
        }
      expect(most).toBe(3);
    } finally {
      await files.close();
    }
    expect(files.count).toBe(0);
  });
});

describe("copying row groups", () => {
  const schema = new arrow.Schema([new arrow.Field("id", new arrow.Int64(), true), new arrow.Field("s", new arrow.Utf8(), true)]);
  const settings: ParquetSettings = { compression: "snappy", metadata: new Map([["huggingface", "{}"]]) };

  /** Copies every row group of `files` into `out`, or says why not. */
  async function copyAll(out: string, files: string[], arrowBytesPerRow = 20) {
    const inputs = files.map((p) => ({ localPath: p, file: path.basename(p), arrowBytesPerRow }));
    const copier = await openParquetCopier(inputs, schema, settings);
    if (!(copier instanceof RowGroupCopier)) return copier;
    return { ...(await copier.write(out, 0, copier.rowGroups.length)), rowGroups: copier.rowGroups.length };
  }

  /** A file parquet-wasm makes: page index included. */
  async function wasmParquet(file: string, rows: number, rowGroupRows: number, nullable = true): Promise<string> {
    const fileSchema = new arrow.Schema([new arrow.Field("id", new arrow.Int64(), nullable), new arrow.Field("s", new arrow.Utf8(), true)]);
    const children = [
      arrow.makeData({ type: new arrow.Int64(), length: rows, nullCount: 0, data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)) }),
      arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => `value ${i}`), new arrow.Utf8()).data[0]!,
    ];
    const batch = new arrow.RecordBatch(fileSchema, arrow.makeData({ type: new arrow.Struct(fileSchema.fields), length: rows, nullCount: 0, children }));
    const table = new arrow.Table(fileSchema, batch);
    const props = writerProperties({ compression: "snappy", rowGroupRows, metadata: [] });
    await writeFile(file, parquet.writeParquet(parquet.Table.fromIPCStream(arrow.tableToIPC(table, "stream")), props));
    return file;
  }

  it("refuses big row groups without a page index, and takes them with one (offset indexes moved to the new places)", async () => {
    const dir = await tempDir();
    const duck = await duckdbParquet(path.join(dir, "duck.parquet"), "select i::bigint as id, 'value ' || i as s from range(0, 3000) t(i)");
    // 3000 rows of 50 kB each (as pass 1 would have measured them): 150 MB of Arrow data in one row group.
    const refused = await copyAll(path.join(dir, "out1.parquet"), [duck], 50_000);
    expect(refused).toEqual({ reason: "duck.parquet: row group 0 (3000 rows) is too large for the dataset viewer without a page index" });

    const indexed = await wasmParquet(path.join(dir, "indexed.parquet"), 50_000, 50_000);
    const out = path.join(dir, "out2.parquet");
    const copied = await copyAll(out, [indexed, indexed], 50_000);
    expect(copied).toMatchObject({ rows: 100_000, rowGroups: 2 });
    const rows = await query(`select count(*)::INTEGER as n, sum(id)::BIGINT as total from read_parquet('${out}')`);
    expect(rows).toEqual([{ n: 100_000, total: String(2 * ((50_000 * 49_999) / 2)) }]);
    // Every page the offset indexes name starts with a page header of that size.
    const bytes = await readFile(out);
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    let pages = 0;
    for (const rg of meta.row_groups)
      for (const column of rg.columns) {
        const offset = Number(column.offset_index_offset);
        const index = decodeStruct(bytes.subarray(offset, offset + column.offset_index_length!)).struct;
        for (const location of (index.list(1)?.items ?? []) as ReturnType<typeof decodeStruct>["struct"][]) {
          const at = Number(location.int(1));
          const { struct: header, end } = decodeStruct(bytes, at);
          expect(end - at + Number(header.int(3))).toBe(Number(location.int(2)));
          pages++;
        }
      }
    expect(pages).toBeGreaterThanOrEqual(12); // 2 row groups x 2 columns x at least 3 pages of at most 20,000 rows
  });

  it("refuses files whose columns are stored otherwise (required, another writer's pages beside ours)", async () => {
    const dir = await tempDir();
    const required = await wasmParquet(path.join(dir, "required.parquet"), 100, 100, false);
    expect(await copyAll(path.join(dir, "o1.parquet"), [required])).toEqual({ reason: "required.parquet: column 'id' has another repetition than the shard would" });
    const ours = await wasmParquet(path.join(dir, "ours.parquet"), 100, 100);
    const duck = await duckdbParquet(path.join(dir, "duck.parquet"), "select i::bigint as id, 'value ' || i as s from range(0, 100) t(i)");
    expect(await copyAll(path.join(dir, "o2.parquet"), [ours, duck])).toEqual({ reason: "the files were written by different writers" });
  });
});

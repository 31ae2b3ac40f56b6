/**
 * Shards as Python's push_to_hub cuts and writes them (docs/dataset-layout.md#shards, docs/parquet.md#writer-settings,
 * docs/parquet.md#the-huggingface-metadata): count from the Arrow size, rows split evenly and contiguously, names,
 * row groups, page index, codecs, nullable columns, ARROW:schema and the
 * `huggingface` metadata string, byte for byte.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as arrow from "apache-arrow";
import { asyncBufferFromFile, parquetMetadataAsync, readColumnIndex, readOffsetIndex } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type NamedFeature, featuresFromYaml, huggingfaceMetadata } from "../../src/model/features.js";
import { WorkerPool } from "../../src/data/workers/pool.js";
import { ThreadedEncoder } from "../../src/data/workers/threaded-encoder.js";
import { inlineEncoder } from "../../src/data/write/shard-encoder.js";
import { type Compression, writeParquetFile } from "../../src/data/write/shard-writer.js";
import { parseSize, rowGroupCuts, shardCount, shardPath, shardRanges } from "../../src/data/write/shards.js";
import { kvMetadata, query } from "../helpers/duckdb.js";
import { convertFiles, dataFile, readRows, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

describe("shard arithmetic (unit)", () => {
  it("parses max-shard-size with decimal and binary units", () => {
    expect(parseSize("500MB")).toBe(500_000_000);
    expect(parseSize("1.5GB")).toBe(1_500_000_000);
    expect(parseSize("512MiB")).toBe(512 * 2 ** 20);
    expect(parseSize("1 GiB")).toBe(2 ** 30);
    expect(parseSize("100KB")).toBe(100_000);
    expect(parseSize("10kib")).toBe(10_240);
    expect(parseSize("123456")).toBe(123_456);
    expect(parseSize("2TB")).toBe(2e12);
    expect(() => parseSize("10Mb")).toThrow(/lowercase b means bits/);
    expect(() => parseSize("10kb")).toThrow(/lowercase b means bits/);
    expect(() => parseSize("12XB")).toThrow(/unknown unit/);
    expect(() => parseSize("")).toThrow(/not a size/);
    expect(() => parseSize("-5MB")).toThrow(/not a size/);
  });

  it("counts shards as Python does: floor(nbytes / max) + 1, so exactly 500 MB makes two", () => {
    expect(shardCount(0, 500_000_000)).toBe(1);
    expect(shardCount(499_999_999, 500_000_000)).toBe(1);
    expect(shardCount(500_000_000, 500_000_000)).toBe(2);
    expect(shardCount(500_000_001, 500_000_000)).toBe(2);
    expect(shardCount(999_999_999, 500_000_000)).toBe(2);
    expect(shardCount(1_000_000_000, 500_000_000)).toBe(3);
  });

  it("splits rows contiguously and evenly, the first rows % n shards one row longer", () => {
    expect(shardRanges(10, 3)).toEqual([[0, 4], [4, 7], [7, 10]]);
    expect(shardRanges(10, 1)).toEqual([[0, 10]]);
    expect(shardRanges(2, 5)).toEqual([[0, 1], [1, 2], [2, 2], [2, 2], [2, 2]]);
    expect(shardRanges(0, 2)).toEqual([[0, 0], [0, 0]]);
    expect(shardRanges(1_000_001, 4).map(([a, b]) => b - a)).toEqual([250_001, 250_000, 250_000, 250_000]);
  });

  it("cuts copied row groups into shards at the edges nearest the even cuts, or not at all", () => {
    expect(rowGroupCuts([100, 100, 100, 100], 1)).toEqual([0, 4]);
    expect(rowGroupCuts([100, 100, 100, 100], 2)).toEqual([0, 2, 4]);
    // 10 groups of 100 into 3 shards: even cuts at 334 and 667 → edges 300 and 700, within 10 % of a shard (33 rows)? No.
    expect(rowGroupCuts(new Array(10).fill(100), 3)).toBeUndefined();
    // 100 groups of 10 into 3: edges 330 and 670 are 4 and 3 rows from the even cuts.
    expect(rowGroupCuts(new Array(100).fill(10), 3)).toEqual([0, 33, 67, 100]);
    expect(rowGroupCuts([1000], 2)).toBeUndefined(); // one row group cannot make two shards
    expect(rowGroupCuts([10, 10], 3)).toBeUndefined(); // an empty shard
    expect(rowGroupCuts([], 1)).toBeUndefined();
    // Each shard within 10 % of its even share, not only each cut near its even place.
    expect(rowGroupCuts([1100, 800, 1100], 3)).toBeUndefined();
    expect(rowGroupCuts([900, 1200, 900], 3)).toBeUndefined();
    expect(rowGroupCuts([1050, 950, 1000], 3)).toEqual([0, 1, 2, 3]);
  });

  it("names shards {data_dir}/{split}-{i:05d}-of-{n:05d}.parquet", () => {
    expect(shardPath("data", "train", 0, 1)).toBe("data/train-00000-of-00001.parquet");
    expect(shardPath("en", "test", 12, 345)).toBe("en/test-00012-of-00345.parquet");
  });
});

/** A CSV of `n` rows: id, a word and a float. */
function csvRows(n: number): string {
  const lines = ["id,word,x"];
  for (let i = 0; i < n; i++) lines.push(`${i},w${i % 97},${(i * 0.5).toFixed(1)}`);
  return `${lines.join("\n")}\n`;
}

describe("shards written by convert()", () => {
  it("cuts a split by max-shard-size into floor(numBytes/max)+1 shards of contiguous, even row ranges", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": csvRows(1000), "b.csv": csvRows(777) });
    const { conversion, outputDir } = await convertFiles([dataFile(dir, "a.csv"), dataFile(dir, "b.csv")], { maxShardSize: 10_000 });
    const split = conversion.splits[0]!;
    // pyarrow's nbytes, by hand: id and x 8 bytes a row; word (large_string) offsets 8 bytes a row, and its characters.
    let characters = 0;
    for (const rows of [1000, 777]) for (let i = 0; i < rows; i++) characters += `w${i % 97}`.length;
    expect(split.numBytes).toBe(2 * 8 * 1777 + 8 * 1777 + characters);
    const n = Math.floor(split.numBytes / 10_000) + 1;
    expect(n).toBe(5);
    expect(split.shards.map((s) => s.repoPath)).toEqual(Array.from({ length: n }, (_, i) => shardPath("data", "train", i, n)));
    expect(split.shards.map((s) => s.rows)).toEqual(shardRanges(1777, n).map(([a, b]) => b - a));
    const ids = (await readRows(conversion)).map((r) => Number(r.id));
    expect(ids).toEqual([...Array.from({ length: 1000 }, (_, i) => i), ...Array.from({ length: 777 }, (_, i) => i)]);
    for (const s of split.shards) expect(s.localPath).toBe(path.join(outputDir, ...s.repoPath.split("/")));
  });

  it("writes exactly num-shards shards, empty ones included, each readable with the full schema", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "a,b\n1,x\n2,y\n" });
    const { conversion } = await convertFiles([dataFile(dir, "a.csv")], { numShards: 4 });
    const shards = conversion.splits[0]!.shards;
    expect(shards.map((s) => [path.basename(s.repoPath), s.rows])).toEqual([
      ["train-00000-of-00004.parquet", 1],
      ["train-00001-of-00004.parquet", 1],
      ["train-00002-of-00004.parquet", 0],
      ["train-00003-of-00004.parquet", 0],
    ]);
    for (const s of shards.slice(2)) {
      expect(await query(`select count(*) as n from read_parquet('${s.localPath}')`)).toEqual([{ n: "0" }]);
      expect((await query(`describe select * from read_parquet('${s.localPath}')`)).map((r) => r.column_type)).toEqual(["BIGINT", "VARCHAR"]);
    }
  });

  it("writes nullable (OPTIONAL) columns, a page index, ARROW:schema with the dataset's types, the huggingface and content_defined_chunking entries", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.jsonl": '{"id": 1, "when": "2024-01-01 10:00:00", "tags": ["a"], "m": {"x": 1.5}}\n{"id": 2, "when": null, "tags": [], "m": null}\n' });
    const { conversion } = await convertFiles([dataFile(dir, "a.jsonl")]);
    const file = conversion.splits[0]!.shards[0]!.localPath;
    const schema = await query(`select name, repetition_type from parquet_schema('${file}') where name not in ('duckdb_schema', 'arrow_schema', 'schema', 'root')`);
    expect(schema.map((r) => r.name)).toEqual(["id", "when", "tags", "list", "item", "m", "x"]);
    for (const row of schema) if (row.name !== "list") expect(row.repetition_type, String(row.name)).not.toBe("REQUIRED");

    const kv = await kvMetadata(file);
    // As datasets 5 writes: the pages were cut by content, with its options.
    expect(Object.keys(kv).sort()).toEqual(["ARROW:schema", "content_defined_chunking", "huggingface"]);
    expect(kv.content_defined_chunking).toBe('{"min_chunk_size": 262144, "max_chunk_size": 1048576, "norm_level": 0}');
    expect(kv.huggingface).toBe(huggingfaceMetadata(conversion.features));
    const stored = arrow.RecordBatchReader.from(Buffer.from(kv["ARROW:schema"]!, "base64"));
    stored.open();
    expect(stored.schema.fields.map((f) => `${f.name}: ${String(f.type)} ${f.nullable}`)).toEqual([
      "id: Int64 true",
      "when: Timestamp<SECOND> true",
      "tags: List<Utf8> true",
      "m: Struct<{x:Float64}> true",
    ]);
    expect(stored.schema.metadata.get("huggingface")).toBe(kv.huggingface);

    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
    const bytes = await readFile(file);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const rg of meta.row_groups)
      for (const c of rg.columns) {
        expect(c.column_index_offset, c.meta_data?.path_in_schema.join(".")).toBeDefined();
        expect(c.offset_index_offset).toBeDefined();
        const offsets = readOffsetIndex({ view, offset: Number(c.offset_index_offset) });
        expect(offsets.page_locations.length).toBeGreaterThan(0);
        const leaf = meta.schema.find((s) => s.name === c.meta_data!.path_in_schema.at(-1))!;
        expect(readColumnIndex({ view, offset: Number(c.column_index_offset) }, leaf).null_pages.length).toBe(offsets.page_locations.length);
      }
  });

  for (const [codec, name] of [["snappy", "SNAPPY"], ["zstd", "ZSTD"], ["gzip", "GZIP"], ["none", "UNCOMPRESSED"]] as const)
    it(`compresses every column chunk with ${codec}`, async () => {
      const dir = await tempDir();
      await writeFiles(dir, { "a.csv": csvRows(500) });
      const { conversion } = await convertFiles([dataFile(dir, "a.csv")], { compression: codec as Compression });
      const file = conversion.splits[0]!.shards[0]!.localPath;
      const codecs = await query(`select distinct compression from parquet_metadata('${file}')`);
      expect(codecs).toEqual([{ compression: name }]);
      expect((await readRows(conversion)).length).toBe(500);
    });

  it("makes the row groups it is given, on a worker thread and on this thread alike", async () => {
    const dir = await tempDir();
    const schema = new arrow.Schema([new arrow.Field("n", new arrow.Int32(), true)]);
    async function* pieces() {
      for (let start = 0; start < 2500; start += 700) {
        const n = Math.min(700, 2500 - start);
        const data = arrow.makeData({ type: new arrow.Int32(), length: n, data: Int32Array.from({ length: n }, (_, i) => start + i) });
        const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [data] }));
        // Row groups end at rows 1000 and 2000 (inside batches) and at the end.
        const cuts = [1000, 2000].filter((c) => c > start && c < start + n).map((c) => c - start);
        let at = 0;
        for (const cut of cuts) {
          yield { batch: batch.slice(at, cut), last: true };
          at = cut;
        }
        yield { batch: batch.slice(at), last: start + n === 2500 };
      }
    }
    const settings = { compression: "snappy" as const, metadata: new Map<string, string>() };
    const files = [path.join(dir, "threads.parquet"), path.join(dir, "inline.parquet")];
    const workers = new WorkerPool(1);
    for (const [i, file] of files.entries()) {
      const written = await writeParquetFile(file, schema, pieces(), settings, i === 0 ? new ThreadedEncoder(workers) : inlineEncoder);
      expect(written.rows, file).toBe(2500);
      expect(written.encoderThreads > 0, file).toBe(i === 0);
      const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
      expect(meta.row_groups.map((g) => Number(g.num_rows)), file).toEqual([1000, 1000, 500]);
      expect(await query(`select count(*)::INTEGER as n, sum(n)::INTEGER as s from read_parquet('${file}')`)).toEqual([{ n: 2500, s: (2499 * 2500) / 2 }]);
    }
    await workers.close();
    expect(await readFile(files[1]!)).toEqual(await readFile(files[0]!));
  });

  it("keeps every row of a small shard of very many rows, in row groups of at most 128 MB counting 96 bytes a row", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "lines.txt": "x\n".repeat(1_400_000) });
    const { conversion } = await convertFiles([dataFile(dir, "lines.txt")]);
    const [shard] = conversion.splits[0]!.shards;
    expect(shard!.rows).toBe(1_400_000);
    expect(await query(`select count(*)::INTEGER as n from read_parquet('${shard!.localPath}')`)).toEqual([{ n: 1_400_000 }]);
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(shard!.localPath));
    // Every row is the same: no row says "cut here", so only the size limit does (128 MB / 96 bytes).
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([1_333_334, 66_666]);
  });
});

describe("the huggingface metadata string is what Python's json.dumps writes (docs/parquet.md#the-huggingface-metadata)", () => {
  const cases: [string, string][] = [
    [
      "- {name: text, dtype: string}\n- {name: label, dtype: {class_label: {names: [neg, pos]}}}",
      '{"info": {"features": {"text": {"dtype": "string", "_type": "Value"}, "label": {"names": ["neg", "pos"], "_type": "ClassLabel"}}}}',
    ],
    [
      "- {name: ints, list: int64}\n- {name: fixed, list: float32, length: 3}\n- {name: nested, list: {list: string}}",
      '{"info": {"features": {"ints": {"feature": {"dtype": "int64", "_type": "Value"}, "_type": "List"}, "fixed": {"feature": {"dtype": "float32", "_type": "Value"}, "length": 3, "_type": "List"}, "nested": {"feature": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "List"}, "_type": "List"}}}}',
    ],
    [
      "- {name: meta, struct: [{name: a, dtype: int64}, {name: b, struct: [{name: c, dtype: 'timestamp[s]'}]}]}\n- {name: image, dtype: image}",
      '{"info": {"features": {"meta": {"a": {"dtype": "int64", "_type": "Value"}, "b": {"c": {"dtype": "timestamp[s]", "_type": "Value"}}}, "image": {"_type": "Image"}}}}',
    ],
    [
      "- {name: caf\u00e9, dtype: string}\n- {name: emoji, dtype: {class_label: {names: ['\u{1F600}', 'b\"q']}}}",
      '{"info": {"features": {"caf\\u00e9": {"dtype": "string", "_type": "Value"}, "emoji": {"names": ["\\ud83d\\ude00", "b\\"q"], "_type": "ClassLabel"}}}}',
    ],
  ];
  for (const [yaml, expected] of cases)
    it(expected.slice(25, 70), () => {
      const features: NamedFeature[] = featuresFromYaml(parse(yaml), "features");
      expect(huggingfaceMetadata(features)).toBe(expected);
    });
});

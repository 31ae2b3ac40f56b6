/**
 * Parquet inputs: re-sharded with their Arrow types kept, features from the
 * file's `huggingface` metadata when it matches (ClassLabel, Image survive),
 * else from the Arrow types; unified with other files like any input;
 * overridden by `features`; streamed batch by batch.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DataError } from "../../src/data/errors.js";
import { featuresFromYaml } from "../../src/model/features.js";
import { columnTypes, query } from "../helpers/duckdb.js";
import { convertFiles, dataFile, featureMap, readRows, rejection, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

/** DuckDB writes `select` to `dir/name` as Parquet (optionally with a `huggingface` metadata entry). */
async function duckdbParquet(dir: string, name: string, select: string, huggingface?: unknown): Promise<string> {
  const file = path.join(dir, name);
  const kv = huggingface === undefined ? "" : `, kv_metadata {huggingface: '${JSON.stringify(huggingface).replaceAll("'", "''")}'}`;
  await query(`copy (${select}) to '${file}' (format parquet${kv})`);
  return file;
}

const ALL_TYPES_SQL = `select * from (values
  (1::tinyint, 2::utinyint, 1.5::float, 'x', date '2024-01-01', timestamp '2024-01-01 10:00:00', timestamptz '2024-01-01 10:00:00+00',
   12.34::decimal(10,2), [1, 2], {'x': 1, 'y': 'z'}, '\\x00\\x01'::blob, time '10:11:12', 9223372036854775807::bigint,
   18446744073709551615::ubigint, true, 1.25::double, null::int),
  (null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null),
  (-128, 255, -0.0, 'é', date '1970-01-01', timestamp '1969-12-31 23:59:59.999999', null, -0.01, [], {'x': null, 'y': null}, ''::blob, time '00:00:00', -9223372036854775808, 0, false, 'nan'::double, 3)
) t(i8, u8, f32, s, d, ts, tz, dec, lst, st, bin, tm, i64, u64, b, f64, maybe)`;

describe("Parquet inputs", () => {
  it("keeps every Arrow type DuckDB writes, value for value", async () => {
    const dir = await tempDir();
    const source = await duckdbParquet(dir, "types.parquet", ALL_TYPES_SQL);
    const { conversion } = await convertFiles([dataFile(dir, "types.parquet")]);
    expect(featureMap(conversion.features)).toEqual({
      i8: "int8", u8: "uint8", f32: "float32", s: "string", d: "date32", ts: "timestamp[us]", tz: "timestamp[us, tz=UTC]",
      dec: "decimal128(10, 2)", lst: "list<int32>", st: "struct<x: int32, y: string>", bin: "binary", tm: "time64[us]",
      i64: "int64", u64: "uint64", b: "bool", f64: "float64", maybe: "int32",
    });
    const shard = conversion.splits[0]!.shards[0]!.localPath;
    expect(await columnTypes(shard)).toEqual(await columnTypes(source));
    expect(await readRows(conversion)).toEqual(await query(`select * from read_parquet('${source}')`));
  });

  it("keeps ClassLabel and Image features from the file's huggingface metadata, and infers when they do not match the column", async () => {
    const dir = await tempDir();
    const meta = { info: { features: { image: { _type: "Image" }, label: { names: ["cat", "dog"], _type: "ClassLabel" }, text: { dtype: "int64", _type: "Value" } } } };
    await duckdbParquet(dir, "hf.parquet", "select {'bytes': '\\x89PNG'::blob, 'path': 'a.png'} as image, 1::bigint as label, 'hello' as text", meta);
    const { conversion } = await convertFiles([dataFile(dir, "hf.parquet")]);
    expect(featureMap(conversion.features)).toEqual({ image: "image", label: "class_label(2 names)", text: "string" });
    expect(await readRows(conversion)).toEqual([{ image: { bytes: "\\x89PNG", path: "a.png" }, label: "1", text: "hello" }]);
  });

  it("re-reads its own shards to byte-identical shards (features from metadata, same row groups)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "text,label,when\nhi,pos,2024-01-01\nbye,neg,\n" });
    const overrides = featuresFromYaml(parse("- {name: label, dtype: {class_label: {names: [neg, pos]}}}\n- {name: when, dtype: 'timestamp[s]'}"), "features");
    const first = await convertFiles([dataFile(dir, "a.csv")], { overrides });
    const shard = first.conversion.splits[0]!.shards[0]!;
    const again = await convertFiles([{ localPath: shard.localPath, file: "again.parquet", format: "parquet" }]);
    expect(again.conversion.features).toEqual(first.conversion.features);
    expect(again.conversion.splits[0]!.numBytes).toBe(first.conversion.splits[0]!.numBytes);
    expect(again.conversion.splits[0]!.shards[0]!.sha256).toBe(shard.sha256);
    // Through another codec and back, so both conversions decode and re-encode (the same codec may copy row groups).
    const zstd = await convertFiles([{ localPath: shard.localPath, file: "again.parquet", format: "parquet" }], { compression: "zstd" });
    const back = await convertFiles([{ localPath: zstd.conversion.splits[0]!.shards[0]!.localPath, file: "zstd.parquet", format: "parquet" }]);
    expect(back.conversion.features).toEqual(first.conversion.features);
    expect(back.conversion.splits[0]!.shards[0]!.sha256).toBe(shard.sha256);
  });

  it("re-shards a many-row-group file across shards, batch boundaries and all", async () => {
    const dir = await tempDir();
    await query(`copy (select i, 'row ' || i as s, i % 7 = 0 as b from range(100000) t(i)) to '${path.join(dir, "rg.parquet")}' (format parquet, row_group_size 7000)`);
    // zstd, not the file's snappy: re-encoded (not copied, see parquet-copy.test.ts), so cut exactly as Python cuts.
    const { conversion } = await convertFiles([dataFile(dir, "rg.parquet")], { numShards: 3, compression: "zstd" });
    expect(conversion.splits[0]!.shards.map((s) => s.rows)).toEqual([33334, 33333, 33333]);
    const out = conversion.splits[0]!.shards.map((s) => `'${s.localPath}'`).join(", ");
    expect(await query(`select count(*) as n, sum(i) as total, count(distinct s) as texts, sum(b::int) as trues from read_parquet([${out}])`)).toEqual([
      { n: "100000", total: "4999950000", texts: "100000", trues: "14286" },
    ]);
    const firstOfSecond = await query(`select i from read_parquet('${conversion.splits[0]!.shards[1]!.localPath}') limit 1`);
    expect(firstOfSecond).toEqual([{ i: "33334" }]);
  });

  it("unifies with other files: int64 + CSV floats → float64, struct fields in another order and missing ones", async () => {
    const dir = await tempDir();
    await duckdbParquet(dir, "a.parquet", "select 1::bigint as n, {'y': 'b', 'x': 1::bigint} as m");
    await writeFiles(dir, { "b.jsonl": '{"n": 2.5, "m": {"x": 2, "z": true}}\n' });
    const { conversion } = await convertFiles([dataFile(dir, "a.parquet"), dataFile(dir, "b.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({ n: "float64", m: "struct<y: string, x: int64, z: bool>" });
    expect(await readRows(conversion)).toEqual([
      { n: 1, m: { y: "b", x: "1", z: null } },
      { n: 2.5, m: { y: null, x: "2", z: true } },
    ]);
  });

  it("applies features overrides: strings to class labels, ids checked against the names", async () => {
    const dir = await tempDir();
    await duckdbParquet(dir, "l.parquet", "select * from (values ('neg', 0::bigint), ('pos', 1), (null, null)) t(name, id)");
    const overrides = featuresFromYaml(parse("- {name: name, dtype: {class_label: {names: [neg, pos]}}}\n- {name: id, dtype: {class_label: {names: [neg, pos]}}}"), "features");
    const { conversion } = await convertFiles([dataFile(dir, "l.parquet")], { overrides });
    expect(featureMap(conversion.features)).toEqual({ name: "class_label(2 names)", id: "class_label(2 names)" });
    expect(await readRows(conversion)).toEqual([
      { name: "0", id: "0" },
      { name: "1", id: "1" },
      { name: null, id: null },
    ]);
    const narrow = featuresFromYaml(parse("- {name: id, dtype: {class_label: {names: [only]}}}"), "features");
    const e = await rejection(convertFiles([dataFile(dir, "l.parquet")], { overrides: narrow }));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe("l.parquet: column 'id' (class_label with 1 names), row 2: id 1 is not between -1 and 0");
  });

  it("keeps a Parquet file with no rows as an empty, typed table", async () => {
    const dir = await tempDir();
    await duckdbParquet(dir, "empty.parquet", "select 1::int as a, 'x' as b where false");
    const { conversion } = await convertFiles([dataFile(dir, "empty.parquet")]);
    expect(featureMap(conversion.features)).toEqual({ a: "int32", b: "string" });
    expect(conversion.splits[0]!.rows).toBe(0);
    expect(await columnTypes(conversion.splits[0]!.shards[0]!.localPath)).toEqual({ a: "INTEGER", b: "VARCHAR" });
  });

  it("refuses a column type datasets cannot describe, naming it", async () => {
    const dir = await tempDir();
    await duckdbParquet(dir, "iv.parquet", "select interval 1 day as gap");
    const e = await rejection(convertFiles([dataFile(dir, "iv.parquet")]));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(/^iv\.parquet: column 'gap' has the Arrow type Interval/);
  });
});

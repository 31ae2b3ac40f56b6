/**
 * Every input format converted and read back by DuckDB, value by value and
 * type by type: JSON Lines (.jsonl, .ndjson, lines in a .json), JSON arrays,
 * text, TSV, gzip-compressed inputs, forced formats, and several files (and
 * splits) unified into one schema.
 */
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { columnTypes } from "../helpers/duckdb.js";
import { convertFiles, dataFile, featureMap, readRows, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

const JSONL = [
  '{"id": 1, "score": 0.5, "ok": true, "name": "a", "tags": ["x", "y"], "meta": {"k": 1, "extra": null}, "when": "2024-01-01 10:00:00"}',
  '{"id": 2, "score": 1, "ok": false, "name": null, "tags": [], "meta": {"k": 2, "extra": "e"}, "when": "2024-01-02"}',
  '{"id": 3, "ok": null, "name": "c", "tags": null, "meta": null, "when": null, "late": 7}',
].join("\n");

const EXPECTED_ROWS = [
  { id: "1", score: 0.5, ok: true, name: "a", tags: ["x", "y"], meta: { k: "1", extra: null }, when: "2024-01-01 10:00:00", late: null },
  { id: "2", score: 1, ok: false, name: null, tags: [], meta: { k: "2", extra: "e" }, when: "2024-01-02 00:00:00", late: null },
  { id: "3", score: null, ok: null, name: "c", tags: null, meta: null, when: null, late: "7" },
];
const EXPECTED_FEATURES = {
  id: "int64",
  score: "float64",
  ok: "bool",
  name: "string",
  tags: "list<string>",
  meta: "struct<k: int64, extra: string>",
  when: "timestamp[s]",
  late: "int64",
};

describe("JSON Lines", () => {
  it("infers pyarrow's types (key union in order of first appearance, missing keys null) and keeps every value", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.jsonl": `${JSONL}\n` });
    const { conversion } = await convertFiles([dataFile(dir, "a.jsonl")]);
    expect(featureMap(conversion.features)).toEqual(EXPECTED_FEATURES);
    expect(await readRows(conversion)).toEqual(EXPECTED_ROWS);
    expect(await columnTypes(conversion.splits[0]!.shards[0]!.localPath)).toEqual({
      id: "BIGINT",
      score: "DOUBLE",
      ok: "BOOLEAN",
      name: "VARCHAR",
      tags: "VARCHAR[]",
      meta: "STRUCT(k BIGINT, extra VARCHAR)",
      when: "TIMESTAMP",
      late: "BIGINT",
    });
  });

  it("gives the same shard for .jsonl, .ndjson, JSON lines in a .json file, a JSON array, and each gzipped", async () => {
    const dir = await tempDir();
    const array = `[\n${JSONL.split("\n").join(",\n")}\n]\n`;
    await writeFiles(dir, {
      "a.jsonl": JSONL,
      "b.ndjson": `${JSONL}\n\n`,
      "c.json": `${JSONL}\r\n`.replaceAll("\n", "\r\n"),
      "d.json": array,
      "e.json": `\ufeff${array.replaceAll("\n", " ")}`,
      "a.jsonl.gz": gzipSync(JSONL),
      "d.json.gz": gzipSync(array),
    });
    const hashes = new Set<string>();
    for (const name of ["a.jsonl", "b.ndjson", "c.json", "d.json", "e.json", "a.jsonl.gz", "d.json.gz"]) {
      const { conversion } = await convertFiles([dataFile(dir, name)]);
      expect(featureMap(conversion.features), name).toEqual(EXPECTED_FEATURES);
      hashes.add(conversion.splits[0]!.shards[0]!.sha256);
    }
    expect(hashes.size).toBe(1);
  });

  it("types integral floats (1.0, 2e3) as pyarrow does: the column becomes float64", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "f.jsonl": [
        '{"a": 1, "b": 1.0, "c": [1, 2], "d": {"x": 1}, "e": 5}',
        '{"a": 2, "b": 2, "c": [3, 4.0], "d": {"x": 2e3}, "e": 6.5}',
        '{"a": 3, "b": 3, "c": [5], "d": {"x": 3}, "e": 7}',
      ].join("\n"),
    });
    const { conversion } = await convertFiles([dataFile(dir, "f.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({ a: "int64", b: "float64", c: "list<float64>", d: "struct<x: float64>", e: "float64" });
    expect(await readRows(conversion)).toEqual([
      { a: "1", b: 1, c: [1, 2], d: { x: 1 }, e: 5 },
      { a: "2", b: 2, c: [3, 4], d: { x: 2000 }, e: 6.5 },
      { a: "3", b: 3, c: [5], d: { x: 3 }, e: 7 },
    ]);
  });

  it("keeps integers past 2^53 exact, and turns a column float64 when a value exceeds int64 (pyarrow's promotion)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "big.jsonl": [
        '{"exact": 9007199254740993, "min": -9223372036854775808, "past": 1, "nested": [12345678901234567891]}',
        '{"exact": 9223372036854775807, "min": 0, "past": 9223372036854775808, "nested": []}',
      ].join("\n"),
    });
    const { conversion } = await convertFiles([dataFile(dir, "big.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({ exact: "int64", min: "int64", past: "float64", nested: "list<float64>" });
    expect(await readRows(conversion)).toEqual([
      { exact: "9007199254740993", min: "-9223372036854775808", past: 1, nested: [12345678901234567000] },
      { exact: "9223372036854775807", min: "0", past: 9223372036854775808, nested: [] },
    ]);
  });

  it("infers timestamp[s] only when every string is an ISO date or date-time at second precision", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "t.jsonl": [
        '{"d": "2024-01-01", "dt": "2024-01-01T10:00:00Z", "off": "2024-01-01T12:00:00+02:00", "frac": "2024-01-01T10:00:00.5", "mixed": "2024-01-01"}',
        '{"d": "1999-12-31", "dt": "2024-01-01 10:00", "off": null, "frac": "2024-01-01T10:00:00.25", "mixed": "soon"}',
      ].join("\n"),
    });
    const { conversion } = await convertFiles([dataFile(dir, "t.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({ d: "timestamp[s]", dt: "timestamp[s]", off: "timestamp[s]", frac: "string", mixed: "string" });
    expect(await readRows(conversion)).toEqual([
      { d: "2024-01-01 00:00:00", dt: "2024-01-01 10:00:00", off: "2024-01-01 10:00:00", frac: "2024-01-01T10:00:00.5", mixed: "2024-01-01" },
      { d: "1999-12-31 00:00:00", dt: "2024-01-01 10:00:00", off: null, frac: "2024-01-01T10:00:00.25", mixed: "soon" },
    ]);
  });

  it("makes a column of only nulls a null column, and lists of structs and lists of lists", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "n.jsonl": [
        '{"nothing": null, "points": [{"x": 1, "y": "a"}, {"y": null, "x": 2}], "grid": [[1, 2], [3]], "empty": []}',
        '{"nothing": null, "points": [], "grid": [[], null], "empty": []}',
      ].join("\n"),
    });
    const { conversion } = await convertFiles([dataFile(dir, "n.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({
      nothing: "null",
      points: "list<struct<x: int64, y: string>>",
      grid: "list<list<int64>>",
      empty: "list<null>",
    });
    expect(await readRows(conversion)).toEqual([
      { nothing: null, points: [{ x: "1", y: "a" }, { x: "2", y: null }], grid: [["1", "2"], ["3"]], empty: [] },
      { nothing: null, points: [], grid: [[], null], empty: [] },
    ]);
  });

  it("reads objects whose keys carry escapes and non-ASCII text, and strings with every escape", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "u.jsonl": '{"naïve \\"key\\"": "tab\\there \\u00e9 \\ud83c\\udf89 \\n end", "n": 1.0}\n' });
    const { conversion } = await convertFiles([dataFile(dir, "u.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({ 'naïve "key"': "string", n: "float64" });
    expect(await readRows(conversion)).toEqual([{ 'naïve "key"': "tab\there é 🎉 \n end", n: 1 }]);
  });
});

describe("text files", () => {
  it("makes one row per line: LF, CRLF and lone CR end lines; empty lines are empty strings; a BOM is dropped", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "a.txt": "\ufefffirst\r\nsecond\rthird\n\n  spaced  \nlast",
      "b.txt": "one\n\n",
      "c.txt.gz": gzipSync("one\n\n"),
    });
    const a = await convertFiles([dataFile(dir, "a.txt")]);
    expect(featureMap(a.conversion.features)).toEqual({ text: "string" });
    expect((await readRows(a.conversion)).map((r) => r.text)).toEqual(["first", "second", "third", "", "  spaced  ", "last"]);
    const b = await convertFiles([dataFile(dir, "b.txt")]);
    expect((await readRows(b.conversion)).map((r) => r.text)).toEqual(["one", ""]);
    const c = await convertFiles([dataFile(dir, "c.txt.gz")]);
    expect(c.conversion.splits[0]!.shards[0]!.sha256).toBe(b.conversion.splits[0]!.shards[0]!.sha256);
  });
});

describe("CSV, TSV, gzip and forced formats", () => {
  it("reads .csv.gz and .tsv.gz as their uncompressed versions, and gzip without the extension when the format is forced", async () => {
    const dir = await tempDir();
    const csv = "a,b\n1,x\n2,y\n";
    await writeFiles(dir, { "p.csv": csv, "p.csv.gz": gzipSync(csv), "p.tsv.gz": gzipSync(csv.replaceAll(",", "\t")), "data.bin": gzipSync(csv) });
    const plain = await convertFiles([dataFile(dir, "p.csv")]);
    const sha = plain.conversion.splits[0]!.shards[0]!.sha256;
    for (const [name, format] of [["p.csv.gz", undefined], ["p.tsv.gz", undefined], ["data.bin", "csv"]] as const) {
      const { conversion } = await convertFiles([dataFile(dir, name, format)]);
      expect(conversion.splits[0]!.shards[0]!.sha256, name).toBe(sha);
    }
  });

  it("forces a format on any extension (format input): a .txt read as CSV, a .log read as JSON Lines", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "table.txt": "a;b,c\n1;2,3\n", "events.log": '{"e": "x"}\n{"e": "y"}\n' });
    const csv = await convertFiles([dataFile(dir, "table.txt", "csv")]);
    expect(featureMap(csv.conversion.features)).toEqual({ "a;b": "large_string", c: "int64" });
    const json = await convertFiles([dataFile(dir, "events.log", "jsonl")]);
    expect(await readRows(json.conversion)).toEqual([{ e: "x" }, { e: "y" }]);
  });
});

describe("read-buffer boundaries", () => {
  it("gives the same rows with 3-byte and 64-byte read buffers for JSON Lines, JSON arrays and text (CRLF and lone CR split across reads)", async () => {
    const dir = await tempDir();
    const text = "\ufeffalpha\r\nbeta\rgamma\r\r\n\ndelta with ü and 🎉\r";
    await writeFiles(dir, {
      "a.jsonl": `\ufeff${JSONL.replaceAll("\n", "\r\n")}\r\n`,
      "b.json": `[\n${JSONL.split("\n").join(" ,\r\n ")}\n]`,
      "c.txt": text,
      "c.txt.gz": gzipSync(text),
    });
    for (const name of ["a.jsonl", "b.json", "c.txt", "c.txt.gz"]) {
      const whole = await convertFiles([dataFile(dir, name)]);
      for (const readChunkBytes of [3, 64]) {
        const small = await convertFiles([dataFile(dir, name)], { readChunkBytes });
        expect(small.conversion.splits[0]!.shards[0]!.sha256, `${name} with ${readChunkBytes}-byte reads`).toBe(whole.conversion.splits[0]!.shards[0]!.sha256);
      }
    }
    const c = await convertFiles([dataFile(dir, "c.txt")], { readChunkBytes: 3 });
    expect((await readRows(c.conversion)).map((r) => r.text)).toEqual(["alpha", "beta", "gamma", "", "", "delta with ü and 🎉"]);
  });
});

describe("several files and splits: one schema", () => {
  it("unifies int64 + float64 → float64 and null + T → T across files and splits, mapping columns by name", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "train/1.csv": "id,value,note\n1,10,\n2,20,\n",
      "train/2.csv": "note,id,value\nhello,3,2.5\n,4,\n",
      "test/1.jsonl": '{"id": 5, "value": 7, "note": null}\n',
    });
    const { conversion } = await convertFiles({
      train: [dataFile(dir, "train/1.csv"), dataFile(dir, "train/2.csv")],
      test: [dataFile(dir, "test/1.jsonl")],
    });
    expect(featureMap(conversion.features)).toEqual({ id: "int64", value: "float64", note: "large_string" });
    expect(await readRows(conversion, "train")).toEqual([
      { id: "1", value: 10, note: null },
      { id: "2", value: 20, note: null },
      { id: "3", value: 2.5, note: "hello" },
      { id: "4", value: null, note: null },
    ]);
    expect(await readRows(conversion, "test")).toEqual([{ id: "5", value: 7, note: null }]);
    expect(conversion.splits.map((s) => [s.name, s.rows])).toEqual([["train", 4], ["test", 1]]);
  });

  it("makes objects with other keys, or values of another kind, in another JSON file Json; a timestamp column with text elsewhere string", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "a.jsonl": '{"m": {"x": 1}, "t": "2024-01-01", "n": 1, "l": [1]}\n',
      "b.jsonl": '{"m": {"y": "z"}, "t": "not a date", "n": "2", "l": [["x"]]}\n',
    });
    const { conversion } = await convertFiles([dataFile(dir, "a.jsonl"), dataFile(dir, "b.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({ m: "json", t: "string", n: "json", l: "list<json>" });
    expect(await readRows(conversion)).toEqual([
      { m: '{"x":1}', t: "2024-01-01", n: "1", l: ["1"] },
      { m: '{"y":"z"}', t: "not a date", n: '"2"', l: ['["x"]'] },
    ]);
    // The card's num_bytes counts the Json text as written: 4 columns of 2 rows, offsets 4 bytes a row.
    expect(conversion.splits[0]!.numBytes).toBe(4 * 2 + 7 + 9 + 4 * 2 + 10 + 10 + 4 * 2 + 1 + 3 + 4 * 2 + 4 * 2 + 1 + 5);
  });

  it("unions the keys of objects spread over lines across files (no Json there, as in Python)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.json": '{\n "m": {"x": 1}\n}\n', "b.json": '{\n "m": {"y": "z"}\n}\n' });
    const { conversion } = await convertFiles([dataFile(dir, "a.json"), dataFile(dir, "b.json")]);
    expect(featureMap(conversion.features)).toEqual({ m: "struct<x: int64, y: string>" });
    expect(await readRows(conversion)).toEqual([{ m: { x: "1", y: null } }, { m: { x: null, y: "z" } }]);
  });

  it("lets a header-only CSV join a split without changing its types", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "x,y\n", "b.csv": "x,y\n1,\n" });
    const { conversion } = await convertFiles([dataFile(dir, "a.csv"), dataFile(dir, "b.csv")]);
    expect(featureMap(conversion.features)).toEqual({ x: "int64", y: "float64" });
    expect(await readRows(conversion)).toEqual([{ x: "1", y: null }]);
  });
});

/**
 * Where the JSON reader makes a place `Json`, and what it stores there: every
 * case of datasets 5's rules (docs/dataset-layout.md#json-and-json-lines),
 * with Python's own outcome as the expected value — `load_dataset("json")`
 * with datasets 5.0.1 / pyarrow 25.0.1 / pandas 3.0.6 gives these features
 * and stores these texts (the Arrow storage of the Json values). Each file is
 * read by both paths (bytes, and JSON.parse for every row) with small read
 * buffers too, and the shards read back by DuckDB.
 */
import { copyFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ujsonDouble, ujsonString } from "../../src/data/read/json/text.js";
import { query } from "../helpers/duckdb.js";
import { convertFiles, dataFile, featureMap, readRows, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

interface Case {
  lines: string[];
  /** Python's features. */
  features: Record<string, string>;
  /** Python's stored rows (Json values as their text), as DuckDB renders them (int64 as strings). */
  rows?: Record<string, unknown>[];
}

const CASES: Record<string, Case> = {
  "c02 floats and an empty string": {
    lines: ['{"x": 1.5}', '{"x": ""}', '{"x": 2.25}'],
    features: { x: "json" },
    rows: [{ x: "1.5" }, { x: '""' }, { x: "2.25" }],
  },
  "c03 a title that is a number in one row": {
    lines: ['{"title": "Hello"}', '{"title": 1984}', '{"title": "World"}'],
    features: { title: "json" },
    rows: [{ title: '"Hello"' }, { title: "1984" }, { title: '"World"' }],
  },
  "c04 an object in one row, a list in another": {
    lines: ['{"f": {"a": 1}}', '{"f": [1, 2]}'],
    features: { f: "json" },
    rows: [{ f: '{"a":1}' }, { f: "[1,2]" }],
  },
  "c05 lists nested to different depths (TopoJSON arcs)": {
    lines: ['{"arcs": [[1,2],[3,[4,5]]]}', '{"arcs": [[6]]}'],
    features: { arcs: "list<list<json>>" },
    rows: [{ arcs: [["1", "2"], ["3", "[4,5]"]] }, { arcs: [["6"]] }],
  },
  "c06 objects keyed by language": {
    lines: ['{"name": {"en": "Cat", "fr": "Chat"}}', '{"name": {"de": "Katze"}}'],
    features: { name: "json" },
    rows: [{ name: '{"en":"Cat","fr":"Chat"}' }, { name: '{"de":"Katze"}' }],
  },
  "c07 empty objects": {
    lines: ['{"id": 1, "meta": {}}', '{"id": 2, "meta": {}}'],
    features: { id: "int64", meta: "json" },
    rows: [{ id: "1", meta: "{}" }, { id: "2", meta: "{}" }],
  },
  "c08 rows with other keys, a null beside a missing key (the rows are unioned, no Json)": {
    lines: ['{"a": 1, "b": null}', '{"a": 2}', '{"b": "x"}'],
    features: { a: "int64", b: "string" },
    rows: [{ a: "1", b: null }, { a: "2", b: null }, { a: null, b: "x" }],
  },
  "c09 a boolean and a number": {
    lines: ['{"v": true}', '{"v": 1}'],
    features: { v: "json" },
    rows: [{ v: "true" }, { v: "1" }],
  },
  "c10 integers and floats (one kind: float64)": {
    lines: ['{"v": 1}', '{"v": 2.5}', '{"v": 3}'],
    features: { v: "float64" },
    rows: [{ v: 1 }, { v: 2.5 }, { v: 3 }],
  },
  "c11 two kinds of scalars in a struct in a list": {
    lines: ['{"items": [{"k": 1, "s": {"t": "a"}}]}', '{"items": [{"k": 2, "s": {"t": 5}}]}'],
    features: { items: "list<struct<k: int64, s: struct<t: json>>>" },
    rows: [{ items: [{ k: "1", s: { t: '"a"' } }] }, { items: [{ k: "2", s: { t: "5" } }] }],
  },
  "c12 an object and a list in a struct in a list": {
    lines: ['{"items": [{"k": 1, "s": {"t": {"u": 1}}}]}', '{"items": [{"k": 2, "s": {"t": [1]}}]}'],
    features: { items: "list<struct<k: int64, s: struct<t: json>>>" },
    rows: [{ items: [{ k: "1", s: { t: '{"u":1}' } }] }, { items: [{ k: "2", s: { t: "[1]" } }] }],
  },
  "c13 a nested key holding null in one object, missing in another": {
    lines: ['{"s": {"a": 1, "b": null}}', '{"s": {"a": 2}}'],
    features: { s: "json" },
    rows: [{ s: '{"a":1,"b":null}' }, { s: '{"a":2}' }],
  },
  "c14 a nested object, a null and a missing key (no Json)": {
    lines: ['{"s": {"a": 1}}', '{"s": null}', "{}"],
    features: { s: "struct<a: int64>" },
    rows: [{ s: { a: "1" } }, { s: null }, { s: null }],
  },
  "c15 a list of objects with different keys": {
    lines: ['{"l": [{"a": 1}, {"b": 2}]}'],
    features: { l: "list<json>" },
    rows: [{ l: ['{"a":1}', '{"b":2}'] }],
  },
  "c16 a list of a number and a string": {
    lines: ['{"l": [1, "a"]}'],
    features: { l: "list<json>" },
    rows: [{ l: ["1", '"a"'] }],
  },
  "c17 empty lists (no evidence, no Json)": {
    lines: ['{"l": [[], [1]]}', '{"l": []}'],
    features: { l: "list<list<int64>>" },
    rows: [{ l: [[], ["1"]] }, { l: [] }],
  },
  "c18 a list of an empty object": {
    lines: ['{"l": [{}]}'],
    features: { l: "list<json>" },
    rows: [{ l: ["{}"] }],
  },
  "c19 two kinds of values deep in objects": {
    lines: ['{"a": {"b": {"c": 1, "d": "x"}}}', '{"a": {"b": {"c": "y", "d": "z"}}}'],
    features: { a: "struct<b: struct<c: json, d: string>>" },
    rows: [{ a: { b: { c: "1", d: "x" } } }, { a: { b: { c: '"y"', d: "z" } } }],
  },
  "c20 a list and a scalar": {
    lines: ['{"a": [1, 2]}', '{"a": 3}'],
    features: { a: "json" },
    rows: [{ a: "[1,2]" }, { a: "3" }],
  },
  "c21 an object and a scalar": {
    lines: ['{"a": {"x": 1}}', '{"a": "s"}'],
    features: { a: "json" },
    rows: [{ a: '{"x":1}' }, { a: '"s"' }],
  },
  "c22 a list of an integer and a float": {
    lines: ['{"a": [1, 2.5]}'],
    features: { a: "list<float64>" },
    rows: [{ a: [1, 2.5] }],
  },
  "c23 a list of a boolean and a number": {
    lines: ['{"a": [true, 1]}'],
    features: { a: "list<json>" },
    rows: [{ a: ["true", "1"] }],
  },
  "c24 the same keys in another order (a struct, fields in the first object's order)": {
    lines: ['{"a": {"x": 1, "y": 2}}', '{"a": {"y": 3, "x": 4}}'],
    features: { a: "struct<x: int64, y: int64>" },
    rows: [{ a: { x: "1", y: "2" } }, { a: { x: "4", y: "3" } }],
  },
  "e01 only empty lists": {
    lines: ['{"l": []}', '{"l": []}'],
    features: { l: "list<null>" },
    rows: [{ l: [] }, { l: [] }],
  },
  "e02 an empty list and an empty object": {
    lines: ['{"l": []}', '{"l": {}}'],
    features: { l: "json" },
    rows: [{ l: "[]" }, { l: "{}" }],
  },
};

/** Converts `content` (as JSON Lines and as a JSON array), with both reading paths and small buffers: one outcome. */
async function convertEveryWay(lines: string[]): Promise<{ features: Record<string, string>; rows: Record<string, unknown>[] }> {
  const dir = await tempDir();
  await writeFiles(dir, { "c.jsonl": `${lines.join("\n")}\n`, "c.json": `[\n${lines.join(",\n")}\n]\n` });
  const results = [];
  for (const name of ["c.jsonl", "c.json"])
    for (const jsonParseAll of [false, true])
      for (const readChunkBytes of [undefined, 7]) {
        const { conversion } = await convertFiles([dataFile(dir, name)], { jsonParseAll, readChunkBytes });
        results.push({ features: featureMap(conversion.features), rows: await readRows(conversion), sha: conversion.splits[0]!.shards[0]!.sha256 });
      }
  for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  return results[0]!;
}

describe("Json where datasets 5 puts it (docs/dataset-layout.md#json-and-json-lines, every case)", () => {
  for (const [name, c] of Object.entries(CASES))
    it(name, async () => {
      const { features, rows } = await convertEveryWay(c.lines);
      expect(features).toEqual(c.features);
      if (c.rows) expect(rows).toEqual(c.rows);
    });

  it("c01 a code like \"004\" after integers: Json, the string kept as a string (deliberate: Python stores it unquoted, reading back 4)", async () => {
    const { features, rows } = await convertEveryWay(['{"id": 1}', '{"id": 2}', '{"id": "004"}']);
    expect(features).toEqual({ id: "json" });
    // Python stores '1', '2', '004' (a string that parses as JSON is kept as it is); the action keeps "004" a string.
    expect(rows).toEqual([{ id: "1" }, { id: "2" }, { id: '"004"' }]);
  });

  it("keeps JSON text as pandas' ujson writes it: no spaces, keys in the file's order, \\uXXXX escapes, \\/, floats to 10 decimals when that is exact", async () => {
    const { features, rows } = await convertEveryWay([
      String.raw`{"v": {"z": 1, "2": [1.0, 2.50, 1e5, 1E-7, -0, 1e16, 1.5e16, 1e-20], "s": "café \u00e9 / \/ <>&\u007f", "e": "\ud83d\ude00 \n\t\u0001"}}`,
      '{"v": [1, "x", null, true]}',
      '{"v": 0.1234567890123456789}',
      '{"v": 12345678901234567890123}',
    ]);
    expect(features).toEqual({ v: "json" });
    expect(rows.map((r) => r.v)).toEqual([
      String.raw`{"z":1,"2":[1.0,2.5,100000.0,0.0000001,0,10000000000000000.0,1.5e+16,1e-20],"s":"caf\u00e9 \u00e9 \/ \/ <>&` + "\u007f" + String.raw`","e":"\ud83d\ude00 \n\t\u0001"}`,
      '[1,"x",null,true]',
      // More than 10 decimals: ujson would round (0.1234567890); the exact double is kept (deliberate).
      "0.12345678901234568",
      "12345678901234567890123",
    ]);
  });

  it("stores Json as Python does: JSON logical type in Parquet, arrow.json in ARROW:schema, {_type: Json} metadata, at any depth", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "n.jsonl": '{"a": 1, "b": [1, "x"], "c": {"d": [1], "e": 1}}\n{"a": "y", "b": [2], "c": {"d": {"k": 1}, "e": 2}}\n' });
    const { conversion } = await convertFiles([dataFile(dir, "n.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({ a: "json", b: "list<json>", c: "struct<d: json, e: int64>" });
    const file = conversion.splits[0]!.shards[0]!.localPath;
    const leaves = await query(`select name, converted_type, logical_type from parquet_schema('${file}') where type = 'BYTE_ARRAY'`);
    expect(leaves).toEqual([
      { name: "a", converted_type: "JSON", logical_type: "JsonType()" },
      { name: "item", converted_type: "JSON", logical_type: "JsonType()" },
      { name: "d", converted_type: "JSON", logical_type: "JsonType()" },
    ]);
    const kv = await query(`select decode(value) as v from parquet_kv_metadata('${file}') where decode(key) = 'huggingface'`);
    expect(JSON.parse(String(kv[0]!.v))).toEqual({
      info: { features: { a: { _type: "Json" }, b: { feature: { _type: "Json" }, _type: "List" }, c: { d: { _type: "Json" }, e: { dtype: "int64", _type: "Value" } } } },
    });
  });
});

describe("Json columns of a Parquet input", () => {
  it("a shard holding a Json column, published again, is copied (not re-encoded) and keeps the JSON annotation and the rows", async () => {
    const dir = await tempDir();
    // Flat columns only: the copier takes no nested column.
    await writeFiles(dir, { "n.jsonl": '{"a": 1, "b": 1}\n{"a": "y", "b": 2}\n' });
    const first = (await convertFiles([dataFile(dir, "n.jsonl")])).conversion;
    const input = await tempDir();
    await copyFile(first.splits[0]!.shards[0]!.localPath, path.join(input, "in.parquet"));
    const lines: string[] = [];
    const log = { info: (l: string) => lines.push(l), warning: (l: string) => lines.push(l), debug: (l: string) => lines.push(l) };
    const { conversion } = await convertFiles([dataFile(input, "in.parquet")], { log });
    expect(lines.some((l) => l.includes("copied from the Parquet input, not re-encoded"))).toBe(true);
    expect(featureMap(conversion.features)).toEqual({ a: "json", b: "int64" });
    const file = conversion.splits[0]!.shards[0]!.localPath;
    const leaves = await query(`select name, converted_type, logical_type from parquet_schema('${file}') where type = 'BYTE_ARRAY'`);
    expect(leaves).toEqual([{ name: "a", converted_type: "JSON", logical_type: "JsonType()" }]);
    expect(await readRows(conversion)).toEqual(await readRows(first));
  });
});

describe("the Json text of numbers and strings (pandas' ujson, as datasets calls it)", () => {
  it("writes a double as ujson_dumps does (double_precision=10): Python's output for each", () => {
    // [value as Python's repr, pd.io.json.ujson_dumps(value)] from pandas 3.0.6.
    const python: [string, string][] = [
      ["0.1", "0.1"], ["1.0", "1.0"], ["-0.0", "0.0"], ["2.5", "2.5"], ["1e-07", "0.0000001"], ["1e+16", "10000000000000000.0"],
      ["1.5e+16", "1.5e+16"], ["1e+17", "1e+17"], ["1e-15", "0.0"], ["1e-16", "1e-16"], ["2.5e-11", "0.0"], ["5e-11", "0.0000000001"],
      ["123456789.12345679", "123456789.123456791"], ["3.14159265358979", "3.1415926536"], ["0.30000000000000004", "0.3"],
      ["1.7976931348623157e+308", "1.797693135e+308"], ["5e-324", "4.940656458e-324"], ["-1234.5678901234", "-1234.5678901234"],
      ["10000000000.0", "10000000000.0"], ["1.5e-10", "0.0000000002"], ["1e+21", "1e+21"], ["1.2345678901234568e+16", "1.23456789e+16"],
      ["0.12345678901234568", "0.123456789"], ["100.0", "100.0"], ["42.5", "42.5"], ["-7.25e-05", "-0.0000725"],
    ];
    for (const [value, text] of python) expect(ujsonDouble(Number(value)), value).toBe(text);
  });

  it("escapes strings as ujson does: non-ASCII and control characters as lowercase \\uXXXX, / as \\/, DEL as it is", () => {
    expect(ujsonString('\u0001\u001f\u007f<>&/é😀"\\\b\f\n\r\t\uabcd')).toBe(String.raw`"\u0001\u001f` + "\u007f" + String.raw`<>&\/\u00e9\ud83d\ude00\"\\\b\f\n\r\t\uabcd"`);
  });
});

describe("the log", () => {
  it("names each Json place, where its values disagree, and places that disagree between files", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "a.jsonl": '{"title": "Hello", "name": {"en": "Cat"}, "n": 1}\n{"title": 1984, "name": {"de": "Katze"}, "n": 2}\n',
      "b.jsonl": '{"title": "x", "name": {"fr": "Chat"}, "n": "three"}\n',
    });
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m), warning: (m: string) => lines.push(m), debug() {} };
    const { conversion } = await convertFiles([dataFile(dir, "a.jsonl"), dataFile(dir, "b.jsonl")], { log });
    expect(featureMap(conversion.features)).toEqual({ title: "json", name: "json", n: "json" });
    expect(lines.filter((l) => l.includes("Json"))).toEqual([
      "train: a.jsonl: 'title' holds strings (first on line 1) and numbers (line 2): it is a Json feature (each value kept as JSON text), as datasets makes it",
      "train: a.jsonl: 'name' holds objects with different keys (first on line 1, other keys on line 2): it is a Json feature (each value kept as JSON text), as datasets makes it",
      "'n' is int64 in a.jsonl but string in b.jsonl: it is a Json feature (each value kept as JSON text), as datasets makes values that disagree",
    ]);
  });
});

/**
 * The JSON reader's byte-level path (rows scanned from the bytes, flat
 * columns filled straight into Arrow) read back by DuckDB, and checked
 * against the reference path that reads every row with JSON.parse
 * (the `jsonParseAll` reader option, the reader's behaviour before the byte-level
 * path): same features, same shard bytes, same errors on the same lines —
 * with whole-file and tiny read buffers, for JSON Lines and JSON arrays.
 */
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it, vi } from "vitest";
import { rng } from "../../bench/generate.js";
import { DataError } from "../../src/data/errors.js";
import { ChunkBuffer, openByteSource, readAhead } from "../../src/data/read/source.js";
import type { NamedFeature } from "../../src/model/features.js";
import { convertFiles, dataFile, featureMap, readRows, rejection, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

interface Outcome {
  features?: Record<string, string>;
  numBytes?: number;
  rows?: number;
  sha256?: string[];
  error?: string;
}

/** Converts one file and sums up the result (or the error). */
async function outcome(dir: string, name: string, readChunkBytes?: number, overrides?: NamedFeature[], jsonParseAll = false): Promise<Outcome> {
  try {
    const { conversion } = await convertFiles([dataFile(dir, name)], { readChunkBytes, overrides, jsonParseAll });
    const split = conversion.splits[0]!;
    return { features: featureMap(conversion.features), numBytes: split.numBytes, rows: split.rows, sha256: split.shards.map((s) => s.sha256) };
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    return { error: e.message };
  }
}

/**
 * The byte-level path gives what the JSON.parse path gives, with default and
 * with small read buffers (the size of the read buffer may change which of
 * two errors comes first: invalid UTF-8 is looked for a buffer at a time).
 * Returns the outcome with the default buffer.
 */
async function sameAsReference(dir: string, name: string, chunks: (number | undefined)[] = [undefined, 7, 64], overrides?: NamedFeature[]): Promise<Outcome> {
  let first: Outcome | undefined;
  for (const chunk of [undefined, ...chunks]) {
    const reference = await outcome(dir, name, chunk, overrides, true);
    expect(await outcome(dir, name, chunk, overrides), `${name} with ${chunk ?? "default"} read buffers`).toEqual(reference);
    first ??= reference;
  }
  return first!;
}

async function expectError(content: string, name: string, line: number | undefined, detail: RegExp): Promise<void> {
  const dir = await tempDir();
  await writeFiles(dir, { [name]: content });
  const reference = await sameAsReference(dir, name);
  const e = await rejection(convertFiles([dataFile(dir, name)]));
  expect(e, String(e)).toBeInstanceOf(DataError);
  expect({ line: (e as DataError).line, message: e.message }).toMatchObject({ line });
  expect((e as DataError).detail).toMatch(detail);
  expect(reference.error).toBe(e.message);
}

describe("the reference path", () => {
  it("parses every row with JSON.parse when asked, and none of these rows otherwise", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "r.jsonl": '{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n{"a": 3, "b": null}\n' });
    const parse = vi.spyOn(JSON, "parse");
    try {
      await outcome(dir, "r.jsonl", undefined, undefined, true);
      expect(parse.mock.calls.length).toBeGreaterThanOrEqual(6); // three rows, each pass
      parse.mockClear();
      await outcome(dir, "r.jsonl");
      expect(parse.mock.calls.filter(([text]) => typeof text === "string" && text.startsWith('{"a"'))).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });
});

describe("JSON Lines read from the bytes", () => {
  it("decodes every escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, surrogate pairs, unpaired surrogates) in values and keys", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "e.jsonl": [
        String.raw`{"s": "q\"uote \\ back \/ slash \b\f\n\r\t end", "u": "\u0041\u00e9\u4e2d \ud83c\udf89", "k\u0065y": 1}`,
        String.raw`{"s": "plain", "u": "lone \ud800 and \udc00", "key": 2}`,
        String.raw`{"s": "\"", "u": "", "\u006b\u0065\u0079": 3}`,
      ].join("\n"),
    });
    const { features } = await sameAsReference(dir, "e.jsonl");
    expect(features).toEqual({ s: "string", u: "string", key: "int64" });
    const { conversion } = await convertFiles([dataFile(dir, "e.jsonl")]);
    expect(await readRows(conversion)).toEqual([
      { s: 'q"uote \\ back / slash \b\f\n\r\t end', u: "Aé中 🎉", key: "1" },
      { s: "plain", u: "lone \ufffd and \ufffd", key: "2" },
      { s: '"', u: "", key: "3" },
    ]);
  });

  it("reads non-ASCII keys, keys in any order, keys first seen late and missing keys (nulls)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "k.jsonl": [
        '{"ключ": 1, "键": "a", "🔑": true}',
        '{"🔑": false, "ключ": 2, "键": "b"}',
        '{"键": "c"}',
        '{"new": 1.5, "ключ": 3}',
        "{}",
      ].join("\n"),
    });
    const { features } = await sameAsReference(dir, "k.jsonl");
    expect(features).toEqual({ ключ: "int64", 键: "string", "🔑": "bool", new: "float64" });
    const { conversion } = await convertFiles([dataFile(dir, "k.jsonl")]);
    expect(await readRows(conversion)).toEqual([
      { ключ: "1", 键: "a", "🔑": true, new: null },
      { ключ: "2", 键: "b", "🔑": false, new: null },
      { ключ: null, 键: "c", "🔑": null, new: null },
      { ключ: "3", 键: null, "🔑": null, new: 1.5 },
      { ключ: null, 键: null, "🔑": null, new: null },
    ]);
  });

  it("accepts whitespace around every token, CRLF and lone CR line ends, blank lines and a missing final line break", async () => {
    const dir = await tempDir();
    const rows = ['{"a":1,"b":"x"}', '  {  "a" : 2 ,  "b" : "y"  }  ', '\t{\t"a"\t:\t3\t,\t"b"\t:\t"z"\t}\t', '{"b" :"w" , "a": 4 }'];
    await writeFiles(dir, {
      "lf.jsonl": `${rows.join("\n")}\n`,
      "crlf.jsonl": `\r\n${rows.join("\r\n\r\n  \r\n")}\r\n\r\n`,
      "cr.jsonl": rows.join("\r\t\r"),
      "bom.jsonl": `\ufeff${rows.join("\n")}`,
    });
    const hashes = new Set<string>();
    for (const name of ["lf.jsonl", "crlf.jsonl", "cr.jsonl", "bom.jsonl"]) {
      const { features, sha256 } = await sameAsReference(dir, name, [undefined, 3, 16]);
      expect(features, name).toEqual({ a: "int64", b: "string" });
      hashes.add(sha256![0]!);
    }
    expect(hashes.size).toBe(1);
  });

  it("types numbers from their spelling: -0, 1e5, 1.0, integers past 2^53 and past int64, 1e400", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "n.jsonl": [
        '{"z": -0, "e": 1e5, "f": 1.0, "big": 9007199254740993, "inf": 1e400, "past": 1, "mz": -0.0, "i": 7}',
        '{"z": 0, "e": 2, "f": 2, "big": -9223372036854775808, "inf": -1e400, "past": 9223372036854775808, "mz": 1, "i": -7}',
        '{"z": 5, "e": 2.5E-3, "f": 3, "big": 9223372036854775807, "inf": 0.1, "past": 12345678901234567890123, "mz": 0, "i": 123456789012345}',
      ].join("\n"),
    });
    const { features } = await sameAsReference(dir, "n.jsonl");
    expect(features).toEqual({ z: "int64", e: "float64", f: "float64", big: "int64", inf: "float64", past: "float64", mz: "float64", i: "int64" });
    const { conversion } = await convertFiles([dataFile(dir, "n.jsonl")]);
    const rows = await readRows(conversion);
    expect(rows.map((r) => [r.z, r.e, r.f, r.big, r.past, r.i])).toEqual([
      ["0", 100000, 1, "9007199254740993", 1, "7"],
      ["0", 2, 2, "-9223372036854775808", 9223372036854775808, "-7"],
      ["5", 0.0025, 3, "9223372036854775807", 1.2345678901234568e22, "123456789012345"],
    ]);
    expect(rows.map((r) => String(r.inf))).toEqual(["Infinity", "-Infinity", "0.1"]);
    expect(Object.is(rows[0]!.mz, -0) || rows[0]!.mz === "-0.0").toBe(true);
  });

  it("reads nested values (lists, objects, lists of objects) next to flat columns", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.jsonl": [
        '{"id": 1, "tags": ["a", "b\\"c"], "when": "2024-01-01 10:00:00", "m": {"k": 1, "s": "x", "extra": null}, "pts": [{"x": 1.0, "y": null}, {"x": 2, "y": "q"}], "s": "after"}',
        '{"id": 2, "tags": [], "when": null, "m": {"s": "y", "extra": true, "k": null}, "pts": null, "s": "é"}',
        '{"id": 3, "m": null, "pts": [{"y": null, "x": null}], "s": null, "grid": [[1, 2], [], null]}',
      ].join("\n"),
    });
    const { features } = await sameAsReference(dir, "m.jsonl");
    expect(features).toEqual({
      id: "int64",
      tags: "list<string>",
      when: "timestamp[s]",
      m: "struct<k: int64, s: string, extra: bool>",
      pts: "list<struct<x: float64, y: string>>",
      s: "string",
      grid: "list<list<int64>>",
    });
    const { conversion } = await convertFiles([dataFile(dir, "m.jsonl")]);
    expect(await readRows(conversion)).toEqual([
      { id: "1", tags: ["a", 'b"c'], when: "2024-01-01 10:00:00", m: { k: "1", s: "x", extra: null }, pts: [{ x: 1, y: null }, { x: 2, y: "q" }], s: "after", grid: null },
      { id: "2", tags: [], when: null, m: { k: null, s: "y", extra: true }, pts: null, s: "é", grid: null },
      { id: "3", tags: null, when: null, m: null, pts: [{ x: null, y: null }], s: null, grid: [["1", "2"], [], null] },
    ]);
  });

  it("reads lists item by item: numbers of every spelling, nulls, nested lists, strings with escapes", async () => {
    const random = rng(99);
    const spell = (): string => {
      const r = random();
      const v = (random() * 2 - 1) * 10 ** Math.floor(random() * 40 - 20);
      if (r < 0.1) return "null";
      if (r < 0.2) return String(Math.floor(random() * 1e6) - 5e5);
      if (r < 0.3) return v.toExponential(Math.floor(random() * 17));
      if (r < 0.35) return random() < 0.5 ? "-0" : "-0.0";
      if (r < 0.4) return `0.${"0".repeat(Math.floor(random() * 25))}1234567`;
      if (r < 0.45) return "123456789012345678901234.5";
      if (r < 0.5) return (random() * 1e3).toFixed(Math.floor(random() * 20));
      if (r < 0.55) return random() < 0.5 ? "1e400" : "-1E-400";
      if (r < 0.6) return String(Math.floor(random() * 1e17));
      return String(v);
    };
    const rows: string[] = [];
    for (let r = 0; r < 300; r++) {
      const n = Math.floor(random() * 12);
      rows.push(
        `{"v": [${Array.from({ length: n }, spell).join(random() < 0.5 ? "," : " , ")}], "g": [[${spell()}, ${spell()}], [], null], ` +
          `"i": ${random() < 0.2 ? "null" : `[${Array.from({ length: 3 }, () => Math.floor(random() * 1e5) - 5e4).join(",")}, 9007199254740993]`}, ` +
          `"s": ["a", ${random() < 0.3 ? "null" : '"b\\n\\u00e9"'}, "2024-01-01"]}`,
      );
    }
    const dir = await tempDir();
    await writeFiles(dir, { "l.jsonl": rows.join("\n"), "l.json": `[${rows.join(",\n")}]` });
    const { features } = await sameAsReference(dir, "l.jsonl", [5, 100]);
    expect(features).toEqual({ v: "list<float64>", g: "list<list<float64>>", i: "list<int64>", s: "list<string>" });
    expect(await sameAsReference(dir, "l.json", [5])).toEqual(await outcome(dir, "l.jsonl"));
    // Lists whose items the features input sets: converted item by item as the whole list would be.
    const overrides: NamedFeature[] = [
      { name: "v", feature: { kind: "list", item: { kind: "value", dtype: "float32" } } },
      { name: "g", feature: { kind: "list", item: { kind: "list", item: { kind: "value", dtype: "string" } } } },
      { name: "i", feature: { kind: "list", item: { kind: "value", dtype: "float64" }, length: 4 } },
      { name: "s", feature: { kind: "list", item: { kind: "value", dtype: "large_string" }, large: true } },
    ];
    expect((await sameAsReference(dir, "l.jsonl", [64], overrides)).features).toEqual({
      v: "list<float32>",
      g: "list<list<string>>",
      i: "list<float64>[4]",
      s: "list<large_string>",
    });
    const { conversion } = await convertFiles([dataFile(dir, "l.jsonl")]);
    const first = (await readRows(conversion))[0]!;
    expect(first.i === null || (first.i as string[]).at(-1) === "9007199254740993").toBe(true);
  });

  it("makes list items of two kinds Json, and reports a bad item in a list the features input sets with its line", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "k.jsonl": '{"a": [1, 2.5]}\n{"a": [3, "x", 4]}\n', "n.jsonl": '{"a": [[1], []]}\n{"a": [[true]]}\n' });
    expect((await sameAsReference(dir, "k.jsonl")).features).toEqual({ a: "list<json>" });
    expect((await sameAsReference(dir, "n.jsonl")).features).toEqual({ a: "list<list<json>>" });
    await writeFiles(dir, { "o.jsonl": '{"a": [1, 2]}\n{"a": [3, 1.5, "x"]}\n{"a": [300]}\n' });
    for (const dtype of ["int64", "int8", "bool"]) {
      const overrides: NamedFeature[] = [{ name: "a", feature: { kind: "list", item: { kind: "value", dtype } } }];
      const result = await sameAsReference(dir, "o.jsonl", [8], overrides);
      expect(result.error, dtype).toMatch(/^o\.jsonl:[1-3]: column 'a' \(list<\w+>\): /);
    }
  });

  it("reads rows split across read buffers (tiny buffers, and a row longer than the 1 MiB default)", async () => {
    const dir = await tempDir();
    const long = `${"x".repeat(1_200_000)}\\"${"é".repeat(500)}\\n`;
    await writeFiles(dir, {
      "b.jsonl": [
        '{"a": "short", "n": 1, "d": "2024-01-02"}',
        `{"a": "${long}", "n": 2.5, "d": "2024-03-04T05:06:07"}`,
        '{"a": "ü🎉 multi-byte characters to cut", "n": 3, "d": null}',
      ].join("\r\n"),
    });
    const { features, rows } = await sameAsReference(dir, "b.jsonl", [1, 2, 3, 5, 64, 4096]);
    expect(features).toEqual({ a: "string", n: "float64", d: "timestamp[s]" });
    expect(rows).toBe(3);
    const { conversion } = await convertFiles([dataFile(dir, "b.jsonl")], { readChunkBytes: 3 });
    const read = await readRows(conversion);
    expect((read[1]!.a as string).length).toBe(1_200_000 + 2 + 500);
    expect(read.map((r) => r.d)).toEqual(["2024-01-02 00:00:00", "2024-03-04 05:06:07", null]);
  });

  it("keeps a repeated key's last value at the first one's place, and number-like keys in the file's order", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "d.jsonl": '{"b": 1, "a": "x", "b": 2, "1": true, "0": 0.5}\n{"a": "y", "b": 3}\n' });
    const { features } = await sameAsReference(dir, "d.jsonl");
    expect(features).toEqual({ "0": "float64", "1": "bool", b: "int64", a: "string" });
    const { conversion } = await convertFiles([dataFile(dir, "d.jsonl")]);
    expect(conversion.features.map((f) => f.name)).toEqual(["b", "a", "1", "0"]);
    expect((await readRows(conversion)).map((r) => r.b)).toEqual(["2", "3"]);
  });

  it("converts columns set with the features input from the bytes as from JSON values", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "o.jsonl": [
        '{"s": 1.0, "i": 2.0, "f": 3, "t": "2024-01-01", "j": {"a": [1, 2.0]}, "big": 12345678901234567890, "late": null}',
        '{"s": "x\\ty", "i": -3, "f": 9007199254740993, "t": 86400, "j": null, "big": 1, "late": "2024-01-01T10:00:00+01:00"}',
        '{"s": null, "i": null, "f": 1e400, "j": "text", "big": 1e3}',
      ].join("\n"),
    });
    const overrides: NamedFeature[] = [
      { name: "s", feature: { kind: "value", dtype: "string" } },
      { name: "i", feature: { kind: "value", dtype: "int64" } },
      { name: "f", feature: { kind: "value", dtype: "float32" } },
      { name: "t", feature: { kind: "value", dtype: "timestamp[ms]" } },
      { name: "j", feature: { kind: "custom", typeName: "Json", params: {} } },
      { name: "big", feature: { kind: "value", dtype: "string" } },
      { name: "late", feature: { kind: "value", dtype: "timestamp[s]" } },
    ];
    const { features } = await sameAsReference(dir, "o.jsonl", [undefined, 5], overrides);
    expect(features).toEqual({ s: "string", i: "int64", f: "float32", t: "timestamp[ms]", j: "json", big: "string", late: "timestamp[s]" });
    const { conversion } = await convertFiles([dataFile(dir, "o.jsonl")], { overrides });
    const rows = await readRows(conversion);
    expect(rows.map((r) => [r.s, r.i, r.big, r.j])).toEqual([
      ["1", "2", "12345678901234567890", '{"a":[1,2.0]}'],
      ["x\ty", "-3", "1", null],
      [null, null, "1000", '"text"'],
    ]);
  });
});

describe("JSON arrays read from the bytes", () => {
  it("reads the elements of a top-level array (whitespace and line breaks anywhere, a BOM) as the lines would be", async () => {
    const dir = await tempDir();
    const rows = ['{"a": 1, "b": ["x"], "c": "2024-01-01"}', '{"b": [], "a": 2.5,\n "c": "2024-01-02"}', '{"a": null, "c": null}'];
    await writeFiles(dir, {
      "a.json": `\ufeff [\r\n  ${rows.join(" ,\n\n\t")}\n]\n`,
      "a.jsonl": rows.map((r) => r.replace("\n", "")).join("\n"),
    });
    const array = await sameAsReference(dir, "a.json", [3, 4, 64]);
    const lines = await sameAsReference(dir, "a.jsonl");
    expect(array).toEqual(lines);
    expect(array.features).toEqual({ a: "float64", b: "list<string>", c: "timestamp[s]" });
  });
});

describe("errors found from the bytes name the same line and say the same as JSON.parse", () => {
  it("invalid JSON at various places of a row", async () => {
    const bad = [
      '{"a": 1,}',
      '{"a": 01}',
      '{"a": 1.}',
      '{"a": -}',
      '{"a": 1e}',
      '{"a": +1}',
      '{"a": NaN}',
      '{"a": tru}',
      '{"a": "x\\q"}',
      '{"a": "\\u12G4"}',
      '{"a": "x\ty"}',
      '{"a": "unterminated}',
      '{"a" 1}',
      '{"a": 1 "b": 2}',
      '{"a": 1} trailing',
      '{"a": 1}{"a": 2}',
      '{"a": [1, 2,]}',
      '{"a": {"b": }}',
      '{"a": 1',
      "\ufeff{}",
    ];
    for (const [i, row] of bad.entries()) await expectError(`{"a": 1}\n\n${row}\n{"a": 2}\n`, `bad${i}.jsonl`, 3, /^invalid JSON: /);
  });

  it("rows that are not objects, invalid UTF-8; values of two kinds and empty objects are Json", async () => {
    await expectError('{"a": 1}\n[1, 2]\n', "l.jsonl", 2, /must be a JSON object.*a list/);
    await expectError('{"a": 1}\n  42  \n', "n.jsonl", 2, /must be a JSON object.*number 42/);
    // A row with a syntax error after a value of another kind: the syntax error is reported.
    await expectError('{"a": 1}\n{"a": "x", "b": }\n', "s.jsonl", 2, /^invalid JSON/);
    const kinds = await tempDir();
    await writeFiles(kinds, {
      "m.jsonl": '{"a": 1}\n{"a": null}\n{"a": 2.5}\n{"a": "three"}\n',
      "b.jsonl": '{"a": "x"}\n{"b": 1, "a": true}\n',
      "o.jsonl": '{"a": [1]}\n{"a": {"b": 1}}\n',
      "p.jsonl": '{"a": {"b": [1]}}\n{"a": {"b": ["x"]}}\n',
      "e.jsonl": '{"a": {}, "b": 1}\n',
    });
    const json = async (name: string) => (await sameAsReference(kinds, name)).features;
    expect(await json("m.jsonl")).toEqual({ a: "json" });
    expect(await json("b.jsonl")).toEqual({ a: "json", b: "int64" });
    expect(await json("o.jsonl")).toEqual({ a: "json" });
    expect(await json("p.jsonl")).toEqual({ a: "struct<b: list<json>>" });
    expect(await json("e.jsonl")).toEqual({ a: "json", b: "int64" });
    const dir = await tempDir();
    await writeFiles(dir, { "u.jsonl": Buffer.concat([Buffer.from('{"a": 1}\n{"a": }\n{"a": "'), Buffer.from([0xff]), Buffer.from('"}\n')]) });
    // The read buffer is checked before its rows are read: with the whole file in one buffer, line 3's bad UTF-8 comes first.
    expect(await outcome(dir, "u.jsonl")).toEqual({ error: expect.stringMatching(/^u\.jsonl:3: invalid UTF-8/) as unknown as string });
    await sameAsReference(dir, "u.jsonl", [undefined, 4, 12]);
  });

  it("in JSON arrays: bad elements, bad separators, an unclosed array", async () => {
    await expectError('[\n  {"a": 1},\n  {"a":\n 2,,}\n]', "a.json", 3, /^invalid JSON/);
    await expectError('[{"a": 1},\n "text"]', "b.json", 2, /must be a JSON object/);
    await expectError('[{"a": 1,}\n {"a": 2}]', "c.json", 1, /^invalid JSON/);
    await expectError('[{"a": 1}\n {"a": 2}]', "d.json", 2, /expected ',' or '\]'/);
    await expectError('[{"a": 1},\n{"a": "x"}, null]', "e.json", 2, /must be a JSON object \(\{\.\.\.\}\), found null/);
    await expectError('[{"a": 1},\n{"a": 2}', "f.json", 2, /not closed/);
  });
});

describe("reading ahead (source.ts readAhead, used by the JSON reader)", () => {
  it("gives the same chunks as reading directly, plain and gzipped, and the same errors", async () => {
    const dir = await tempDir();
    const random = rng(3);
    const data = Buffer.from(Array.from({ length: 300_000 }, () => Math.floor(random() * 256)));
    await writeFiles(dir, { "d.bin": data, "d.bin.gz": gzipSync(data), "bad.gz": gzipSync(data).subarray(0, 5000) });
    const chunks = async (name: string, size: number, ahead: boolean): Promise<string[]> => {
      const source = await openByteSource(`${dir}/${name}`, name);
      const input = new ChunkBuffer(ahead ? readAhead(source, 65_536) : source, size);
      const out: string[] = [];
      let consumed = 0;
      try {
        while (await input.refill(consumed)) {
          consumed = Math.floor(input.end * 0.7) || input.end; // leave a tail, as a cut record would
          out.push(`${input.end}:${input.eof}:${input.buffer.subarray(0, input.end).toString("base64")}`);
          if (input.eof && consumed === input.end) break;
        }
      } finally {
        await input.close();
      }
      return out;
    };
    for (const name of ["d.bin", "d.bin.gz"])
      for (const size of [1000, 65_536, 100_000]) expect(await chunks(name, size, true), `${name} ${size}`).toEqual(await chunks(name, size, false));
    const direct = await rejection(chunks("bad.gz", 4096, false));
    expect((await rejection(chunks("bad.gz", 4096, true))).message).toBe(direct.message);
  });
});

describe("random rows: the byte-level path and JSON.parse agree", () => {
  it("on features, shard bytes and errors, for JSON Lines and JSON arrays, with several read buffers", async () => {
    const random = rng(2024);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const keys = ["id", "name", "score", "when", "tags", "meta", "naïve", "k\\u0065y", "ok", "big"];
    const byKey: Record<string, string[]> = {
      id: ["1", "-2", "0", "-0", "9007199254740993", "123456789012345678"],
      name: ['"a"', '"b c"', '"q\\"uote"', '"\\u00e9\\ud83c\\udf89"', '"ü🎉"', '""', "null"],
      score: ["1.5", "2", "1.0", "1e5", "-0.0", "null", "3"],
      when: ['"2024-01-01"', '"2024-02-29 10:00:00"', '"2024-01-01T10:00:00Z"', "null"],
      tags: ['["x"]', "[]", '["y", null]', "null"],
      meta: ['{"k": 1}', '{"k": 2.5, "s": "x"}', "null", '{"s": null}'],
      naïve: ["true", "false", "null"],
      "k\\u0065y": ['"v"', "null"],
      ok: ["true", "null"],
      big: ["1", "9223372036854775808", "null"],
    };
    const ws = () => pick(["", "", "", " ", "\t"]);
    for (let file = 0; file < 12; file++) {
      const rows: string[] = [];
      const n = 1 + Math.floor(random() * 60);
      for (let r = 0; r < n; r++) {
        const chosen = keys.filter(() => random() < 0.6);
        if (random() < 0.5) chosen.reverse();
        rows.push(`${ws()}{${ws()}${chosen.map((k) => `"${k}"${ws()}:${ws()}${pick(byKey[k]!)}`).join(`${ws()},${ws()}`)}${ws()}}${ws()}`);
      }
      // Some files get a damaged row (an error somewhere) or a value of another kind.
      if (file % 3 === 1) rows.splice(Math.floor(random() * rows.length), 0, pick(['{"id": "text"}', '{"name": 5}', '{"id": 1,}', '{"tags": [1}', "[1]", '{"meta": []}']));
      const dir = await tempDir();
      const text = rows.join(pick(["\n", "\r\n", "\n\n"]));
      await writeFiles(dir, { "r.jsonl": text, "r.json": `[${rows.join(",\n")}]` });
      const chunks = [undefined, 1 + Math.floor(random() * 40), 100 + Math.floor(random() * 400)];
      const lines = await sameAsReference(dir, "r.jsonl", chunks);
      await sameAsReference(dir, "r.json", chunks);
      if (file % 3 !== 1) expect(lines.error, text).toBeUndefined();
    }
  });
});

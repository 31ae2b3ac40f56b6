/**
 * One schema for all files (unify) and the Arrow size estimate that decides
 * the shard count and the card's num_bytes (pyarrow's `nbytes` of the
 * dataset as one contiguous table), checked against figures worked out by
 * hand from Arrow's buffer layout.
 */
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type Feature, JSON_FEATURE, featuresFromYaml, featureToString, value } from "../../src/model/features.js";
import { type JsonMerge, UnifyConflict, unify } from "../../src/data/read/unify.js";
import { convertFiles, dataFile, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

const list = (item: Feature): Feature => ({ kind: "list", item });
const struct = (fields: Record<string, Feature>): Feature => ({ kind: "struct", fields: Object.entries(fields).map(([name, feature]) => ({ name, feature })) });
const s = (f: Feature | undefined) => (f ? featureToString(f) : "undefined");

describe("unify", () => {
  it("widens int64 + float64, lets null (or no value) take any type, and recurses into lists and structs", () => {
    expect(s(unify(value("int64"), value("float64")))).toBe("float64");
    expect(s(unify(value("null"), value("bool")))).toBe("bool");
    expect(s(unify(undefined, value("string")))).toBe("string");
    expect(s(unify(value("timestamp[s]"), value("string")))).toBe("string");
    // CSV text (large_string, as pandas 3 gives it) beside JSON text: pyarrow's permissive promotion.
    expect(s(unify(value("large_string"), value("string")))).toBe("large_string");
    expect(s(unify(list(value("int64")), list(value("float64"))))).toBe("list<float64>");
    expect(s(unify(list(value("null")), list(struct({ a: value("int64") }))))).toBe("list<struct<a: int64>>");
    expect(s(unify(struct({ a: value("int64"), b: value("null") }), struct({ c: value("string"), b: value("bool") })))).toBe(
      "struct<a: int64, b: bool, c: string>",
    );
  });

  it("with datasets' Json rules (JSON files), makes a place Json where files disagree, at the deepest place, and reports it", () => {
    const json = (a: Feature, b: Feature) => {
      const merged: JsonMerge[] = [];
      return [s(unify(a, b, "", true, merged)), merged.map((m) => m.path)];
    };
    expect(json(value("int64"), value("string"))).toEqual(["json", [""]]);
    expect(json(value("bool"), value("int64"))).toEqual(["json", [""]]);
    expect(json(value("int64"), value("float64"))).toEqual(["float64", []]);
    expect(json(list(value("int64")), list(list(value("int64"))))).toEqual(["list<json>", ["[]"]]);
    expect(json(struct({ a: value("int64") }), struct({ b: value("int64") }))).toEqual(["json", [""]]);
    expect(json(struct({ a: value("int64"), b: value("string") }), struct({ b: value("bool"), a: value("int64") }))).toEqual(["struct<a: int64, b: json>", [".b"]]);
    expect(json(list(value("null")), list(struct({ a: value("int64") })))).toEqual(["list<struct<a: int64>>", []]);
    expect(json(JSON_FEATURE, value("int64"))).toEqual(["json", []]); // already Json in one file: reported with that file
    expect(json(value("string"), value("timestamp[s]"))).toEqual(["string", []]);
  });

  it("refuses anything else, saying where inside the column the types differ", () => {
    expect(() => unify(value("int64"), value("string"))).toThrow(UnifyConflict);
    expect(() => unify(value("int32"), value("int64"))).toThrow(UnifyConflict);
    expect(() => unify(struct({ a: list(value("int64")) }), struct({ a: list(value("bool")) }))).toThrow(
      expect.objectContaining({ path: ".a[]", message: "int64 vs bool" }),
    );
  });
});

describe("Arrow size (num_bytes) as pyarrow's nbytes counts it", () => {
  // Every figure here is what Python's load_dataset gives as `ds.data.nbytes` for the same file
  // (datasets 5.0.1, pyarrow 25.0.1), worked out by hand from Arrow's buffers.
  it("counts validity only where there are nulls, offsets n (not n+1), values, list items, and no validity for structs", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "n.jsonl": [
        '{"s": "ab", "n": 1, "l": [1, 2], "m": {"x": 1.5, "t": "cd"}, "b": true}',
        '{"s": null, "n": 2, "l": [], "m": null, "b": false}',
        '{"s": "efg", "n": null, "l": null, "m": {"x": null, "t": null}, "b": null}',
      ].join("\n"),
    });
    const { conversion } = await convertFiles([dataFile(dir, "n.jsonl")]);
    // s: validity 1 + offsets 3*4 + bytes 5 = 18
    // n: validity 1 + 3*8 = 25
    // l: validity 1 + offsets 12 + items 2*8 = 29
    // m: no validity of its own (pyarrow 25 leaves it out) + x (validity 1 + 3*8 = 25) + t (validity 1 + offsets 12 + bytes 2 = 15) = 40
    // b: validity 1 + bits 1 = 2
    expect(conversion.splits[0]!.numBytes).toBe(18 + 25 + 29 + 40 + 2);
  });

  it("counts validity per record batch of 1000 rows, only in the batches holding a null, and bool bits per batch", async () => {
    const dir = await tempDir();
    const rows = Array.from({ length: 2500 }, (_, i) => ({ s: i === 5 || i === 2300 ? null : "ab", b: i % 2 === 0, l: i === 1500 ? [1, null] : [1] }));
    await writeFiles(dir, {
      "v.jsonl": rows.map((r) => JSON.stringify(r)).join("\n"),
      "v.csv": `s,b\n${rows.map((r) => `${r.s ?? ""},${r.b ? "True" : "False"}`).join("\n")}\n`,
    });
    const json = await convertFiles([dataFile(dir, "v.jsonl")]);
    // s: offsets 2500*4 + bytes 2498*2 + validity of batches 0 (125) and 2 (500 rows: 63); b: bits 125 + 125 + 63;
    // l: offsets 2500*4 + 2501 items * 8 + the validity of batch 1's 1001 items (126)
    expect(json.conversion.splits[0]!.numBytes).toBe(10_000 + 4996 + 188 + 313 + (10_000 + 20_008 + 126));
    const csv = await convertFiles([dataFile(dir, "v.csv")]);
    // The same, s as large_string (8-byte offsets), without l.
    expect(csv.conversion.splits[0]!.numBytes).toBe(20_000 + 4996 + 188 + 313);
  });

  it("starts the record batches afresh with each 10 MiB table of JSON Lines, as Python's loader reads them", async () => {
    const dir = await tempDir();
    // Rows of ~1 KiB: the first table (10 MiB and the rest of its line) holds 10,327 rows, so its last batch has 327.
    const rows = Array.from({ length: 11_000 }, (_, i) => JSON.stringify({ i, pad: "p".repeat(980), n: i === 10_480 || i === 10_490 ? null : 1, b: i % 2 === 0 }));
    await writeFiles(dir, { "big.jsonl": `${rows.join("\n")}\n` });
    const { conversion } = await convertFiles([dataFile(dir, "big.jsonl")]);
    // Python (ds.data.nbytes): i 88,000; pad 10,824,000; n 88,085 (its nulls in the second table's first batch, 673 rows: 85 bytes); b 1,376.
    expect(conversion.splits[0]!.numBytes).toBe(11_001_461);
  });

  it("counts CSV columns in their final types (integers with empties are float64), and overridden columns as built", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "c.csv": "a,b,c,label\n1,x,,pos\n,yy,true,neg\n" });
    const overrides = featuresFromYaml(parse("- {name: label, dtype: {class_label: {names: [neg, pos]}}}"), "features");
    const { conversion } = await convertFiles([dataFile(dir, "c.csv")], { overrides });
    // a: float64 with a null: 1 + 16; b: large_string offsets 2*8 + 3 bytes; c: bool with a null: 1 + 1; label: int64, no nulls: 16
    expect(conversion.splits[0]!.numBytes).toBe(17 + 19 + 2 + 16);
  });

  it("sums the files of a split (each file its own record batches), each split on its own", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "t\nab\n", "b.csv": "t\ncde\n", "c.csv": "t\nf\n" });
    const { conversion } = await convertFiles({ train: [dataFile(dir, "a.csv"), dataFile(dir, "b.csv")], test: [dataFile(dir, "c.csv")] });
    // Per file: offsets 8 a row (large_string) + bytes.
    expect(conversion.splits.map((x) => x.numBytes)).toEqual([8 + 2 + 8 + 3, 8 + 1]);
  });
});

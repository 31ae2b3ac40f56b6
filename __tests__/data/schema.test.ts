/**
 * One schema for all files (unify) and the Arrow size estimate that decides
 * the shard count and the card's num_bytes (pyarrow's `nbytes` of the
 * dataset as one contiguous table), checked against figures worked out by
 * hand from Arrow's buffer layout.
 */
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type Feature, featuresFromYaml, featureToString, value } from "../../src/model/features.js";
import { UnifyConflict, unify } from "../../src/data/read/unify.js";
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
    expect(s(unify(list(value("int64")), list(value("float64"))))).toBe("list<float64>");
    expect(s(unify(list(value("null")), list(struct({ a: value("int64") }))))).toBe("list<struct<a: int64>>");
    expect(s(unify(struct({ a: value("int64"), b: value("null") }), struct({ c: value("string"), b: value("bool") })))).toBe(
      "struct<a: int64, b: bool, c: string>",
    );
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
  it("counts validity only when there are nulls, offsets (n+1), values, list items and struct slots (nulls included)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "n.jsonl": [
        '{"s": "ab", "n": 1, "l": [1, 2], "m": {"x": 1.5, "t": "cd"}, "b": true}',
        '{"s": null, "n": 2, "l": [], "m": null, "b": false}',
        '{"s": "efg", "n": null, "l": null, "m": {"x": null}, "b": null}',
      ].join("\n"),
    });
    const { conversion } = await convertFiles([dataFile(dir, "n.jsonl")]);
    // s: validity 1 + offsets 4*4 + bytes 5 = 22
    // n: validity 1 + 3*8 = 25
    // l: validity 1 + offsets 16 + items 2*8 = 33
    // m: validity 1 + x (validity 1 + 3*8 = 25) + t (validity 1 + offsets 16 + bytes 2 = 19) = 45
    // b: validity 1 + bits 1 = 2
    expect(conversion.splits[0]!.numBytes).toBe(22 + 25 + 33 + 45 + 2);
  });

  it("counts CSV columns in their final types (integers with empties are float64), and overridden columns as built", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "c.csv": "a,b,c,label\n1,x,,pos\n,yy,true,neg\n" });
    const overrides = featuresFromYaml(parse("- {name: label, dtype: {class_label: {names: [neg, pos]}}}"), "features");
    const { conversion } = await convertFiles([dataFile(dir, "c.csv")], { overrides });
    // a: float64 with a null: 1 + 16; b: offsets 12 + 3 bytes; c: bool with a null: 1 + 1; label: int64, no nulls: 16
    expect(conversion.splits[0]!.numBytes).toBe(17 + 15 + 2 + 16);
  });

  it("sums the files of a split (each file sized as one contiguous table), each split on its own", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "t\nab\n", "b.csv": "t\ncde\n", "c.csv": "t\nf\n" });
    const { conversion } = await convertFiles({ train: [dataFile(dir, "a.csv"), dataFile(dir, "b.csv")], test: [dataFile(dir, "c.csv")] });
    // Per file: offsets 2*4 + bytes (the table is estimated as contiguous per file, then summed).
    expect(conversion.splits.map((x) => x.numBytes)).toEqual([8 + 2 + 8 + 3, 8 + 1]);
  });
});

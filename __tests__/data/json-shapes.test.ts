/**
 * What a JSON file may hold besides one object per line, with Python's
 * outcome (datasets 5.0.1, `load_dataset("json")`) as the expected value:
 * one object spread over several lines, objects one after another, an array
 * of plain values (one column `text`), and the arrays Python cannot read
 * (which are clear errors here).
 */
import { afterAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { convertFiles, dataFile, featureMap, readRows, rejection, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

async function read(name: string, content: string): Promise<{ features: Record<string, string>; rows: Record<string, unknown>[] }> {
  const dir = await tempDir();
  await writeFiles(dir, { [name]: content });
  const outcomes = [];
  for (const jsonParseAll of [false, true])
    for (const readChunkBytes of [undefined, 5]) {
      const { conversion } = await convertFiles([dataFile(dir, name)], { jsonParseAll, readChunkBytes });
      outcomes.push({ features: featureMap(conversion.features), rows: await readRows(conversion) });
    }
  for (const o of outcomes.slice(1)) expect(o).toEqual(outcomes[0]);
  return outcomes[0]!;
}

async function refused(name: string, content: string): Promise<DataError> {
  const dir = await tempDir();
  await writeFiles(dir, { [name]: content });
  const e = await rejection(convertFiles([dataFile(dir, name)]));
  expect(e, String(e)).toBeInstanceOf(DataError);
  return e as DataError;
}

describe("one object, or objects one after another", () => {
  it("reads a .json file holding one object on one line as one row of its keys", async () => {
    expect(await read("o.json", '{"a": 1, "b": "x", "c": [1, 2]}')).toEqual({
      features: { a: "int64", b: "string", c: "list<int64>" },
      rows: [{ a: "1", b: "x", c: ["1", "2"] }],
    });
  });

  it("reads one object spread over several lines as one row (its lists are not expanded)", async () => {
    expect(await read("o.json", '{\n  "data": [{"x": 1}, {"x": 2}],\n  "version": "1.0"\n}\n')).toEqual({
      features: { data: "list<struct<x: int64>>", version: "string" },
      rows: [{ data: [{ x: "1" }, { x: "2" }], version: "1.0" }],
    });
    // The same in a .json.gz, with a BOM and CR LF.
    expect((await read("o.jsonl", '\ufeff{\r\n "a": {"r1": 1, "r2": 2},\r\n "b": {"r1": 3, "r2": 4}\r\n}')).features).toEqual({
      a: "struct<r1: int64, r2: int64>",
      b: "struct<r1: int64, r2: int64>",
    });
  });

  it("reads objects one after another across lines, or on one line, as rows; unions their keys as pyarrow does (no Json: Python's pre-scan needs one object per line)", async () => {
    expect(await read("s.json", '{\n "a": 1\n}\n{\n "a": 2\n}\n')).toEqual({ features: { a: "int64" }, rows: [{ a: "1" }, { a: "2" }] });
    expect(await read("s.jsonl", '{"a": 1} {"a": 2}\n')).toEqual({ features: { a: "int64" }, rows: [{ a: "1" }, { a: "2" }] });
    expect(await read("u.json", '{\n "a": {"x": 1},\n "b": [{"p": 1}, {"q": 2}]\n}\n')).toEqual({
      features: { a: "struct<x: int64>", b: "list<struct<p: int64, q: int64>>" },
      rows: [{ a: { x: "1" }, b: [{ p: "1", q: null }, { p: null, q: "2" }] }],
    });
  });

  it("refuses objects one after another whose values disagree (Python fails there too), and a value that is not an object", async () => {
    const e = await refused("m.json", '{\n "a": 1,\n "b": [1, "x"]\n}\n');
    expect(e.line).toBe(1);
    expect(e.detail).toMatch(/column 'b\[\]' holds a string here but number values before/);
    expect((await refused("v.json", '{\n "a": 1\n}\n[1]\n')).detail).toMatch(/each row must be a JSON object/);
  });
});

describe("a top-level array of plain values: one column `text`", () => {
  it("reads strings, numbers, lists; values of two kinds are Json", async () => {
    expect(await read("s.json", '["alpha", "beta", "gamma"]')).toEqual({ features: { text: "string" }, rows: [{ text: "alpha" }, { text: "beta" }, { text: "gamma" }] });
    expect(await read("n.json", "[1, 2, 3.5]")).toEqual({ features: { text: "float64" }, rows: [{ text: 1 }, { text: 2 }, { text: 3.5 }] });
    expect(await read("l.json", "[[1, 2], [3, 4]]")).toEqual({ features: { text: "list<int64>" }, rows: [{ text: ["1", "2"] }, { text: ["3", "4"] }] });
    expect(await read("m.json", '["a", {"x": 1}]')).toEqual({ features: { text: "json" }, rows: [{ text: '"a"' }, { text: '{"x":1}' }] });
  });

  it("decides from the first 100 bytes, as datasets does: objects only when a { comes before the first \"", async () => {
    // More than 100 bytes before the first object: Python reads the elements as values of `text`.
    expect(await read("w.json", `[${" ".repeat(120)}{"x": 1}]`)).toEqual({ features: { text: "struct<x: int64>" }, rows: [{ text: { x: "1" } }] });
    // A { first: objects, so a later string is an error.
    expect((await refused("o.json", '[ {"x": 1}, "b"]\n')).detail).toMatch(/each row must be a JSON object/);
  });
});

describe("arrays Python cannot read: clear errors naming the line", () => {
  it("refuses a null among objects (Python crashes), a string among objects, and an empty array", async () => {
    const nul = await refused("n.json", '[\n  null,\n  {"x": 1}\n]');
    expect({ line: nul.line, detail: nul.detail }).toEqual({ line: 2, detail: "each row must be a JSON object ({...}), found null" });
    const str = await refused("s.json", '[{"x": 1},\n "str", 3]');
    expect({ line: str.line, detail: str.detail }).toEqual({ line: 2, detail: 'each row must be a JSON object ({...}), found "str"' });
    expect((await refused("e.json", "[]")).detail).toMatch(/holds no rows/);
  });

  it("refuses JSON Lines of strings or of lists, as Python does", async () => {
    expect((await refused("s.jsonl", '"hello"\n"world"\n')).detail).toMatch(/each row must be a JSON object/);
    expect((await refused("l.jsonl", "[1, 2]\n[3, 4]\n")).detail).toMatch(/JSON object|array/);
  });
});

/**
 * Bad input stops the conversion before anything is written, with a
 * DataError naming the file and the 1-based line where the bad record (or
 * JSON array element) starts: what main.ts turns into an annotation.
 */
import { readdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import type { DataFile } from "../../src/data/read/discover.js";
import { convertFiles, dataFile, rejection, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

/** Converts `files` (written to a fresh folder); the DataError must name `file`, `line` and match `detail`. */
async function expectDataError(
  files: Record<string, string | Uint8Array>,
  inputs: (dir: string) => DataFile[] | Record<string, DataFile[]>,
  expected: { file: string; line: number | undefined; detail: RegExp },
  readChunkBytes?: number,
): Promise<DataError> {
  const dir = await tempDir();
  await writeFiles(dir, files);
  const out = await tempDir("data-out-");
  const e = await rejection(convertFiles(inputs(dir), { outputDir: out, readChunkBytes }));
  expect(e, String(e)).toBeInstanceOf(DataError);
  const d = e as DataError;
  expect({ file: d.file, line: d.line }).toEqual({ file: expected.file, line: expected.line });
  expect(d.detail).toMatch(expected.detail);
  expect(d.message).not.toMatch(/\n\s+at /); // never a stack trace
  expect(await readdir(out, { recursive: true })).toEqual([]); // nothing written
  return d;
}

const one = (name: string, format?: DataFile["format"]) => (dir: string) => [dataFile(dir, name, format)];

describe("CSV and TSV", () => {
  it("refuses an empty file, a BOM-only file and a file of blank lines", async () => {
    for (const content of ["", "\ufeff", "\n\n  \n"])
      await expectDataError({ "e.csv": content }, one("e.csv"), { file: "e.csv", line: undefined, detail: /empty/ });
  });

  it("names the physical line of a record with too many or too few fields (after multi-line records)", async () => {
    const head = 'a,b\n1,"two\nlines"\n\n2,x\n';
    await expectDataError({ "f.csv": `${head}3,y,extra\n` }, one("f.csv"), { file: "f.csv", line: 6, detail: /expected 2 fields .*found 3/ });
    await expectDataError({ "f.csv": `${head}4\n` }, one("f.csv"), { file: "f.csv", line: 6, detail: /expected 2 fields .*found 1/ });
    await expectDataError({ "f.tsv": "a\tb\n1\t2\t3\n" }, one("f.tsv"), { file: "f.tsv", line: 2, detail: /found 3.*tab/ });
  });

  it("names the line where an unterminated quoted field starts, whatever the buffer size", async () => {
    for (const chunk of [undefined, 8])
      await expectDataError({ "q.csv": 'a,b\n1,ok\n2,"never closed\n3,x\n4,y\n' }, one("q.csv"), { file: "q.csv", line: 3, detail: /unterminated quoted field.*line 3/ }, chunk);
  });

  it("refuses text after a closing quote", async () => {
    await expectDataError({ "t.csv": 'a,b\n1,"x"y\n' }, one("t.csv"), { file: "t.csv", line: 2, detail: /after the closing quote/ });
  });

  it("names the line holding invalid UTF-8 (Latin-1 text), with big and tiny buffers", async () => {
    const latin1 = Buffer.concat([Buffer.from("name,city\nA,Paris\nB,"), Buffer.from([0x5a, 0xfc, 0x72, 0x69, 0x63, 0x68]), Buffer.from("\n")]);
    for (const chunk of [undefined, 5])
      await expectDataError({ "l.csv": latin1 }, one("l.csv"), { file: "l.csv", line: 3, detail: /invalid UTF-8/ }, chunk);
  });

  it("refuses a file whose columns differ from its split's first file, naming both", async () => {
    await expectDataError(
      { "a.csv": "x,y\n1,2\n", "b.csv": "x,z\n1,2\n" },
      (dir) => [dataFile(dir, "a.csv"), dataFile(dir, "b.csv")],
      { file: "b.csv", line: 1, detail: /differ from a\.csv: missing 'y', unexpected 'z'/ },
    );
  });

  it("refuses columns whose types cannot be unified, naming both files, the column and both types", async () => {
    await expectDataError(
      { "a.csv": "x\n1\n", "b.jsonl": '{"x": "text"}\n' },
      (dir) => ({ train: [dataFile(dir, "a.csv")], test: [dataFile(dir, "b.jsonl")] }),
      { file: "b.jsonl", line: undefined, detail: /column 'x' is string here but int64 in a\.csv.*'features'/ },
    );
  });

  it("refuses corrupt gzip data and a .gz name on a plain file", async () => {
    const gz = gzipSync("a,b\n1,2\n".repeat(1000));
    await expectDataError({ "c.csv.gz": gz.subarray(0, gz.length - 30) }, one("c.csv.gz"), { file: "c.csv.gz", line: undefined, detail: /gzip data is corrupt or truncated/ });
    await expectDataError({ "p.csv.gz": "a,b\n1,2\n" }, one("p.csv.gz"), { file: "p.csv.gz", line: undefined, detail: /not gzip-compressed/ });
  });
});

describe("JSON Lines", () => {
  it("refuses an empty file and a file of blank lines", async () => {
    await expectDataError({ "e.jsonl": "" }, one("e.jsonl"), { file: "e.jsonl", line: undefined, detail: /empty/ });
    await expectDataError({ "b.jsonl": "\n  \n\n" }, one("b.jsonl"), { file: "b.jsonl", line: undefined, detail: /empty/ });
    await expectDataError({ "b.json": "[ ]" }, one("b.json"), { file: "b.json", line: undefined, detail: /no rows/ });
  });

  it("names the line of invalid JSON, of a row that is not an object, and of invalid UTF-8", async () => {
    await expectDataError({ "i.jsonl": '{"a": 1}\n\n{"a": 2,}\n' }, one("i.jsonl"), { file: "i.jsonl", line: 3, detail: /invalid JSON/ });
    await expectDataError({ "i.jsonl": '{"a": 1}\n[1, 2]\n' }, one("i.jsonl"), { file: "i.jsonl", line: 2, detail: /must be a JSON object.*a list/ });
    await expectDataError({ "i.jsonl": '{"a": 1}\n42\n' }, one("i.jsonl"), { file: "i.jsonl", line: 2, detail: /must be a JSON object.*number 42/ });
    const bad = Buffer.concat([Buffer.from('{"a": "ok"}\n{"a": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    await expectDataError({ "u.jsonl": bad }, one("u.jsonl"), { file: "u.jsonl", line: 2, detail: /invalid UTF-8/ });
  });

  it("names the line, the column and both types when objects spread over lines mix kinds of values (no Json there, as in Python)", async () => {
    const e = await expectDataError(
      { "m.json": '{\n  "a": 1\n}\n{\n  "a": "three"\n}\n' },
      one("m.json"),
      { file: "m.json", line: 4, detail: /column 'a' holds a string here but number values before \(first on line 1\).*one object per line.*'features'/ },
    );
    expect(e.detail).toMatch(/dtype: json/);
    await expectDataError({ "n.json": '{"a":\n {"b": [1]}}\n{"a": {"b": ["x"]}}\n' }, one("n.json"), { file: "n.json", line: 3, detail: /column 'a\.b\[\]' holds a string/ });
  });

  it("refuses a column of only empty objects in objects spread over lines (Parquet cannot store a struct without fields)", async () => {
    await expectDataError({ "s.json": '{\n  "a": {}, "b": 1\n}\n' }, one("s.json"), { file: "s.json", line: 1, detail: /'a' only holds empty objects/ });
  });
});

describe("JSON arrays", () => {
  it("names the line where a bad element starts", async () => {
    await expectDataError({ "a.json": '[\n  {"a": 1},\n  {"a":\n 2,,}\n]' }, one("a.json"), { file: "a.json", line: 3, detail: /invalid JSON/ });
    await expectDataError({ "a.json": '[{"a": 1},\n "text"]' }, one("a.json"), { file: "a.json", line: 2, detail: /must be a JSON object/ });
    await expectDataError({ "a.json": '[{"a": 1},\n{"a": 2}' }, one("a.json"), { file: "a.json", line: 2, detail: /not closed/ });
    await expectDataError({ "a.json": '[{"a": 1}] {"b": 2}' }, one("a.json"), { file: "a.json", line: 1, detail: /after the closing/ });
    await expectDataError({ "a.json": '[{"a": 1}\n {"a": 2}]' }, one("a.json"), { file: "a.json", line: 2, detail: /expected ',' or '\]'/ });
    const bad = Buffer.concat([Buffer.from('[{"a": "ok"},\n\n{"a": "'), Buffer.from([0xc3]), Buffer.from('"}]')]);
    await expectDataError({ "u.json": bad }, one("u.json"), { file: "u.json", line: 3, detail: /invalid UTF-8/ });
  });

  it("explains a line of JSON Lines holding only part of an object", async () => {
    await expectDataError({ "o.json": '{"a": 1}\n{\n  "a": 2\n}\n' }, one("o.json"), { file: "o.json", line: 2, detail: /invalid JSON: .*is this one spread over several lines\?/ });
  });
});

describe("text and Parquet", () => {
  it("refuses an empty text file and names the line of invalid UTF-8", async () => {
    await expectDataError({ "e.txt": "" }, one("e.txt"), { file: "e.txt", line: undefined, detail: /empty/ });
    const bad = Buffer.concat([Buffer.from("fine\nalso fine\r\n"), Buffer.from([0x80]), Buffer.from("\n")]);
    await expectDataError({ "u.txt": bad }, one("u.txt"), { file: "u.txt", line: 3, detail: /invalid UTF-8/ });
  });

  it("refuses a file that is not Parquet, and gzip-compressed Parquet", async () => {
    await expectDataError({ "x.parquet": "a,b\n1,2\n" }, one("x.parquet"), { file: "x.parquet", line: undefined, detail: /not a readable Parquet file/ });
    await expectDataError({ "x.parquet.gz": gzipSync("PAR1") }, one("x.parquet.gz"), { file: "x.parquet.gz", line: undefined, detail: /gzip-compressed Parquet is not supported/ });
  });
});

describe("errors found late still stop everything", () => {
  it("writes nothing for any split when the last file of the last split is bad", async () => {
    await expectDataError(
      { "t1.csv": "a\n1\n", "t2.csv": "a\n2\n", "v.csv": "a\n3\n4,5\n" },
      (dir) => ({ train: [dataFile(dir, "t1.csv"), dataFile(dir, "t2.csv")], validation: [dataFile(dir, "v.csv")] }),
      { file: "v.csv", line: 3, detail: /expected 1 fields/ },
    );
  });

  it("reports a missing file as a DataError, not a crash", async () => {
    const dir = await tempDir();
    const e = await rejection(convertFiles([dataFile(dir, "gone.csv")]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).detail).toMatch(/does not exist/);
  });
});

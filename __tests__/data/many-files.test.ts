/**
 * Datasets kept as many small files (a CSV per day, a JSON Lines file per
 * record): pass 2 gathers small files into a few batches
 * (write/split-rows.ts, write/concat.ts), which must give the values one file
 * of the same rows gives, read back by DuckDB, and its bytes; the log stays a few lines at
 * the default level (a line per file at debug level); and the data errors of
 * every file are found in one run.
 */
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataError, DataErrors } from "../../src/data/errors.js";
import type { DataFile } from "../../src/data/read/discover.js";
import { readerFor } from "../../src/data/read/readers.js";
import { SplitRows } from "../../src/data/write/split-rows.js";
import { shardSchema } from "../../src/data/write/shard-schema.js";
import type { Logger } from "../../src/log.js";
import { value } from "../../src/model/features.js";
import { convertFiles, dataFile, readRows, rejection, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

/** A logger keeping the lines of each level. */
function levels(): Logger & { info: (m: string) => void; lines: { info: string[]; debug: string[]; warning: string[] } } {
  const lines = { info: [] as string[], debug: [] as string[], warning: [] as string[] };
  return { lines, info: (m) => void lines.info.push(m), debug: (m) => void lines.debug.push(m), warning: (m) => void lines.warning.push(m) };
}

const name = (i: number, ext: string) => `part-${String(i).padStart(4, "0")}.${ext}`;

/** `rows` split into files of `sizes[k % sizes.length]` rows each; returns the file names in order. */
async function split(dir: string, rows: string[], sizes: number[], ext: string, header = ""): Promise<string[]> {
  const names: string[] = [];
  for (let at = 0, k = 0; at < rows.length; k++) {
    const n = sizes[k % sizes.length]!;
    names.push(name(k, ext));
    await writeFile(path.join(dir, name(k, ext)), header + rows.slice(at, at + n).join(""));
    at += n;
  }
  return names;
}

async function shardHashes(conversion: { splits: { shards: { localPath: string }[] }[] }): Promise<string[]> {
  const out: string[] = [];
  for (const s of conversion.splits) for (const shard of s.shards) out.push(createHash("sha256").update(await readFile(shard.localPath)).digest("hex"));
  return out;
}

describe("many small files", () => {
  it("CSV: 500 files give the rows and values of one file holding the same rows", async () => {
    const rows = Array.from({ length: 2000 }, (_, i) =>
      `${i},"name, ${i % 17}",${i % 9 === 0 ? "" : (i / 8).toFixed(3)},${i % 11 === 0 ? "" : i % 2 === 0 ? "true" : "false"},${i % 13 === 0 ? "" : `2024-01-${String(1 + (i % 28)).padStart(2, "0")}`}\n`,
    );
    const header = "id,name,value,flag,date\n";
    const manyDir = await tempDir();
    const names = await split(manyDir, rows, [5, 1, 7, 3], "csv", header);
    expect(names.length).toBe(500);
    const oneDir = await tempDir();
    await writeFiles(oneDir, { "all.csv": header + rows.join("") });

    const many = await convertFiles(names.map((n) => dataFile(manyDir, n)));
    const one = await convertFiles([dataFile(oneDir, "all.csv")]);
    expect(many.conversion.features).toEqual(one.conversion.features);
    expect(many.conversion.splits[0]!.rows).toBe(2000);
    expect(await readRows(many.conversion)).toEqual(await readRows(one.conversion));
    // The same files give the same bytes again.
    const again = await convertFiles(names.map((n) => dataFile(manyDir, n)));
    expect(await shardHashes(again.conversion)).toEqual(await shardHashes(many.conversion));
  });

  it("CSV: 60 files of 1,000 rows give the bytes of one file (pages and row groups follow the rows, not the batches)", async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i},${(i * 7) % 13 === 0 ? "" : i * 0.25},name ${i % 97},${"word ".repeat(i % 17)}x\n`);
    const header = "id,price,name,text\n";
    const manyDir = await tempDir();
    const names = await split(manyDir, rows, [1000], "csv", header);
    const oneDir = await tempDir();
    await writeFiles(oneDir, { "all.csv": header + rows.join("") });
    const many = await convertFiles(names.map((n) => dataFile(manyDir, n)));
    const one = await convertFiles([dataFile(oneDir, "all.csv")]);
    expect(await shardHashes(many.conversion)).toEqual(await shardHashes(one.conversion));
  });

  it("JSON Lines: small files gathered, bigger ones read in chunks, across shards: the values of one file", async () => {
    const rows = Array.from({ length: 1500 }, (_, i) =>
      `${JSON.stringify({
        id: i,
        text: i % 10 === 0 ? null : `row ${i} `.repeat(1 + (i % 4)),
        ok: i % 7 === 0 ? null : i % 3 === 0,
        tags: i % 5 === 0 ? null : Array.from({ length: i % 4 }, (_, k) => `t${k}`),
        meta: i % 6 === 0 ? null : { score: i % 4 === 0 ? null : i / 4, flags: [i % 2 === 0] },
        when: `2024-03-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00`,
        never: null,
      })}\n`,
    );
    const manyDir = await tempDir();
    // Files of 1 to 3 rows (read whole, gathered) and of 120 rows (past the 4 kB read chunk: several batches each).
    const names = await split(manyDir, rows, [2, 1, 3, 120, 1, 2], "jsonl");
    const oneDir = await tempDir();
    await writeFiles(oneDir, { "all.jsonl": rows.join("") });
    const options = { readChunkBytes: 4096, numShards: 3 };

    const many = await convertFiles(names.map((n) => dataFile(manyDir, n)), options);
    const one = await convertFiles([dataFile(oneDir, "all.jsonl")], options);
    expect(many.conversion.features).toEqual(one.conversion.features);
    expect(many.conversion.splits[0]!.shards.map((s) => s.rows)).toEqual([500, 500, 500]);
    expect(await readRows(many.conversion)).toEqual(await readRows(one.conversion));
    expect(await shardHashes(many.conversion)).toEqual(await shardHashes(one.conversion));
  });

  it("logs a few lines at the default level for 500 files, and a line per file at debug level", async () => {
    const dir = await tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 500; i++) files[name(i, "csv")] = `a,b\n${i},x${i}\n${i + 1},y\n`;
    await writeFiles(dir, files);
    const log = levels();
    const { conversion } = await convertFiles(Object.keys(files).map((n) => dataFile(dir, n)), { log });
    expect(conversion.splits[0]!.rows).toBe(1000);
    // A line per split and phase (progress lines come at most every 10 s).
    expect(log.lines.info.filter((l) => !/^(Reading|Writing) train: /.test(l))).toEqual([
      expect.stringMatching(/^train: read 500 files — 1,000 rows, 2 columns, [\d.]+ kB \([\d.]+ s\)$/),
      expect.stringMatching(/^train: wrote data\/train-00000-of-00001\.parquet — 1,000 rows, /),
    ]);
    expect(log.lines.info.length).toBeLessThan(20);
    expect(log.lines.debug.filter((l) => / read part-\d{4}\.csv — 2 rows, 2 columns/.test(l))).toHaveLength(500);
  });

  it("progress lines count files, rows and bytes", async () => {
    const dir = await tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[name(i, "csv")] = `a\n${i}\n`;
    await writeFiles(dir, files);
    const log = levels();
    await convertFiles(Object.keys(files).map((n) => dataFile(dir, n)), { log, progressIntervalMs: 0 });
    expect(log.lines.info).toContainEqual(expect.stringMatching(/^Reading train: [\d.]+ B of [\d.]+ B \(\d+%\) · 12 of 30 files · 12 rows · /));
    expect(log.lines.info).toContainEqual(expect.stringMatching(/^Writing train: 30 of 30 rows \(100%\) · .* \(Arrow\) · 30 of 30 files · /));
  });

  it("finds the errors of every file in one run, in file order, each with its file and line; nothing written", async () => {
    const dir = await tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[name(i, "csv")] = i % 20 === 7 ? `a,b\n1,2\n3,4,5\n` : i === 150 ? `a,b\n1,"open\n` : `a,b\n${i},${i}\n`;
    await writeFiles(dir, files);
    const out = await tempDir("data-out-");
    const log = levels();
    const e = await rejection(convertFiles(Object.keys(files).map((n) => dataFile(dir, n)), { outputDir: out, log }));
    expect(e).toBeInstanceOf(DataErrors);
    const errors = (e as DataErrors).errors;
    expect(errors).toHaveLength(16);
    expect(errors.map((x) => [x.file, x.line])).toEqual([
      ...[7, 27, 47, 67, 87, 107, 127, 147].map((i) => [name(i, "csv"), 3]),
      [name(150, "csv"), 2],
      ...[167, 187, 207, 227, 247, 267, 287].map((i) => [name(i, "csv"), 3]),
    ]);
    expect(errors.every((x) => x instanceof DataError && !/\n\s+at /.test(x.message))).toBe(true);
    expect(e.message).toMatch(/^16 data errors in 16 files; the first: part-0007\.csv:3: expected 2 fields/);
    expect(log.lines.info).toContainEqual(expect.stringMatching(/^train: read 300 files — 284 rows, 2 columns, .*; 16 with errors$/));
    expect(await readdir(out, { recursive: true })).toEqual([]);
  });

  it("a single bad file is still a DataError of its own", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "x\n1\n", "b.csv": "x\n1,2\n" });
    const e = await rejection(convertFiles([dataFile(dir, "a.csv"), dataFile(dir, "b.csv")]));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe("b.csv:2: expected 1 fields (as in the header), found 2. Check for an unquoted comma inside a value, or a trailing comma.");
  });

  it("reports every file whose columns or types do not fit the first file's, not only the first", async () => {
    const dir = await tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[name(i, "csv")] = i % 10 === 3 ? "a,c\n1,2\n" : i % 10 === 6 ? "a,b\n1,true\n" : `a,b\n${i},${i}\n`;
    await writeFiles(dir, files);
    const e = await rejection(convertFiles(Object.keys(files).map((n) => dataFile(dir, n))));
    expect(e).toBeInstanceOf(DataErrors);
    const errors = (e as DataErrors).errors;
    expect(errors.map((x) => x.file)).toEqual([3, 6, 13, 16, 23, 26, 33, 36].map((i) => name(i, "csv")));
    expect(errors[0]!.detail).toMatch(/its columns differ from part-0000\.csv: missing 'b', unexpected 'c'/);
    expect(errors[1]!.detail).toMatch(/column 'b' is bool here but int64 in part-0000\.csv/);
  });

  it("a file that changed between the two passes is an error naming it", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "x\n1\n2\n", "b.csv": "x\n3\n" });
    const files: DataFile[] = [dataFile(dir, "a.csv"), dataFile(dir, "b.csv")];
    const readers = files.map((f) => readerFor(f));
    const profiles = await Promise.all(readers.map((r) => r.profile(new Map())));
    await writeFile(path.join(dir, "a.csv"), "x\n1\n"); // one row fewer now
    const features = [{ name: "x", feature: value("int64") }];
    const shape = shardSchema(features);
    const rows = new SplitRows(readers, profiles.map((p) => p.rows), features);
    const e = await rejection((async () => {
      for await (const _ of rows.batches(shape.schema, shape.stored, 3));
    })());
    await rows.close();
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe("a.csv: the file changed while the action ran: 2 rows when first read, 1 now");
  });
});

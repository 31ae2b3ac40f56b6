/**
 * Pieces of a big file (src/data/read/pieces.ts): where a file is cut for
 * prepare jobs, and the pieces read one by one — each converted on its own,
 * as separate jobs convert them — give the whole file's rows in order, the
 * same `num_bytes` summed, and errors on the file's true lines.
 */
import { statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import type { DataFile } from "../../src/data/read/discover.js";
import { type Cut, canCut, findCuts } from "../../src/data/read/pieces.js";
import type { Logger } from "../../src/log.js";
import { query } from "../helpers/duckdb.js";
import { convertFiles, dataFile, readRows, rejection, removeTempDirs, tempDir } from "./helpers.js";

let dir: string;

beforeAll(async () => {
  dir = await tempDir("pieces-");
});
afterAll(removeTempDirs);

/** The file cut at the first cut at or after each offset, as prepare jobs cut it: its pieces. */
async function piecesOf(file: DataFile, offsets: number[]): Promise<DataFile[]> {
  const size = statSync(file.localPath).size;
  const cuts = (await findCuts(file, offsets)).filter((c) => c !== undefined);
  const bounds: Cut[] = [{ byte: 0, line: 1 }, ...cuts.filter((c, i) => i === 0 || c.byte !== cuts[i - 1]!.byte), { byte: size, line: 0 }];
  return bounds.slice(0, -1).map((b, i) => ({ ...file, piece: { start: b.byte, end: bounds[i + 1]!.byte, line: b.line } }));
}

type ConvertOptions = Parameters<typeof convertFiles>[1];

/** Each piece converted on its own (one job each): rows in order, summed counts. */
async function convertEach(pieces: DataFile[], options?: ConvertOptions) {
  let rows: Record<string, unknown>[] = [];
  let numBytes = 0;
  const counts: number[] = [];
  for (const piece of pieces) {
    const { conversion } = await convertFiles([piece], options);
    const split = conversion.splits[0]!;
    counts.push(split.rows);
    numBytes += split.numBytes;
    rows = rows.concat(await readRows(conversion));
  }
  return { rows, numBytes, counts };
}

async function expectSameAsWhole(file: DataFile, pieces: DataFile[], options?: ConvertOptions) {
  const whole = await convertFiles([file], options);
  const each = await convertEach(pieces, options);
  expect(each.rows).toEqual(await readRows(whole.conversion));
  expect(each.counts.reduce((a, b) => a + b, 0)).toBe(whole.conversion.splits[0]!.rows);
  expect(each.numBytes).toBe(whole.conversion.splits[0]!.numBytes);
  return each;
}

describe("CSV", () => {
  // Quoted fields with line breaks (LF, CRLF), commas and doubled quotes; nulls and bools in every batch.
  function csv(rows: number): string {
    const lines = ["id,name,score,flag"];
    for (let i = 0; i < rows; i++) {
      const name = i % 13 === 0 ? `"line one\nline two, ""quoted""\r\nthree ${i}"` : i % 5 === 0 ? `"a, b ${i}"` : `n${i}`;
      lines.push(`${i},${name},${i % 7 === 0 ? "" : i / 4},${i % 11 === 0 ? "" : i % 2 === 0 ? "True" : "False"}`);
    }
    return lines.join("\n") + "\n";
  }

  it("cuts at rows whose index is a multiple of 1000, never inside a quoted field; the pieces give the whole file", async () => {
    const text = csv(5_600);
    await writeFile(path.join(dir, "big.csv"), text);
    const file = dataFile(dir, "big.csv");
    expect(await canCut(file)).toBe(true);
    // Offsets inside quoted fields (just past their inner line breaks), and evenly spread ones.
    const inQuotes = [...text.matchAll(/line one\n/g)].map((m) => m.index! + 9).filter((_, i) => i % 90 === 5);
    const offsets = [...inQuotes, ...[1, 2, 3, 4, 5].map((k) => Math.floor((text.length * k) / 6))].sort((a, b) => a - b);
    const cuts = await findCuts(file, offsets);
    for (const [i, cut] of cuts.entries()) {
      expect(cut, `offset ${offsets[i]}`).toBeDefined();
      expect(cut!.byte).toBeGreaterThanOrEqual(offsets[i]!);
      // A data row starts there: its id is a multiple of 1000, on the line the file says.
      expect(text.slice(cut!.byte).split(",")[0]).toMatch(/^\d+000$/);
      expect(text.slice(0, cut!.byte).split("\n").length).toBe(cut!.line);
    }
    const pieces = await piecesOf(file, offsets);
    expect(pieces.length).toBeGreaterThan(3);
    const each = await expectSameAsWhole(file, pieces);
    for (const n of each.counts.slice(0, -1)) expect(n % 1000).toBe(0);
  });

  it("finds no cut past the last aligned row", async () => {
    const text = csv(1_500);
    await writeFile(path.join(dir, "small.csv"), text);
    const file = dataFile(dir, "small.csv");
    const [early, late] = await findCuts(file, [10, text.length - 10]);
    expect(text.slice(early!.byte)).toMatch(/^1000,/);
    expect(late).toBeUndefined();
  });

  it("reports a bad row of a later piece on its line in the file", async () => {
    const lines = csv(3_000).split("\n");
    const file = dataFile(dir, "bad.csv");
    await writeFile(file.localPath, lines.join("\n"));
    const pieces = await piecesOf(file, [1000]);
    // Broken past the cut (the job finding the cut reads up to it only).
    const bad = lines.findIndex((l) => l.startsWith("2500,"));
    lines[bad] += ",extra";
    await writeFile(file.localPath, lines.join("\n"));
    const whole = await rejection(convertFiles([file]));
    const fromPiece = await rejection(convertFiles([pieces[1]!]));
    expect(fromPiece).toBeInstanceOf(DataError);
    expect((fromPiece as DataError).line).toBe((whole as DataError).line);
    expect(fromPiece.message).toBe(whole.message);
  });
});

describe("JSON Lines", () => {
  it("cuts where Python's 10 MiB tables start, so the pieces' num_bytes add up to the file's", async () => {
    // ~26 MB: three of Python's tables; a null and a bool in every record batch, blank lines and CRLFs here and there.
    const parts: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const row = JSON.stringify({ id: i, v: i % 9 === 0 ? null : i * 3, b: i % 3 === 0, s: `text ${i} `.repeat(1 + (i % 12)) });
      parts.push(i % 1001 === 0 ? `${row}\r\n\n` : `${row}\n`);
    }
    const text = parts.join("");
    await writeFile(path.join(dir, "big.jsonl"), text);
    const file = dataFile(dir, "big.jsonl");
    expect(await canCut(file)).toBe(true);
    const offsets = [1, 2, 3].map((k) => Math.floor((text.length * k) / 4));
    const cuts = await findCuts(file, offsets);
    // Python's tables, by the rule of datasets' JSON loader: each holds the lines starting up to 10 MiB past its first byte.
    const tables: number[] = [];
    let limit = 10 << 20;
    for (let at = text.indexOf("\n") + 1; at > 0 && at < text.length; at = text.indexOf("\n", at) + 1)
      if (at > limit) {
        tables.push(at);
        limit = at + (10 << 20);
      }
    expect(tables.length).toBeGreaterThanOrEqual(2);
    expect(cuts).toEqual(offsets.map((o) => tables.find((t) => t >= o)).map((t) => t && { byte: t, line: text.slice(0, t).split("\n").length }));
    await expectSameAsWhole(file, await piecesOf(file, offsets));
  });

  it("starts a table only after an LF: a lone CR ends a row, not one of Python's tables (its readline stops at LF)", async () => {
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 11 << 20; i++) {
      const line = JSON.stringify({ id: i, v: i % 4 === 0 ? null : i, s: "z".repeat(40 + (i % 30)) }) + (i % 50 === 49 ? "\n" : "\r");
      lines.push(line);
      size += line.length;
    }
    const text = lines.join("");
    await writeFile(path.join(dir, "cr.jsonl"), text);
    const file = dataFile(dir, "cr.jsonl");
    const [cut] = await findCuts(file, [1]);
    const lf = text.indexOf("\n", 10 << 20); // the first LF at or past 10 MiB ends the first table
    expect(cut!.byte).toBe(lf + 1);
    expect(cut!.line).toBe(text.slice(0, lf + 1).split(/\r\n|\r|\n/).length);
    await expectSameAsWhole(file, await piecesOf(file, [1]));
    // Only lone CRs: one table, no cut.
    await writeFile(path.join(dir, "cr-only.jsonl"), text.replaceAll("\n", "\r"));
    expect(await findCuts(dataFile(dir, "cr-only.jsonl"), [1])).toEqual([undefined]);
  });

  it("reports invalid JSON in a later piece on its line in the file", async () => {
    const lines = Array.from({ length: 120_000 }, (_, i) => JSON.stringify({ id: i, s: "y".repeat(80) }));
    lines[110_000] = '{"id": 110000, "s": oops}';
    await writeFile(path.join(dir, "bad.jsonl"), lines.join("\n") + "\n");
    const file = dataFile(dir, "bad.jsonl");
    const pieces = await piecesOf(file, [1]);
    expect(pieces).toHaveLength(2);
    const error = await rejection(convertFiles([pieces[1]!]));
    expect((error as DataError).line).toBe(110_001);
  });
});

describe("text", () => {
  it("cuts at any line start (after LF, CRLF or a lone CR) and reports lines of the file", async () => {
    const breaks = ["\n", "\r\n", "\r"];
    const text = Array.from({ length: 30_000 }, (_, i) => `line ${i}${breaks[i % 3]}`).join("");
    await writeFile(path.join(dir, "big.txt"), text);
    const file = dataFile(dir, "big.txt");
    const offsets = Array.from({ length: 9 }, (_, k) => Math.floor((text.length * (k + 1)) / 10));
    const cuts = await findCuts(file, offsets);
    for (const cut of cuts) expect(text.slice(cut!.byte)).toMatch(new RegExp(`^line ${cut!.line! - 1}[\\r\\n]`));
    await expectSameAsWhole(file, await piecesOf(file, offsets));
  });
});

describe("Parquet", () => {
  /**
   * A Parquet file written by DuckDB (on one thread, so it is the same every
   * time) from a union of ranges: row groups of unequal sizes, the first one
   * (2500 rows) smaller than the second, so a piece starting at the second
   * would cut Python's batches otherwise if it took its own first row
   * group's size (4096 rows: 4 × 1000 + 96 instead of 1000 + 1000 + 500 +
   * 1000 + 596, one byte more of bools and validity). Nulls and bools in
   * every one of Python's batches.
   */
  async function unequalRowGroups(name: string, columns: string): Promise<{ file: DataFile; sizes: number[]; starts: number[] }> {
    const file = dataFile(dir, name);
    const parts: string[] = [];
    let at = 0;
    for (const n of [2500, 4100, 1700, 3300, 2900]) {
      parts.push(`select ${columns} from range(${at}, ${at + n}) t(i)`);
      at += n;
    }
    await query("set threads = 1");
    try {
      await query(`copy (${parts.join(" union all ")}) to '${file.localPath}' (format parquet, compression snappy, row_group_size 4000)`);
    } finally {
      await query("reset threads");
    }
    // Where each row group starts, by DuckDB: its column chunks' first page (the dictionary page when there is one).
    const groups = await query(
      `select row_group_id::integer as id, any_value(row_group_num_rows)::integer as n, min(coalesce(dictionary_page_offset, data_page_offset))::bigint as start
       from parquet_metadata('${file.localPath}') group by all order by 1`,
    );
    const sizes = groups.map((g) => Number(g.n));
    expect(new Set(sizes).size, `row groups ${sizes}`).toBeGreaterThanOrEqual(3);
    expect(sizes.slice(0, 2), `row groups ${sizes}`).toEqual([2500, 4096]);
    return { file, sizes, starts: groups.map((g) => Number(g.start)) };
  }

  const NULLS_AND_BOOLS = "case when i % 7 = 0 then null else i % 3 = 0 end as flag, case when i % 11 = 0 then null else 'row ' || i end as label";

  function recordingLogger(): Logger & { lines: string[] } {
    const lines: string[] = [];
    return { lines, info: (m) => void lines.push(m), warning: (m) => void lines.push(m), debug: (m) => void lines.push(m) };
  }

  it("cuts at row group starts: the first row group but the first at or after each offset", async () => {
    // A dictionary-encoded first column: a row group starts at its dictionary page, before its data pages.
    const { file, starts } = await unequalRowGroups("cuts.parquet", `'k' || (i % 10) as kind, i::bigint as id, ${NULLS_AND_BOOLS}`);
    expect(await canCut(file)).toBe(true);
    const size = statSync(file.localPath).size;
    const offsets = [1, starts[1]!, starts[1]! + 1, starts[3]! - 1, starts[starts.length - 1]! + 1, size - 1];
    expect(await findCuts(file, offsets)).toEqual([
      { byte: starts[1], rowGroup: 1 },
      { byte: starts[1], rowGroup: 1 },
      { byte: starts[2], rowGroup: 2 },
      { byte: starts[3], rowGroup: 3 },
      undefined,
      undefined,
    ]);
  });

  it("pieces copied row group by row group give the whole file's rows and num_bytes", async () => {
    // Columns stored as the shards store them: the row groups of each piece are copied, not re-encoded.
    const { file, sizes } = await unequalRowGroups("copied.parquet", `i::bigint as id, (i * 0.5)::double as half, ${NULLS_AND_BOOLS}`);
    const size = statSync(file.localPath).size;
    // A piece starting at the second row group, and two more.
    const pieces = await piecesOf(file, [1, size / 2, (size * 3) / 4]);
    expect(pieces.length).toBe(4);
    const log = recordingLogger();
    const each = await expectSameAsWhole(file, pieces, { log });
    // Each piece holds whole row groups, in order; all of them were copied.
    const rowGroups = sizes.map((_, g) => sizes.slice(0, g + 1).reduce((a, b) => a + b, 0));
    let done = 0;
    for (const n of each.counts) expect(rowGroups).toContain((done += n));
    const copied = log.lines.filter((l) => / row groups? copied from the Parquet input, not re-encoded/.test(l));
    expect(copied, log.lines.join("\n")).toHaveLength(pieces.length + 1);
  });

  it("pieces re-encoded give the whole file's rows and num_bytes", async () => {
    // A list column: the shards take flat columns' chunks only (storesAs), so every piece is re-encoded. An int32 column too.
    const { file } = await unequalRowGroups(
      "encoded.parquet",
      `i::bigint as id, case when i % 5 = 0 then null else [i, i % 3] end as pair, case when i % 13 = 0 then null else (i % 1000)::integer end as small, ${NULLS_AND_BOOLS}`,
    );
    const size = statSync(file.localPath).size;
    const pieces = await piecesOf(file, [1, (size * 2) / 3]);
    expect(pieces.length).toBe(3);
    const log = recordingLogger();
    await expectSameAsWhole(file, pieces, { log });
    expect(log.lines.filter((l) => l.includes("copied from the Parquet input"))).toEqual([]);
  });

  it("a one-row-group file has no cut; a gzip-compressed one is not cut", async () => {
    const file = dataFile(dir, "one.parquet");
    await query(`copy (select i::bigint as id from range(0, 3000) t(i)) to '${file.localPath}' (format parquet)`);
    expect(await canCut(file)).toBe(true);
    expect(await findCuts(file, [1, 100])).toEqual([undefined, undefined]);
    await writeFile(path.join(dir, "z.parquet.gz"), gzipSync(await readFile(file.localPath)));
    expect(await canCut(dataFile(dir, "z.parquet.gz", "parquet"))).toBe(false);
  });
});

describe("files that are not cut", () => {
  it("gzip-compressed files and JSON arrays stay whole", async () => {
    await writeFile(path.join(dir, "z.csv.gz"), gzipSync("a,b\n1,2\n"));
    await writeFile(path.join(dir, "hidden-gzip.csv"), gzipSync("a,b\n1,2\n"));
    await writeFile(path.join(dir, "array.json"), '[{"a": 1},\n{"a": 2}]');
    await writeFile(path.join(dir, "spread.json"), '{"a":\n 1}\n{"a": 2}');
    await writeFile(path.join(dir, "lines.json"), '{"a": 1}\n{"a": 2}\n');
    expect(await canCut(dataFile(dir, "z.csv.gz"))).toBe(false);
    expect(await canCut(dataFile(dir, "hidden-gzip.csv"))).toBe(false);
    expect(await canCut(dataFile(dir, "array.json"))).toBe(false);
    expect(await canCut(dataFile(dir, "spread.json"))).toBe(false);
    expect(await canCut(dataFile(dir, "lines.json"))).toBe(true);
  });
});

/**
 * Pass 1 of a big file on two threads: a CSV is cut at line starts (a
 * Parquet file into runs of row groups) and the parts are profiled on this
 * thread and a background thread, then added up.
 * The profile must be exactly the one-piece profile — also when a cut falls
 * inside a quoted field or a part holds a data error (then the file is read
 * again in one piece, and the error names its true line).
 */
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BACKGROUND_JOBS } from "../../src/data/workers/jobs.js";
import { CsvReader } from "../../src/data/read/csv/csv.js";
import { ParquetReader } from "../../src/data/read/parquet/parquet.js";
import { inParts } from "../../src/data/read/parts.js";
import type { BackgroundRunner } from "../../src/data/read/reader.js";
import { type Feature, value } from "../../src/model/features.js";
import { WorkerPool } from "../../src/data/workers/pool.js";
import { query } from "../helpers/duckdb.js";
import { rejection, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

const CORPUS = path.join(import.meta.dirname, "..", "fixtures", "csv");

afterAll(removeTempDirs);

/** Runs background jobs on this thread, counting them; arguments and results are copied as postMessage copies them. */
function inProcess(): BackgroundRunner & { calls: number } {
  const run = Object.assign(
    async (job: string, args: unknown) => {
      run.calls++;
      return structuredClone(await BACKGROUND_JOBS[job]!(structuredClone(args) as never));
    },
    { calls: 0 },
  );
  return run;
}

async function profiles(file: string, format: "csv" | "tsv", overrides = new Map<string, Feature>()) {
  const whole = await new CsvReader(file, "f.csv", format).profile(overrides);
  const background = inProcess();
  // Tiny parts: many cuts, some of them inside quoted fields.
  const { threads, ...inParts } = await new CsvReader(file, "f.csv", format, { background, splitFromBytes: 16 }).profile(overrides);
  return { whole, inParts, threads, calls: background.calls };
}

describe("pass 1 in parts", () => {
  it("gives the one-piece profile for every file of the CSV corpus", async () => {
    const names = (await readdir(CORPUS)).filter((f) => /\.(csv|tsv)$/.test(f));
    let split = 0;
    for (const name of names) {
      const { whole, inParts, threads } = await profiles(path.join(CORPUS, name), name.endsWith(".tsv") ? "tsv" : "csv");
      expect(inParts, name).toEqual(whole);
      if (threads === 2) split++; // read in parts, not in one piece after a failed attempt
    }
    expect(split).toBeGreaterThan(names.length / 3);
  });

  it("adds up kinds, nulls, sizes and converted columns across parts", async () => {
    const dir = await tempDir();
    const lines = ["id,score,flag,note,label"];
    for (let i = 0; i < 400; i++) {
      const note = i === 200 ? '"a note\nover two lines, with ""quotes"""' : i % 3 === 0 ? "" : `n${i}`;
      lines.push(`${i},${i === 390 ? "1.5" : i % 7 === 0 ? "" : i},${i % 2 === 0 ? "True" : "False"},${note},${i % 2 ? "pos" : "neg"}`);
    }
    await writeFiles(dir, { "a.csv": `${lines.join("\n")}\n` });
    const file = path.join(dir, "a.csv");
    const overrides = new Map<string, Feature>([["label", { kind: "class_label", names: ["neg", "pos"] } as Feature]]);
    const whole = await new CsvReader(file, "a.csv", "csv").profile(overrides);
    let inPartsCount = 0;
    for (const splitFromBytes of [16, 1000, 4000]) {
      const background = inProcess();
      const { threads, ...inParts } = await new CsvReader(file, "a.csv", "csv", { background, splitFromBytes }).profile(overrides);
      expect(inParts).toEqual(whole);
      expect(background.calls).toBeGreaterThan(1);
      if (threads === 2) inPartsCount++;
    }
    expect(inPartsCount).toBeGreaterThan(0);
    const { inParts } = await profiles(file, "csv", overrides);
    expect(inParts.columns.map((c) => c.feature)).toEqual([value("int64"), value("float64"), value("bool"), value("large_string"), overrides.get("label")]);
  });

  it("counts the record batches holding nulls exactly, wherever the parts start (num_bytes)", async () => {
    const dir = await tempDir();
    // Nulls in rows 0, 1999 and 2000 (batches 0, 1 and 2), then from 4100 on every 600 rows; an overridden column too.
    const lines = ["n,s,label"];
    for (let i = 0; i < 9000; i++) {
      const empty = i === 0 || i === 1999 || i === 2000 || (i >= 4100 && i % 600 === 500);
      lines.push(`${empty ? "" : i},${empty ? "" : "x".repeat(1 + (i % 7))},${empty ? "" : i % 2 ? "pos" : "neg"}`);
    }
    await writeFiles(dir, { "n.csv": `${lines.join("\n")}\n` });
    const overrides = new Map<string, Feature>([["label", { kind: "class_label", names: ["neg", "pos"] } as Feature]]);
    const { whole, inParts, threads } = await profiles(path.join(dir, "n.csv"), "csv", overrides);
    expect(threads).toBe(2);
    expect(inParts).toEqual(whole);
    // Batches with a null: 0, 1, 2 and 4 … 8 (125 bytes each).
    for (const c of whole.columns) expect([c.name, c.stats.validity]).toEqual([c.name, 8 * 125]);
  });

  it("reports a data error in a later part at its true line", async () => {
    const dir = await tempDir();
    const lines = ["a,b"];
    for (let i = 0; i < 300; i++) lines.push(i === 250 ? "1,2,3" : `${i},x`);
    await writeFiles(dir, { "bad.csv": `${lines.join("\n")}\n` });
    const background = inProcess();
    const error = await rejection(new CsvReader(path.join(dir, "bad.csv"), "bad.csv", "csv", { background, splitFromBytes: 100 }).profile(new Map()));
    expect(background.calls).toBeGreaterThan(1);
    expect(error.message).toMatch(/^bad\.csv:252: expected 2 fields \(as in the header\), found 3/);
  });

  it("stops taking parts once one has failed", async () => {
    // The other thread is up only once this one has failed (on its third part): it must take no part then.
    let failedHere!: () => void;
    const hereFailed = new Promise<void>((resolve) => (failedHere = resolve));
    const background: BackgroundRunner = async (job) => {
      if (job === "ready") await hereFailed;
      return true;
    };
    const here: number[] = [];
    const there: number[] = [];
    const done = await inParts(
      16,
      async (i) => {
        here.push(i);
        if (i === 2) {
          failedHere();
          throw new Error("bad row");
        }
        return i;
      },
      async (i) => {
        there.push(i);
        return i;
      },
      background,
    );
    expect(done).toBeUndefined();
    expect(here).toEqual([0, 1, 2]);
    expect(there).toEqual([]);
  });

  it("takes parts from both ends, and says when the other thread took some", async () => {
    // The other thread takes the last part, and finishes it only once this thread has taken another.
    let tookMore!: () => void;
    const thisTookMore = new Promise<void>((resolve) => (tookMore = resolve));
    const there: number[] = [];
    const done = await inParts(
      4,
      async (i) => {
        if (i === 1) tookMore();
        return `here ${i}`;
      },
      async (i) => {
        there.push(i);
        if (there.length === 1) await thisTookMore;
        return `there ${i}`;
      },
      async () => true,
    );
    expect(done).toEqual({ parts: ["here 0", "here 1", "here 2", "there 3"], threads: 2 });
    expect(there).toEqual([3]);
  });

  it("leaves an unreadable file to the one-piece read, which says what is wrong", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, "folder.csv"));
    const background = inProcess();
    const error = await rejection(new CsvReader(path.join(dir, "folder.csv"), "folder.csv", "csv", { background, splitFromBytes: 0 }).profile(new Map()));
    expect(error.message).toBe("folder.csv: this is a folder, not a file");
    expect(background.calls).toBe(0);
  });

  it("runs the parts on a real encoder thread", async () => {
    const dir = await tempDir();
    const lines = ["x,y"];
    for (let i = 0; i < 5000; i++) lines.push(`${i},"v ${i}, quoted"`);
    await writeFiles(dir, { "t.csv": `${lines.join("\n")}\n` });
    const file = path.join(dir, "t.csv");
    const pool = new WorkerPool(1);
    try {
      await pool.run("ready", null); // from source the thread takes a while to start (tsx); the bundle's is quicker
      let calls = 0;
      const background: BackgroundRunner = (job, args) => {
        calls++;
        return pool.run(job, args);
      };
      const { threads, ...inParts } = await new CsvReader(file, "t.csv", "csv", { background, splitFromBytes: 4096 }).profile(new Map());
      expect(calls).toBeGreaterThan(1);
      expect(threads).toBe(2);
      expect(inParts).toEqual(await new CsvReader(file, "t.csv", "csv").profile(new Map()));
      expect(inParts.rows).toBe(5000);
    } finally {
      await pool.close();
    }
  });
});

describe("Parquet pass 1 in parts (runs of row groups)", () => {
  it("decodes runs of row groups on both sides to the one-piece counts, and an error is the one-piece error", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "rg.parquet");
    await query(
      `copy (select i::bigint as id, case when i % 9 = 0 then null else 'text ' || (i % 1000) end as s, [i, i + 1] as pair, ` +
        `case when i % 2 = 0 then 'neg' else 'pos' end as label from range(0, 30000) t(i)) to '${file}' (format parquet, row_group_size 2048)`,
    );
    const overrides = new Map<string, Feature>([["label", { kind: "class_label", names: ["neg", "pos"] } as Feature]]);
    const whole = await new ParquetReader(file, "rg.parquet").profile(overrides);
    const background = inProcess();
    const { threads, ...inParts } = await new ParquetReader(file, "rg.parquet", { background, splitFromBytes: 0 }).profile(overrides);
    expect(threads).toBe(2);
    expect(inParts).toEqual(whole);

    // A piece of the file (a prepare job's, row groups 3 to 10): its parts are runs of its own row groups.
    const [from, to] = await new ParquetReader(file, "rg.parquet").cutsAt([20_000, 80_000]);
    const piece = { start: from!.byte, end: to!.byte };
    const alone = await new ParquetReader(file, "rg.parquet", {}, piece).profile(overrides);
    expect(alone.rows).toBe((to!.rowGroup! - from!.rowGroup!) * 2048);
    const pieceRunner = inProcess();
    const { threads: pieceThreads, ...pieceInParts } = await new ParquetReader(file, "rg.parquet", { background: pieceRunner, splitFromBytes: 0 }, piece).profile(overrides);
    expect(pieceThreads).toBe(2);
    expect(pieceRunner.calls).toBeGreaterThan(0);
    expect(pieceInParts).toEqual(alone);

    // A label only the last row groups hold: found by a later part, reported as the one-piece read reports it.
    const late = path.join(dir, "late.parquet");
    await query(`copy (select i::bigint as id, case when i < 28000 then 'neg' else 'pos' end as label from range(0, 30000) t(i)) to '${late}' (format parquet, row_group_size 2048)`);
    const missing = new Map<string, Feature>([["label", { kind: "class_label", names: ["neg"] } as Feature]]);
    const expected = await rejection(new ParquetReader(late, "late.parquet").profile(missing));
    const runner = inProcess();
    const error = await rejection(new ParquetReader(late, "late.parquet", { background: runner, splitFromBytes: 0 }).profile(missing));
    expect(runner.calls).toBeGreaterThan(0);
    expect(error.message).toBe(expected.message);
  });
});

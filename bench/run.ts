/**
 * `npm run bench`: conversion speed and memory, side by side with DuckDB,
 * on the same deterministic data, on this machine, in this run.
 *
 * Ours is the real product: the bundled action (dist/index.js) run as the
 * GitHub runner runs it, in dry-run mode (convert + plan, nothing sent) with
 * the benchmark's compression; DuckDB is `COPY (SELECT * FROM read_…) TO …`
 * with 2 threads. Each side is a fresh process; wall time includes start-up.
 * Peak RSS comes from the process itself (`process.resourceUsage().maxRSS`).
 *
 *   npm run bench                 # CSV, JSONL, Parquet re-shard (~200 MB inputs), and a 1.2 GB image folder
 *   npm run bench -- --big        # adds the 1.5 GB CSV memory run
 *   npm run bench -- --repeat 3   # median of 3 runs per side
 *   npm run bench -- --media      # only the image folder: the action against Python's imagefolder +
 *                                 # push_to_hub, both publishing to the emulator (bench/media-bench.ts)
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startHubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, node24, runAction } from "../scripts/action-runner.js";
import { generateCsv, generateJsonl } from "./generate.js";
import { type MediaBenchResult, benchMedia, mediaTable } from "./media-bench.js";

const DATA = path.join(PROJECT_ROOT, "bench", "data");
const OUT = path.join(os.tmpdir(), "hf-bench-out");
const PROBE = path.join(PROJECT_ROOT, "bench", "rss-probe.mjs");
const ROWS_200MB = 1_265_000; // ≈ 200 MB of the mixed CSV
const ROWS_1_5GB = 9_500_000; // ≈ 1.5 GB

interface Measure {
  seconds: number;
  maxRssBytes: number;
}

interface Ours extends Measure {
  shards: number;
  /** Whether the shards were the input's row groups copied (Parquet inputs). */
  copied: boolean;
}

interface ResultRow {
  case: string;
  inputMB: number;
  outputMB: number;
  oursSeconds: number;
  duckdbSeconds: number;
  ratio: number;
  oursMBps: number;
  duckdbMBps: number;
  oursPeakRssMB: number;
  duckdbPeakRssMB: number;
  oursShards: number;
  oursCopied: boolean;
  runs: { ours: Ours[]; duckdb: Measure[] };
}

interface Case {
  name: string;
  input: string;
  ours: Record<string, string>;
  /** The case is about copying Parquet row groups: a run that re-encoded is an error, and the other way round. */
  copies: boolean;
  duckdb: string;
}

const args = process.argv.slice(2);
const repeat = Number(args[args.indexOf("--repeat") + 1]) || 1;
const big = args.includes("--big");
const mediaOnly = args.includes("--media");

/** Merges the `@@bench {...}` lines a child printed on stderr. */
function probeLine(stderr: string): Record<string, number> {
  const lines = stderr.split("\n").filter((l) => l.startsWith("@@bench "));
  return Object.assign({}, ...lines.map((l) => JSON.parse(l.slice(8)) as Record<string, number>));
}

/** Makes `bench/data/<name>` with `make` unless it is there. */
async function ensure(name: string, how: string, make: (file: string) => Promise<unknown>): Promise<string> {
  const file = path.join(DATA, name);
  if (!existsSync(file)) {
    console.log(`generating bench/data/${name}${how} …`);
    await make(file);
  }
  return file;
}

async function ensureData(): Promise<void> {
  await mkdir(DATA, { recursive: true });
  const csv = await ensure("mixed.csv", "", (f) => generateCsv(f, ROWS_200MB));
  await ensure("mixed.jsonl", "", (f) => generateJsonl(f, ROWS_200MB));
  await ensure("mixed.parquet", " (with DuckDB)", (f) => duckdb(duckCopy("read_csv_auto", csv, f, "snappy")));
  if (big) {
    const large = await ensure("big.csv", " (1.5 GB)", (f) => generateCsv(f, ROWS_1_5GB));
    const largeParquet = await ensure("big.parquet", " (with DuckDB)", (f) => duckdb(duckCopy("read_csv_auto", large, f, "snappy")));
    await ensure("big-zstd.parquet", " (with DuckDB)", (f) => duckdb(duckCopy("read_parquet", largeParquet, f, "zstd")));
  }
}

/** DuckDB's `COPY (SELECT * FROM <reader>(input)) TO output` as Parquet with `codec`. */
function duckCopy(reader: string, input: string, output: string, codec: string): string {
  return `COPY (SELECT * FROM ${reader}('${input}')) TO '${output}' (FORMAT parquet, COMPRESSION ${codec})`;
}

function duckdb(sql: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--import", PROBE, path.join(PROJECT_ROOT, "bench", "duckdb-child.mjs"), sql], {
      stdio: ["ignore", "inherit", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`duckdb failed: ${stderr}`));
      resolve({ seconds, maxRssBytes: probeLine(stderr).maxRssBytes ?? 0 });
    });
  });
}

async function ours(c: Case, endpoint: string): Promise<Ours> {
  await rm(OUT, { recursive: true, force: true });
  const started = performance.now();
  const run = await runAction({
    workspace: PROJECT_ROOT,
    inputs: { repo: "bench/dataset", "dry-run": "true", "output-dir": OUT, endpoint, ...c.ours },
    nodeArgs: ["--import", PROBE],
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}\n${run.stderr}`);
  const copied = run.stdout.includes("copied from the Parquet input");
  if (copied !== c.copies) throw new Error(`${c.name}: the shards were ${copied ? "copied" : "re-encoded"}, not ${c.copies ? "copied" : "re-encoded"}:\n${run.stdout}`);
  const shards = run.stdout.split("\n").filter((l) => /: wrote \S+\.parquet/.test(l)).length;
  return { seconds, maxRssBytes: probeLine(run.stderr).maxRssBytes ?? 0, shards, copied };
}

/** The median of each measure on its own. */
function median<T extends Measure>(values: T[]): T {
  const middle = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { ...values[0]!, seconds: middle(values.map((v) => v.seconds)), maxRssBytes: middle(values.map((v) => v.maxRssBytes)) };
}

async function outputBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && entry.name.endsWith(".parquet")) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  return total;
}

const mb = (bytes: number) => bytes / 1e6;

async function duckdbVersion(): Promise<string> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  return String((await connection.runAndReadAll("select version() as v")).getRowObjects()[0]!.v);
}

async function main(): Promise<void> {
  if (!existsSync(path.join(PROJECT_ROOT, "dist", "index.js"))) throw new Error("run `npm run bundle` first");
  if (mediaOnly) {
    const media = await benchMedia(repeat, console.log);
    if (media) await report([], media);
    return;
  }
  await ensureData();
  const hub = await startHubEmulator();
  const rel = (f: string) => path.relative(PROJECT_ROOT, path.join(DATA, f)).split(path.sep).join("/");
  /** A case: our action on `input` (with `compression`, or the defaults), DuckDB reading it with `reader` and writing `codec`. */
  const bench = (name: string, input: string, reader: string, codec: string, compression?: string): Case => ({
    name,
    input,
    ours: { paths: rel(input), ...(compression ? { compression } : {}) },
    copies: name.includes("copied"),
    duckdb: duckCopy(reader, path.join(DATA, input), path.join(os.tmpdir(), "duck.parquet"), codec),
  });
  const cases: Case[] = [
    bench("CSV → Parquet (zstd)", "mixed.csv", "read_csv_auto", "zstd", "zstd"),
    bench("JSONL → Parquet (zstd)", "mixed.jsonl", "read_json_auto", "zstd", "zstd"),
    // Same codec as the input: the row groups are copied, not re-encoded.
    bench("Parquet → re-sharded Parquet (snappy, copied)", "mixed.parquet", "read_parquet", "snappy", "snappy"),
    bench("Parquet → re-encoded Parquet (zstd)", "mixed.parquet", "read_parquet", "zstd", "zstd"),
  ];
  if (big)
    cases.push(
      bench("1.5 GB CSV → Parquet (defaults: snappy, 500MB shards)", "big.csv", "read_csv_auto", "snappy"),
      bench("the same rows as Parquet → shards (defaults, copied)", "big.parquet", "read_parquet", "snappy"),
      // Another codec than the output's: every value decoded and re-encoded.
      bench("the same rows as zstd Parquet → shards (defaults, re-encoded)", "big-zstd.parquet", "read_parquet", "snappy"),
    );

  const results: ResultRow[] = [];
  try {
    for (const c of cases) {
      const inputBytes = (await stat(path.join(DATA, c.input))).size;
      const oursRuns: Ours[] = [];
      const duckRuns: Measure[] = [];
      for (let i = 0; i < repeat; i++) {
        oursRuns.push(await ours(c, hub.url));
        duckRuns.push(await duckdb(c.duckdb));
      }
      const o = median(oursRuns);
      const d = median(duckRuns);
      const row = {
        case: c.name,
        inputMB: mb(inputBytes),
        outputMB: mb(await outputBytes(OUT)),
        oursSeconds: o.seconds,
        duckdbSeconds: d.seconds,
        ratio: o.seconds / d.seconds,
        oursMBps: mb(inputBytes) / o.seconds,
        duckdbMBps: mb(inputBytes) / d.seconds,
        oursPeakRssMB: mb(o.maxRssBytes),
        duckdbPeakRssMB: mb(d.maxRssBytes),
        oursShards: o.shards,
        oursCopied: o.copied,
        runs: { ours: oursRuns, duckdb: duckRuns },
      };
      results.push(row);
      console.log(
        `${c.name}: ours ${row.oursSeconds.toFixed(2)} s (${row.oursMBps.toFixed(0)} MB/s, peak RSS ${row.oursPeakRssMB.toFixed(0)} MB) · ` +
          `DuckDB ${row.duckdbSeconds.toFixed(2)} s (${row.duckdbMBps.toFixed(0)} MB/s, peak RSS ${row.duckdbPeakRssMB.toFixed(0)} MB) · ratio ${row.ratio.toFixed(2)}x` +
          ` · ${o.shards} shard${o.shards === 1 ? "" : "s"}${o.copied ? ", row groups copied" : ""}`,
      );
    }
  } finally {
    await hub.close();
  }
  await report(results, await benchMedia(repeat, console.log));
}

/** The tables, the machine, and bench/results/latest.json. */
async function report(results: ResultRow[], media: MediaBenchResult | undefined): Promise<void> {
  console.log("\n| case | input | ours | DuckDB (2 threads) | ours / DuckDB | ours MB/s | ours peak RSS | DuckDB peak RSS |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results)
    console.log(
      `| ${r.case} | ${r.inputMB.toFixed(0)} MB | ${r.oursSeconds.toFixed(2)} s | ${r.duckdbSeconds.toFixed(2)} s | ${r.ratio.toFixed(2)}x | ${r.oursMBps.toFixed(0)} | ${r.oursPeakRssMB.toFixed(0)} MB | ${r.duckdbPeakRssMB.toFixed(0)} MB |`,
    );
  const machine = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: execFileSync(node24(), ["--version"], { encoding: "utf8" }).trim(),
    duckdb: await duckdbVersion(),
    platform: `${os.platform()} ${os.release()}`,
  };
  await mkdir(path.join(PROJECT_ROOT, "bench", "results"), { recursive: true });
  if (media) console.log(["", ...mediaTable(media)].join("\n"));
  await writeFile(path.join(PROJECT_ROOT, "bench", "results", "latest.json"), JSON.stringify({ date: new Date().toISOString(), machine, repeat, results, media }, null, 2));
  console.log(`\nmachine: ${machine.cpus} CPUs (${machine.cpu}), ${machine.memoryGB} GiB; results in bench/results/latest.json`);
}

await main();

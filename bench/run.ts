/**
 * `npm run bench`: conversion speed and memory, side by side with DuckDB,
 * on the same deterministic data, on this machine, in this run.
 *
 * Ours is the real product: the bundled action (dist/index.js) run as the
 * GitHub runner runs it, in dry-run mode (convert + plan, nothing sent) with
 * the benchmark's compression; DuckDB is `COPY (SELECT * FROM read_…) TO …`
 * with 2 threads. Each side is a fresh process; wall time includes start-up.
 * Peak RSS comes from the process itself (VmHWM, bench/rss-probe.mjs).
 *
 * The many-files cases (datasets kept as thousands of small files) publish
 * to the local Hub emulator instead, as a user's scheduled sync would, next
 * to Python's `load_dataset(…, data_files=[…])` + `push_to_hub` to the same
 * emulator (the interop venv: `bash scripts/interop-setup.sh`; without it
 * that column is skipped, saying so) and DuckDB reading every file into one
 * Parquet file; they also count the lines of our log at the default level.
 *
 *   npm run bench                 # CSV, JSONL, Parquet re-shard (~200 MB inputs), many small files,
 *                                 # and a 1.2 GB image folder
 *   npm run bench -- --big        # adds the 1.5 GB CSV memory run
 *   npm run bench -- --repeat 3   # median of 3 runs per side
 *   npm run bench -- --only many  # the cases whose name holds "many"
 *   npm run bench -- --entry /tmp/old/dist/index.js   # another build of the action
 *   npm run bench -- --media      # only the image folder: the action against Python's imagefolder +
 *                                 # push_to_hub, both publishing to the emulator (bench/media-bench.ts)
 *
 * Then ./publish.ts: the 200 MB CSV published to the emulator through Git
 * LFS and through Xet, published again unchanged, and grown by 1 %.
 *
 *   npm run bench -- --publish    # only the publishing part
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startHubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, node24, runAction } from "../scripts/action-runner.js";
import { generateCsv, generateJsonl } from "./generate.js";
import { type PublishCase, benchPublish } from "./publish.js";
import { type ManyFilesResult, ensureManyData, manyFilesCases, manyFilesTable, runManyFilesCase } from "./many-files.js";
import { type Measure, PROBE, duckCopy, duckdb, mb, median, probeLine } from "./measure.js";
import { type MediaBenchResult, benchMedia, mediaTable } from "./media-bench.js";

const DATA = path.join(PROJECT_ROOT, "bench", "data");
// Folders of this run's own: benchmarks of other checkouts may run at the same time.
const OUT = mkdtempSync(path.join(os.tmpdir(), "hf-bench-out-"));
const DUCK_OUT = path.join(mkdtempSync(path.join(os.tmpdir(), "hf-bench-duck-")), "duck.parquet");
const ROWS_200MB = 1_265_000; // ≈ 200 MB of the mixed CSV
const ROWS_GROWN = Math.round(ROWS_200MB * 1.01); // the same rows and 1 % more (the generator is deterministic)
const ROWS_1_5GB = 9_500_000; // ≈ 1.5 GB

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
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const repeat = Number(option("--repeat")) || 1;
const big = args.includes("--big");
const only = option("--only");
const entry = option("--entry") ? path.resolve(option("--entry")!) : path.join(PROJECT_ROOT, "dist", "index.js");
const selected = (name: string) => only === undefined || name.includes(only);
const mediaOnly = args.includes("--media");
const publishOnly = args.includes("--publish");

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
  await ensure("mixed-grown.csv", " (the same rows, 1 % more)", (f) => generateCsv(f, ROWS_GROWN));
  await ensure("mixed.jsonl", "", (f) => generateJsonl(f, ROWS_200MB));
  await ensure("mixed.parquet", " (with DuckDB)", (f) => duckdb(duckCopy("read_csv_auto", csv, f, "snappy")));
  await ensureManyData(DATA);
  if (big) {
    const large = await ensure("big.csv", " (1.5 GB)", (f) => generateCsv(f, ROWS_1_5GB));
    const largeParquet = await ensure("big.parquet", " (with DuckDB)", (f) => duckdb(duckCopy("read_csv_auto", large, f, "snappy")));
    await ensure("big-zstd.parquet", " (with DuckDB)", (f) => duckdb(duckCopy("read_parquet", largeParquet, f, "zstd")));
  }
}

async function ours(c: Case, endpoint: string): Promise<Ours> {
  await rm(OUT, { recursive: true, force: true });
  const started = performance.now();
  const run = await runAction({
    workspace: PROJECT_ROOT,
    entry,
    inputs: { repo: "bench/dataset", "dry-run": "true", "output-dir": OUT, endpoint, ...c.ours },
    nodeArgs: ["--import", PROBE],
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}\n${run.stderr}`);
  const copied = run.stdout.includes("copied from the Parquet input");
  if (copied !== c.copies) throw new Error(`${c.name}: the shards were ${copied ? "copied" : "re-encoded"}, not ${c.copies ? "copied" : "re-encoded"}:\n${run.stdout}`);
  const shards = Number(run.outputs["num-shards"]);
  return { seconds, maxRssBytes: probeLine(run.stderr).maxRssBytes ?? 0, shards, copied };
}

async function outputBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && entry.name.endsWith(".parquet")) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  return total;
}

async function duckdbVersion(): Promise<string> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  return String((await connection.runAndReadAll("select version() as v")).getRowObjects()[0]!.v);
}

/** Medians of a publishing case's runs. */
function publishRow(c: PublishCase) {
  const middle = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    step: c.step,
    transfer: c.transfer,
    seconds: middle(c.runs.map((r) => r.seconds)),
    publishSeconds: middle(c.runs.map((r) => r.publishSeconds)),
    cpuSeconds: middle(c.runs.map((r) => r.cpuSeconds)),
    hubCpuSeconds: middle(c.runs.map((r) => r.hubCpuSeconds)),
    peakRssMB: mb(middle(c.runs.map((r) => r.maxRssBytes))),
    receivedMB: mb(middle(c.runs.map((r) => r.bytesReceived))),
  };
}

async function main(): Promise<void> {
  if (!existsSync(entry)) throw new Error("run `npm run bundle` first");
  if (mediaOnly) {
    const media = await benchMedia(repeat, console.log);
    if (media) await report([], [], [], media);
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
    duckdb: duckCopy(reader, path.join(DATA, input), DUCK_OUT, codec),
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
  const many: ManyFilesResult[] = [];
  try {
    for (const c of publishOnly ? [] : cases.filter((c) => selected(c.name))) {
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
    for (const c of publishOnly ? [] : manyFilesCases(DATA).filter((c) => selected(c.name))) many.push(await runManyFilesCase(c, { hub, entry, repeat }));
  } finally {
    await hub.close();
    await rm(OUT, { recursive: true, force: true });
    await rm(path.dirname(DUCK_OUT), { recursive: true, force: true });
  }
  const published = only === undefined || publishOnly ? await benchPublish({ input: rel("mixed.csv"), grown: rel("mixed-grown.csv"), probe: PROBE, repeat }) : [];
  await report(results, many, published, only === undefined && !publishOnly ? await benchMedia(repeat, console.log) : undefined);
}

/** The tables, the machine, and bench/results/latest.json. */
async function report(results: ResultRow[], many: ManyFilesResult[], published: PublishCase[], media: MediaBenchResult | undefined): Promise<void> {
  const publishing = published.map(publishRow);
  console.log("\n| case | input | ours | DuckDB (2 threads) | ours / DuckDB | ours MB/s | ours peak RSS | DuckDB peak RSS |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results)
    console.log(
      `| ${r.case} | ${r.inputMB.toFixed(0)} MB | ${r.oursSeconds.toFixed(2)} s | ${r.duckdbSeconds.toFixed(2)} s | ${r.ratio.toFixed(2)}x | ${r.oursMBps.toFixed(0)} | ${r.oursPeakRssMB.toFixed(0)} MB | ${r.duckdbPeakRssMB.toFixed(0)} MB |`,
    );
  console.log("\n| 200 MB CSV → 1 shard (63 MB) | transfer | action, wall | publish step | action, CPU | peak RSS | emulator, CPU | bytes received |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of publishing)
    console.log(
      `| ${r.step} | ${r.transfer === "xet" ? "Xet" : "Git LFS"} | ${r.seconds.toFixed(2)} s | ${r.publishSeconds.toFixed(2)} s | ${r.cpuSeconds.toFixed(2)} s | ${r.peakRssMB.toFixed(0)} MB | ${r.hubCpuSeconds.toFixed(2)} s | ${r.receivedMB.toFixed(2)} MB |`,
    );
  if (many.length > 0) console.log(`\n${manyFilesTable(many).join("\n")}`);
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
  await writeFile(
    path.join(PROJECT_ROOT, "bench", "results", "latest.json"),
    JSON.stringify({ date: new Date().toISOString(), machine, repeat, results, manyFiles: many, publishing: { cases: publishing, runs: published }, media }, null, 2),
  );
  console.log(`\nmachine: ${machine.cpus} CPUs (${machine.cpu}), ${machine.memoryGB} GiB; results in bench/results/latest.json`);
}

await main();

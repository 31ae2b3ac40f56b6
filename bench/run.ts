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
 *   npm run bench                 # CSV, JSONL, Parquet re-shard (~200 MB inputs)
 *   npm run bench -- --big        # adds the 1.5 GB CSV memory run
 *   npm run bench -- --repeat 3   # median of 3 runs per side
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startHubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, node24, runAction } from "../scripts/action-runner.js";
import { generateCsv, generateJsonl } from "./generate.js";

const DATA = path.join(PROJECT_ROOT, "bench", "data");
const OUT = path.join(os.tmpdir(), "hf-bench-out");
const PROBE = path.join(PROJECT_ROOT, "bench", "rss-probe.mjs");
const ROWS_200MB = 1_265_000; // ≈ 200 MB of the mixed CSV
const ROWS_1_5GB = 9_500_000; // ≈ 1.5 GB

interface Measure {
  seconds: number;
  maxRssBytes: number;
}

interface Case {
  name: string;
  input: string;
  ours: Record<string, string>;
  duckdb: string;
}

const args = process.argv.slice(2);
const repeat = Number(args[args.indexOf("--repeat") + 1]) || 1;
const big = args.includes("--big");

/** Merges the `@@bench {...}` lines a child printed on stderr. */
function probeLine(stderr: string): Record<string, number> {
  const lines = stderr.split("\n").filter((l) => l.startsWith("@@bench "));
  return Object.assign({}, ...lines.map((l) => JSON.parse(l.slice(8)) as Record<string, number>));
}

async function ensureData(): Promise<void> {
  await mkdir(DATA, { recursive: true });
  const csv = path.join(DATA, "mixed.csv");
  if (!existsSync(csv)) {
    console.log("generating bench/data/mixed.csv …");
    await generateCsv(csv, ROWS_200MB);
  }
  const jsonl = path.join(DATA, "mixed.jsonl");
  if (!existsSync(jsonl)) {
    console.log("generating bench/data/mixed.jsonl …");
    await generateJsonl(jsonl, ROWS_200MB);
  }
  const parquet = path.join(DATA, "mixed.parquet");
  if (!existsSync(parquet)) {
    console.log("generating bench/data/mixed.parquet (with DuckDB) …");
    await duckdb(`COPY (SELECT * FROM read_csv_auto('${csv}')) TO '${parquet}' (FORMAT parquet, COMPRESSION snappy)`);
  }
  if (big) {
    const large = path.join(DATA, "big.csv");
    if (!existsSync(large)) {
      console.log("generating bench/data/big.csv (1.5 GB) …");
      await generateCsv(large, ROWS_1_5GB);
    }
    const largeParquet = path.join(DATA, "big.parquet");
    if (!existsSync(largeParquet)) {
      console.log("generating bench/data/big.parquet (with DuckDB) …");
      await duckdb(`COPY (SELECT * FROM read_csv_auto('${large}')) TO '${largeParquet}' (FORMAT parquet, COMPRESSION snappy)`);
    }
    const largeZstd = path.join(DATA, "big-zstd.parquet");
    if (!existsSync(largeZstd)) {
      console.log("generating bench/data/big-zstd.parquet (with DuckDB) …");
      await duckdb(`COPY (SELECT * FROM read_parquet('${largeParquet}')) TO '${largeZstd}' (FORMAT parquet, COMPRESSION zstd)`);
    }
  }
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

async function ours(inputs: Record<string, string>, endpoint: string): Promise<Measure> {
  await rm(OUT, { recursive: true, force: true });
  const started = performance.now();
  const run = await runAction({
    workspace: PROJECT_ROOT,
    inputs: { repo: "bench/dataset", "dry-run": "true", "output-dir": OUT, endpoint, ...inputs },
    nodeArgs: ["--import", PROBE],
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}\n${run.stderr}`);
  return { seconds, maxRssBytes: probeLine(run.stderr).maxRssBytes ?? 0 };
}

function median(values: Measure[]): Measure {
  const sorted = [...values].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function outputBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && entry.name.endsWith(".parquet")) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  return total;
}

const mb = (bytes: number) => bytes / 1e6;

async function main(): Promise<void> {
  if (!existsSync(path.join(PROJECT_ROOT, "dist", "index.js"))) throw new Error("run `npm run bundle` first");
  await ensureData();
  const hub = await startHubEmulator();
  const rel = (f: string) => path.relative(PROJECT_ROOT, path.join(DATA, f)).split(path.sep).join("/");
  const cases: Case[] = [
    {
      name: "CSV → Parquet (zstd)",
      input: "mixed.csv",
      ours: { paths: rel("mixed.csv"), compression: "zstd" },
      duckdb: `COPY (SELECT * FROM read_csv_auto('${path.join(DATA, "mixed.csv")}')) TO '${path.join(os.tmpdir(), "duck.parquet")}' (FORMAT parquet, COMPRESSION zstd)`,
    },
    {
      name: "JSONL → Parquet (zstd)",
      input: "mixed.jsonl",
      ours: { paths: rel("mixed.jsonl"), compression: "zstd" },
      duckdb: `COPY (SELECT * FROM read_json_auto('${path.join(DATA, "mixed.jsonl")}')) TO '${path.join(os.tmpdir(), "duck.parquet")}' (FORMAT parquet, COMPRESSION zstd)`,
    },
    {
      // Same codec as the input: the row groups are copied, not re-encoded.
      name: "Parquet → re-sharded Parquet (snappy, copied)",
      input: "mixed.parquet",
      ours: { paths: rel("mixed.parquet"), compression: "snappy" },
      duckdb: `COPY (SELECT * FROM read_parquet('${path.join(DATA, "mixed.parquet")}')) TO '${path.join(os.tmpdir(), "duck.parquet")}' (FORMAT parquet, COMPRESSION snappy)`,
    },
    {
      name: "Parquet → re-encoded Parquet (zstd)",
      input: "mixed.parquet",
      ours: { paths: rel("mixed.parquet"), compression: "zstd" },
      duckdb: `COPY (SELECT * FROM read_parquet('${path.join(DATA, "mixed.parquet")}')) TO '${path.join(os.tmpdir(), "duck.parquet")}' (FORMAT parquet, COMPRESSION zstd)`,
    },
  ];
  if (big)
    cases.push(
      {
        name: "1.5 GB CSV → Parquet (defaults: snappy, 500MB shards)",
        input: "big.csv",
        ours: { paths: rel("big.csv") },
        duckdb: `COPY (SELECT * FROM read_csv_auto('${path.join(DATA, "big.csv")}')) TO '${path.join(os.tmpdir(), "duck.parquet")}' (FORMAT parquet, COMPRESSION snappy)`,
      },
      {
        name: "the same rows as Parquet → shards (defaults, copied)",
        input: "big.parquet",
        ours: { paths: rel("big.parquet") },
        duckdb: `COPY (SELECT * FROM read_parquet('${path.join(DATA, "big.parquet")}')) TO '${path.join(os.tmpdir(), "duck.parquet")}' (FORMAT parquet, COMPRESSION snappy)`,
      },
      {
        // Another codec than the output's: every value decoded and re-encoded.
        name: "the same rows as zstd Parquet → shards (defaults, re-encoded)",
        input: "big-zstd.parquet",
        ours: { paths: rel("big-zstd.parquet") },
        duckdb: `COPY (SELECT * FROM read_parquet('${path.join(DATA, "big-zstd.parquet")}')) TO '${path.join(os.tmpdir(), "duck.parquet")}' (FORMAT parquet, COMPRESSION snappy)`,
      },
    );

  const results = [];
  try {
    for (const c of cases) {
      const inputBytes = (await stat(path.join(DATA, c.input))).size;
      const oursRuns: Measure[] = [];
      const duckRuns: Measure[] = [];
      for (let i = 0; i < repeat; i++) {
        oursRuns.push(await ours(c.ours, hub.url));
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
      };
      results.push(row);
      console.log(
        `${c.name}: ours ${row.oursSeconds.toFixed(2)} s (${row.oursMBps.toFixed(0)} MB/s, peak RSS ${row.oursPeakRssMB.toFixed(0)} MB) · ` +
          `DuckDB ${row.duckdbSeconds.toFixed(2)} s (${row.duckdbMBps.toFixed(0)} MB/s, peak RSS ${row.duckdbPeakRssMB.toFixed(0)} MB) · ratio ${row.ratio.toFixed(2)}x`,
      );
    }
  } finally {
    await hub.close();
  }

  console.log("\n| case | input | ours | DuckDB (2 threads) | ours / DuckDB | ours MB/s | ours peak RSS | DuckDB peak RSS |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results)
    console.log(
      `| ${r.case} | ${r.inputMB.toFixed(0)} MB | ${r.oursSeconds.toFixed(2)} s | ${r.duckdbSeconds.toFixed(2)} s | ${r.ratio.toFixed(2)}x | ${r.oursMBps.toFixed(0)} | ${r.oursPeakRssMB.toFixed(0)} MB | ${r.duckdbPeakRssMB.toFixed(0)} MB |`,
    );
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGB: Math.round(os.totalmem() / 2 ** 30), node: node24(), platform: `${os.platform()} ${os.release()}` };
  await mkdir(path.join(PROJECT_ROOT, "bench", "results"), { recursive: true });
  await writeFile(path.join(PROJECT_ROOT, "bench", "results", "latest.json"), JSON.stringify({ date: new Date().toISOString(), machine, repeat, results }, null, 2));
  console.log(`\nmachine: ${machine.cpus} CPUs (${machine.cpu}), ${machine.memoryGB} GiB; results in bench/results/latest.json`);
}

await main();

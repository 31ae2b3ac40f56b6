/**
 * The benchmark's many-files cases: a dataset kept as thousands of small
 * files (a CSV per day, a JSON Lines file per record), published the way a
 * scheduled sync would. Three sides, each a fresh process, on the same
 * files in the same run:
 *
 * - ours: the bundled action publishing to the local Hub emulator (a new
 *   repo per run), with the lines of its log at the default level counted
 *   (`::debug::` lines are hidden unless step debug logging is on);
 * - Python: `load_dataset(<format>, data_files=[…])` + `push_to_hub` to the
 *   same emulator (bench/python-push.py, the interop venv's interpreter,
 *   HF_HUB_DISABLE_XET=1, caches in a fresh folder); skipped, saying why,
 *   without the venv (`bash scripts/interop-setup.sh`);
 * - DuckDB: every file read into one Parquet file (snappy, as both others).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { HubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, runAction } from "../scripts/action-runner.js";
import { findInterop, pythonEnv } from "../__tests__/interop/lib/python.js";
import { generateManyCsv, generateManyJsonl } from "./generate.js";
import { type Measure, PROBE, duckCopy, duckdb, median, probeLine } from "./measure.js";

export interface ManyFilesCase {
  name: string;
  /** Folder of the files under the bench data folder, and their extension. */
  dir: string;
  ext: string;
  files: number;
  rows: number;
  /** `load_dataset`'s builder and DuckDB's reader for them. */
  builder: "csv" | "json";
  duckReader: string;
}

export function manyFilesCases(data: string): ManyFilesCase[] {
  return [
    { name: "3,000 small CSV files (many)", dir: path.join(data, "many-csv"), ext: "csv", files: 3000, rows: 3000 * 20, builder: "csv", duckReader: "read_csv_auto" },
    { name: "30,000 small JSON Lines files (many)", dir: path.join(data, "many-jsonl"), ext: "jsonl", files: 30_000, rows: 30_000 * 10, builder: "json", duckReader: "read_json_auto" },
  ];
}

/** Generates the cases' files unless they are there (into a scratch folder first, so an interrupted run leaves none half made). */
export async function ensureManyData(data: string): Promise<void> {
  const [csv, jsonl] = manyFilesCases(data);
  const make = async (dir: string, how: string, fill: (dir: string) => Promise<void>) => {
    if (existsSync(dir)) return;
    console.log(`generating ${path.relative(PROJECT_ROOT, dir)}${how} …`);
    await rm(`${dir}.partial`, { recursive: true, force: true });
    await fill(`${dir}.partial`);
    await rename(`${dir}.partial`, dir);
  };
  await make(csv!.dir, " (3,000 CSV files of 20 rows)", (d) => generateManyCsv(d, 3000, 20));
  await make(jsonl!.dir, " (30,000 JSON Lines files of 10 rows)", (d) => generateManyJsonl(d, 30_000, 10));
}

interface OursRun extends Measure {
  logLines: number;
}

export interface ManyFilesResult {
  case: string;
  files: number;
  rows: number;
  ours: OursRun;
  python: Measure | { skipped: string };
  duckdb: Measure;
  runs: { ours: OursRun[]; python: Measure[]; duckdb: Measure[] };
}

/** The lines a user sees in the Actions log at the default level. */
function visibleLines(stdout: string): number {
  return stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("::debug::") && !l.startsWith("::add-mask::")).length;
}

let published = 0;

async function ours(c: ManyFilesCase, hub: HubEmulator, entry: string): Promise<OursRun> {
  const started = performance.now();
  const run = await runAction({
    workspace: PROJECT_ROOT,
    entry,
    inputs: { repo: `tester/many-ours-${++published}`, token: hub.tokens.write, endpoint: hub.url, paths: `${path.relative(PROJECT_ROOT, c.dir)}/*.${c.ext}` },
    nodeArgs: ["--import", PROBE],
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.code !== 0 || run.outputs.changed !== "true") throw new Error(`${c.name}: the action failed:\n${run.stdout.slice(-5000)}\n${run.stderr}`);
  if (Number(run.outputs["num-rows"]) !== c.rows) throw new Error(`${c.name}: published ${run.outputs["num-rows"]} rows, not ${c.rows}`);
  return { seconds, maxRssBytes: probeLine(run.stderr).maxRssBytes ?? 0, logLines: visibleLines(run.stdout) };
}

async function python(c: ManyFilesCase, hub: HubEmulator, interpreter: string): Promise<Measure> {
  const home = await mkdtemp(path.join(os.tmpdir(), "bench-python-"));
  try {
    // Git LFS, as the emulator offers by default; a fresh cache per run.
    const env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
    const started = performance.now();
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(interpreter, ["-B", path.join(PROJECT_ROOT, "bench", "python-push.py"), c.builder, path.join(c.dir, `*.${c.ext}`), `tester/many-python-${++published}`], {
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(err) : reject(new Error(`${c.name}: Python failed:\n${err.slice(-3000)}`))));
    });
    return { seconds: (performance.now() - started) / 1000, maxRssBytes: probeLine(stderr).maxRssBytes ?? 0 };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

export async function runManyFilesCase(c: ManyFilesCase, options: { hub: HubEmulator; entry: string; repeat: number }): Promise<ManyFilesResult> {
  const interop = findInterop();
  if (!interop.ok) console.log(`${c.name}: Python column skipped (${interop.reason}; run \`bash scripts/interop-setup.sh\`)`);
  const scratch = await mkdtemp(path.join(os.tmpdir(), "bench-duck-"));
  const out = path.join(scratch, "duck-many.parquet");
  const runs = { ours: [] as OursRun[], python: [] as Measure[], duckdb: [] as Measure[] };
  for (let i = 0; i < options.repeat; i++) {
    runs.ours.push(await ours(c, options.hub, options.entry));
    if (interop.ok) runs.python.push(await python(c, options.hub, interop.python));
    runs.duckdb.push(await duckdb(duckCopy(c.duckReader, path.join(c.dir, `*.${c.ext}`), out, "snappy")));
  }
  await rm(scratch, { recursive: true, force: true });
  const o = median(runs.ours);
  const logLines = runs.ours.map((r) => r.logLines).sort((a, b) => a - b)[Math.floor(runs.ours.length / 2)]!;
  const result: ManyFilesResult = {
    case: c.name,
    files: c.files,
    rows: c.rows,
    ours: { ...o, logLines },
    python: interop.ok ? median(runs.python) : { skipped: interop.reason },
    duckdb: median(runs.duckdb),
    runs,
  };
  const p = result.python;
  console.log(
    `${c.name}: ours ${o.seconds.toFixed(2)} s (peak RSS ${mb(o.maxRssBytes)} MB, ${logLines} log lines) · ` +
      ("seconds" in p ? `Python ${p.seconds.toFixed(2)} s (peak RSS ${mb(p.maxRssBytes)} MB) · ` : "Python skipped · ") +
      `DuckDB ${result.duckdb.seconds.toFixed(2)} s (peak RSS ${mb(result.duckdb.maxRssBytes)} MB)`,
  );
  return result;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

/** The Markdown table of the many-files cases (BENCHMARKS.md). */
export function manyFilesTable(results: ManyFilesResult[]): string[] {
  const lines = [
    "| case | rows | ours (publish) | Python load_dataset + push_to_hub | DuckDB (one Parquet file) | ours / Python | ours / DuckDB | peak RSS: ours / Python / DuckDB | our log lines |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    const p = r.python;
    const py = "seconds" in p ? `${p.seconds.toFixed(2)} s` : "skipped (no interop venv)";
    const vsPy = "seconds" in p ? `${(r.ours.seconds / p.seconds).toFixed(2)}x` : "—";
    const pyRss = "seconds" in p ? `${mb(p.maxRssBytes)} MB` : "—";
    lines.push(
      `| ${r.case.replace(" (many)", "")} | ${r.rows.toLocaleString("en-US")} | ${r.ours.seconds.toFixed(2)} s | ${py} | ${r.duckdb.seconds.toFixed(2)} s | ${vsPy} | ` +
        `${(r.ours.seconds / r.duckdb.seconds).toFixed(2)}x | ${mb(r.ours.maxRssBytes)} MB / ${pyRss} / ${mb(r.duckdb.maxRssBytes)} MB | ${r.ours.logLines} |`,
    );
  }
  return lines;
}

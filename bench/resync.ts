/**
 * `npm run bench:resync`: what a re-publish sends after a small edit. A
 * dataset of about 1 GB of Arrow data (6,000,000 rows of the benchmark
 * generator's CSV, 3 shards at the default 500 MB) is published, then
 * published again after
 *   (a) 1 % new rows appended, (b) 1 % new rows inserted at the start,
 *   (c) a block of 1 % of the rows deleted in the middle, (d) no change,
 * each on a fresh Hub emulator with Xet on, by the action and by Python's
 * `datasets` 5 (`load_dataset("csv")` + `push_to_hub`, hf_xet).
 *
 * Measured, per edit:
 * - **new chunks**: the bytes of the re-published shards that Xet's
 *   chunker (@huggingface/xetchunk-wasm, the chunker of @huggingface/hub)
 *   cuts into chunks the first publish did not have — what Xet has to
 *   store and send (before its compression), for both writers alike;
 * - **Xet upload**: bytes the emulator received for the re-publish (the
 *   action's own Xet uploader; Python's push, a fresh hf_xet cache each time, as
 *   on a CI runner);
 * - **LFS**: the bytes of the re-published shards the Hub did not have
 *   (whole files), what a Git LFS upload (`HF_HUB_DISABLE_XET=1`) sends;
 * - for (d), whether the action committed and what it sent.
 *
 *   npm run bench:resync                         # all four edits, both writers
 *   npm run bench:resync -- --rows 1000000       # a smaller dataset
 *   npm run bench:resync -- --no-python          # the action only
 *   npm run bench:resync -- --variants insert    # some of the edits
 *   npm run bench:resync -- --entry /tmp/old/dist/index.js   # another build of the action
 *
 * The data is generated into bench/data/resync/ (the base CSV is kept; the
 * edited ones are removed after use).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type HubEmulator, startHubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, runAction } from "../scripts/action-runner.js";
import { pythonEnv } from "../__tests__/interop/lib/python.js";
import { type Row, rows, writeCsv } from "./generate.js";
import { chunkSet, freshBytes } from "./xet-dedup.js";

const DATA = path.join(PROJECT_ROOT, "bench", "data", "resync");
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const ROWS = Number(option("--rows") ?? 6_000_000);
const EDIT = Math.floor(ROWS / 100);
const withPython = !args.includes("--no-python");
const only = option("--variants")?.split(",");
const entry = option("--entry") ? path.resolve(option("--entry")!) : undefined;
const python = process.env.INTEROP_PYTHON ?? path.join(PROJECT_ROOT, ".venv-interop", "bin", "python");

/** Rows of `source` numbered from `first` (new rows need ids of their own). */
function* numbered(source: Iterable<Row>, first: number): Generator<Row> {
  let id = first;
  for (const row of source) yield { ...row, id: id++ };
}

function* concat<T>(...parts: Iterable<T>[]): Generator<T> {
  for (const part of parts) yield* part;
}

function* without<T>(source: Iterable<T>, from: number, to: number): Generator<T> {
  let i = 0;
  for (const x of source) {
    if (i < from || i >= to) yield x;
    i++;
  }
}

const VARIANTS: Record<string, { label: string; rows: () => Iterable<Row> }> = {
  append: { label: "(a) 1 % new rows appended", rows: () => concat(rows(ROWS), numbered(rows(EDIT, 99), ROWS + 1)) },
  insert: { label: "(b) 1 % new rows inserted at the start", rows: () => concat(numbered(rows(EDIT, 98), ROWS + 1), rows(ROWS)) },
  delete: { label: "(c) a block of 1 % of the rows deleted in the middle", rows: () => without(rows(ROWS), ROWS / 2, ROWS / 2 + EDIT) },
  unchanged: { label: "(d) no change", rows: () => rows(ROWS) },
};

const rel = (file: string) => path.relative(PROJECT_ROOT, file).split(path.sep).join("/");
const mb = (n: number) => (n / 1e6).toFixed(1);
const received = (hub: HubEmulator, repo: string) => hub.stats().repos[`datasets/${repo}`]?.bytesReceived ?? 0;

async function parquetFiles(dir: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true, recursive: true })).sort((a, b) => a.name.localeCompare(b.name)))
    if (entry.isFile() && entry.name.endsWith(".parquet")) out.push(new Uint8Array(await readFile(path.join(entry.parentPath, entry.name))));
  return out;
}

/** The action publishing `csv` to `repo` on `hub`; its shards are kept in `out`. */
async function action(hub: HubEmulator, repo: string, csv: string, out: string) {
  await rm(out, { recursive: true, force: true });
  const before = received(hub, repo);
  const started = performance.now();
  const run = await runAction({
    workspace: PROJECT_ROOT,
    inputs: { repo, token: hub.tokens.write, endpoint: hub.url, paths: rel(csv), "output-dir": out },
    entry,
  });
  if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}\n${run.stderr}`);
  return { seconds: (performance.now() - started) / 1000, sent: received(hub, repo) - before, changed: run.outputs.changed, shards: await parquetFiles(out) };
}

/** Bytes of the `again` shards that no `first` shard equals: what Git LFS uploads (whole files). */
function lfsBytes(first: Uint8Array[], again: Uint8Array[]): number {
  const known = new Set(first.map((s) => Buffer.from(s).toString("base64")));
  return again.filter((s) => !known.has(Buffer.from(s).toString("base64"))).reduce((n, s) => n + s.length, 0);
}

/** Python's push_to_hub of `csv` to `repo`; its shards as the emulator stored them. */
async function pythonPush(hub: HubEmulator, repo: string, csv: string, home: string) {
  await mkdir(home, { recursive: true });
  const before = received(hub, repo);
  // Xet on (hf_xet): the environment of the interop tests without HF_HUB_DISABLE_XET, the dataset cache kept across edits.
  const { HF_HUB_DISABLE_XET: _lfs, ...common } = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
  const env = { ...common, HF_DATASETS_CACHE: path.join(DATA, "python-cache") };
  const { stdout } = await promisify(execFile)(python, ["-B", path.join(PROJECT_ROOT, "bench", "resync_push.py"), repo, csv], { env, maxBuffer: 64 << 20 });
  const report = JSON.parse(stdout.trim().split("\n").pop()!) as { load_seconds: number; push_seconds: number };
  const shards = hub.files(repo).filter((f) => f.endsWith(".parquet")).map((f) => new Uint8Array(hub.readFile(repo, f)!));
  return { ...report, sent: received(hub, repo) - before, shards, commits: hub.commits(repo).length };
}

interface Result {
  variant: string;
  ours: { bytes: number; fresh: number; xet: number; lfs: number; changed: string; seconds: number };
  python?: { bytes: number; fresh: number; sent: number; commitsAdded: number };
}

async function main(): Promise<void> {
  if (!existsSync(entry ?? path.join(PROJECT_ROOT, "dist", "index.js"))) throw new Error("run `npm run bundle` first");
  await mkdir(DATA, { recursive: true });
  const base = path.join(DATA, `base-${ROWS}.csv`);
  if (!existsSync(base)) {
    console.log(`generating ${rel(base)} …`);
    await writeCsv(base, rows(ROWS));
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), "resync-"));
  const results: Result[] = [];
  try {
    for (const [name, variant] of Object.entries(VARIANTS)) {
      if (only && !only.includes(name)) continue;
      const csv = path.join(DATA, `${name}-${ROWS}.csv`);
      console.log(`\n${variant.label}: generating ${rel(csv)} …`);
      await writeCsv(csv, variant.rows());
      // A fresh Hub per edit: Xet deduplicates across repositories, and edits must not share chunks.
      const hub = await startHubEmulator({ xet: true });
      try {
        const first = await action(hub, "tester/resync-action", base, path.join(scratch, "action-base"));
        const again = await action(hub, "tester/resync-action", csv, path.join(scratch, "action-again"));
        const fresh = freshBytes(chunkSet(first.shards), again.shards);
        const ours = { bytes: fresh.total, fresh: fresh.fresh, xet: again.sent, lfs: lfsBytes(first.shards, again.shards), changed: again.changed, seconds: again.seconds };
        console.log(
          `  action: first publish ${first.seconds.toFixed(1)} s (${mb(first.shards.reduce((n, s) => n + s.length, 0))} MB, ${first.shards.length} shards); ` +
            `again: ${mb(fresh.fresh)} MB of ${mb(fresh.total)} MB in new Xet chunks (${((100 * fresh.fresh) / fresh.total).toFixed(1)} %), ` +
            `Xet upload ${mb(ours.xet)} MB, changed=${again.changed}, LFS would send ${mb(ours.lfs)} MB`,
        );
        const result: Result = { variant: variant.label, ours };
        if (withPython) {
          // A fresh home for each push, as on a CI runner: hf_xet's local cache knows nothing of the first push.
          const home = await mkdtemp(path.join(os.tmpdir(), "resync-python-"));
          const firstPy = await pythonPush(hub, "tester/resync-python", base, path.join(home, "first"));
          const againPy = await pythonPush(hub, "tester/resync-python", csv, path.join(home, "again"));
          const freshPy = freshBytes(chunkSet(firstPy.shards), againPy.shards);
          result.python = { bytes: freshPy.total, fresh: freshPy.fresh, sent: againPy.sent, commitsAdded: againPy.commits - firstPy.commits };
          console.log(
            `  Python: first push ${(firstPy.load_seconds + firstPy.push_seconds).toFixed(1)} s (${firstPy.shards.length} shards); ` +
              `again: ${mb(freshPy.fresh)} MB of ${mb(freshPy.total)} MB in new Xet chunks (${((100 * freshPy.fresh) / freshPy.total).toFixed(1)} %), ` +
              `hf_xet sent ${mb(againPy.sent)} MB, ${againPy.commits - firstPy.commits} commit(s)`,
          );
          await rm(home, { recursive: true, force: true });
        }
        results.push(result);
      } finally {
        await hub.close();
        if (name !== "unchanged") await rm(csv, { force: true });
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)} %`;
  console.log(`\n${ROWS.toLocaleString("en")} rows; MB = 10^6 bytes; % of the re-published shards' bytes`);
  console.log("| edit | action: LFS upload | action: new Xet chunks | action: Xet upload | Python: new Xet chunks | Python: hf_xet upload |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of results)
    console.log(
      `| ${r.variant} | ${mb(r.ours.lfs)} MB (${pct(r.ours.lfs, r.ours.bytes)}) | ${mb(r.ours.fresh)} MB (${pct(r.ours.fresh, r.ours.bytes)}) | ${mb(r.ours.xet)} MB (${pct(r.ours.xet, r.ours.bytes)}) | ` +
        (r.python ? `${mb(r.python.fresh)} MB (${pct(r.python.fresh, r.python.bytes)}) | ${mb(r.python.sent)} MB (${pct(r.python.sent, r.python.bytes)}) |` : "– | – |"),
    );
  await mkdir(path.join(PROJECT_ROOT, "bench", "results"), { recursive: true });
  await writeFile(path.join(PROJECT_ROOT, "bench", "results", "resync.json"), JSON.stringify({ date: new Date().toISOString(), rows: ROWS, entry: entry ?? "dist/index.js", results }, null, 2));
}

await main();

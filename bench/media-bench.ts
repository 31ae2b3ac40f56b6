/**
 * The media case of `npm run bench`: a folder of at least 1 GB of images (valid PNGs in three class
 * folders, bench/media.ts) published to the Hub emulator by the action (dist/index.js, as the runner
 * runs it, not a dry run) and by Python (`load_dataset("imagefolder", data_dir=...)` then
 * `push_to_hub`, LFS transfer: HF_HUB_DISABLE_XET=1), from the Python of the interop tests
 * (.venv-interop/). Each run gets a fresh emulator, so neither side finds the other's (or its own
 * earlier) LFS objects already there; it runs in a process of its own, so its memory is not the
 * benchmark's. Wall time from process start to exit; peak RSS from each process (VmHWM, which
 * unlike getrusage's ru_maxrss does not start from the parent's RSS); every shard's size against max-shard-size and the largest file.
 */
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { PROJECT_ROOT, runAction } from "../scripts/action-runner.js";
import { findInterop, pythonEnv } from "../__tests__/interop/lib/python.js";
import { makeMediaFolder } from "./media.js";

const FOLDER = path.join(PROJECT_ROOT, "bench", "data", "media-1g");
const PROBE = path.join(PROJECT_ROOT, "bench", "rss-probe.mjs");
const PYTHON_SCRIPT = path.join(PROJECT_ROOT, "bench", "push-imagefolder.py");
const MAX_SHARD = "500MB";
const MAX_SHARD_BYTES = 500_000_000;

/** 5400 PNGs of 40–400 kB (about 1.19 GB), as a photo dataset of thumbnails and small pictures. */
const SIZES = Array.from({ length: 5400 }, (_, i) => 40_000 + ((i * 7919) % 360_000));
const CLASSES = ["birds", "cats", "dogs"];

export interface SideRun {
  seconds: number;
  maxRssBytes: number;
  shards: number[];
}

export interface MediaBenchResult {
  folderBytes: number;
  files: number;
  largestFile: number;
  ours: SideRun[];
  python: SideRun[];
}

async function largestFile(dir: string): Promise<number> {
  let largest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) largest = Math.max(largest, (await stat(path.join(entry.parentPath, entry.name))).size);
  return largest;
}

interface Hub {
  url: string;
  token: string;
}

/** The sizes of a repo's shards, from the Hub API. */
async function shardSizes(hub: Hub, repo: string): Promise<number[]> {
  const res = await fetch(`${hub.url}/api/datasets/${repo}/tree/main/data`, { headers: { authorization: `Bearer ${hub.token}` } });
  if (!res.ok) throw new Error(`tree of ${repo}: HTTP ${res.status}`);
  const entries = (await res.json()) as { path: string; size: number }[];
  return entries.filter((e) => e.path.endsWith(".parquet")).map((e) => e.size);
}

/** A fresh emulator in a process of its own for `run`. */
async function withHub<T>(run: (hub: Hub) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "emulator", "cli.ts")], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const hub = await new Promise<Hub>((resolve, reject) => {
      let out = "";
      child.on("error", reject);
      child.on("close", (code) => reject(new Error(`the emulator exited with ${code}: ${out}`)));
      child.stdout.on("data", (d: Buffer) => {
        out += d;
        const url = /listening on (\S+)/.exec(out)?.[1];
        const token = /write token \(tester[^)]*\): (\S+)/.exec(out)?.[1];
        if (url && token) resolve({ url, token });
      });
    });
    return await run(hub);
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("close", resolve)));
  }
}

async function runOurs(): Promise<SideRun> {
  return withHub(async (hub) => {
    const repo = "tester/images-action";
    const started = performance.now();
    const run = await runAction({
      workspace: path.dirname(FOLDER),
      inputs: { repo, token: hub.token, endpoint: hub.url, paths: path.basename(FOLDER), "max-shard-size": MAX_SHARD },
      nodeArgs: ["--import", PROBE],
    });
    const seconds = (performance.now() - started) / 1000;
    if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
    const probe = run.stderr.split("\n").find((l) => l.startsWith("@@bench "));
    return { seconds, maxRssBytes: probe ? (JSON.parse(probe.slice(8)) as { maxRssBytes: number }).maxRssBytes : 0, shards: await shardSizes(hub, repo) };
  });
}

async function runPython(python: string): Promise<SideRun> {
  return withHub(async (hub) => {
    const repo = "tester/images-python";
    const home = path.join(PROJECT_ROOT, "bench", "data", "python-home");
    const env = pythonEnv(hub, home);
    const started = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(python, ["-B", PYTHON_SCRIPT, FOLDER, repo, MAX_SHARD], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`python exited with ${code}: ${stderr.slice(-2000)}`))));
    });
    const seconds = (performance.now() - started) / 1000;
    const { maxRssBytes } = JSON.parse(out.trim().split("\n").at(-1)!) as { maxRssBytes: number };
    return { seconds, maxRssBytes, shards: await shardSizes(hub, repo) };
  });
}

/** Runs both sides `repeat` times each (alternating); undefined when no Python reference is installed. */
export async function benchMedia(repeat: number, log: (line: string) => void): Promise<MediaBenchResult | undefined> {
  const interop = findInterop();
  if (!interop.ok) {
    log(`media case skipped: no Python reference (${interop.reason}); run \`bash scripts/interop-setup.sh\``);
    return undefined;
  }
  log(`media case: making bench/data/media-1g (${SIZES.length} PNGs) unless it is there …`);
  const folderBytes = await makeMediaFolder(FOLDER, { sizes: SIZES, classes: CLASSES, kind: "image" });
  const result: MediaBenchResult = { folderBytes, files: SIZES.length, largestFile: await largestFile(FOLDER), ours: [], python: [] };
  for (let i = 0; i < repeat; i++) {
    const o = await runOurs();
    result.ours.push(o);
    log(`media run ${i + 1}: action ${o.seconds.toFixed(1)} s, peak RSS ${(o.maxRssBytes / 1e6).toFixed(0)} MB, largest shard ${(Math.max(...o.shards) / 1e6).toFixed(0)} MB`);
    const p = await runPython(interop.python);
    result.python.push(p);
    log(`media run ${i + 1}: Python ${p.seconds.toFixed(1)} s, peak RSS ${(p.maxRssBytes / 1e6).toFixed(0)} MB, largest shard ${(Math.max(...p.shards) / 1e6).toFixed(0)} MB`);
  }
  return result;
}

/** The Markdown table of a media bench result (medians). */
export function mediaTable(r: MediaBenchResult): string[] {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const side = (name: string, runs: SideRun[]) => {
    const seconds = median(runs.map((x) => x.seconds));
    const rss = median(runs.map((x) => x.maxRssBytes));
    const shards = runs[0]!.shards;
    const largest = Math.max(...runs.flatMap((x) => x.shards));
    const over = largest - MAX_SHARD_BYTES;
    return `| ${name} | ${seconds.toFixed(1)} s | ${(r.folderBytes / 1e6 / seconds).toFixed(0)} MB/s | ${(rss / 1e6).toFixed(0)} MB | ${shards.length} | ${(largest / 1e6).toFixed(1)} MB | ${over > 0 ? `+${(over / 1e6).toFixed(1)} MB` : "under"} |`;
  };
  const ratio = median(r.ours.map((x) => x.seconds)) / median(r.python.map((x) => x.seconds));
  return [
    `${(r.folderBytes / 1e9).toFixed(2)} GB of images (${r.files} PNGs in 3 class folders, largest file ${(r.largestFile / 1e6).toFixed(2)} MB), max-shard-size ${MAX_SHARD}, medians of ${r.ours.length} run(s) per side:`,
    "",
    "| publisher | wall time | MB/s | peak RSS | shards | largest shard | over max-shard-size |",
    "|---|---:|---:|---:|---:|---:|---:|",
    side("the action (dist/index.js)", r.ours),
    side("Python (imagefolder + push_to_hub, LFS)", r.python),
    "",
    `action / Python: ${ratio.toFixed(2)} of the time.`,
  ];
}

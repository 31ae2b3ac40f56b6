/**
 * Many jobs, one commit, on one machine (`npm run bench:slices`): a
 * multi-GB CSV dataset (8 files; SLICES_BENCH_FILES=1: one file, which the
 * prepare jobs cut into pieces) published by one run of
 * the bundled action, then by 4 prepare processes in parallel and one
 * commit process, to the emulator (Xet; a fresh emulator per side, so
 * that Xet's global dedup does not find one side's chunks stored by the
 * other). Per step: wall time, and the request bytes the emulator received
 * for the repo. On a real matrix each
 * prepare job has a runner of its own; here the 4 share this machine's
 * cores (and the emulator's work), so the wall times say what the split
 * costs, not what a matrix gains. The last slice is then run alone: about
 * what one runner of a matrix takes (with one file cut, that job reads the
 * most of it to find its cut).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startHubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, runAction } from "../scripts/action-runner.js";
import { type Row, rows, rowsForCsvBytes, sizeOf, writeCsv } from "./generate.js";

const FILES = Number(process.env.SLICES_BENCH_FILES ?? 8);
const TOTAL_BYTES = Number(process.env.SLICES_BENCH_BYTES ?? 2e9);
const SLICES = 4;
const DATA = path.join(PROJECT_ROOT, "bench", "data", "slices");

async function ensureData(): Promise<number> {
  await mkdir(DATA, { recursive: true });
  const perFile = rowsForCsvBytes(TOTAL_BYTES / FILES);
  let total = 0;
  for (let f = 0; f < FILES; f++) {
    const file = path.join(DATA, `part-${f}-of-${FILES}-${perFile}.csv`);
    const size = await sizeOf(file).catch(() => 0);
    if (size === 0) await writeCsv(file, numbered(rows(perFile, 1000 + f), f * perFile + 1));
    total += await sizeOf(file);
  }
  return total;
}

/** The rows with ids from `firstId` on: each file its own rows. */
function* numbered(source: Iterable<Row>, firstId: number): Generator<Row> {
  for (const row of source) yield { ...row, id: row.id + firstId - 1 };
}

async function main(): Promise<void> {
  const inputBytes = await ensureData();
  let hub = await startHubEmulator({ xet: true });
  const received = (repo: string) => hub.stats().repos[`datasets/${repo}`]?.bytesReceived ?? 0;
  const paths = path.relative(PROJECT_ROOT, path.join(DATA, "*.csv"));
  let common = { token: hub.tokens.write, endpoint: hub.url, paths };
  const timed = async <T>(f: () => Promise<T>) => {
    const start = performance.now();
    const value = await f();
    return { value, seconds: (performance.now() - start) / 1000 };
  };
  const check = (run: { code: number; stdout: string; stderr: string }) => {
    if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}\n${run.stderr}`);
  };
  try {
    const one = await timed(() => runAction({ workspace: PROJECT_ROOT, inputs: { ...common, repo: "tester/one-run" } }));
    check(one.value);
    const oneRun = { seconds: one.seconds, bytesReceived: received("tester/one-run"), shards: Number(one.value.outputs["num-shards"]), commits: hub.commits("tester/one-run").length - 1 };
    await hub.close();
    hub = await startHubEmulator({ xet: true });
    common = { token: hub.tokens.write, endpoint: hub.url, paths };
    const manifests = path.join(PROJECT_ROOT, "bench", "data", "slices-manifests");
    const prepare = await timed(() =>
      Promise.all(
        Array.from({ length: SLICES }, (_, i) =>
          timed(() =>
            runAction({
              workspace: PROJECT_ROOT,
              inputs: { ...common, repo: "tester/sliced", operation: "prepare", slice: `${i + 1}/${SLICES}`, manifest: path.join(manifests, `slice-${i + 1}.json`) },
            }),
          ),
        ),
      ),
    );
    prepare.value.forEach((job) => check(job.value));
    const afterPrepare = received("tester/sliced");
    // Prepare jobs upload without committing: the repo holds only its creation commit (if a job created it).
    const prepareCommits = hub.repoExists("tester/sliced") ? hub.commits("tester/sliced").length - 1 : 0;
    const commit = await timed(() =>
      runAction({ workspace: PROJECT_ROOT, inputs: { ...common, paths: "", repo: "tester/sliced", operation: "commit", manifests: path.relative(PROJECT_ROOT, path.join(manifests, "*.json")) } }),
    );
    check(commit.value);
    const slicedCommits = hub.commits("tester/sliced").length - 1;
    const commitBytes = received("tester/sliced") - afterPrepare;
    // What one runner of a real matrix takes: the last slice alone (with a file cut, it reads the most to find its cut).
    await hub.close();
    hub = await startHubEmulator({ xet: true });
    const alone = await timed(() =>
      runAction({
        workspace: PROJECT_ROOT,
        inputs: { token: hub.tokens.write, endpoint: hub.url, paths, repo: "tester/alone", operation: "prepare", slice: `${SLICES}/${SLICES}`, manifest: path.join(manifests, "alone", "last.json") },
      }),
    );
    check(alone.value);
    const result = {
      date: new Date().toISOString(),
      inputBytes,
      files: FILES,
      slices: SLICES,
      oneRun,
      prepare: { seconds: prepare.seconds, jobSeconds: prepare.value.map((job) => job.seconds), bytesReceived: afterPrepare, commits: prepareCommits },
      lastSliceAlone: { seconds: alone.seconds },
      commit: { seconds: commit.seconds, bytesReceived: commitBytes, shards: Number(commit.value.outputs["num-shards"]) },
      commits: { oneRun: oneRun.commits, sliced: slicedCommits },
    };
    await mkdir(path.join(PROJECT_ROOT, "bench", "results"), { recursive: true });
    await writeFile(path.join(PROJECT_ROOT, "bench", "results", "slices-latest.json"), `${JSON.stringify(result, null, 2)}\n`);
    const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
    console.log(`| | wall time | bytes received by the Hub | shards | commits |`);
    console.log(`|---|---:|---:|---:|---:|`);
    console.log(`| one run | ${one.seconds.toFixed(1)} s | ${mb(result.oneRun.bytesReceived)} | ${result.oneRun.shards} | ${result.commits.oneRun} |`);
    console.log(
      `| ${SLICES} prepare processes in parallel (each: ${result.prepare.jobSeconds.map((s) => s.toFixed(1)).join(", ")} s) | ${prepare.seconds.toFixed(1)} s | ${mb(result.prepare.bytesReceived)} | | ${result.prepare.commits} |`,
    );
    console.log(`| then the commit process | ${commit.seconds.toFixed(1)} s | ${(result.commit.bytesReceived / 1e3).toFixed(1)} kB | ${result.commit.shards} | ${result.commits.sliced} |`);
    console.log(`| slice ${SLICES}/${SLICES} alone (one runner of a matrix) | ${alone.seconds.toFixed(1)} s | | | |`);
    console.log(`input: ${mb(inputBytes)} of CSV in ${FILES} file${FILES === 1 ? "" : "s"}`);
  } finally {
    await hub.close();
  }
}

await main();

/**
 * Many jobs, one commit, as a workflow runs it: 8 prepare processes of the
 * bundled action (dist/index.js) in parallel against the emulator, then the
 * commit process — compared with one run of the action over the same files:
 * the same rows in the same order (read back by DuckDB), features and
 * `num_examples`; Python's shard names across slices; every slice's shards
 * within `max-shard-size`; one commit, made by the commit job alone. One
 * file, bigger than a slice's share, is cut between slices.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type HubEmulator, startHubEmulator } from "../../emulator/server.js";
import { runAction } from "../../scripts/action-runner.js";
import { query } from "../helpers/duckdb.js";
import type { Manifest } from "../../src/slices/manifest.js";

let hub: HubEmulator;
let workspace: string;

const SLICES = 8;
const MAX_SHARD_SIZE = 60_000;
const SPLITS = "train: data/train/*.csv\ntest: data/test/*.jsonl";

beforeAll(async () => {
  hub = await startHubEmulator({ xet: true });
  workspace = await mkdtemp(path.join(os.tmpdir(), "slices-e2e-"));
  await mkdir(path.join(workspace, "data/train"), { recursive: true });
  await mkdir(path.join(workspace, "data/test"), { recursive: true });
  // 13 train files of different sizes (more than one shard per slice for some), 3 test files.
  for (let f = 0; f < 13; f++) {
    const lines = ["id,name,score,flag"];
    for (let i = 0; i < 400 + ((f * 397) % 1500); i++) lines.push(`${f * 10_000 + i},"item ${i} of file ${f}",${(i * 0.25).toFixed(2)},${i % 3 === 0 ? "True" : "False"}`);
    await writeFile(path.join(workspace, `data/train/part-${String(f).padStart(2, "0")}.csv`), lines.join("\n") + "\n");
  }
  // A file of about a third of the bytes, with quoted line breaks: cut into pieces over several slices.
  const big = ["id,name,score,flag"];
  for (let i = 0; i < 9000; i++) big.push(`${500_000 + i},"${i % 9 === 0 ? "two\nlines" : "item"} ${i} of the big file",${(i * 0.5).toFixed(2)},${i % 4 === 0 ? "True" : "False"}`);
  await writeFile(path.join(workspace, "data/train/part-13-big.csv"), big.join("\n") + "\n");
  for (let f = 0; f < 3; f++) {
    const rows = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: f * 1000 + i, name: `t${i}`, score: i / 8, flag: i % 2 === 0 }));
    await writeFile(path.join(workspace, `data/test/t-${f}.jsonl`), rows.join("\n") + "\n");
  }
});

afterAll(async () => {
  await hub?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

async function rowsOf(repo: string, split: string): Promise<Record<string, unknown>[]> {
  const files: string[] = [];
  for (const p of hub.files(repo).filter((f) => f.startsWith(`data/${split}-`))) {
    const file = path.join(workspace, ".downloads", repo.replace("/", "__"), p);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, hub.readFile(repo, p)!);
    files.push(`'${file}'`);
  }
  return query(`select id, name, score, flag from read_parquet([${files.join(", ")}], filename = true, file_row_number = true) order by filename, file_row_number`);
}

function card(repo: string): Record<string, any> {
  return parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(hub.readFile(repo, "README.md")!.toString("utf8"))![1]!) as Record<string, any>;
}

describe("8 prepare jobs, then one commit job", () => {
  it("publish what one run publishes, in one commit", async () => {
    const common = { token: hub.tokens.write, endpoint: hub.url, splits: SPLITS, "max-shard-size": String(MAX_SHARD_SIZE) };
    const single = await runAction({ workspace, inputs: { ...common, repo: "tester/one-run" } });
    expect(single.code, single.stdout + single.stderr).toBe(0);

    const repo = "tester/many-jobs";
    const prepares = await Promise.all(
      Array.from({ length: SLICES }, (_, i) =>
        runAction({ workspace, inputs: { ...common, repo, operation: "prepare", slice: `${i + 1}/${SLICES}`, manifest: `manifests/slice-${i + 1}.json` } }),
      ),
    );
    for (const p of prepares) expect(p.code, p.stdout + p.stderr).toBe(0);
    expect(prepares.map((p) => p.outputs.manifest)).toEqual(prepares.map((_, i) => path.join(workspace, `manifests/slice-${i + 1}.json`)));
    expect(hub.commits(repo).map((c) => c.title)).toEqual(["initial commit"]);

    const commit = await runAction({ workspace, inputs: { repo, token: hub.tokens.write, endpoint: hub.url, operation: "commit", manifests: "manifests/*.json" } });
    expect(commit.code, commit.stdout + commit.stderr).toBe(0);
    expect(hub.commits(repo).map((c) => c.title)).toEqual(["Upload dataset", "initial commit"]);
    expect(commit.outputs.changed).toBe("true");
    expect(commit.outputs["commit-sha"]).toBe(hub.commits(repo)[0]!.oid);
    expect(commit.outputs["num-rows"]).toBe(single.outputs["num-rows"]);
    for (const run of [...prepares, commit]) expect(run.everything.replace(/^::add-mask::.*$/gm, "")).not.toContain(hub.tokens.write);

    // Rows, order, features, counts: those of one run.
    for (const split of ["train", "test"]) expect(await rowsOf(repo, split)).toEqual(await rowsOf("tester/one-run", split));
    const [one, many] = [card("tester/one-run"), card(repo)];
    expect(many.dataset_info.features).toEqual(one.dataset_info.features);
    expect(many.dataset_info.splits.map((s: any) => [s.name, s.num_examples, s.num_bytes])).toEqual(one.dataset_info.splits.map((s: any) => [s.name, s.num_examples, s.num_bytes]));
    expect(many.configs).toEqual(one.configs);

    // Python's names, counted across slices in slice order.
    const manifests = await Promise.all(prepares.map(async (p) => JSON.parse(await readFile(p.outputs.manifest!, "utf8")) as Manifest));
    for (const split of ["train", "test"]) {
      const shards = manifests.flatMap((m) => m.splits.filter((s) => s.name === split).flatMap((s) => s.shards));
      const names = shards.map((_, i) => `data/${split}-${String(i).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}.parquet`);
      expect(hub.files(repo).filter((f) => f.startsWith(`data/${split}-`))).toEqual(names);
      names.forEach((name, i) => expect(hub.entry(repo, name)?.lfs?.oid).toBe(shards[i]!.sha256));
    }
    expect(manifests.flatMap((m) => m.splits.find((s) => s.name === "train")?.shards ?? []).length).toBeGreaterThan(SLICES);
    // The big file in pieces that follow each other, each slice reading only its own bytes.
    const pieces = manifests.flatMap((m) => m.splits.flatMap((s) => s.pieces ?? []));
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(pieces.map((p) => p.file)).toEqual(pieces.map(() => "data/train/part-13-big.csv"));
    expect(pieces.map((p) => [p.start, p.end])).toEqual(pieces.map((p, k) => [k === 0 ? 0 : pieces[k - 1]!.end, k === pieces.length - 1 ? p.size : pieces[k + 1]!.start]));
    // Each slice cuts its rows as one run cuts a split: no shard holds more than max-shard-size of Arrow data
    // (a shard's share of its slice's Arrow bytes, by its rows, as read back from the manifest).
    for (const m of manifests)
      for (const s of m.splits) for (const shard of s.shards) expect((s.numBytes * shard.rows) / s.rows).toBeLessThan(MAX_SHARD_SIZE);

    // A manifest missing (an artifact lost): the commit job fails, naming the slice, and commits nothing.
    await mkdir(path.join(workspace, "partial"));
    for (let i = 1; i <= SLICES; i++) if (i !== 5) await writeFile(path.join(workspace, `partial/slice-${i}.json`), await readFile(prepares[i - 1]!.outputs.manifest!));
    const partial = await runAction({ workspace, inputs: { repo, token: hub.tokens.write, endpoint: hub.url, operation: "commit", manifests: "partial/*.json" } });
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain(`::error::Input 'manifests': slice 5/${SLICES} of ${SLICES} is missing (${SLICES - 1} manifests found)`);
    expect(hub.commits(repo)).toHaveLength(2);

    // Run again, the commit job changes nothing.
    const again = await runAction({ workspace, inputs: { repo, token: hub.tokens.write, endpoint: hub.url, operation: "commit", manifests: "manifests/*.json" } });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.outputs.changed).toBe("false");
    expect(hub.commits(repo)).toHaveLength(2);
  });
});

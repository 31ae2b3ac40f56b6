/**
 * The bundled action (dist/index.js), run as the GitHub runner runs it under
 * Node 24, against the local Hub emulator — one that offers Xet and one
 * that offers only Git LFS; the pushed Parquet is read back by DuckDB and
 * compared value by value with the source data.
 */
import { mkdtemp, mkdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type HubEmulator, startHubEmulator } from "../../emulator/server.js";
import { Worker } from "node:worker_threads";
import { type ActionRun, PROJECT_ROOT, runAction } from "../../scripts/action-runner.js";
import { columnTypes, kvMetadata, query } from "../helpers/duckdb.js";

let hub: HubEmulator;
let workspace: string;

interface Review {
  id: number;
  text: string | null;
  label: string;
  score: number | null;
  verified: boolean | null;
}

const REVIEWS: Review[] = [
  { id: 1, text: "plain text", label: "pos", score: 0.5, verified: true },
  { id: 2, text: 'quotes "inside", and a comma', label: "neg", score: -1.25, verified: false },
  { id: 3, text: "two\nlines", label: "pos", score: null, verified: null },
  { id: 4, text: null, label: "neu", score: 1e-7, verified: true },
  { id: 5, text: "unicodé ✓ 日本語", label: "pos", score: 12345.678, verified: false },
  { id: 9007199254740993, text: "big id", label: "neg", score: 3, verified: true },
];

function csvField(v: unknown): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(rows: Review[]): string {
  const header = "id,text,label,score,verified";
  return [header, ...rows.map((r) => [r.id === 9007199254740993 ? "9007199254740993" : r.id, r.text, r.label, r.score, r.verified === null ? null : r.verified ? "True" : "False"].map(csvField).join(","))].join("\r\n") + "\r\n";
}

/** Lines the runner consumes (`::add-mask::<secret>`) are not output anyone sees. */
function visible(run: ActionRun): string {
  return run.everything
    .split("\n")
    .filter((l) => !l.startsWith("::add-mask::"))
    .join("\n");
}

async function readShard(repo: string, repoPath: string): Promise<string> {
  const bytes = hub.readFile(repo, repoPath);
  if (!bytes) throw new Error(`${repoPath} is not in ${repo}`);
  const file = path.join(workspace, ".downloads", repo.replace("/", "__"), repoPath);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return file;
}

beforeAll(async () => {
  workspace = await mkdtemp(path.join(os.tmpdir(), "workspace-"));
  await mkdir(path.join(workspace, "data"), { recursive: true });
  await writeFile(path.join(workspace, "data", "reviews.csv"), toCsv(REVIEWS));
  await writeFile(
    path.join(workspace, "data", "events.jsonl"),
    [
      { user: "a", n: 1, tags: ["x", "y"], meta: { ok: true, w: 0.5 } },
      { user: "b", n: 2, tags: [], meta: { ok: false, w: null } },
      { user: "c", n: null, tags: ["z"], meta: null },
    ]
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n",
  );
});

afterAll(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/** An emulator for the tests of one describe block. */
function useEmulator(xet: boolean): void {
  beforeAll(async () => {
    hub = await startHubEmulator({ xet });
  });
  afterAll(async () => {
    await hub?.close();
  });
}

describe.each([
  { name: "a Hub with Xet", xet: true },
  { name: "a Hub without Xet (Git LFS)", xet: false },
])("bundled action against $name", ({ xet }) => {
  useEmulator(xet);

    it("publishes a CSV file as one typed Parquet shard with its card, in one commit", async () => {
      const repo = "tester/reviews";
      const run = await runAction({
        workspace,
        inputs: { repo, token: hub.tokens.write, paths: "data/*.csv", endpoint: hub.url, "max-shard-size": "500MB" },
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);

      // Outputs
      const commits = hub.commits(repo);
      expect(commits.map((c) => c.title)).toEqual(["Upload dataset", "initial commit"]);
      expect(run.outputs["commit-sha"]).toBe(commits[0]!.oid);
      expect(run.outputs["commit-url"]).toBe(`${hub.url}/datasets/${repo}/commit/${commits[0]!.oid}`);
      expect(run.outputs["repo-url"]).toBe(`${hub.url}/datasets/${repo}`);
      expect(run.outputs.changed).toBe("true");
      expect(run.outputs["num-rows"]).toBe(String(REVIEWS.length));
      expect(run.outputs["num-shards"]).toBe("1");
      expect(JSON.parse(run.outputs.files!)).toEqual(["data/train-00000-of-00001.parquet", "README.md"]);
      expect(commits[0]!.description).toContain("https://github.com/octo-org/octo-data/actions/runs/4242");

      // Repo state
      expect(hub.files(repo)).toEqual([".gitattributes", "README.md", "data/train-00000-of-00001.parquet"]);
      expect(hub.entry(repo, "data/train-00000-of-00001.parquet")?.lfs).toBeDefined();

      // Data, read by DuckDB
      const file = await readShard(repo, "data/train-00000-of-00001.parquet");
      expect(await columnTypes(file)).toEqual({ id: "BIGINT", text: "VARCHAR", label: "VARCHAR", score: "DOUBLE", verified: "BOOLEAN" });
      const rows = await query(`select * from read_parquet('${file}')`);
      expect(rows).toEqual(
        REVIEWS.map((r) => ({
          id: r.id === 9007199254740993 ? "9007199254740993" : String(r.id),
          text: r.text,
          label: r.label,
          score: r.score,
          verified: r.verified,
        })),
      );
      const meta = await kvMetadata(file);
      expect(JSON.parse(meta.huggingface!)).toEqual({
        info: {
          features: {
            id: { dtype: "int64", _type: "Value" },
            // CSV text is large_string, as pandas 3 reads it (docs/python-interop.md).
            text: { dtype: "large_string", _type: "Value" },
            label: { dtype: "large_string", _type: "Value" },
            score: { dtype: "float64", _type: "Value" },
            verified: { dtype: "bool", _type: "Value" },
          },
        },
      });
      expect(meta["ARROW:schema"]).toBeTruthy();

      // Card
      const readme = hub.readFile(repo, "README.md")!.toString("utf8");
      const front = /^---\n([\s\S]*?)\n---\n/.exec(readme);
      expect(front).not.toBeNull();
      const card = parseYaml(front![1]!) as Record<string, any>;
      expect(card.configs).toEqual([{ config_name: "default", data_files: [{ split: "train", path: "data/train-*" }] }]);
      expect(card.dataset_info.splits).toEqual([{ name: "train", num_bytes: expect.any(Number), num_examples: REVIEWS.length }]);
      expect(card.dataset_info.download_size).toBe(hub.entry(repo, "data/train-00000-of-00001.parquet")!.size);
      expect(card.dataset_info.features.map((f: { name: string }) => f.name)).toEqual(["id", "text", "label", "score", "verified"]);

      // Summary and secrecy: what was sent and how; no token, Hub or Xet, in anything anyone sees
      expect(run.summary).toContain("Published to");
      const uploaded = new RegExp(`^Uploaded 1 shard \\([\\d.]+ kB\\) through ${xet ? "Xet" : "Git LFS"}: sent [\\d.]+ kB\\.$`, "m");
      expect(run.summary).toMatch(uploaded);
      expect(run.stdout).toMatch(uploaded);
      expect(hub.entry(repo, "data/train-00000-of-00001.parquet")?.xetHash === undefined).toBe(!xet);
      expect(visible(run)).not.toContain(hub.tokens.write);
      expect(visible(run)).not.toMatch(/xet_[A-Za-z0-9_-]{16,}/);
      // Xet access tokens are masked like the Hub token.
      if (xet) expect(run.stdout).toMatch(/^::add-mask::xet_/m);
    });

    it("publishes JSON Lines with lists and structs to a named config", async () => {
      const repo = "tester/events";
      const run = await runAction({
        workspace,
        inputs: { repo, token: hub.tokens.write, paths: "data/events.jsonl", config: "clicks", split: "validation", endpoint: hub.url },
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(hub.files(repo)).toEqual([".gitattributes", "README.md", "clicks/validation-00000-of-00001.parquet"]);
      const file = await readShard(repo, "clicks/validation-00000-of-00001.parquet");
      expect(await columnTypes(file)).toEqual({ user: "VARCHAR", n: "BIGINT", tags: "VARCHAR[]", meta: "STRUCT(ok BOOLEAN, w DOUBLE)" });
      expect(await query(`select * from read_parquet('${file}')`)).toEqual([
        { user: "a", n: "1", tags: ["x", "y"], meta: { ok: true, w: 0.5 } },
        { user: "b", n: "2", tags: [], meta: { ok: false, w: null } },
        { user: "c", n: null, tags: ["z"], meta: null },
      ]);
      const readme = hub.readFile(repo, "README.md")!.toString("utf8");
      const card = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(readme)![1]!) as Record<string, any>;
      expect(card.dataset_info.config_name).toBe("clicks");
      expect(card.dataset_info.splits[0].num_examples).toBe(3);
      expect(card.configs[0].data_files).toEqual([{ split: "validation", path: "clicks/validation-*" }]);
    });

    it("four jobs of a matrix publishing configs a-d of one repo at the same time all succeed", async () => {
      const repo = "tester/matrix";
      const runs = await Promise.all(
        ["a", "b", "c", "d"].map((config) =>
          runAction({ workspace, inputs: { repo, token: hub.tokens.write, paths: "data/*.csv", config, endpoint: hub.url } }),
        ),
      );
      for (const run of runs) expect(run.code, run.stdout + run.stderr).toBe(0);
      const readme = hub.readFile(repo, "README.md")!.toString("utf8");
      const card = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(readme)![1]!) as Record<string, any>;
      expect(card.configs.map((c: { config_name: string }) => c.config_name)).toEqual(["a", "b", "c", "d"]);
      expect(card.dataset_info.map((c: { config_name: string }) => c.config_name)).toEqual(["a", "b", "c", "d"]);
      expect(hub.files(repo).filter((f) => f.endsWith(".parquet"))).toHaveLength(4);
    }, 120_000);

    it("publishes a Parquet file by copying its row groups, and a second run changes nothing", async () => {
      const source = path.join(workspace, "data", "events.parquet");
      await query(`copy (select i::bigint as id, 'event ' || i as name, i % 5 = 0 as flag from range(0, 20000) t(i)) to '${source}' (format parquet, compression snappy, row_group_size 4096)`);
      const repo = "tester/from-parquet";
      const inputs = { repo, token: hub.tokens.write, paths: "data/events.parquet", endpoint: hub.url };
      const first = await runAction({ workspace, inputs });
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(first.stdout).toMatch(/wrote data\/train-00000-of-00001\.parquet — 20,000 rows, .* row groups copied from the Parquet input, not re-encoded\)/);
      const file = await readShard(repo, "data/train-00000-of-00001.parquet");
      expect(await query(`select * from read_parquet('${file}') order by id`)).toEqual(await query(`select * from read_parquet('${source}') order by id`));
      expect(JSON.parse((await kvMetadata(file)).huggingface!)).toEqual({
        info: { features: { id: { dtype: "int64", _type: "Value" }, name: { dtype: "string", _type: "Value" }, flag: { dtype: "bool", _type: "Value" } } },
      });
      const second = await runAction({ workspace, inputs });
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.outputs.changed).toBe("false");
      expect(hub.commits(repo)).toHaveLength(2); // the repo's creation and the first publish
    }, 120_000);
});

describe("bundled action, whatever the transfer", () => {
  useEmulator(true);

  it("fails with an authentication message and never shows the token", async () => {
    const badToken = "hf_thisTokenIsNotKnownToTheHub000000";
    const run = await runAction({
      workspace,
      inputs: { repo: "tester/nope", token: badToken, paths: "data/*.csv", endpoint: hub.url },
    });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/::error::.*401/);
    expect(run.stdout).toContain("token");
    expect(visible(run)).not.toContain(badToken);
    expect(hub.repoExists("tester/nope")).toBe(false);
  });

  it("dry-run writes the shards and the card to output-dir and sends nothing", async () => {
    const repo = "tester/dry";
    const out = path.join(workspace, "preview");
    const run = await runAction({
      workspace,
      inputs: { repo, paths: "data/*.csv", "dry-run": "true", "output-dir": "preview", endpoint: hub.url },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(hub.repoExists(repo)).toBe(false);
    const rows = await query(`select count(*)::INTEGER as n from read_parquet('${path.join(out, "data", "train-00000-of-00001.parquet")}')`);
    expect(rows[0]!.n).toBe(REVIEWS.length);
    const readme = await import("node:fs/promises").then((fs) => fs.readFile(path.join(out, "README.md"), "utf8"));
    expect(readme).toContain("path: data/train-*");
    expect(run.summary).toContain("Dry run");
    expect(run.summary).toContain("data/train-00000-of-00001.parquet");
    expect(run.outputs.changed).toBe("false");
    expect(run.outputs["commit-url"]).toBe("");
  });

  it("encodes a large shard on the bundle's own worker threads", async () => {
    // Over the inline limit (16 MB of Arrow data), so dist/index.js starts itself as encoder threads.
    const lines = ["id,text,score"];
    for (let i = 0; i < 200_000; i++) lines.push(`${i},"row ${i}, ${"lorem ipsum dolor sit amet ".repeat(5)}",${i / 8}`);
    await writeFile(path.join(workspace, "data", "large.csv"), lines.join("\n") + "\n");
    const run = await runAction({
      workspace,
      inputs: { repo: "tester/large", paths: "data/large.csv", "dry-run": "true", "output-dir": "large-out", endpoint: hub.url },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const shards = JSON.parse(run.outputs.files!).filter((f: string) => f.endsWith(".parquet")) as string[];
    expect(shards).toEqual(["data/train-00000-of-00001.parquet"]);
    expect(run.stdout).toMatch(/wrote data\/train-00000-of-00001\.parquet — 200,000 rows, .* \d+ encoder threads? ?\)/);
    const [count] = await query(`select count(*)::INTEGER as n from read_parquet('${path.join(workspace, "large-out", shards[0]!)}')`);
    expect(count!.n).toBe(200_000);
    const [last] = await query(`select text, score from read_parquet('${path.join(workspace, "large-out", shards[0]!)}') order by id desc limit 1`);
    expect(last).toEqual({ text: `row 199999, ${"lorem ipsum dolor sit amet ".repeat(5)}`, score: 199999 / 8 });
  }, 120_000);

  it("serves pass 1's background jobs from the bundle's worker entry", async () => {
    // What the encoder thread does for pass 1 of a big CSV (parts of it), asked of dist/index.js directly.
    const file = path.join(workspace, "data", "reviews.csv");
    const worker = new Worker(path.join(PROJECT_ROOT, "dist", "index.js"), { workerData: { role: "hf-dataset-publish:parquet-encoder" } });
    try {
      const reply = (id: number) =>
        new Promise<{ op: string; value?: unknown; message?: string }>((resolve) => {
          const listen = (m: { id: number }) => {
            if (m.id !== id) return;
            worker.off("message", listen);
            resolve(m as never);
          };
          worker.on("message", listen);
        });
      const ready = reply(1);
      worker.postMessage({ op: "job", id: 1, name: "ready", args: null });
      expect(await ready).toEqual({ op: "result", id: 1, value: true });
      const size = (await stat(file)).size;
      const profiled = reply(2);
      const header = ["id", "text", "label", "score", "verified"];
      const job = { path: file, file: "data/reviews.csv", format: "csv", chunkBytes: undefined, overrides: [], start: 0, end: size, header };
      worker.postMessage({ op: "job", id: 2, name: "csv-range", args: { ...job, start: toCsv(REVIEWS).indexOf("\r\n") + 2 } });
      const part = (await profiled) as { op: string; value: { rows: number; inference: { nulls: number }[] } };
      expect(part.op).toBe("result");
      expect(part.value.rows).toBe(REVIEWS.length);
      expect(part.value.inference.map((c) => c.nulls)).toEqual([0, 1, 0, 1, 1]);
    } finally {
      await worker.terminate();
    }
  }, 120_000);

  it("uploads through Git LFS when HF_HUB_DISABLE_XET is set, as Python's huggingface_hub does", async () => {
    const repo = "tester/no-xet";
    hub.resetCounts();
    const run = await runAction({ workspace, env: { HF_HUB_DISABLE_XET: "1" }, inputs: { repo, token: hub.tokens.write, paths: "data/reviews.csv", endpoint: hub.url } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Uploaded 1 shard \(.*\) through Git LFS: sent /m);
    expect(hub.entry(repo, "data/train-00000-of-00001.parquet")?.xetHash).toBeUndefined();
    expect(hub.requestCounts()["cas-xorb"]).toBe(0);
  });

  it("names the input at fault", async () => {
    const run = await runAction({ workspace, inputs: { repo: "not a repo", token: hub.tokens.write, paths: "data/*.csv", endpoint: hub.url } });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain("::error::Input 'repo': 'not a repo' is not a dataset repository id");
    const missing = await runAction({ workspace, inputs: { repo: "tester/x", paths: "data/*.csv", endpoint: hub.url } });
    expect(missing.stdout).toContain("::error::Input 'token'");
  });

  describe("a dataset of many small files", () => {
    /** Lines the Actions log shows at the default level (debug lines are hidden, masks are consumed). */
    const shown = (run: ActionRun) => run.stdout.split("\n").filter((l) => l.trim() && !l.startsWith("::debug::") && !l.startsWith("::add-mask::"));

    it("publishes 600 files with a short log; step debug logging shows a line per file", async () => {
      await mkdir(path.join(workspace, "many"), { recursive: true });
      for (let i = 0; i < 600; i++) await writeFile(path.join(workspace, "many", `day-${String(i).padStart(4, "0")}.csv`), `id,v\n${i * 2},${i}.5\n${i * 2 + 1},\n`);
      const repo = "tester/many-files";
      const run = await runAction({ workspace, inputs: { repo, token: hub.tokens.write, paths: "many/*.csv", endpoint: hub.url } });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.outputs["num-rows"]).toBe("1200");
      const lines = shown(run);
      expect(lines.length, lines.join("\n")).toBeLessThan(30);
      expect(lines).toContainEqual(expect.stringMatching(/^train: read 600 files — 1,200 rows, 2 columns, [\d.]+ kB \([\d.]+ s\)$/));
      expect(lines).toContainEqual(expect.stringMatching(/^train: 600 files: many\/day-0000\.csv, many\/day-0001\.csv, many\/day-0002\.csv, …, many\/day-0598\.csv, many\/day-0599\.csv$/));
      expect(run.stdout).not.toContain("::debug::");
      const file = await readShard(repo, "data/train-00000-of-00001.parquet");
      const rows = await query(`select id, v from read_parquet('${file}') order by id`);
      expect(rows).toHaveLength(1200);
      expect(rows.slice(0, 4)).toEqual([{ id: "0", v: 0.5 }, { id: "1", v: null }, { id: "2", v: 1.5 }, { id: "3", v: null }]);
      expect(run.summary).toMatch(/\| train \| 1,200 \| 1 \| .* \| 600 \|/);

      const debug = await runAction({
        workspace,
        inputs: { repo, token: hub.tokens.write, paths: "many/*.csv", endpoint: hub.url },
        env: { RUNNER_DEBUG: "1" },
      });
      expect(debug.code, debug.stdout + debug.stderr).toBe(0);
      expect(debug.outputs.changed).toBe("false");
      expect(debug.stdout.split("\n").filter((l) => /^::debug::train: read many\/day-\d{4}\.csv — 2 rows, 2 columns/.test(l))).toHaveLength(600);
    }, 120_000);

    it("reports bad data in 40 files: 10 annotations, the rest in the log and the job summary", async () => {
      await mkdir(path.join(workspace, "bad"), { recursive: true });
      for (let i = 0; i < 200; i++)
        await writeFile(path.join(workspace, "bad", `day-${String(i).padStart(4, "0")}.csv`), i % 5 === 2 ? `id,v\n${i},1\n${i},2,3\n` : `id,v\n${i},1\n`);
      const repo = "tester/many-bad";
      const run = await runAction({ workspace, inputs: { repo, token: hub.tokens.write, paths: "bad/*.csv", endpoint: hub.url } });
      expect(run.code).not.toBe(0);
      expect(hub.repoExists(repo)).toBe(false);
      const annotations = run.stdout.split("\n").filter((l) => l.startsWith("::error"));
      expect(annotations).toHaveLength(10);
      expect(annotations[0]).toBe("::error title=Invalid data,file=bad/day-0002.csv,line=3::bad/day-0002.csv:3: expected 2 fields (as in the header), found 3. Check for an unquoted comma inside a value, or a trailing comma.");
      expect(annotations[9]).toMatch(/^::error title=Invalid data::40 data errors in 40 files: 31 more than annotated here\./);
      const logged = run.stdout.split("\n").filter((l) => l.startsWith("Invalid data: bad/day-"));
      expect(logged).toHaveLength(31);
      expect(run.summary).toContain("### Invalid data: nothing was published");
      expect(run.summary).toContain("40 data errors in 40 files.");
      expect(run.summary).toContain("| `bad/day-0002.csv` | 3 | expected 2 fields");
      expect(run.summary).toContain("… and 20 more errors");
    }, 120_000);
  });
});

/**
 * Many jobs, one commit, in-process against the emulator (Xet and LFS-only):
 * prepare jobs convert and upload their slices without committing, the
 * commit job commits them all by reference — the same rows, order, features
 * and counts as one run — and each fault of docs/slices.md gives its
 * documented result, with nothing half-published.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type HubEmulator, startHubEmulator } from "../../emulator/server.js";
import { InputError } from "../../src/errors.js";
import { outputsOf, summaryMarkdown } from "../../src/report.js";
import { query } from "../helpers/duckdb.js";
import { makeWorkspace, publishRun } from "../helpers/publish-run.js";

let hub: HubEmulator;
let workspace: string;

const FILES = 6;

function csv(rows: number, offset: number): string {
  const lines = ["id,text,score"];
  for (let i = offset; i < offset + rows; i++) lines.push(`${i},"row ${i}, of file ${Math.floor(i / 1000)}",${i / 4}`);
  return lines.join("\n") + "\n";
}

beforeAll(async () => {
  const files: Record<string, string> = {};
  // Files of different sizes, so the cuts balance bytes, not counts.
  for (let f = 0; f < FILES; f++) files[`data/part-${f}.csv`] = csv(40 + f * 30, f * 1000);
  files["data/test.csv"] = csv(25, 9000);
  files["mixed/a.csv"] = "id,x\n1,2\n3,4\n";
  files["mixed/b.csv"] = "id,x\n5,0.5\n6,1.5\n";
  workspace = await makeWorkspace(files);
});

afterAll(async () => {
  await hub?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

const SPLITS = "train: data/part-*.csv\ntest: data/test.csv";

for (const xet of [true, false]) {
  describe(xet ? "through Xet" : "through Git LFS", () => {
    beforeAll(async () => {
      await hub?.close();
      hub = await startHubEmulator({ xet });
    });

    // Each Hub gets its own folders of manifests.
    const mode = xet ? "xet" : "lfs";
    const base = (repo: string, extra: Record<string, string> = {}) => ({ repo, token: hub.tokens.write, endpoint: hub.url, ...extra });
    const prepare = (repo: string, slice: string, folder: string, extra: Record<string, string> = {}) =>
      publishRun(workspace, base(repo, { operation: "prepare", slice, splits: SPLITS, "max-shard-size": "2KB", manifest: `${mode}/${folder}/slice-${slice.replace("/", "-of-")}.json`, ...extra }));
    const commit = (repo: string, folder: string, extra: Record<string, string> = {}, options: { maxFilesPerCommit?: number } = {}) =>
      publishRun(workspace, base(repo, { operation: "commit", manifests: `${mode}/${folder}/*.json`, ...extra }), options);
    const prepareAll = (repo: string, n: number, folder: string) => Promise.all(Array.from({ length: n }, (_, i) => prepare(repo, `${i + 1}/${n}`, folder)));

    async function rowsOf(repo: string, split: string): Promise<unknown[]> {
      const paths = hub.files(repo).filter((p) => p.startsWith(`data/${split}-`));
      const local: string[] = [];
      for (const p of paths) {
        const file = path.join(workspace, ".check", repo.replace("/", "_"), p);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, hub.readFile(repo, p)!);
        local.push(file);
      }
      const list = local.map((f) => `'${f}'`).join(", ");
      return (await query(`select id, text, score from read_parquet([${list}], filename = true, file_row_number = true) order by filename, file_row_number`)).map((r) => [String(r.id), r.text, r.score]);
    }

    function card(repo: string): Record<string, any> {
      return parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(hub.readFile(repo, "README.md")!.toString("utf8"))![1]!) as Record<string, any>;
    }

    it("4 prepare jobs and a commit publish what one run publishes, in one commit, uploading nothing at commit time", async () => {
      const single = "tester/single";
      await publishRun(workspace, base(single, { splits: SPLITS, "max-shard-size": "2KB" }));
      const repo = "tester/sliced";
      const prepared = await prepareAll(repo, 4, "m-sliced");
      const commitsAfterPrepare = hub.commits(repo).length;
      expect(prepared.every((p) => p.result.publish === undefined && p.result.manifest !== undefined)).toBe(true);
      expect(prepared.reduce((n, p) => n + (p.result.sliceUpload?.files ?? 0), 0)).toBeGreaterThan(4);
      expect(outputsOf(prepared[0]!.result)).toMatchObject({ manifest: path.join(workspace, mode, "m-sliced", "slice-1-of-4.json"), changed: "false", "commit-sha": "" });
      expect(summaryMarkdown(prepared[0]!.result)).toMatch(/^### Prepared slice 1\/4 of \[tester\/sliced\]\(.*\) \(not committed\)\n\noperation `prepare`/);

      hub.resetCounts();
      const { result } = await commit(repo, "m-sliced");
      expect(result.publish).toMatchObject({ changed: true, partCommits: 0 });
      expect(summaryMarkdown(result)).toContain("operation `commit` · config `default` · branch `main` · commit");
      expect(summaryMarkdown(result)).toMatch(new RegExp(`\\| train \\| 690 \\| \\d+ \\| .* \\| ${FILES} \\|\\n\\| test \\| 25 \\| 1 \\| .* \\| 1 \\|`));
      expect(hub.commits(repo)).toHaveLength(commitsAfterPrepare + 1);
      const counts = hub.requestCounts();
      expect(counts.commit).toBe(1);
      expect(counts["lfs-batch"] + counts["lfs-upload"] + counts["cas-xorb"]).toBe(0);

      for (const split of ["train", "test"]) expect(await rowsOf(repo, split)).toEqual(await rowsOf(single, split));
      const [one, many] = [card(single), card(repo)];
      expect(many.dataset_info.features).toEqual(one.dataset_info.features);
      expect(many.dataset_info.splits.map((s: any) => [s.name, s.num_examples, s.num_bytes])).toEqual(one.dataset_info.splits.map((s: any) => [s.name, s.num_examples, s.num_bytes]));
      expect(many.configs).toEqual(one.configs);
      // Python's names, counted across slices: train-00000-of-N … train-(N-1)-of-N.
      const train = hub.files(repo).filter((p) => p.startsWith("data/train-"));
      expect(train.length).toBeGreaterThanOrEqual(4);
      expect(train).toEqual(train.map((_, i) => `data/train-${String(i).padStart(5, "0")}-of-${String(train.length).padStart(5, "0")}.parquet`));
      expect(hub.files(repo).filter((p) => p.startsWith("data/test-"))).toEqual(["data/test-00000-of-00001.parquet"]);
    });

    it("a prepare job run again sends nothing new; a commit run again is a no-op", async () => {
      const repo = "tester/rerun";
      await prepareAll(repo, 3, "m-rerun");
      await commit(repo, "m-rerun");
      const commits = hub.commits(repo).length;
      const again = await prepare(repo, "2/3", "m-rerun");
      expect(again.result.sliceUpload!.sentBytes).toBe(0);
      expect(again.result.sliceUpload!.filesPresent).toBe(again.result.sliceUpload!.files);
      const { result, log } = await commit(repo, "m-rerun");
      expect(result.publish!.changed).toBe(false);
      expect(log.lines).toContain("Nothing changed: the Hub already holds exactly this data and card. No commit made.");
      expect(hub.commits(repo)).toHaveLength(commits);
    });

    it("a 412 during the commit re-plans and commits once, sending no shard", async () => {
      const repo = "tester/conflict";
      await prepareAll(repo, 2, "m-conflict");
      hub.resetCounts();
      hub.faults.inject({ route: "commit", status: 412, body: { error: "A commit has happened since. Please refresh and try again." } });
      const { result } = await commit(repo, "m-conflict");
      hub.faults.clear();
      expect(result.publish).toMatchObject({ changed: true, attempts: 2 });
      expect(hub.requestCounts().commit).toBe(2);
      expect(hub.requestCounts()["lfs-batch"]).toBe(0);
      expect(hub.files(repo).filter((p) => p.endsWith(".parquet")).length).toBeGreaterThan(2);
    });

    it("past the files-per-commit limit, commits the shards in parts and the card last", async () => {
      const repo = "tester/parts";
      await prepareAll(repo, 3, "m-parts");
      const before = hub.commits(repo).length;
      const { result } = await commit(repo, "m-parts", {}, { maxFilesPerCommit: 3 });
      const shards = result.conversion!.splits.reduce((n, s) => n + s.shards.length, 0);
      expect(result.publish!.partCommits).toBe(Math.ceil((shards + 1) / 3) - 1);
      const history = hub.commits(repo);
      expect(history).toHaveLength(before + result.publish!.partCommits + 1);
      expect(history[0]!.title).toBe("Upload dataset");
      expect(history[1]!.title).toMatch(/^Upload dataset \(part \d+\)$/);
      expect(hub.files(repo).filter((p) => p.endsWith(".parquet"))).toHaveLength(shards);
      expect(card(repo).dataset_info.splits.map((s: any) => s.num_examples)).toEqual(result.conversion!.splits.map((s) => s.rows));
    });

    it("refuses a missing slice, a slice twice, different settings and schemas one run would unify, committing nothing", async () => {
      const repo = "tester/faults";
      await prepareAll(repo, 3, "m-faults");
      const commits = hub.commits(repo).length;
      const refusal = async (folder: string) => {
        const error = await commit(repo, folder).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error).toBeInstanceOf(InputError);
        expect(hub.commits(repo)).toHaveLength(commits);
        return error!.message;
      };
      const m = (folder: string, name: string) => path.join(workspace, mode, folder, name);

      await mkdir(path.join(workspace, mode, "m-missing"));
      for (const i of [1, 3]) await copyFile(m("m-faults", `slice-${i}-of-3.json`), m("m-missing", `slice-${i}-of-3.json`));
      expect(await refusal("m-missing")).toMatch(/^Input 'manifests': slice 2\/3 of 3 is missing \(2 manifests found\): re-run the failed prepare job/);

      await mkdir(path.join(workspace, mode, "m-twice"));
      for (const i of [1, 2, 3]) await copyFile(m("m-faults", `slice-${i}-of-3.json`), m("m-twice", `slice-${i}-of-3.json`));
      await copyFile(m("m-faults", "slice-2-of-3.json"), m("m-twice", "copy.json"));
      expect(await refusal("m-twice")).toMatch(/slice 2\/3 appears 2 times \(\w+\/m-twice\/copy.json, \w+\/m-twice\/slice-2-of-3.json\)/);

      await mkdir(path.join(workspace, mode, "m-settings"));
      for (const i of [1, 3]) await copyFile(m("m-faults", `slice-${i}-of-3.json`), m("m-settings", `slice-${i}-of-3.json`));
      await prepare(repo, "2/3", "m-settings", { compression: "zstd" });
      expect(await refusal("m-settings")).toMatch(/compression is "snappy" in slices 1\/3, 3\/3, "zstd" in slice 2\/3/);

      await Promise.all(["1/2", "2/2"].map((s) => prepare(repo, s, "m-schema", { splits: "train: mixed/*.csv" })));
      expect(await refusal("m-schema")).toMatch(/column 'x' is int64 in slice 1\/2, float64 in slice 2\/2.*'features' input/);

      expect(await readFile(m("m-faults", "slice-1-of-3.json"), "utf8")).toContain('"kind": "hf-dataset-publish/slice-manifest"');
    });

    it("refuses slices prepared as a dry run (nothing uploaded), and a commit whose shards the Hub lacks says to re-run the prepare jobs", async () => {
      const repo = "tester/never-uploaded";
      await Promise.all(["1/2", "2/2"].map((s) => prepare(repo, s, "m-dry", { "dry-run": "true" })));
      hub.createRepoDirect(repo);
      const dry = await commit(repo, "m-dry").catch((e: unknown) => e as Error);
      expect(dry).toBeInstanceOf(InputError);
      expect((dry as Error).message).toMatch(/^Input 'manifests': the slices were prepared with dry-run: true, so nothing was uploaded/);
      // The same manifests without the dry-run mark stand for uploads the Hub dropped before the commit.
      for (const name of ["slice-1-of-2.json", "slice-2-of-2.json"]) {
        const file = path.join(workspace, mode, "m-dry", name);
        await writeFile(file, (await readFile(file, "utf8")).replace('"dryRun": true', '"dryRun": false'));
      }
      const error = await commit(repo, "m-dry").catch((e: unknown) => e as Error);
      expect((error as Error).message).toMatch(/re-run the prepare jobs \(they upload only what the Hub lacks\), then the commit/);
      expect(hub.commits(repo)).toHaveLength(1);
    });

    it("refuses a commit job whose private input differs from the prepare jobs' (they create the repository)", async () => {
      const repo = "tester/privacy";
      await prepareAll(repo, 2, "m-private");
      const error = await commit(repo, "m-private", { private: "true" }).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(
        "Input 'private': the slices were prepared with private 'false', this job has 'true': give the commit job and every prepare job the same private",
      );
      expect(hub.commits(repo)).toHaveLength(1);
    });

    it("refuses a commit job for another repo than the slices'", async () => {
      await prepareAll("tester/theirs", 2, "m-theirs");
      const error = await commit("tester/mine", "m-theirs").catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe("Input 'repo': the slices were prepared with repo 'tester/theirs', this job has 'tester/mine': give the commit job and every prepare job the same repo");
    });
  });
}

/**
 * Publishing against the emulator, in-process: re-runs, shared repos,
 * races, faults, and the Hub pushing back — against a Hub that offers Xet
 * and one that offers only Git LFS.
 */
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type HubEmulator, startHubEmulator } from "../../emulator/server.js";
import { query } from "../helpers/duckdb.js";
import { isCommitRequest } from "../../src/hub/retry.js";
import { makeWorkspace, publishRun } from "../helpers/publish-run.js";

let hub: HubEmulator;
let workspace: string;

function csv(rows: number, offset = 0): string {
  const lines = ["id,text,score"];
  for (let i = 0; i < rows; i++) lines.push(`${i + offset},"row ${i + offset}, with a comma",${(i + offset) / 4}`);
  return lines.join("\n") + "\n";
}

function cardOf(repo: string, ref = "main"): { data: Record<string, any>; body: string; text: string } {
  const text = hub.readFile(repo, "README.md", ref)!.toString("utf8");
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text)!;
  return { data: parseYaml(m[1]!) as Record<string, any>, body: m[2]!, text };
}

function received(repo: string): number {
  return hub.stats().repos[`datasets/${repo}`]?.bytesReceived ?? 0;
}

function inputs(repo: string, extra: Record<string, string> = {}): Record<string, string> {
  return { repo, token: hub.tokens.write, endpoint: hub.url, paths: "data/train.csv", ...extra };
}

async function shardRows(repo: string, repoPath: string, ref = "main"): Promise<number> {
  const file = path.join(workspace, ".check", `${repo.replace("/", "_")}-${path.basename(repoPath)}`);
  await writeFile(file, hub.readFile(repo, repoPath, ref)!);
  const [row] = await query(`select count(*)::INTEGER as n from read_parquet('${file}')`);
  return Number(row!.n);
}

/** A fetch with which the Hub applies the first commit, but the connection fails before its answer arrives. */
function answerLostOnFirstCommit(): { fetch: typeof fetch; commits: () => number } {
  let commits = 0;
  const lossy = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const response = await fetch(input, init);
    if (isCommitRequest(init?.method ?? "GET", String(input)) && commits++ === 0) {
      await response.body?.cancel();
      throw new TypeError("fetch failed", { cause: new Error("socket hang up") });
    }
    return response;
  };
  return { fetch: lossy as typeof fetch, commits: () => commits };
}

beforeAll(async () => {
  workspace = await makeWorkspace({
    "data/train.csv": csv(30),
    "data/test.csv": csv(10, 1000),
    "data/other.csv": "id,text,score\n1,x,0.5\n",
    "docs/card.md": "# Handwritten card\n\nFrom the card-body input.\n",
    ".check/.keep": "",
  });
});

afterAll(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

const TRANSFERS = [
  { name: "Git LFS (a Hub without Xet)", xet: false },
  { name: "Xet", xet: true },
];

describe.each(TRANSFERS)("through $name", ({ xet }) => {
  beforeAll(async () => {
    hub = await startHubEmulator({ xet });
  });

  afterAll(async () => {
    await hub?.close();
  });

  describe("publishing is safe to re-run", () => {
    it("makes one commit for the same push twice, and reports nothing changed the second time", async () => {
      const repo = "tester/rerun";
      const first = await publishRun(workspace, inputs(repo));
      expect(first.result.publish?.changed).toBe(true);
      expect(first.log.lines).toContainEqual(expect.stringMatching(/^Writing train: 30 of 30 rows \(100%\) · .* \(Arrow\) · [\d,]+ rows\/s$/));
      expect(first.log.lines).toContainEqual(expect.stringMatching(/^Uploading shards: .* \(100%\)/));
      const sentBefore = received(repo);
      const second = await publishRun(workspace, inputs(repo));
      expect(second.result.publish?.changed).toBe(false);
      expect(second.result.plan?.uploads).toEqual([]);
      expect(second.log.lines.join("\n")).toContain("Nothing changed");
      expect(hub.commits(repo)).toHaveLength(2); // initial commit + ours
      // A no-op run only reads: no batch call, no upload, no commit — not a byte sent.
      expect(second.result.requests).toBeLessThan(8);
      expect(received(repo)).toBe(sentBefore);
      expect(second.result.publish?.upload).toMatchObject({ files: 0, sentBytes: 0 });
    });

    it(`sends ${xet ? "a fraction of" : "all of"} a shard that grew by 1 %`, async () => {
      const repo = "tester/growing";
      await writeFile(path.join(workspace, "data/growing.csv"), csv(200_000, 50_000));
      const first = await publishRun(workspace, inputs(repo, { paths: "data/growing.csv" }));
      const shard = first.result.conversion!.splits[0]!.shards[0]!;
      await writeFile(path.join(workspace, "data/growing.csv"), csv(202_000, 50_000));
      const before = received(repo);
      const { result, log } = await publishRun(workspace, inputs(repo, { paths: "data/growing.csv" }));
      const grown = result.conversion!.splits[0]!.shards[0]!;
      expect(grown.bytes).toBeGreaterThan(shard.bytes);
      const sent = received(repo) - before;
      if (xet) {
        // Without content-defined Parquet pages, the unchanged pages still deduplicate: a quarter is sent.
        expect(sent).toBeLessThan(grown.bytes / 2);
        expect(result.publish!.upload.presentBytes).toBeGreaterThan(grown.bytes / 2);
      } else {
        expect(sent).toBeGreaterThan(grown.bytes);
        expect(result.publish!.upload.presentBytes).toBe(0);
      }
      expect(log.lines).toContainEqual(expect.stringMatching(xet ? /^Uploaded 1 shard \(.*\) through Xet: sent .*; the Hub already had .* of it\.$/ : /^Uploaded 1 shard \(.*\) through Git LFS: sent /));
      expect(await shardRows(repo, "data/train-00000-of-00001.parquet")).toBe(202_000);
    });

    it("re-plans after a 412 without sending the shards again", async () => {
      const repo = "tester/conflict";
      await writeFile(path.join(workspace, "data/conflict.csv"), csv(25, 9000));
      hub.createRepoDirect(repo);
      hub.resetCounts();
      hub.faults.inject({ route: "commit", status: 412, body: { error: "A commit has happened since. Please refresh and try again." } });
      const { result, log } = await publishRun(workspace, inputs(repo, { paths: "data/conflict.csv" }));
      hub.faults.clear();
      expect(result.publish).toMatchObject({ changed: true, attempts: 2 });
      expect(log.lines.join("\n")).toMatch(/Another commit landed on 'main' first \(HTTP 412\); re-reading the branch/);
      const counts = hub.requestCounts();
      expect(counts.commit).toBe(2);
      expect(counts["lfs-batch"]).toBe(1);
      expect(xet ? counts["cas-xorb"] : counts["lfs-upload"]).toBe(1);
      expect(await shardRows(repo, "data/train-00000-of-00001.parquet")).toBe(25);
    });

    it("going from 3 shards to 1 leaves exactly 1 shard", async () => {
      const repo = "tester/reshard";
      await publishRun(workspace, inputs(repo, { "num-shards": "3" }));
      expect(hub.files(repo).filter((f) => f.endsWith(".parquet"))).toEqual([
        "data/train-00000-of-00003.parquet",
        "data/train-00001-of-00003.parquet",
        "data/train-00002-of-00003.parquet",
      ]);
      expect(await shardRows(repo, "data/train-00000-of-00003.parquet")).toBe(10);
      const { result } = await publishRun(workspace, inputs(repo));
      expect(result.plan?.deletions).toEqual([
        "data/train-00000-of-00003.parquet",
        "data/train-00001-of-00003.parquet",
        "data/train-00002-of-00003.parquet",
      ]);
      expect(hub.files(repo).filter((f) => f.endsWith(".parquet"))).toEqual(["data/train-00000-of-00001.parquet"]);
      expect(await shardRows(repo, "data/train-00000-of-00001.parquet")).toBe(30);
      const { data } = cardOf(repo);
      expect(data.dataset_info.download_size).toBe(hub.entry(repo, "data/train-00000-of-00001.parquet")!.size);
      expect(hub.commits(repo)).toHaveLength(3);
    });

    it("past the files-per-commit limit, deletes old shards in parts too and ends with the card", async () => {
      const repo = "tester/reshard-parts";
      await publishRun(workspace, inputs(repo, { "num-shards": "7" }));
      const before = hub.commits(repo).length;
      // 1 shard to add and 7 to delete, 2 files a commit: parts of 2, 2, 2, 2 changes, then the card.
      const { result } = await publishRun(workspace, inputs(repo), { maxFilesPerCommit: 2 });
      expect(result.publish!.partCommits).toBe(4);
      expect(hub.commits(repo)).toHaveLength(before + 5);
      expect(hub.commits(repo)[0]!.title).toBe("Upload dataset");
      expect(hub.files(repo).filter((f) => f.endsWith(".parquet"))).toEqual(["data/train-00000-of-00001.parquet"]);
      expect(cardOf(repo).data.dataset_info.splits[0].num_examples).toBe(30);
      // Published again: nothing left to do.
      const again = await publishRun(workspace, inputs(repo), { maxFilesPerCommit: 2 });
      expect(again.result.publish!.changed).toBe(false);
    });

    it("keeps a card's prose, license and other config byte for byte", async () => {
      const repo = "tester/curated";
      const readme = [
        "---",
        "license: cc-by-4.0 # chosen by legal",
        "language:",
        "- en",
        "configs:",
        "- config_name: fr",
        "  data_files:",
        "  - split: train",
        "    path: fr/train-*",
        "dataset_info:",
        "  config_name: fr",
        "  features:",
        "  - name: text",
        "    dtype: string",
        "  splits:",
        "  - name: train",
        "    num_bytes: 12",
        "    num_examples: 2",
        "  download_size: 345",
        "  dataset_size: 12",
        "---",
        "",
        "# Curated dataset",
        "",
        "Written by a human, with *Markdown*, a table and trailing spaces.  ",
        "",
        "| a | b |",
        "|---|---|",
        "",
      ].join("\n");
      hub.createRepoDirect(repo);
      hub.commitDirect(repo, { files: { "README.md": readme, "fr/train-00000-of-00001.parquet": Buffer.from("PAR1 stand-in") }, message: "human card" });
      const { result } = await publishRun(workspace, inputs(repo, { config: "en" }));
      expect(result.publish?.changed).toBe(true);
      const after = cardOf(repo);
      expect(after.body).toBe(readme.slice(readme.indexOf("---\n", 4) + 4));
      expect(after.text.startsWith("---\nlicense: cc-by-4.0 # chosen by legal\nlanguage:\n- en\n")).toBe(true);
      expect(after.data.configs.map((c: { config_name: string }) => c.config_name)).toEqual(["en", "fr"]);
      expect(after.data.configs[1]).toEqual({ config_name: "fr", data_files: [{ split: "train", path: "fr/train-*" }] });
      expect(after.data.dataset_info[1]).toEqual({
        config_name: "fr",
        features: [{ name: "text", dtype: "string" }],
        splits: [{ name: "train", num_bytes: 12, num_examples: 2 }],
        download_size: 345,
        dataset_size: 12,
      });
      expect(hub.files(repo)).toContain("fr/train-00000-of-00001.parquet");
    });

    it("publishes several splits in one commit and removes the config's other splits", async () => {
      const repo = "tester/splits";
      await publishRun(workspace, inputs(repo, { paths: "data/other.csv", split: "validation" }));
      const { result } = await publishRun(workspace, { ...inputs(repo), paths: "", splits: "train: data/train.csv\ntest: [data/test.csv]" });
      expect(result.publish?.changed).toBe(true);
      expect(hub.files(repo).filter((f) => f.startsWith("data/"))).toEqual(["data/test-00000-of-00001.parquet", "data/train-00000-of-00001.parquet"]);
      const { data } = cardOf(repo);
      expect(data.configs[0].data_files.map((d: { split: string }) => d.split)).toEqual(["train", "test"]);
      expect(data.dataset_info.splits.map((s: { name: string; num_examples: number }) => [s.name, s.num_examples])).toEqual([
        ["train", 30],
        ["test", 10],
      ]);
      expect(hub.commits(repo)).toHaveLength(3);
    });

    it("merges card-metadata, uses card-body, and generates a body for a new repo", async () => {
      const repo = "tester/metadata";
      await publishRun(workspace, inputs(repo, { "card-metadata": "license: mit\npretty_name: Rows\ntags:\n- tabular" }));
      const generated = cardOf(repo);
      expect(generated.data.license).toBe("mit");
      expect(generated.data.tags).toEqual(["tabular"]);
      expect(generated.body).toContain("# metadata");
      expect(generated.body).toContain('ds = load_dataset("tester/metadata")');
      expect(generated.body).toContain("| default | train | 30 |");

      await publishRun(workspace, inputs(repo, { "card-body": "docs/card.md", "card-metadata": "license: apache-2.0" }));
      const replaced = cardOf(repo);
      expect(replaced.body).toBe("# Handwritten card\n\nFrom the card-body input.\n");
      expect(replaced.data.license).toBe("apache-2.0");
      expect(replaced.data.pretty_name).toBe("Rows");
    });

    it("refreshes the generated section of the body on later pushes, and leaves the rest alone", async () => {
      const repo = "tester/refresh";
      await publishRun(workspace, inputs(repo));
      const before = cardOf(repo).text;
      hub.commitDirect(repo, { files: { "README.md": before.replace("# refresh\n", "# refresh\n\nA human paragraph.\n") }, message: "edit" });
      await publishRun(workspace, inputs(repo, { paths: "data/test.csv", split: "test" }));
      const after = cardOf(repo);
      expect(after.body).toContain("A human paragraph.");
      expect(after.body).toContain("| default | test | 10 |");
      expect(after.body).toContain("| default | train | 30 |");
    });
  });

  describe("branches, pull requests and tags", () => {
    it("create-pr leaves the branch untouched and returns the PR", async () => {
      const repo = "tester/reviewed";
      await publishRun(workspace, inputs(repo));
      const head = hub.headOf(repo);
      const { result } = await publishRun(workspace, inputs(repo, { paths: "data/test.csv", "create-pr": "true", "commit-message": "Add test data" }));
      expect(hub.headOf(repo)).toBe(head);
      expect(result.publish?.pullRequestUrl).toBe(`${hub.url}/datasets/${repo}/discussions/1`);
      const [pr] = hub.pullRequests(repo);
      expect(pr!.title).toBe("Add test data");
      expect(hub.files(repo, pr!.ref)).toContain("data/train-00000-of-00001.parquet");
      expect(await shardRows(repo, "data/train-00000-of-00001.parquet", pr!.ref)).toBe(10);
      expect(await shardRows(repo, "data/train-00000-of-00001.parquet")).toBe(30);
    });

    it("creates a missing branch from the default branch and tags the new commit", async () => {
      const repo = "tester/release";
      await publishRun(workspace, inputs(repo));
      const { result } = await publishRun(workspace, inputs(repo, { paths: "data/test.csv", branch: "v2-data", tag: "v2.0.0" }));
      const commit = result.publish!.commit!.oid;
      expect(hub.headOf(repo, "v2-data")).toBe(commit);
      expect(hub.tags(repo)).toContainEqual(expect.objectContaining({ name: "v2.0.0", target: commit }));
      expect(hub.commits(repo, "v2-data")[1]!.oid).toBe(hub.headOf(repo, "main"));
      expect(result.publish?.tag).toEqual({ name: "v2.0.0", created: true, commit });

      // Same data again: no commit, the tag already points at the head.
      const again = await publishRun(workspace, inputs(repo, { paths: "data/test.csv", branch: "v2-data", tag: "v2.0.0" }));
      expect(again.result.publish?.changed).toBe(false);
      expect(again.result.publish?.tag?.created).toBe(false);

      // A tag that exists on another commit is a clear error.
      await expect(publishRun(workspace, inputs(repo, { paths: "data/other.csv", branch: "v2-data", tag: "v2.0.0" }))).rejects.toThrow(
        /Tag 'v2.0.0' already exists .* points at/,
      );
    });

    it("tags the current head when a release brings no data change", async () => {
      const repo = "tester/retag";
      const first = await publishRun(workspace, inputs(repo));
      const { result } = await publishRun(workspace, inputs(repo, { tag: "v1.0.1" }));
      expect(result.publish?.changed).toBe(false);
      expect(hub.tags(repo)).toContainEqual(expect.objectContaining({ name: "v1.0.1", target: first.result.publish!.commit!.oid }));
    });

    it("creates the repo private when asked, uses the commit message and description, and reads HF_ENDPOINT", async () => {
      const repo = "tester/secret-data";
      const { result } = await publishRun(
        workspace,
        { repo, token: hub.tokens.write, paths: "data/train.csv", private: "true", "commit-message": "Nightly sync", "commit-description": "From the nightly job" },
        { env: { HF_ENDPOINT: hub.url } },
      );
      expect(result.repoUrl).toBe(`${hub.url}/datasets/${repo}`);
      const [commit] = hub.commits(repo);
      expect(commit!.title).toBe("Nightly sync");
      expect(commit!.description).toBe("From the nightly job");
      const asStranger = await fetch(`${hub.url}/api/datasets/${repo}`, { headers: { Authorization: `Bearer ${hub.tokens.strangerWrite}` } });
      expect(asStranger.status).toBe(404);
    });
  });

  describe("delete-config", () => {
    it("removes one config's files and card entries in one commit, leaving the others intact", async () => {
      const repo = "tester/configs";
      await publishRun(workspace, inputs(repo, { config: "a" }));
      await publishRun(workspace, inputs(repo, { config: "b", paths: "data/test.csv" }));
      const { result } = await publishRun(workspace, { repo, token: hub.tokens.write, endpoint: hub.url, config: "a", operation: "delete-config" });
      expect(result.publish?.changed).toBe(true);
      expect(hub.commits(repo)[0]!.title).toBe("Delete 'a' config");
      expect(hub.files(repo)).toEqual([".gitattributes", "README.md", "b/train-00000-of-00001.parquet"]);
      const { data } = cardOf(repo);
      expect(data.configs).toEqual([{ config_name: "b", data_files: [{ split: "train", path: "b/train-*" }] }]);
      expect(data.dataset_info.config_name).toBe("b");
      expect(await shardRows(repo, "b/train-00000-of-00001.parquet")).toBe(10);
    });

    it("honours create-pr", async () => {
      const repo = "tester/configs-pr";
      await publishRun(workspace, inputs(repo, { config: "a" }));
      await publishRun(workspace, inputs(repo, { config: "b" }));
      const head = hub.headOf(repo);
      const { result } = await publishRun(workspace, {
        repo,
        token: hub.tokens.write,
        endpoint: hub.url,
        config: "a",
        operation: "delete-config",
        "create-pr": "true",
      });
      expect(hub.headOf(repo)).toBe(head);
      expect(result.publish?.pullRequestUrl).toMatch(/\/discussions\/1$/);
      const pr = hub.pullRequests(repo)[0]!;
      expect(hub.files(repo, pr.ref).some((f) => f.startsWith("a/"))).toBe(false);
      expect(hub.files(repo).some((f) => f.startsWith("a/"))).toBe(true);
    });

    it("fails clearly for a config that does not exist", async () => {
      const repo = "tester/configs";
      await expect(publishRun(workspace, { repo, token: hub.tokens.write, endpoint: hub.url, config: "zzz", operation: "delete-config" })).rejects.toThrow(
        /config 'zzz' does not exist/,
      );
    });
  });

  describe("when the Hub pushes back", () => {
    it("survives 429 twice, one 503 on the commit and one dropped upload, ending in a complete repo", async () => {
      const repo = "tester/flaky";
      hub.faults.inject({ route: "lfs-batch", status: 429, retryAfter: 1, times: 2 });
      hub.faults.inject({ route: "commit", status: 503, times: 1 });
      hub.faults.inject({ route: xet ? "cas-xorb" : "lfs-upload", drop: true, times: 1 });
      // Data no other test publishes: through Xet, content the CAS already has is not sent again.
      await writeFile(path.join(workspace, "data/flaky.csv"), csv(40, 7000));
      const { result, log } = await publishRun(workspace, { ...inputs(repo), paths: "", splits: "train: data/flaky.csv\ntest: data/test.csv" });
      hub.faults.clear();
      expect(result.publish?.changed).toBe(true);
      const text = log.lines.join("\n");
      expect(text).toMatch(/HTTP 429; retrying in 1\.0 s/);
      expect(text).toMatch(xet ? /POST .*__xet\/cas\/v1\/xorbs\/.*network error/ : /PUT .*__lfs\/upload\/.*network error/);
      expect(text).toMatch(/The commit failed \(HTTP 503: Injected fault\)/);
      expect(hub.files(repo)).toEqual([".gitattributes", "README.md", "data/test-00000-of-00001.parquet", "data/train-00000-of-00001.parquet"]);
      expect(await shardRows(repo, "data/train-00000-of-00001.parquet")).toBe(40);
      expect(await shardRows(repo, "data/test-00000-of-00001.parquet")).toBe(10);
      expect(cardOf(repo).data.dataset_info.splits).toHaveLength(2);
      expect(hub.commits(repo)).toHaveLength(2);
    });

    it("sends a commit whose connection dropped again, after reading the branch: it had not landed", async () => {
      const repo = "tester/dropped-commit";
      hub.faults.inject({ route: "commit", drop: true, times: 1 });
      const { result, log } = await publishRun(workspace, inputs(repo));
      hub.faults.clear();
      expect(result.publish).toMatchObject({ changed: true, attempts: 2 });
      expect(log.lines.join("\n")).toMatch(/The commit failed \(POST .*\/commit\/main failed \(.*\)\); checking whether it landed/);
      expect(hub.commits(repo)).toHaveLength(2); // initial commit + ours, once
    });

    it("does not send again a commit that landed but whose answer was lost: the branch already holds it", async () => {
      const repo = "tester/lost-answer";
      const lossy = answerLostOnFirstCommit();
      const { result, log } = await publishRun(workspace, inputs(repo), { fetch: lossy.fetch });
      expect(result.publish).toMatchObject({ changed: true, attempts: 2 });
      expect(log.lines.join("\n")).toMatch(/The commit failed \(POST .*\/commit\/main failed \(fetch failed: socket hang up\)\); checking whether it landed/);
      expect(log.lines).toContain("The earlier commit attempt was applied by the Hub.");
      expect(lossy.commits()).toBe(1);
      expect(hub.commits(repo)).toHaveLength(2); // initial commit + ours, once
      expect(result.publish!.commit!.oid).toBe(hub.headOf(repo));
    });

    it("reports a deleted config as deleted when the commit landed but its answer was lost", async () => {
      const repo = "tester/lost-deletion";
      await publishRun(workspace, inputs(repo, { config: "a" }));
      await publishRun(workspace, inputs(repo, { config: "b", paths: "data/test.csv" }));
      const lossy = answerLostOnFirstCommit();
      const { result, log } = await publishRun(workspace, { repo, token: hub.tokens.write, endpoint: hub.url, config: "a", operation: "delete-config" }, { fetch: lossy.fetch });
      expect(result.publish).toMatchObject({ changed: true, attempts: 2 });
      expect(log.lines).toContain("The earlier commit attempt was applied by the Hub.");
      expect(hub.files(repo).some((f) => f.startsWith("a/"))).toBe(false);
      expect(hub.commits(repo)[0]!.title).toBe("Delete 'a' config");
      expect(hub.commits(repo)).toHaveLength(4);
    });

    it("four runs writing configs a, b, c, d of one repo at the same time all land, and the card lists all four", async () => {
      const repo = "tester/matrix";
      hub.createRepoDirect(repo);
      const runs = await Promise.all(["a", "b", "c", "d"].map((config) => publishRun(workspace, inputs(repo, { config }))));
      expect(runs.every((r) => r.result.publish?.changed)).toBe(true);
      const { data } = cardOf(repo);
      expect(data.configs.map((c: { config_name: string }) => c.config_name)).toEqual(["a", "b", "c", "d"]);
      expect(data.dataset_info.map((i: { config_name: string }) => i.config_name)).toEqual(["a", "b", "c", "d"]);
      for (const c of ["a", "b", "c", "d"]) expect(hub.files(repo)).toContain(`${c}/train-00000-of-00001.parquet`);
      expect(hub.commits(repo)).toHaveLength(5);
      // At least one run lost a race and merged again.
      expect(runs.some((r) => r.result.publish!.attempts > 1)).toBe(true);
    });

    it("explains a read-only token (403) and suggests create-pr", async () => {
      const repo = "tester/readonly";
      hub.createRepoDirect(repo);
      await expect(publishRun(workspace, { ...inputs(repo), token: hub.tokens.read })).rejects.toThrow(/may not write to datasets\/tester\/readonly.*create-pr: true/);
    });

    it("explains a namespace the token cannot write to", async () => {
      await expect(publishRun(workspace, { ...inputs("someone-else/data"), token: hub.tokens.write })).rejects.toThrow(/403.*write access/);
    });

    it("shows the Hub's message when it rejects the card, after nothing half-done was committed", async () => {
      const repo = "tester/rejected";
      hub.createRepoDirect(repo);
      hub.faults.inject({ route: "commit", status: 400, body: { error: "Invalid metadata in README.md: \"license\" must be one of [...]" } });
      await expect(publishRun(workspace, inputs(repo))).rejects.toThrow(/rejected the dataset card \(README.md\): Invalid metadata in README.md/);
      hub.faults.clear();
      expect(hub.commits(repo)).toHaveLength(1);
    });

    it("fails with an authentication message for a bad token, without showing it", async () => {
      const bad = "hf_notAValidTokenAtAll12345678";
      const error = await publishRun(workspace, { ...inputs("tester/auth"), token: bad }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/401 Unauthorized/);
      expect((error as Error).message).not.toContain(bad);
    });

    it("keeps a typical push far below the Hub's 1000 requests per 5 minutes", async () => {
      const { result } = await publishRun(workspace, { ...inputs("tester/requests"), paths: "", splits: "train: data/train.csv\ntest: data/test.csv" });
      expect(result.requests).toBeLessThan(20);
    });
  });
});

/**
 * The emulator serves Python's clients: huggingface_hub's reading calls (snapshot_download,
 * HfFileSystem with ranges, tree and paths-info with expand, repo info with file metadata, refs,
 * commits) on a repo the action published, and push_to_hub to a branch and as a pull request.
 * Every answer is checked against the emulator's own state.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import { PROJECT_ROOT } from "../../../scripts/action-runner.js";
import { publishOne } from "../lib/action.js";
import { type Interop, pythonEnv, runPython } from "../lib/python.js";

const DATA = path.join(PROJECT_ROOT, "node_modules", "vega-datasets", "data");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Entry {
  path: string;
  type: "file" | "directory";
  size?: number;
  oid: string;
  lfs?: string | null;
  security?: string | null;
  lastCommit: string | null;
}

interface ClientsAnswer {
  snapshot: Record<string, string>;
  repoInfo: { sha: string; siblings: Record<string, { size: number; lfs: string | null }> };
  tree: Entry[];
  pathsInfo: Entry[];
  refs: string[];
  commits: string[];
  fileExists: [boolean, boolean];
  download: string;
  fs: { ls: Array<[string, string]>; glob: string[]; info: number; range: string };
  refsAfter: string[];
  tagsAfter: string[];
}

export function clientsSuite(interop: Interop): void {
  describe("Python's huggingface_hub against the emulator", () => {
    let hub: HubEmulator;
    let home: string;
    let env: Record<string, string>;
    const repo = "tester/clients";
    const shard = "data/train-00000-of-00001.parquet";

    beforeAll(async () => {
      // Small LFS parts and tree pages: Python's multipart uploads and paginated listings run too.
      hub = await startHubEmulator({ lfsMultipartThreshold: 4 * 1024, lfsChunkSize: 2 * 1024, treePageSize: 2 });
      home = await mkdtemp(path.join(os.tmpdir(), "interop-clients-"));
      env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
      for (const [config, file] of [
        ["default", "cars.json"],
        ["weather", "seattle-weather.csv"],
      ]) {
        const run = await publishOne(DATA, { url: hub.url, token: hub.tokens.write }, repo, { paths: file!, config: config! });
        expect(run.ok, run.log).toBe(true);
      }
    }, 5 * 60_000);

    afterAll(async () => {
      await hub?.close();
      if (home) await rm(home, { recursive: true, force: true });
    });

    it("answers snapshot_download, HfFileSystem, tree, paths-info, repo info, refs and commits as its state says", async () => {
      if (!interop.ok) return;
      const files = hub.files(repo);
      const bytes = (p: string) => hub.readFile(repo, p)!;
      const head = hub.headOf(repo)!;
      const got = await runPython<ClientsAnswer>(interop.python, "clients", { repo, file: shard, range: [4, 64] }, env);

      expect(got.snapshot).toEqual(Object.fromEntries(files.map((f) => [f, sha256(bytes(f))])));
      expect(got.repoInfo.sha).toBe(head);
      expect(got.repoInfo.siblings).toEqual(
        Object.fromEntries(files.map((f) => [f, { size: bytes(f).length, lfs: hub.entry(repo, f)!.lfs?.oid ?? null }])),
      );

      const treeFiles = got.tree.filter((e) => e.type === "file");
      expect(treeFiles.map((e) => e.path)).toEqual(files);
      for (const e of treeFiles) {
        const entry = hub.entry(repo, e.path)!;
        expect(e, e.path).toMatchObject({ size: entry.size, oid: entry.gitOid, lfs: entry.lfs?.oid ?? null, security: "unscanned" });
      }
      // The shard of the first config was last changed by the first commit of the action.
      const commits = hub.commits(repo).map((c) => c.oid);
      expect(treeFiles.find((e) => e.path === shard)!.lastCommit).toBe(commits[1]);
      expect(got.tree.filter((e) => e.type === "directory").map((e) => [e.path, e.oid])).toEqual(
        ["data", "weather"].map((d) => [d, hub.entry(repo, d)!.gitOid]),
      );
      expect(got.pathsInfo.map((e) => e.path)).toEqual([shard, "README.md"]);
      expect(got.pathsInfo[1]!.lastCommit).toBe(head);

      expect(got.refs).toEqual(["main"]);
      expect(got.commits).toEqual(commits);
      expect(got.fileExists).toEqual([true, false]);
      expect(got.download).toBe(sha256(bytes(shard)));

      const root = `datasets/${repo}`;
      expect(got.fs.ls).toEqual(
        [
          [`${root}/.gitattributes`, "file"],
          [`${root}/README.md`, "file"],
          [`${root}/data`, "directory"],
          [`${root}/weather`, "directory"],
        ].sort(),
      );
      expect(got.fs.glob).toEqual(files.filter((f) => f.endsWith(".parquet")).map((f) => `${root}/${f}`));
      expect(got.fs.info).toBe(bytes(shard).length);
      expect(got.fs.range).toBe(bytes(shard).subarray(4, 68).toString("hex"));
      const ranged = hub.requestLog().filter((r) => r.route === "resolve" && r.status === 206);
      expect(ranged.length).toBeGreaterThan(0);

      expect(got.refsAfter).toEqual(["main", "py-branch"]);
      expect(got.tagsAfter).toEqual(["py-tag"]);
      expect(hub.tags(repo)).toEqual([{ name: "py-tag", target: head }]);
    }, 5 * 60_000);

    it("takes push_to_hub to a new branch and as a pull request, through multipart LFS uploads", async () => {
      if (!interop.ok) return;
      const file = { path: path.join(DATA, "penguins.json"), format: "json" };
      hub.resetCounts();
      await runPython(interop.python, "push", { repo, config: "penguins", revision: "py-data", ...file }, env);
      expect(hub.requestCounts()["lfs-part"]).toBeGreaterThan(1);
      expect(hub.files(repo, "py-data")).toContain("penguins/train-00000-of-00001.parquet");
      expect(hub.files(repo)).not.toContain("penguins/train-00000-of-00001.parquet");
      const onBranch = await runPython<{ configs: Record<string, unknown> }>(interop.python, "load-configs", { repo, revision: "py-data" }, env);
      expect(Object.keys(onBranch.configs).sort()).toEqual(["default", "penguins", "weather"]);
      expect(onBranch.configs.penguins).toEqual({ train: { numRows: 344, columns: expect.any(Array) } });

      const pr = await runPython<{ prUrl: string; commit: string }>(interop.python, "push", { repo, config: "pr", createPr: true, ...file }, env);
      const [opened] = hub.pullRequests(repo);
      expect(pr.prUrl).toBe(`${hub.url}/datasets/${repo}/discussions/${opened!.number}`);
      expect(opened!.head).toBe(pr.commit);
      expect(hub.files(repo, opened!.ref)).toContain("pr/train-00000-of-00001.parquet");
    }, 5 * 60_000);
  });
}

// Tests of the local Hub emulator, driven by the real @huggingface/hub client
// (plus plain fetch for endpoints the client has no function for).
import { createHash, randomBytes } from "node:crypto";
import {
  HubApiError,
  commit,
  createBranch,
  createRepo,
  datasetInfo,
  deleteBranch,
  deleteFiles,
  deleteRepo,
  fileExists,
  listCommits,
  downloadFile,
  listFiles,
  pathsInfo,
  repoExists,
  uploadFiles,
  whoAmI,
} from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../emulator/server.js";

const KiB = 1024;
let hub: HubEmulator;
let repoSeq = 0;

beforeAll(async () => {
  hub = await startHubEmulator({
    lfsMultipartThreshold: 200 * KiB,
    lfsChunkSize: 64 * KiB,
    treePageSize: 3,
  });
});

afterAll(async () => {
  await hub?.close();
});

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const gitBlob = (b: Buffer) => createHash("sha1").update(Buffer.concat([Buffer.from(`blob ${b.length}\0`), b])).digest("hex");
const blob = (b: Buffer | string) => new Blob([typeof b === "string" ? b : new Uint8Array(b)]);

/** A fresh dataset owned by tester, created through the API. */
async function freshDataset(prefix = "ds"): Promise<{ type: "dataset"; name: string }> {
  const repo = { type: "dataset" as const, name: `tester/${prefix}-${++repoSeq}` };
  await createRepo({ repo, accessToken: hub.tokens.write, hubUrl: hub.url });
  return repo;
}

async function hubError(promise: Promise<unknown>): Promise<HubApiError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof HubApiError) return e;
    throw e;
  }
  throw new Error("expected a HubApiError, the call succeeded");
}

/** Response JSON, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const jsonOf = (res: Response): Promise<any> => res.json();

function ndjson(lines: unknown[]): string {
  return lines.map((l) => JSON.stringify(l)).join("\n");
}

describe("whoami", () => {
  it("identifies write and read tokens", async () => {
    const me = await whoAmI({ accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(me.name).toBe("tester");
    expect(me.type).toBe("user");
    expect(me.auth.accessToken?.role).toBe("write");
    expect(me.auth.accessToken?.createdAt).toBeInstanceOf(Date);
    if (me.type === "user") expect(me.orgs.map((o) => o.name)).toEqual(["test-org"]);

    const reader = await whoAmI({ accessToken: hub.tokens.read, hubUrl: hub.url });
    expect(reader.auth.accessToken?.role).toBe("read");
  });

  it("rejects unknown tokens with 401", async () => {
    const err = await hubError(whoAmI({ accessToken: "hf_thisTokenDoesNotExist000000000000", hubUrl: hub.url }));
    expect(err.statusCode).toBe(401);
    expect(err.message).toContain("Invalid credentials in Authorization header");
  });
});

describe("repositories", () => {
  it("creates a dataset with an initial .gitattributes commit, then 409s", async () => {
    const repo = { type: "dataset" as const, name: "tester/created" };
    const out = await createRepo({ repo, accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(out.repoUrl).toBe(`${hub.url}/datasets/tester/created`);
    expect(out.id).toMatch(/^[0-9a-f]{24}$/);
    expect(hub.files("tester/created")).toEqual([".gitattributes"]);
    const gitattributes = hub.readFile("tester/created", ".gitattributes")!.toString();
    expect(gitattributes).toContain("*.parquet filter=lfs diff=lfs merge=lfs -text");
    expect(gitattributes).not.toMatch(/\*\.(csv|jsonl?) /);
    expect(hub.commits("tester/created").map((c) => c.title)).toEqual(["initial commit"]);

    const err = await hubError(createRepo({ repo, accessToken: hub.tokens.write, hubUrl: hub.url }));
    expect(err.statusCode).toBe(409);
    expect(err.message).toContain("You already created this dataset repo");
  });

  it("repoExists and repo info", async () => {
    const repo = await freshDataset();
    expect(await repoExists({ repo, hubUrl: hub.url })).toBe(true);
    expect(await repoExists({ repo: { type: "dataset", name: "tester/nope" }, hubUrl: hub.url })).toBe(false);

    const res = await fetch(`${hub.url}/api/datasets/${repo.name}`);
    const info = await jsonOf(res);
    expect(info).toMatchObject({ id: repo.name, sha: hub.headOf(repo.name), private: false, siblings: [{ rfilename: ".gitattributes" }] });
    // datasetInfo asks for revision HEAD with expand=... and only gets those fields back
    const viaClient = await datasetInfo({ name: repo.name, additionalFields: ["sha", "author"], hubUrl: hub.url });
    expect(viaClient).toMatchObject({ name: repo.name, private: false, sha: hub.headOf(repo.name), author: "tester" });
    const missing = await fetch(`${hub.url}/api/datasets/${repo.name}/revision/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-error-code")).toBe("RevisionNotFound");
    expect((await jsonOf(missing)).error).toBe("Invalid rev id: nope");
  });

  it("creates in an org the user belongs to, and refuses foreign namespaces", async () => {
    await createRepo({ repo: { type: "dataset", name: "test-org/shared" }, accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.repoExists("test-org/shared")).toBe(true);

    const err = await hubError(
      createRepo({ repo: { type: "dataset", name: "tester/intruder" }, accessToken: hub.tokens.strangerWrite, hubUrl: hub.url }),
    );
    expect(err.statusCode).toBe(403);
    expect(err.message).toContain(`You don't have the rights to create a dataset under the namespace "tester"`);

    const readErr = await hubError(
      createRepo({ repo: { type: "dataset", name: "tester/by-reader" }, accessToken: hub.tokens.read, hubUrl: hub.url }),
    );
    expect(readErr.statusCode).toBe(403);
    expect(readErr.message).toContain("read token");
  });

  it("hides private repos from other users", async () => {
    const repo = { type: "dataset" as const, name: "tester/secret" };
    await createRepo({ repo, private: true, accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(await repoExists({ repo, hubUrl: hub.url, accessToken: hub.tokens.write })).toBe(true);
    expect(await repoExists({ repo, hubUrl: hub.url, accessToken: hub.tokens.read })).toBe(true);
    expect(await repoExists({ repo, hubUrl: hub.url, accessToken: hub.tokens.strangerWrite })).toBe(false);
    expect(await repoExists({ repo, hubUrl: hub.url })).toBe(false);
    const err = await hubError(
      uploadFiles({ repo, files: [{ path: "x.txt", content: blob("x") }], accessToken: hub.tokens.strangerWrite, hubUrl: hub.url }),
    );
    expect(err.statusCode).toBe(404);
  });
});

describe("commit flow", () => {
  it("uploads regular, LFS basic and LFS multipart files byte-exact", async () => {
    const repo = await freshDataset();
    hub.resetCounts();
    const csv = Buffer.from("a,b\n1,2\n3,4\n");
    const parquet = randomBytes(3000);
    const big = randomBytes(300 * KiB + 123); // > 200 KiB threshold → 5 parts of 64 KiB
    const out = await commit({
      repo,
      title: "Add data",
      description: "first upload",
      operations: [
        { operation: "addOrUpdate", path: "data/small.csv", content: blob(csv) },
        { operation: "addOrUpdate", path: "data/train.parquet", content: blob(parquet) },
        { operation: "addOrUpdate", path: "blobs/big.bin", content: blob(big) },
      ],
      accessToken: hub.tokens.write,
      hubUrl: hub.url,
    });
    expect(out?.commit.oid).toBe(hub.headOf(repo.name));
    expect(out?.commit.url).toBe(`${hub.url}/datasets/${repo.name}/commit/${out?.commit.oid}`);
    const counts = hub.requestCounts();
    expect(counts).toMatchObject({ preupload: 1, "lfs-batch": 1, "lfs-upload": 1, "lfs-part": 5, "lfs-complete": 1, commit: 1 });
    expect(hub.requestLog().every((e) => e.status < 400)).toBe(true);

    const [c] = hub.commits(repo.name);
    expect(c).toMatchObject({ title: "Add data", description: "first upload", author: "tester" });

    for (const [path, bytes] of [["data/small.csv", csv], ["data/train.parquet", parquet], ["blobs/big.bin", big]] as const) {
      const file = await downloadFile({ repo, path, accessToken: hub.tokens.write, hubUrl: hub.url });
      expect(Buffer.from(await file!.arrayBuffer()).equals(bytes)).toBe(true);
      expect(hub.readFile(repo.name, path)!.equals(bytes)).toBe(true);
    }

    const entries = [];
    for await (const e of listFiles({ repo, recursive: true, accessToken: hub.tokens.write, hubUrl: hub.url })) entries.push(e);
    expect(entries.map((e) => e.path)).toEqual([".gitattributes", "blobs", "blobs/big.bin", "data", "data/small.csv", "data/train.parquet"]);
    const byPath = Object.fromEntries(entries.map((e) => [e.path, e]));
    expect(byPath["data"]).toMatchObject({ type: "directory", size: 0 });
    expect(byPath["data/small.csv"]).toMatchObject({ type: "file", size: csv.length, oid: gitBlob(csv) });
    expect(byPath["data/small.csv"].lfs).toBeUndefined();
    expect(byPath["data/train.parquet"].lfs).toMatchObject({ oid: sha256(parquet), size: 3000 });
    expect(byPath["data/train.parquet"].size).toBe(3000);
    expect(byPath["blobs/big.bin"].lfs?.oid).toBe(sha256(big));
    // 6 entries with a page size of 3: the client followed the Link header.
    expect(hub.requestCounts().tree).toBe(2);

    // raw serves the LFS pointer, resolve the content
    const pointer = await downloadFile({ repo, path: "data/train.parquet", raw: true, accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(await pointer!.text()).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(parquet)}\nsize 3000\n`);
    expect(await downloadFile({ repo, path: "data/missing.csv", accessToken: hub.tokens.write, hubUrl: hub.url })).toBeNull();

    const infos = await pathsInfo({ repo, paths: ["data/train.parquet", "data", "nope"], accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(infos.map((i) => [i.path, i.type])).toEqual([["data/train.parquet", "file"], ["data", "directory"]]);
    expect(infos[0].lfs?.oid).toBe(sha256(parquet));

    // Re-uploading the same LFS content needs no upload: the batch returns no actions.
    hub.resetCounts();
    await uploadFiles({ repo, files: [{ path: "copy.parquet", content: blob(parquet) }], accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.requestCounts()).toMatchObject({ "lfs-batch": 1, "lfs-upload": 0, commit: 1 });
  });

  it("serves Range requests, ETags and HEAD like the Hub", async () => {
    const repo = await freshDataset();
    hub.commitDirect(repo.name, { files: { "t.txt": "hello world", "empty.txt": "", "d.parquet": "PAR1xxxx" }, message: "seed" });
    expect(hub.entry(repo.name, "d.parquet")?.lfs?.oid).toBe(sha256(Buffer.from("PAR1xxxx")));

    const r = await fetch(`${hub.url}/datasets/${repo.name}/resolve/main/t.txt`, { headers: { Range: "bytes=0-4" } });
    expect(r.status).toBe(206);
    expect(r.headers.get("content-range")).toBe("bytes 0-4/11");
    expect(r.headers.get("etag")).toBe(`"${gitBlob(Buffer.from("hello world"))}"`);
    expect(r.headers.get("x-repo-commit")).toBe(hub.headOf(repo.name));
    expect(await r.text()).toBe("hello");

    const e = await fetch(`${hub.url}/datasets/${repo.name}/resolve/main/empty.txt`, { headers: { Range: "bytes=0-0" } });
    expect(e.status).toBe(200);
    expect(e.headers.get("content-range")).toBe("bytes */0");
    const empty = await downloadFile({ repo, path: "empty.txt", hubUrl: hub.url });
    expect(empty?.size).toBe(0);

    const lfs = await fetch(`${hub.url}/datasets/${repo.name}/resolve/main/d.parquet`, { method: "HEAD" });
    expect(lfs.headers.get("etag")).toBe(`"${sha256(Buffer.from("PAR1xxxx"))}"`);
    expect(lfs.headers.get("content-length")).toBe("8");

    const missing = await fetch(`${hub.url}/datasets/${repo.name}/resolve/main/nope.txt`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-error-code")).toBe("EntryNotFound");
  });

  it("deletes files and folders, 404 for a missing file", async () => {
    const repo = await freshDataset();
    hub.commitDirect(repo.name, { files: { "a.txt": "a", "dir/x.txt": "x", "dir/sub/y.txt": "y", "keep.txt": "k" }, message: "seed" });
    await deleteFiles({ repo, paths: ["a.txt", "dir"], accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.files(repo.name)).toEqual([".gitattributes", "keep.txt"]);
    expect(hub.commits(repo.name)[0].title).toBe("Deletes 2 files");

    const err = await hubError(deleteFiles({ repo, paths: ["a.txt"], accessToken: hub.tokens.write, hubUrl: hub.url }));
    expect(err.statusCode).toBe(404);
    expect(err.message).toContain("A file with this name doesn't exist");
  });

  it("rejects a stale parentCommit with 412", async () => {
    const repo = await freshDataset();
    const first = hub.headOf(repo.name)!;
    hub.commitDirect(repo.name, { files: { "moved.txt": "on" }, message: "someone else" });
    const err = await hubError(
      commit({
        repo,
        title: "stale",
        parentCommit: first,
        operations: [{ operation: "addOrUpdate", path: "x.txt", content: blob("x") }],
        accessToken: hub.tokens.write,
        hubUrl: hub.url,
      }),
    );
    expect(err.statusCode).toBe(412);
    expect(err.message).toContain("A commit has happened since. Please refresh and try again.");
    // the right parent works
    await commit({
      repo,
      title: "fresh",
      parentCommit: hub.headOf(repo.name),
      operations: [{ operation: "addOrUpdate", path: "x.txt", content: blob("x") }],
      accessToken: hub.tokens.write,
      hubUrl: hub.url,
    });
    expect(hub.files(repo.name)).toContain("x.txt");
  });

  it("lets exactly one of several concurrent commits on the same parent win", async () => {
    const repo = await freshDataset();
    const parent = hub.headOf(repo.name)!;
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        commit({
          repo,
          title: `racer ${i}`,
          parentCommit: parent,
          operations: [{ operation: "addOrUpdate", path: `r${i}.parquet`, content: blob(randomBytes(500)) }],
          accessToken: hub.tokens.write,
          hubUrl: hub.url,
        }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(failed.map((f) => (f.reason as HubApiError).statusCode)).toEqual([412, 412, 412, 412]);
    expect(hub.commits(repo.name)).toHaveLength(2);
    expect(hub.commits(repo.name)[0].parents).toEqual([parent]);
  });

  it("opens a pull request without touching main", async () => {
    const repo = await freshDataset();
    const mainHead = hub.headOf(repo.name);
    const out = await uploadFiles({
      repo,
      files: [{ path: "proposal.csv", content: blob("x\n1\n") }],
      isPullRequest: true,
      commitTitle: "Proposal",
      accessToken: hub.tokens.write,
      hubUrl: hub.url,
    });
    expect(out?.pullRequestUrl).toBe(`${hub.url}/datasets/${repo.name}/discussions/1`);
    expect(hub.headOf(repo.name)).toBe(mainHead);
    expect(hub.files(repo.name)).toEqual([".gitattributes"]);
    expect(hub.files(repo.name, "refs/pr/1")).toEqual([".gitattributes", "proposal.csv"]);
    expect(hub.pullRequests(repo.name)).toMatchObject([{ number: 1, ref: "refs/pr/1", head: out?.commit.oid }]);

    const refs = await jsonOf((await fetch(`${hub.url}/api/datasets/${repo.name}/refs?include_prs=1`)));
    expect(refs.branches).toEqual([{ name: "main", ref: "refs/heads/main", targetCommit: mainHead }]);
    expect(refs.pullRequests).toEqual([{ name: "1", ref: "refs/pr/1", targetCommit: out?.commit.oid }]);

    // Both the raw and the encoded form of refs/pr/1 work as revisions.
    const listed = [];
    for await (const e of listFiles({ repo, revision: "refs/pr/1", hubUrl: hub.url })) listed.push(e.path);
    expect(listed).toContain("proposal.csv");
    const encoded = await fetch(`${hub.url}/api/datasets/${repo.name}/tree/refs%2Fpr%2F1`);
    expect((await jsonOf(encoded)).map((e: { path: string }) => e.path)).toContain("proposal.csv");
    const file = await downloadFile({ repo, path: "proposal.csv", revision: "refs/pr/1", hubUrl: hub.url });
    expect(await file?.text()).toBe("x\n1\n");

    // Second PR gets number 2.
    const second = await commit({
      repo,
      title: "Another",
      isPullRequest: true,
      operations: [{ operation: "addOrUpdate", path: "b.txt", content: blob("b") }],
      accessToken: hub.tokens.write,
      hubUrl: hub.url,
    });
    expect(second?.pullRequestUrl).toMatch(/\/discussions\/2$/);
  });

  it("validates README.md metadata on commit", async () => {
    const repo = await freshDataset();
    const up = (content: string) =>
      uploadFiles({ repo, files: [{ path: "README.md", content: blob(content) }], accessToken: hub.tokens.write, hubUrl: hub.url });

    const tagErr = await hubError(up("---\ndataset_info:\n  shape: !!python/tuple [1, 2]\n---\n# Card\n"));
    expect(tagErr.statusCode).toBe(400);
    expect(tagErr.message).toContain("Invalid YAML in README.md: unknown tag !<tag:yaml.org,2002:python/tuple>");

    const parseErr = await hubError(up("---\nconfigs: [a\n---\n"));
    expect(parseErr.message).toMatch(/^Invalid YAML in README.md: /);

    const configsErr = await hubError(up("---\nconfigs:\n- data_files: x.csv\n---\n"));
    expect(configsErr.statusCode).toBe(400);
    expect(configsErr.message).toContain(`Invalid metadata in README.md: "configs[0].config_name" is required`);

    const notMapping = await hubError(up("---\n- a\n- b\n---\n"));
    expect(notMapping.message).toContain("Invalid metadata in README.md: must be a mapping");

    const infoErr = await hubError(up("---\ndataset_info: 3\n---\n"));
    expect(infoErr.message).toContain(`"dataset_info"`);

    await up(
      "---\nlicense: some-unlisted-license\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*.parquet\n" +
        "dataset_info:\n  features:\n  - name: a\n    dtype: int64\n---\n# Card\n",
    );
    expect(hub.files(repo.name)).toContain("README.md");
    const info = await jsonOf((await fetch(`${hub.url}/api/datasets/${repo.name}`)));
    expect(info.cardData.configs[0].config_name).toBe("default");
  });

  it("exposes the same validator on /api/validate-yaml", async () => {
    const post = (content: string) =>
      fetch(`${hub.url}/api/validate-yaml`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ content, repoType: "dataset" }),
      });
    const good = await post("---\nconfigs:\n- config_name: default\n  data_files: data/*.csv\n---\n");
    expect(good.status).toBe(200);
    expect(await jsonOf(good)).toEqual({ warnings: [] });
    const bad = await post("---\nconfigs: nope\n---\n");
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).errors[0].message).toContain(`"configs" must be a list of mappings`);
  });
});

describe("permissions", () => {
  it("refuses commits with a read token (403) and into someone else's repo (403)", async () => {
    const repo = await freshDataset();
    const readErr = await hubError(
      uploadFiles({ repo, files: [{ path: "x.txt", content: blob("x") }], accessToken: hub.tokens.read, hubUrl: hub.url }),
    );
    expect(readErr.statusCode).toBe(403);
    expect(readErr.message).toContain("with a read token");

    const strangerErr = await hubError(
      deleteFiles({ repo, paths: [".gitattributes"], accessToken: hub.tokens.strangerWrite, hubUrl: hub.url }),
    );
    expect(strangerErr.statusCode).toBe(403);
    expect(hub.files(repo.name)).toEqual([".gitattributes"]);
  });

  it("requires a token to write", async () => {
    const repo = await freshDataset();
    const res = await fetch(`${hub.url}/api/datasets/${repo.name}/commit/main`, {
      method: "POST",
      body: ndjson([{ key: "header", value: { summary: "anon" } }]),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});

describe("LFS protocol checks", () => {
  it("refuses an lfsFile whose object was never uploaded", async () => {
    const repo = await freshDataset();
    const oid = sha256(Buffer.from("never uploaded"));
    const res = await fetch(`${hub.url}/api/datasets/${repo.name}/commit/main`, {
      method: "POST",
      headers: { Authorization: `Bearer ${hub.tokens.write}`, "Content-Type": "application/x-ndjson" },
      body: ndjson([
        { key: "header", value: { summary: "bad lfs" } },
        { key: "lfsFile", value: { path: "data/ghost.parquet", algo: "sha256", oid, size: 14 } },
      ]),
    });
    expect(res.status).toBe(400);
    const body = await jsonOf(res);
    expect(body.error).toContain("data/ghost.parquet");
    expect(body.error).toContain(oid);
  });

  it("checks basic uploads against the announced oid and size", async () => {
    const repo = await freshDataset();
    const content = Buffer.from("the real bytes");
    const oid = sha256(content);
    const notAnnounced = await fetch(`${hub.url}/__lfs/upload/${oid}`, { method: "PUT", body: new Uint8Array(content) });
    expect(notAnnounced.status).toBe(403);

    const batch = await fetch(`${hub.url}/datasets/${repo.name}.git/info/lfs/objects/batch`, {
      method: "POST",
      headers: { Authorization: `Bearer ${hub.tokens.write}`, "Content-Type": "application/vnd.git-lfs+json" },
      body: JSON.stringify({
        operation: "upload",
        transfers: ["basic", "multipart", "xet"],
        hash_algo: "sha_256",
        objects: [{ oid, size: content.length }, { oid: "xyz", size: 1 }, { oid, size: -1 }],
      }),
    });
    expect(batch.status).toBe(200);
    expect(batch.headers.get("x-request-id")).toBeTruthy();
    const json = await jsonOf(batch);
    expect(json.transfer).toBe("basic");
    expect(json.objects[0].actions.upload.href).toBe(`${hub.url}/__lfs/upload/${oid}?repo=datasets/${repo.name}`);
    expect(json.objects[1].error.code).toBe(422);
    expect(json.objects[2].error.code).toBe(422);

    const wrong = await fetch(`${hub.url}/__lfs/upload/${oid}`, { method: "PUT", body: "the fake bytes" });
    expect(wrong.status).toBe(400);
    expect((await jsonOf(wrong)).error).toContain("sha256 mismatch");
    const short = await fetch(`${hub.url}/__lfs/upload/${oid}`, { method: "PUT", body: "short" });
    expect(short.status).toBe(400);

    const right = await fetch(`${hub.url}/__lfs/upload/${oid}`, { method: "PUT", body: new Uint8Array(content) });
    expect(right.status).toBe(200);
  });

  it("rejects path traversal with 422", async () => {
    const repo = await freshDataset();
    for (const path of ["../escape.txt", "/abs.txt", "a\\b.txt", "a/../b.txt"]) {
      const res = await fetch(`${hub.url}/api/datasets/${repo.name}/commit/main`, {
        method: "POST",
        headers: { Authorization: `Bearer ${hub.tokens.write}` },
        body: ndjson([
          { key: "header", value: { summary: "evil" } },
          { key: "file", value: { path, content: "eA==", encoding: "base64" } },
        ]),
      });
      expect(res.status, path).toBe(422);
    }
  });
});

describe("branches and tags", () => {
  it("creates branches, 409 on duplicates, 404 for unknown starting points", async () => {
    const repo = await freshDataset();
    await createBranch({ repo, branch: "dev", accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.headOf(repo.name, "dev")).toBe(hub.headOf(repo.name));
    const dup = await hubError(createBranch({ repo, branch: "dev", accessToken: hub.tokens.write, hubUrl: hub.url }));
    expect(dup.statusCode).toBe(409);
    expect(dup.message).toContain("Reference refs/heads/dev already exists");
    const unknown = await hubError(
      createBranch({ repo, branch: "x", revision: "nope", accessToken: hub.tokens.write, hubUrl: hub.url }),
    );
    expect(unknown.statusCode).toBe(404);
    const invalid = await hubError(createBranch({ repo, branch: "bad name", accessToken: hub.tokens.write, hubUrl: hub.url }));
    expect(invalid.statusCode).toBe(400);

    // Commit to the branch; main is unchanged.
    await uploadFiles({ repo, branch: "dev", files: [{ path: "dev.txt", content: blob("d") }], accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.files(repo.name, "dev")).toContain("dev.txt");
    expect(hub.files(repo.name)).not.toContain("dev.txt");
    const noBranch = await hubError(
      uploadFiles({ repo, branch: "ghost", files: [{ path: "g.txt", content: blob("g") }], accessToken: hub.tokens.write, hubUrl: hub.url }),
    );
    expect(noBranch.statusCode).toBe(404);
    expect(noBranch.message).toContain("Invalid rev id: ghost");
  });

  it("creates tags via fetch: 200, then 409, 404 for unknown revisions, 400 for bad names", async () => {
    const repo = await freshDataset();
    const tag = (rev: string, body: object) =>
      fetch(`${hub.url}/api/datasets/${repo.name}/tag/${encodeURIComponent(rev)}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${hub.tokens.write}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await tag("main", { tag: "v1.0", message: "first" })).status).toBe(200);
    expect(hub.tags(repo.name)).toEqual([{ name: "v1.0", target: hub.headOf(repo.name), message: "first" }]);
    const dup = await tag("main", { tag: "v1.0" });
    expect(dup.status).toBe(409);
    expect((await jsonOf(dup)).error).toBe("Tag reference refs/tags/v1.0 already exists");
    const unknown = await tag("nope", { tag: "v2" });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("x-error-code")).toBe("RevisionNotFound");
    expect((await tag("main", { tag: "has space" })).status).toBe(400);

    // The tag is a revision everywhere.
    const file = await downloadFile({ repo, path: ".gitattributes", revision: "v1.0", hubUrl: hub.url });
    expect(file).not.toBeNull();
    const refs = await jsonOf((await fetch(`${hub.url}/api/datasets/${repo.name}/refs`)));
    expect(refs.tags).toEqual([{ name: "v1.0", ref: "refs/tags/v1.0", targetCommit: hub.headOf(repo.name) }]);
    expect(refs.pullRequests).toBeUndefined();

    const del = await fetch(`${hub.url}/api/datasets/${repo.name}/tag/v1.0`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${hub.tokens.write}` },
    });
    expect(del.status).toBe(200);
    expect(hub.tags(repo.name)).toEqual([]);
  });

  it("lists commits newest first", async () => {
    const repo = await freshDataset();
    hub.commitDirect(repo.name, { files: { "a.txt": "1" }, message: "one" });
    hub.commitDirect(repo.name, { files: { "a.txt": "2" }, message: "two", description: "details" });
    const res = await fetch(`${hub.url}/api/datasets/${repo.name}/commits/main?limit=2`);
    const page = await jsonOf(res);
    expect(page.map((c: { title: string }) => c.title)).toEqual(["two", "one"]);
    expect(page[0]).toMatchObject({ message: "details", authors: [{ user: "tester" }] });
    expect(res.headers.get("link")).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/api\/datasets\/.+\?limit=2&p=1>; rel="next"$/);
  });
});

describe("more client functions", () => {
  it("listFiles with expand gives lastCommit; listCommits paginates", async () => {
    const repo = await freshDataset();
    const first = hub.commitDirect(repo.name, { files: { "a.txt": "1", "dir/b.txt": "b" }, message: "one" });
    const second = hub.commitDirect(repo.name, { files: { "a.txt": "2" }, message: "two" });
    const entries = [];
    for await (const e of listFiles({ repo, expand: true, hubUrl: hub.url })) entries.push(e);
    const byPath = Object.fromEntries(entries.map((e) => [e.path, e]));
    expect(byPath["a.txt"].lastCommit).toMatchObject({ id: second, title: "two" });
    expect(byPath["dir"].lastCommit).toMatchObject({ id: first, title: "one" });

    const titles = [];
    for await (const c of listCommits({ repo, batchSize: 1, hubUrl: hub.url })) titles.push(c.title);
    expect(titles).toEqual(["two", "one", "initial commit"]);
  });

  it("gives files (not folders) a full scan report with expand, and sibling blobs on repo info", async () => {
    // huggingface_hub reads securityFileStatus.avScan and .pickleImportScan as required keys,
    // and siblings' size/blobId/lfs.sha256 with files_metadata=True (?blobs=true).
    const repo = await freshDataset();
    const weights = randomBytes(300);
    hub.commitDirect(repo.name, { files: { "dir/a.txt": "a", "w.bin": weights }, message: "files" });
    const auth = { Authorization: `Bearer ${hub.tokens.read}` };
    const unscanned = { status: "unscanned", avScan: { status: "unscanned" }, pickleImportScan: { status: "unscanned" } };
    const tree = await jsonOf(await fetch(`${hub.url}/api/datasets/${repo.name}/tree/main?expand=true&recursive=true`, { headers: auth }));
    const byPath = Object.fromEntries(tree.map((e: { path: string }) => [e.path, e]));
    expect(byPath["dir/a.txt"].securityFileStatus).toEqual(unscanned);
    expect(byPath.dir.securityFileStatus).toBeUndefined();
    expect(byPath.dir.lastCommit.title).toBe("files");
    const info = await jsonOf(
      await fetch(`${hub.url}/api/datasets/${repo.name}/paths-info/main`, {
        method: "POST",
        headers: { ...auth, "Content-Type": "application/x-www-form-urlencoded" },
        body: "paths=w.bin&expand=True",
      }),
    );
    expect(info).toEqual([expect.objectContaining({ path: "w.bin", securityFileStatus: unscanned })]);

    const siblings = (await jsonOf(await fetch(`${hub.url}/api/datasets/${repo.name}?blobs=true`, { headers: auth }))).siblings;
    const entry = hub.entry(repo.name, "w.bin")!;
    expect(siblings.find((s: { rfilename: string }) => s.rfilename === "w.bin")).toEqual({
      rfilename: "w.bin",
      size: 300,
      blobId: entry.gitOid,
      lfs: { sha256: sha256(weights), size: 300, pointerSize: entry.lfs!.pointerSize },
    });
    expect(siblings.find((s: { rfilename: string }) => s.rfilename === "dir/a.txt")).toEqual({
      rfilename: "dir/a.txt",
      size: 1,
      blobId: gitBlob(Buffer.from("a")),
    });
    const plain = (await jsonOf(await fetch(`${hub.url}/api/datasets/${repo.name}`, { headers: auth }))).siblings;
    expect(plain).toContainEqual({ rfilename: "w.bin" });
  });

  it("fileExists, deleteBranch and deleteRepo", async () => {
    const repo = await freshDataset();
    expect(await fileExists({ repo, path: ".gitattributes", hubUrl: hub.url })).toBe(true);
    expect(await fileExists({ repo, path: "nope.txt", hubUrl: hub.url })).toBe(false);
    await createBranch({ repo, branch: "feature/x", accessToken: hub.tokens.write, hubUrl: hub.url });
    // unencoded slash in the tree URL: resolved as the branch "feature/x"
    const listed = [];
    for await (const e of listFiles({ repo, revision: "feature/x", hubUrl: hub.url })) listed.push(e.path);
    expect(listed).toEqual([".gitattributes"]);
    await deleteBranch({ repo, branch: "feature/x", accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.branches(repo.name).map((b) => b.name)).toEqual(["main"]);
    const mainErr = await hubError(deleteBranch({ repo, branch: "main", accessToken: hub.tokens.write, hubUrl: hub.url }));
    expect(mainErr.statusCode).toBe(403);
    await deleteRepo({ repo, accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.repoExists(repo.name)).toBe(false);
  });

  it("serves model repos on the unprefixed git routes", async () => {
    const repo = "tester/a-model"; // a bare name is a model for the client
    await createRepo({ repo, accessToken: hub.tokens.write, hubUrl: hub.url });
    const weights = randomBytes(1000);
    await uploadFiles({ repo, files: [{ path: "model.safetensors", content: blob(weights) }], accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.entry("models/tester/a-model", "model.safetensors")?.lfs?.oid).toBe(sha256(weights));
    const file = await downloadFile({ repo, path: "model.safetensors", hubUrl: hub.url });
    expect(Buffer.from(await file!.arrayBuffer()).equals(weights)).toBe(true);
  });
});

describe("fault injection", () => {
  it("returns a 429 with Retry-After once, then the route works again", async () => {
    hub.resetCounts();
    const handle = hub.faults.inject({ route: "whoami", status: 429, retryAfter: 2, rateLimit: '"api";r=0;t=2' });
    const res = await fetch(`${hub.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${hub.tokens.write}` } });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(res.headers.get("ratelimit")).toBe('"api";r=0;t=2');
    expect(await jsonOf(res)).toEqual({ error: "Too many requests" });
    expect(handle.remaining()).toBe(0);

    const me = await whoAmI({ accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(me.name).toBe("tester");
    expect(hub.requestCounts().whoami).toBe(2);
    expect(hub.requestLog().map((e) => [e.route, e.status, e.fault])).toEqual([
      ["whoami", 429, true],
      ["whoami", 200, false],
    ]);
  });

  it("surfaces injected errors through the client, per method and count", async () => {
    const repo = await freshDataset();
    hub.faults.inject({ route: "commit", method: "POST", status: 503, times: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await hubError(
        uploadFiles({ repo, files: [{ path: "f.txt", content: blob("f") }], accessToken: hub.tokens.write, hubUrl: hub.url }),
      );
      expect(err.statusCode).toBe(503);
      expect(err.message).toContain("Injected fault");
    }
    await uploadFiles({ repo, files: [{ path: "f.txt", content: blob("f") }], accessToken: hub.tokens.write, hubUrl: hub.url });
    expect(hub.files(repo.name)).toContain("f.txt");
  });

  it("drops the connection so that fetch rejects", async () => {
    hub.resetCounts();
    hub.faults.inject({ route: "repo-info", drop: true });
    await expect(fetch(`${hub.url}/api/datasets/tester/created`)).rejects.toThrow();
    expect((await fetch(`${hub.url}/api/datasets/tester/created`)).status).toBe(200);
    expect(hub.requestCounts()["repo-info"]).toBe(2);
    expect(hub.requestLog()[0]).toMatchObject({ route: "repo-info", status: 0, fault: true });
  });

  it("delays without failing when only delayMs is given", async () => {
    hub.resetCounts();
    hub.faults.inject({ route: "refs", delayMs: 150 });
    const started = Date.now();
    const res = await fetch(`${hub.url}/api/datasets/tester/created/refs`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(hub.requestLog()[0]).toMatchObject({ route: "refs", status: 200, fault: false });
  });

  it("can fail an LFS part upload mid-commit", async () => {
    const repo = await freshDataset();
    hub.faults.inject({ route: "lfs-part", status: 500 });
    const big = randomBytes(250 * KiB);
    const err = await hubError(
      uploadFiles({ repo, files: [{ path: "big.bin", content: blob(big) }], accessToken: hub.tokens.write, hubUrl: hub.url }),
    );
    expect(err.statusCode).toBe(500);
    expect(hub.files(repo.name)).toEqual([".gitattributes"]);
    hub.faults.clear();
  });
});

describe("misc HTTP behaviour", () => {
  it("answers unknown routes with a JSON 404 and never records tokens", async () => {
    const res = await fetch(`${hub.url}/api/nothing-here`, { headers: { Authorization: `Bearer ${hub.tokens.write}` } });
    expect(res.status).toBe(404);
    expect(await jsonOf(res)).toEqual({ error: "Not found" });
    const log = JSON.stringify(hub.requestLog());
    for (const token of Object.values(hub.tokens)) expect(log).not.toContain(token);
  });

  it("tolerates a trailing slash in hubUrl (double slashes collapse)", async () => {
    const me = await whoAmI({ accessToken: hub.tokens.write, hubUrl: `${hub.url}/` });
    expect(me.name).toBe("tester");
  });

  it("rejects unknown tokens on read routes too", async () => {
    const res = await fetch(`${hub.url}/api/datasets/tester/created`, { headers: { Authorization: "Bearer hf_nope000000000000000000000000000" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-error-message")).toBe("Invalid credentials in Authorization header");
  });
});

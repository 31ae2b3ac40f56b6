// The Xet uploader against the emulator's CAS, which verifies every xorb and
// shard: files arrive byte-identical, what the CAS has is not sent again,
// faults are retried, the token is refreshed and kept secret.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import type { HubContext } from "../../../src/hub/api.js";
import { createCommit } from "../../../src/hub/commit.js";
import { createHubFetch } from "../../../src/hub/http.js";
import { CasClient, type XetWriteToken } from "../../../src/hub/xet/cas.js";
import type { LocalFile } from "../../../src/hub/local-file.js";
import { uploadThroughXet } from "../../../src/hub/xet/upload.js";

const MiB = 1024 * 1024;
let hub: HubEmulator;
let dir: string;
beforeAll(async () => {
  hub = await startHubEmulator({ xet: true });
  dir = await mkdtemp(path.join(tmpdir(), "xet-upload-"));
});
afterAll(async () => {
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A Hub context whose fetch retries quickly, and which collects the secrets it is told. */
function context(log: string[] = []): HubContext & { secrets: string[] } {
  const secrets: string[] = [];
  const fetcher = createHubFetch({ policy: { baseDelayMs: 5, maxDelayMs: 20 }, log: { info() {}, debug() {}, warning: (m) => void log.push(m) } });
  return { endpoint: hub.url, token: hub.tokens.write, fetch: fetcher.fetch, secret: (s) => void secrets.push(s), secrets };
}

/** A client whose first token is stale: it must get one from the Hub's write-token endpoint. */
function cas(repo: string, ctx = context()): CasClient {
  const token: XetWriteToken = { casUrl: hub.url, accessToken: "expired", expiresAt: 0, refreshUrl: `${hub.url}/api/datasets/${repo}/xet-write-token/main` };
  return new CasClient(ctx, token);
}

async function local(name: string, content: Buffer): Promise<LocalFile> {
  const localPath = path.join(dir, name);
  await writeFile(localPath, content);
  return { path: `data/${name}`, localPath, sha256: createHash("sha256").update(content).digest("hex"), size: content.length };
}

async function commitFiles(repo: string, files: LocalFile[]): Promise<void> {
  await createCommit(context(), { repo, branch: "main", createPr: false, message: "add" }, hub.headOf(repo)!, {
    storedFiles: files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
    textFiles: [],
    deletions: [],
  });
}

function received(repo: string): number {
  return hub.stats().repos[`datasets/${repo}`]?.bytesReceived ?? 0;
}

describe("uploading through Xet", () => {
  const block = randomBytes(MiB);
  const contents = {
    random: randomBytes(3 * MiB + 12_345),
    repeated: Buffer.concat([block, block, block, randomBytes(5000)]),
    tiny: Buffer.from("id,text\n1,hello\n"),
  };

  it("sends the files once, as the CAS can verify them, and a commit adds them by sha256", async () => {
    const repo = "tester/xet-up";
    hub.createRepoDirect(repo);
    const files = await Promise.all(Object.entries(contents).map(([name, content]) => local(name, content)));
    const progress: number[] = [];
    const stats = await uploadThroughXet(cas(repo), files, { onProgress: (p) => void progress.push(p.doneBytes) });
    expect(received(repo)).toBe(stats.sentBytes); // xorbs and shards: all the CAS got
    await commitFiles(repo, files);
    for (const f of files) {
      expect(hub.readFile(repo, f.path)!.equals(contents[path.basename(f.path) as keyof typeof contents])).toBe(true);
      expect(hub.entry(repo, f.path)?.xetHash).toMatch(/^[0-9a-f]{64}$/);
      expect(hub.entry(repo, f.path)?.lfs?.oid).toBe(f.sha256);
    }
    const total = files.reduce((n, f) => n + f.size, 0);
    expect(stats).toMatchObject({ files: 3, bytes: total, storedBytes: 0, shards: 1 });
    // The repeated MiB went once: the other two copies are references.
    expect(stats.repeatedBytes).toBeGreaterThan(1.7 * MiB);
    expect(stats.sentBytes).toBeLessThan(total - 1.7 * MiB);
    expect(progress.at(-1)).toBe(total);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("sends the chunks LZ4 can shrink compressed, and the others as they are", async () => {
    const repo = "tester/xet-lz4";
    hub.createRepoDirect(repo);
    const integers = (start: number) => {
      const out = Buffer.alloc(2 * MiB);
      for (let i = 0; i < out.length / 8; i++) out.writeBigInt64LE(BigInt(start + i), 8 * i);
      return out;
    };
    const content = Buffer.concat([randomBytes(MiB), integers(0), randomBytes(MiB)]);
    const file = await local("mixed", content);
    const stats = await uploadThroughXet(cas(repo), [file]);
    // The integers went in about half their 2 MiB, the random MiBs as they are.
    expect(stats.sentBytes).toBeLessThan(content.length - 0.75 * MiB);
    expect(stats.sentBytes).toBeGreaterThan(2 * MiB);
    await commitFiles(repo, [file]);
    expect(hub.readFile(repo, file.path)!.equals(content)).toBe(true);
    // Without compression the same kind of content goes whole.
    const other = Buffer.concat([randomBytes(MiB), integers(1e12), randomBytes(MiB)]);
    const plain = await uploadThroughXet(cas(repo), [await local("plain", other)], { compress: false });
    expect(plain.sentBytes).toBeGreaterThan(other.length);
  });

  it("sends only a shard for files the CAS already has (global dedup), even for another repo", async () => {
    const repo = "tester/xet-again";
    hub.createRepoDirect(repo);
    const files = [await local("random", contents.random)];
    hub.resetCounts();
    const stats = await uploadThroughXet(cas(repo), files);
    expect(hub.requestCounts()["cas-xorb"]).toBe(0);
    expect(hub.requestCounts()["cas-chunk"]).toBeGreaterThan(0);
    expect(stats.storedBytes).toBe(contents.random.length);
    expect(stats.sentBytes).toBeLessThan(4096);
    await commitFiles(repo, files);
    expect(hub.readFile(repo, "data/random")!.equals(contents.random)).toBe(true);
  });

  it("sends a fraction of a file that changed in the middle", async () => {
    const repo = "tester/xet-edit";
    hub.createRepoDirect(repo);
    const original = randomBytes(6 * MiB);
    await uploadThroughXet(cas(repo), [await local("edit", original)]);
    const edited = Buffer.concat([original.subarray(0, 3 * MiB), randomBytes(2000), original.subarray(3 * MiB)]);
    const file = await local("edit", edited);
    const before = received(repo);
    const stats = await uploadThroughXet(cas(repo), [file]);
    expect(stats.storedBytes).toBeGreaterThan(5.5 * MiB);
    expect(received(repo) - before).toBeLessThan(0.1 * edited.length);
    await commitFiles(repo, [file]);
    expect(hub.readFile(repo, "data/edit")!.equals(edited)).toBe(true);
  });

  it("retries the CAS's 429 (Retry-After), 500 and 503 answers and a dropped connection", async () => {
    const repo = "tester/xet-faults";
    hub.createRepoDirect(repo);
    const files = [await local("faults", randomBytes(2 * MiB))];
    hub.resetCounts();
    hub.faults.inject({ route: "cas-chunk", status: 503 });
    hub.faults.inject({ route: "cas-xorb", retryAfter: 0 });
    hub.faults.inject({ route: "cas-xorb", drop: true });
    hub.faults.inject({ route: "cas-shard", status: 500 });
    const log: string[] = [];
    await uploadThroughXet(cas(repo, context(log)), files);
    hub.faults.clear();
    expect(hub.requestCounts()).toMatchObject({ "cas-chunk": 2, "cas-xorb": 3, "cas-shard": 2 });
    expect(log.join("\n")).toMatch(/POST .*\/v1\/xorbs\/default\/[0-9a-f]{64}: HTTP 429; retrying/);
    expect(log.join("\n")).toMatch(/POST .*\/v1\/xorbs\/default\/[0-9a-f]{64}: network error/);
    expect(log.join("\n")).toMatch(/POST .*\/v1\/shards: HTTP 500; retrying/);
    await commitFiles(repo, files);
    expect(hub.entry(repo, "data/faults")?.xetHash).toBeDefined();
  });

  it("gets a new token when the CAS answers 401, tells every token as a secret, and never shows one", async () => {
    const repo = "tester/xet-token";
    hub.createRepoDirect(repo);
    const ctx = context();
    const log: string[] = [];
    ctx.fetch = createHubFetch({ policy: { baseDelayMs: 5 }, log: { info() {}, debug() {}, warning: (m) => void log.push(m) } }).fetch;
    hub.resetCounts();
    hub.faults.inject({ route: "cas-xorb", status: 401, body: { error: "token expired" } });
    await uploadThroughXet(cas(repo, ctx), [await local("token", randomBytes(MiB))]);
    expect(hub.requestCounts()["xet-write-token"]).toBe(2); // the stale first token, then after the 401
    expect(ctx.secrets).toHaveLength(3);
    expect(ctx.secrets.slice(1).every((s) => /^xet_/.test(s))).toBe(true);

    hub.faults.inject({ route: "cas-shard", status: 400, body: { error: "shard rejected" } });
    const error = await uploadThroughXet(cas(repo, ctx), [await local("token2", randomBytes(MiB))]).catch((e: Error) => e);
    hub.faults.clear();
    expect((error as Error).message).toMatch(/^The Xet storage refused the shard: shard rejected/);
    for (const secret of ctx.secrets.filter((s) => s.startsWith("xet_"))) {
      expect((error as Error).message).not.toContain(secret);
      expect(log.join("\n")).not.toContain(secret);
    }
  });
});

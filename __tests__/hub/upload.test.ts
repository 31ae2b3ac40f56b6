// Uploading and committing as separate steps: the LFS batch decides Xet or
// Git LFS, files the Hub has are not sent, and a commit made later (by
// another client, as another job would) adds what was uploaded.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../emulator/server.js";
import type { HubContext } from "../../src/hub/api.js";
import { createCommit } from "../../src/hub/commit.js";
import { createHubFetch } from "../../src/hub/http.js";
import { type LocalFile, type UploadProgress, uploadFiles } from "../../src/hub/upload.js";

const KiB = 1024;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "upload-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function context(hub: HubEmulator, log: string[] = []): HubContext {
  const fetcher = createHubFetch({ policy: { baseDelayMs: 5, maxDelayMs: 20 }, log: { info() {}, debug() {}, warning: (m) => void log.push(m) } });
  return { endpoint: hub.url, token: hub.tokens.write, fetch: fetcher.fetch };
}

async function local(name: string, content: Buffer): Promise<LocalFile> {
  const localPath = path.join(dir, name);
  await writeFile(localPath, content);
  return { path: `data/${name}`, localPath, sha256: createHash("sha256").update(content).digest("hex"), size: content.length };
}

const target = (repo: string) => ({ repo, branch: "main", createPr: false });

describe.each([
  { name: "a Hub without Xet", xet: false, transfer: "lfs" },
  { name: "a Hub with Xet", xet: true, transfer: "xet" },
])("uploading to $name", ({ xet, transfer }) => {
  let hub: HubEmulator;
  beforeAll(async () => {
    // Small multipart settings, so that the LFS path uses both basic and multipart uploads.
    hub = await startHubEmulator({ xet, lfsMultipartThreshold: 200 * KiB, lfsChunkSize: 64 * KiB });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it(`sends through ${transfer} what the Hub lacks, and nothing the second time; another client commits it`, async () => {
    const repo = "tester/split";
    hub.createRepoDirect(repo);
    const small = await local(`small-${transfer}`, randomBytes(50 * KiB));
    const large = await local(`large-${transfer}`, randomBytes(500 * KiB));
    const twin = { ...small, path: "data/twin" }; // same content, another path: sent once
    const progress: UploadProgress[] = [];
    const first = await uploadFiles(context(hub), target(repo), [small, large, twin], { onProgress: (p) => void progress.push(p) });
    expect(first).toMatchObject({ transfer, files: 2, bytes: small.size + large.size, presentBytes: 0, filesPresent: 0 });
    expect(first.sentBytes).toBeGreaterThanOrEqual(small.size + large.size);
    expect(first.sentBytes).toBeLessThan(1.01 * (small.size + large.size) + 4 * KiB);
    const counts = hub.requestCounts();
    if (xet) expect(counts["cas-xorb"]).toBeGreaterThan(0);
    else expect([counts["lfs-upload"], counts["lfs-part"] > 0, counts["lfs-complete"]]).toEqual([1, true, 1]);
    expect(progress.at(-1)).toMatchObject({ doneBytes: first.bytes, totalBytes: first.bytes, sentBytes: first.sentBytes });

    const again = await uploadFiles(context(hub), target(repo), [small, large]);
    expect(again).toMatchObject({ transfer, files: 2, sentBytes: 0, filesPresent: 2, presentBytes: small.size + large.size });

    // The commit step only needs paths, sha256 and sizes: here a fresh client, as a job of its own would.
    const commit = await createCommit({ endpoint: hub.url, token: hub.tokens.write, fetch }, { repo, branch: "main", createPr: false, message: "Add uploaded files" }, hub.headOf(repo)!, {
      storedFiles: [small, large, twin].map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
      textFiles: [{ path: "README.md", content: "# split\n" }],
      deletions: [],
    });
    expect(commit.oid).toBe(hub.headOf(repo));
    expect(hub.readFile(repo, "data/twin")!.equals(hub.readFile(repo, small.path)!)).toBe(true);
    expect(hub.readFile(repo, large.path)!.length).toBe(large.size);
    expect(hub.readFile(repo, "README.md")!.toString()).toBe("# split\n");
    expect(hub.entry(repo, large.path)?.xetHash === undefined).toBe(!xet);
  });

  it("retries a dropped upload and a 503 on the batch call", async () => {
    const repo = "tester/split-faults";
    hub.createRepoDirect(repo);
    const file = await local(`faults-${transfer}`, randomBytes(300 * KiB));
    hub.faults.inject({ route: "lfs-batch", status: 503 });
    hub.faults.inject({ route: xet ? "cas-xorb" : "lfs-part", drop: true });
    const log: string[] = [];
    const report = await uploadFiles(context(hub, log), target(repo), [file]);
    hub.faults.clear();
    expect(report.sentBytes).toBeGreaterThanOrEqual(file.size);
    expect(log.join("\n")).toMatch(/lfs\/objects\/batch: HTTP 503; retrying/);
    expect(log.join("\n")).toMatch(/network error/);
    expect(log.join("\n")).not.toMatch(/X-Amz|Signature=|xet_/); // no presigned query strings, no tokens
  });
});

describe("asking for Git LFS on a Hub with Xet", () => {
  it("uploads through LFS when told not to use Xet (HF_HUB_DISABLE_XET)", async () => {
    const hub = await startHubEmulator({ xet: true });
    try {
      hub.createRepoDirect("tester/no-xet");
      const report = await uploadFiles(context(hub), target("tester/no-xet"), [await local("plain", randomBytes(10 * KiB))], { xet: false });
      expect(report.transfer).toBe("lfs");
      expect(hub.requestCounts()["cas-xorb"]).toBe(0);
      expect(hub.requestCounts()["lfs-upload"]).toBe(1);
    } finally {
      await hub.close();
    }
  });
});

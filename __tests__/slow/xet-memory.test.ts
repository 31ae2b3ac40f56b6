/**
 * A Xet upload's memory does not grow with the data: the file is chunked
 * through one read buffer and xorb bodies are slices of the file on disk,
 * so a child with a 64 MB heap uploads files of 300 and 600 MB (5 and 9
 * xorbs) with nearly the same peak RSS. Both files fill the uploader's 4
 * xorb uploads in flight: a file of 2 xorbs has only 2 streams' buffers, so
 * comparing it with a bigger one would measure the concurrency, not the size. The emulator (in this process)
 * verifies every xorb and the file; a commit then adds it and its content
 * is compared. The peak RSS figures are printed; there is no time assertion.
 *
 * DATA_MEMORY_TEST=0 skips it, as it does the conversion's memory test.
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../emulator/server.js";
import { removeTempDirs, tempDir } from "../data/helpers.js";
import { runJsonChild } from "../helpers/json-child.js";

const HEAP_MB = 64;
const skip = process.env.DATA_MEMORY_TEST === "0";

let hub: HubEmulator;
beforeAll(async () => {
  hub = await startHubEmulator({ xet: true });
});
afterAll(async () => {
  await hub?.close();
  await removeTempDirs();
});

/** Writes `mb` MB of random bytes, streaming; returns their sha256. */
async function writeRandom(file: string, mb: number): Promise<string> {
  const out = createWriteStream(file);
  const hash = createHash("sha256");
  for (let i = 0; i < mb; i++) {
    const block = randomBytes(1_000_000);
    hash.update(block);
    if (!out.write(block)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return hash.digest("hex");
}

interface ChildResult {
  transfer: string;
  sentBytes: number;
  xorbs: number;
  maxRssMB: number;
  heapLimitMB: number;
}

function uploadInChild(repo: string, file: string, sha256: string): Promise<ChildResult> {
  return runJsonChild<ChildResult>(path.join(import.meta.dirname, "xet-upload-child.ts"), [hub.url, hub.tokens.write, repo, file, sha256], HEAP_MB);
}

describe.skipIf(skip)("Xet upload memory", () => {
  it(`uploads 300 and 600 MB files through Xet with a ${HEAP_MB} MB heap; peak RSS nearly flat`, { timeout: 300_000 }, async () => {
    const dir = await tempDir("xet-memory-");
    const results: { mb: number; result: ChildResult }[] = [];
    for (const mb of [300, 600]) {
      const repo = `tester/xet-memory-${mb}`;
      hub.createRepoDirect(repo);
      const file = path.join(dir, `big-${mb}.bin`);
      const sha256 = await writeRandom(file, mb);
      const result = await uploadInChild(repo, file, sha256);
      expect(result.transfer).toBe("xet");
      expect(result.sentBytes).toBeGreaterThan(mb * 1_000_000);
      const commit = await fetch(`${hub.url}/api/datasets/${repo}/commit/main`, {
        method: "POST",
        headers: { Authorization: `Bearer ${hub.tokens.write}`, "Content-Type": "application/x-ndjson" },
        body: [{ key: "header", value: { summary: "big" } }, { key: "lfsFile", value: { path: "data/big.bin", algo: "sha256", oid: sha256, size: mb * 1_000_000 } }].map((l) => JSON.stringify(l)).join("\n"),
      });
      expect(commit.status).toBe(200);
      expect(createHash("sha256").update(hub.readFile(repo, "data/big.bin")!).digest("hex")).toBe(sha256);
      results.push({ mb, result });
      console.log(`xet memory: ${mb} MB file → ${result.xorbs} xorbs, ${(result.sentBytes / 1e6).toFixed(1)} MB sent; heap cap ${HEAP_MB} MB; peak RSS ${result.maxRssMB.toFixed(0)} MB`);
    }
    const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
    // The file is bigger than the whole heap the child may use, and RSS grows far less than the file does.
    expect(large.mb).toBeGreaterThan(large.result.heapLimitMB);
    expect(large.result.maxRssMB - small.result.maxRssMB).toBeLessThan(0.1 * (large.mb - small.mb));
    expect(large.result.maxRssMB).toBeLessThan(512);
  });
});

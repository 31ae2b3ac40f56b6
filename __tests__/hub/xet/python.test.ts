// What the action uploads through Xet, read by Python's real clients: hf_xet
// (the Rust client behind huggingface_hub) downloads the shards and
// rebuilds them byte for byte, `datasets.load_dataset` loads the dataset
// through it, DuckDB and hyparquet read the downloaded shards; and the
// action's chunker cuts a file exactly as hf_xet does, so either one's
// upload deduplicates against the other's.
import { createHash, randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import { query } from "../../helpers/duckdb.js";
import { NO_PYTHON, hfClient, interopPython } from "../../helpers/interop-python.js";
import { makeWorkspace, publishRun } from "../../helpers/publish-run.js";
import { CasClient } from "../../../src/hub/xet/cas.js";
import { chunkFile } from "../../../src/hub/xet/chunk-file.js";
import { fileHash, xetHex } from "../../../src/hub/xet/hashes.js";
import { uploadThroughXet } from "../../../src/hub/xet/upload.js";

const ROWS = 40_000;

function csv(rows: number): string {
  const lines = ["id,text,score"];
  for (let i = 0; i < rows; i++) lines.push(`${i},"row ${i}, ${(i * 7919) % 10007} with a comma",${i / 8}`);
  return lines.join("\n") + "\n";
}

describe.skipIf(!interopPython)(`the action's Xet uploads, read by Python's hf_xet${interopPython ? "" : ` (${NO_PYTHON})`}`, () => {
  let hub: HubEmulator;
  let workspace: string;
  const py = (args: string[], disableXet = false) => hfClient(args, { endpoint: hub.url, token: hub.tokens.write, disableXet });

  beforeAll(async () => {
    hub = await startHubEmulator({ xet: true });
    workspace = await makeWorkspace({ "data/rows.csv": csv(ROWS), "data/more.csv": csv(500) });
  });
  afterAll(async () => {
    await hub?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it("load_dataset through hf_xet gives the published rows; hf_xet rebuilds each shard byte for byte", async () => {
    const repo = "tester/xet-load";
    const { result } = await publishRun(workspace, {
      repo,
      token: hub.tokens.write,
      endpoint: hub.url,
      paths: "",
      splits: "train: data/rows.csv\ntest: data/more.csv",
      "num-shards": "2",
    });
    expect(result.publish?.upload).toMatchObject({ transfer: "xet", files: 4 });
    // Sequential ids leave snappy's pages very compressible: LZ4 chunks are among what hf_xet reads here.
    expect(result.publish!.upload.sentBytes).toBeLessThan(0.9 * result.publish!.upload.bytes);
    expect(hub.requestCounts()["cas-xorb"]).toBeGreaterThan(0);

    hub.resetCounts();
    const loaded = (await py(["load", repo, "-", "-"])) as unknown as { xet: boolean; splits: Record<string, { rows: number; columns: string[]; first: object; last: object; id_sum: number }> };
    expect(loaded.xet).toBe(true);
    expect(hub.requestCounts()["cas-reconstruction"]).toBeGreaterThan(0); // read through hf_xet, not plain resolve
    expect(hub.requestCounts()["xet-transfer"]).toBeGreaterThan(0);
    expect(loaded.splits.train).toMatchObject({ rows: ROWS, columns: ["id", "text", "score"], id_sum: (ROWS * (ROWS - 1)) / 2 });
    expect(loaded.splits.train!.last).toEqual({ id: ROWS - 1, text: `row ${ROWS - 1}, ${((ROWS - 1) * 7919) % 10007} with a comma`, score: (ROWS - 1) / 8 });
    expect(loaded.splits.test).toMatchObject({ rows: 500, id_sum: (500 * 499) / 2 });

    const shards = result.conversion!.splits.flatMap((s) => s.shards);
    for (const shard of shards) {
      const out = path.join(workspace, `${path.basename(shard.repoPath)}.downloaded`);
      await py(["download", repo, shard.repoPath, out]);
      expect((await readFile(out)).equals(await readFile(shard.localPath))).toBe(true);
      // Independent readers of the downloaded shard.
      const [counted] = await query(`select count(*)::INTEGER as n, sum(id)::BIGINT as ids from read_parquet('${out}')`);
      expect(Number(counted!.n)).toBe(shard.rows);
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(out) });
      expect(rows).toHaveLength(shard.rows);
      expect(rows.reduce((n, r) => n + Number(r.id), 0)).toBe(Number(counted!.ids));
    }

    // A client without Xet (HF_HUB_DISABLE_XET=1) gets the same rows from plain downloads.
    const plain = (await py(["load", repo, "-", "-"], true)) as unknown as typeof loaded;
    expect(plain.xet).toBe(false);
    expect(plain.splits).toEqual(loaded.splits);
  });

  it("computes hf_xet's file hash for files of every shape: the same chunks, the same hashes", async () => {
    const block = randomBytes(200_000);
    const shapes = [
      Buffer.alloc(0),
      Buffer.from("x"),
      randomBytes(8191),
      randomBytes(8192),
      randomBytes(8193),
      randomBytes(131_072),
      randomBytes(131_073),
      Buffer.alloc(1_000_000), // no cut point: 128 KiB chunks
      Buffer.concat([block, randomBytes(50_000), block, block]),
      ...Array.from({ length: 6 }, (_, i) => randomBytes(2_000_000 + i * 123_457)),
    ];
    const files = await Promise.all(shapes.map(async (content, i) => {
      const file = path.join(workspace, `shape-${i}.bin`);
      await writeFile(file, content);
      return file;
    }));
    const ours = [];
    for (const file of files) {
      const chunks = [];
      for await (const part of chunkFile(file)) chunks.push(...part);
      ours.push(xetHex(fileHash(chunks)));
    }
    const python = (await py(["xet-hash", "-", files.join("\n"), "-"])) as unknown as { hashes: string[] };
    expect(ours).toEqual(python.hashes);
  });

  it("cuts a file into the same chunks as hf_xet: the same file hash, and each upload deduplicates against the other's", async () => {
    const block = randomBytes(1024 * 1024);
    const content = Buffer.concat([randomBytes(700_000), block, randomBytes(300_000), block, randomBytes(12_345)]);
    const file = path.join(workspace, "same.bin");
    await writeFile(file, content);
    const sha256 = createHash("sha256").update(content).digest("hex");

    hub.createRepoDirect("tester/by-python");
    await py(["upload", "tester/by-python", file, "same.bin"]);
    const pythonHash = hub.entry("tester/by-python", "same.bin")!.xetHash;

    hub.createRepoDirect("tester/by-action");
    const cas = new CasClient({ endpoint: hub.url, token: hub.tokens.write, fetch }, { casUrl: "", accessToken: "", expiresAt: 0, refreshUrl: `${hub.url}/api/datasets/tester/by-action/xet-write-token/main` });
    const stats = await uploadThroughXet(cas, [{ path: "same.bin", localPath: file, sha256, size: content.length }]);
    // Every chunk was already in the CAS, from hf_xet's upload: only the shard went.
    expect(stats.storedBytes + stats.repeatedBytes).toBe(content.length);
    expect(stats.xorbs).toBe(0);
    const commit = await fetch(`${hub.url}/api/datasets/tester/by-action/commit/main`, {
      method: "POST",
      headers: { Authorization: `Bearer ${hub.tokens.write}`, "Content-Type": "application/x-ndjson" },
      body: [{ key: "header", value: { summary: "add" } }, { key: "lfsFile", value: { path: "same.bin", algo: "sha256", oid: sha256, size: content.length } }].map((l) => JSON.stringify(l)).join("\n"),
    });
    expect(commit.status).toBe(200);
    expect(hub.entry("tester/by-action", "same.bin")!.xetHash).toBe(pythonHash);

    // And the other way round: a file the action uploaded first, hf_xet deduplicates against.
    const fresh = Buffer.concat([randomBytes(900_000), block]);
    const freshFile = path.join(workspace, "fresh.bin");
    await writeFile(freshFile, fresh);
    await uploadThroughXet(cas, [{ path: "fresh.bin", localPath: freshFile, sha256: createHash("sha256").update(fresh).digest("hex"), size: fresh.length }]);
    hub.resetCounts();
    await py(["upload", "tester/by-python", freshFile, "fresh.bin"]);
    expect(hub.requestCounts()["cas-xorb"]).toBe(0);
    const out = path.join(workspace, "fresh.back");
    await py(["download", "tester/by-python", "fresh.bin", out]);
    expect((await readFile(out)).equals(fresh)).toBe(true);
  });
});

// The emulator's Xet protocol driven by Python's huggingface_hub with hf_xet
// (the Rust client), and read across clients: what Python wrote,
// @huggingface/hub reads, and the other way round.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { downloadFile, uploadFiles } from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../emulator/server.js";
import { NO_PYTHON, hfClient, interopPython } from "./helpers/interop-python.js";

const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), "xet-python-"));

function localFile(name: string, content: Buffer): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

function received(hub: HubEmulator, id: string): number {
  return hub.stats().repos[`datasets/${id}`]?.bytesReceived ?? 0;
}

describe.skipIf(!interopPython)(`Xet with Python huggingface_hub + hf_xet${interopPython ? "" : ` (${NO_PYTHON})`}`, () => {
  let hub: HubEmulator;
  let py: (args: string[], disableXet?: boolean) => ReturnType<typeof hfClient>;
  beforeAll(async () => {
    hub = await startHubEmulator({ xet: true });
    py = (args, disableXet) => hfClient(args, { endpoint: hub.url, token: hub.tokens.write, disableXet });
  });
  afterAll(async () => {
    await hub?.close();
  });

  const block = randomBytes(MiB);
  const content = Buffer.concat([block, block, block, randomBytes(77_777)]);

  it("uploads with upload_file and downloads with hf_hub_download through Xet; each client reads what the other wrote", async () => {
    hub.createRepoDirect("tester/py-xet");
    const up = await py(["upload", "tester/py-xet", localFile("py.bin", content), "data/py.bin"]);
    expect(up.xet).toBe(true);
    const counts = hub.requestCounts();
    expect(counts["xet-write-token"]).toBeGreaterThan(0);
    expect(counts["cas-xorb"]).toBeGreaterThan(0);
    expect(counts["cas-shard"]).toBeGreaterThan(0);
    expect(counts["lfs-batch"] + counts["lfs-upload"]).toBe(0);
    expect(hub.entry("tester/py-xet", "data/py.bin")?.xetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(hub.readFile("tester/py-xet", "data/py.bin")!.equals(content)).toBe(true);
    // The repeated MiB travelled once.
    expect(received(hub, "tester/py-xet")).toBeGreaterThan(MiB);
    expect(received(hub, "tester/py-xet")).toBeLessThan(2 * MiB);

    hub.resetCounts();
    const out = join(work, "py-back.bin");
    await py(["download", "tester/py-xet", "data/py.bin", out]);
    expect(readFileSync(out).equals(content)).toBe(true);
    expect(hub.requestCounts()["cas-reconstruction"]).toBeGreaterThan(0);
    expect(hub.requestCounts()["xet-transfer"]).toBeGreaterThan(0);

    // Without hf_xet (HF_HUB_DISABLE_XET=1), Python gets the same bytes from resolve.
    const plainOut = join(work, "py-plain.bin");
    const plain = await py(["download", "tester/py-xet", "data/py.bin", plainOut], true);
    expect(plain.xet).toBe(false);
    expect(readFileSync(plainOut).equals(content)).toBe(true);

    // @huggingface/hub reads the file hf_xet wrote...
    const repo = { type: "dataset" as const, name: "tester/py-xet" };
    const jsRead = await downloadFile({ repo, path: "data/py.bin", accessToken: hub.tokens.read, hubUrl: hub.url });
    expect(jsRead?.constructor.name).toBe("XetBlob");
    expect(Buffer.from(await jsRead!.arrayBuffer()).equals(content)).toBe(true);

    // ...and hf_xet reads the one @huggingface/hub wrote.
    const fromJs = Buffer.concat([randomBytes(200_000), block]);
    await uploadFiles({ repo, files: [{ path: "js.bin", content: new Blob([new Uint8Array(fromJs)]) }], accessToken: hub.tokens.write, hubUrl: hub.url, useXet: true });
    const jsOut = join(work, "js-back.bin");
    await py(["download", "tester/py-xet", "js.bin", jsOut]);
    expect(readFileSync(jsOut).equals(fromJs)).toBe(true);
  });

  it("uploads a folder with upload_folder and gets it back with snapshot_download", async () => {
    hub.createRepoDirect("tester/py-folder");
    const files: Record<string, Buffer> = { "data/a.parquet": randomBytes(300_000), "data/b.bin": Buffer.concat([block, block]), "notes.txt": Buffer.from("hi") };
    const folder = mkdtempSync(join(work, "folder-"));
    for (const [path, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(folder, path)), { recursive: true });
      writeFileSync(join(folder, path), bytes);
    }
    await py(["upload-folder", "tester/py-folder", folder, "-"]);
    expect(hub.entry("tester/py-folder", "data/a.parquet")?.xetHash).toMatch(/^[0-9a-f]{64}$/);
    const out = mkdtempSync(join(work, "snapshot-"));
    await py(["snapshot", "tester/py-folder", out, "-"]);
    for (const [path, bytes] of Object.entries(files)) expect(readFileSync(join(out, path)).equals(bytes)).toBe(true);
  });

  it("deduplicates a re-upload to another repo through the global dedup API", async () => {
    hub.createRepoDirect("tester/py-again");
    hub.resetCounts();
    await py(["upload", "tester/py-again", localFile("again.bin", content), "again.bin"]);
    expect(hub.requestCounts()["cas-chunk"]).toBeGreaterThan(0);
    expect(hub.requestCounts()["cas-xorb"]).toBe(0);
    expect(received(hub, "tester/py-again")).toBeLessThan(16 * 1024);
    expect(hub.readFile("tester/py-again", "again.bin")!.equals(content)).toBe(true);
  });

  it("uses LFS against an emulator with Xet off when HF_HUB_DISABLE_XET=1", async () => {
    const lfsHub = await startHubEmulator();
    try {
      lfsHub.createRepoDirect("tester/py-lfs");
      const opts = { endpoint: lfsHub.url, token: lfsHub.tokens.write, disableXet: true };
      const up = await hfClient(["upload", "tester/py-lfs", localFile("lfs.bin", content), "lfs.bin"], opts);
      expect(up.xet).toBe(false);
      expect(lfsHub.requestCounts()["lfs-upload"] + lfsHub.requestCounts()["lfs-part"]).toBeGreaterThan(0);
      expect(lfsHub.entry("tester/py-lfs", "lfs.bin")?.xetHash).toBeUndefined();
      const out = join(work, "lfs-back.bin");
      await hfClient(["download", "tester/py-lfs", "lfs.bin", out], opts);
      expect(readFileSync(out).equals(content)).toBe(true);
    } finally {
      await lfsHub.close();
    }
  });
});

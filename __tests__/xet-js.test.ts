// The emulator's Xet protocol, driven by @huggingface/hub's own Xet upload
// (uploadShards/createXorbs) and download (XetBlob) code, plus the LFS-only
// emulator the same client falls back on.
import { createHash, randomBytes } from "node:crypto";
import { HubApiError, downloadFile, listFiles, pathsInfo, uploadFiles } from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../emulator/server.js";

const MiB = 1024 * 1024;
const blob = (b: Buffer) => new Blob([new Uint8Array(b)]);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** `n` MiB made of one random MiB repeated, with a random tail: chunk dedup within the file has work to do. */
function repetitive(n: number): Buffer {
  const block = randomBytes(MiB);
  return Buffer.concat([...Array.from({ length: n }, () => block), randomBytes(12_345)]);
}

function received(hub: HubEmulator, id: string): number {
  return hub.stats().repos[`datasets/${id}`]?.bytesReceived ?? 0;
}

async function download(hub: HubEmulator, id: string, path: string, xet = true): Promise<{ bytes: Buffer; kind: string }> {
  const file = await downloadFile({ repo: { type: "dataset", name: id }, path, accessToken: hub.tokens.read, hubUrl: hub.url, xet });
  if (!file) throw new Error(`${path} not found`);
  return { bytes: Buffer.from(await file.arrayBuffer()), kind: file.constructor.name };
}

async function upload(hub: HubEmulator, id: string, files: Record<string, Buffer>, fetchImpl?: typeof fetch) {
  return uploadFiles({
    repo: { type: "dataset", name: id },
    files: Object.entries(files).map(([path, content]) => ({ path, content: blob(content) })),
    accessToken: hub.tokens.write,
    hubUrl: hub.url,
    useXet: true,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/** A fetch that lets `edit` rewrite (or swallow) the client's xorb or shard uploads. */
function tamperingFetch(
  what: "xorbs" | "shards",
  edit: (url: string, body: Uint8Array) => { url: string; body: Uint8Array } | Response,
): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes(`/__xet/cas/v1/${what}`) && init?.body instanceof Uint8Array) {
      const out = edit(url, init.body);
      if (out instanceof Response) return out;
      return fetch(out.url, { ...init, body: out.body });
    }
    return fetch(input, init);
  };
}

describe("Xet with @huggingface/hub's own Xet code", () => {
  let hub: HubEmulator;
  beforeAll(async () => {
    hub = await startHubEmulator({ xet: true });
  });
  afterAll(async () => {
    await hub?.close();
  });

  const big = repetitive(4);
  const small = randomBytes(3000);

  it("uploads through the CAS, lists xetHash, and downloads byte-identical through XetBlob", async () => {
    hub.createRepoDirect("tester/xet-js");
    await upload(hub, "tester/xet-js", { "data/big.bin": big, "small.bin": small });

    const counts = hub.requestCounts();
    expect(counts["lfs-upload"] + counts["lfs-part"]).toBe(0);
    expect(counts["cas-xorb"]).toBeGreaterThan(0);
    expect(counts["cas-shard"]).toBeGreaterThan(0);
    // The repeated MiB went over the wire once (plus chunk-boundary slack), not four times.
    expect(received(hub, "tester/xet-js")).toBeGreaterThan(MiB);
    expect(received(hub, "tester/xet-js")).toBeLessThan(2 * MiB);

    const entry = hub.entry("tester/xet-js", "data/big.bin")!;
    expect(entry.lfs).toMatchObject({ oid: sha256(big), size: big.length });
    expect(entry.xetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(hub.readFile("tester/xet-js", "data/big.bin")!.equals(big)).toBe(true);

    const repo = { type: "dataset" as const, name: "tester/xet-js" };
    const listed = [];
    for await (const f of listFiles({ repo, recursive: true, hubUrl: hub.url })) listed.push(f);
    expect(listed.find((f) => f.path === "data/big.bin")?.xetHash).toBe(entry.xetHash);
    const [info] = await pathsInfo({ repo, paths: ["small.bin"], hubUrl: hub.url });
    expect(info.xetHash).toBe(hub.entry("tester/xet-js", "small.bin")!.xetHash);

    for (const [path, want] of [["data/big.bin", big], ["small.bin", small]] as const) {
      const got = await download(hub, "tester/xet-js", path);
      expect(got.kind).toBe("XetBlob");
      expect(got.bytes.equals(want)).toBe(true);
    }
    expect(hub.requestCounts()["xet-transfer"]).toBeGreaterThan(0);

    // Without Xet, the same client gets the bytes from resolve, which carries the Hub's Xet headers.
    const plain = await download(hub, "tester/xet-js", "data/big.bin", false);
    expect(plain.kind).not.toBe("XetBlob");
    expect(plain.bytes.equals(big)).toBe(true);
    const resolve = await fetch(`${hub.url}/datasets/tester/xet-js/resolve/main/small.bin`);
    expect(resolve.headers.get("X-Xet-Hash")).toBe(info.xetHash);
    expect(resolve.headers.get("Link")).toMatch(/rel="xet-auth".*rel="xet-reconstruction-info"/);
  });

  it("reconstructs byte ranges (v2 and v1 answers) behind URLs signed for exactly the bytes needed", async () => {
    const repo = { type: "dataset" as const, name: "tester/xet-js" };
    const file = await downloadFile({ repo, path: "data/big.bin", accessToken: hub.tokens.read, hubUrl: hub.url });
    const [start, end] = [1_500_000, 2_600_000];
    expect(Buffer.from(await file!.slice(start, end).arrayBuffer()).equals(big.subarray(start, end))).toBe(true);

    const tokenRes = await fetch(`${hub.url}/api/datasets/tester/xet-js/xet-read-token/main`, {
      headers: { Authorization: `Bearer ${hub.tokens.read}` },
    });
    const { accessToken, casUrl } = (await tokenRes.json()) as { accessToken: string; casUrl: string };
    const xetHash = hub.entry("tester/xet-js", "data/big.bin")!.xetHash!;
    const ask = (version: string, range?: string) =>
      fetch(`${casUrl}/${version}/reconstructions/${xetHash}`, {
        headers: { Authorization: `Bearer ${accessToken}`, ...(range ? { Range: range } : {}) },
      });
    const v2 = (await (await ask("v2", `bytes=${start}-${end - 1}`)).json()) as {
      offset_into_first_range: number;
      terms: Array<{ hash: string; unpacked_length: number; range: { start: number; end: number } }>;
      xorbs: Record<string, Array<{ url: string; ranges: Array<{ bytes: { start: number; end: number } }> }>>;
    };
    const covered = v2.terms.reduce((n, t) => n + t.unpacked_length, 0);
    expect(v2.offset_into_first_range).toBeGreaterThan(0);
    expect(covered - v2.offset_into_first_range).toBeGreaterThanOrEqual(end - start);
    expect(covered).toBeLessThan(big.length); // trimmed to the chunks the range needs

    const [xorb, [entry]] = Object.entries(v2.xorbs)[0];
    const signed = entry.ranges[0].bytes;
    const get = (url: string, range: string) => fetch(url, { headers: { Range: range } });
    const ok = await get(entry.url, `bytes=${signed.start}-${signed.end}`);
    expect(ok.status).toBe(206);
    expect((await ok.arrayBuffer()).byteLength).toBe(signed.end - signed.start + 1);
    expect((await get(entry.url, `bytes=${signed.start}-${signed.end + 1}`)).status).toBe(403);
    expect((await get(entry.url.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === "0" ? "1" : "0"}`), `bytes=${signed.start}-${signed.end}`)).status).toBe(403);
    expect((await get(`${hub.url}/__xet/transfer/${xorb}`, `bytes=${signed.start}-${signed.end}`)).status).toBe(403);

    const v1 = (await (await ask("v1")).json()) as {
      terms: unknown[];
      fetch_info: Record<string, Array<{ url: string; url_range: { start: number; end: number } }>>;
    };
    const fetchInfo = Object.values(v1.fetch_info).flat();
    expect(fetchInfo.length).toBeGreaterThan(0);
    for (const f of fetchInfo) expect((await get(f.url, `bytes=${f.url_range.start}-${f.url_range.end}`)).status).toBe(206);
    expect((await ask("v2", `bytes=${big.length}-${big.length + 10}`)).status).toBe(416);
    expect((await fetch(`${casUrl}/v2/reconstructions/${xetHash}`)).status).toBe(401);
  });

  it("sends almost nothing for content the CAS already has: same repo, another repo, an edited file", async () => {
    const content = repetitive(2); // not seen by the CAS yet
    hub.createRepoDirect("tester/xet-again");
    hub.createRepoDirect("tester/xet-other");
    await upload(hub, "tester/xet-again", { "a.bin": content });
    const first = received(hub, "tester/xet-again");
    expect(first).toBeGreaterThan(MiB);

    // Same content, same repo: the LFS batch says it is there, no CAS request at all.
    hub.resetCounts();
    await upload(hub, "tester/xet-again", { "copy.bin": content });
    expect(hub.requestCounts()["cas-xorb"]).toBe(0);
    expect(received(hub, "tester/xet-again") - first).toBeLessThan(4096);

    // Same content, another repo: one global-dedup query finds the xorbs, only a shard is sent.
    hub.resetCounts();
    await upload(hub, "tester/xet-other", { "b.bin": content });
    expect(hub.requestCounts()["cas-chunk"]).toBeGreaterThan(0);
    expect(hub.requestCounts()["cas-xorb"]).toBe(0);
    expect(received(hub, "tester/xet-other")).toBeLessThan(16 * 1024);
    expect((await download(hub, "tester/xet-other", "b.bin")).bytes.equals(content)).toBe(true);

    // An edited file (a tail appended): only the chunks around the change travel.
    const before = received(hub, "tester/xet-other");
    const edited = Buffer.concat([content, randomBytes(50_000)]);
    await upload(hub, "tester/xet-other", { "b.bin": edited });
    expect(received(hub, "tester/xet-other") - before).toBeLessThan(256 * 1024);
    expect((await download(hub, "tester/xet-other", "b.bin")).bytes.equals(edited)).toBe(true);
  });

  it("rejects a corrupted xorb, a xorb under the wrong hash and a shard that references an unknown xorb", async () => {
    hub.createRepoDirect("tester/xet-bad");
    const content = randomBytes(300_000); // incompressible: stored as is, so a flipped byte changes a chunk hash
    const attempt = (fetchImpl: typeof fetch) => upload(hub, "tester/xet-bad", { "bad.bin": content }, fetchImpl);
    const failure = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(HubApiError);
      expect((e as HubApiError).statusCode).toBe(400);
      return (e as HubApiError).message;
    };

    const corrupted = tamperingFetch("xorbs", (url, body) => {
      const copy = new Uint8Array(body);
      copy[copy.length - 100] ^= 0xff;
      return { url, body: copy };
    });
    expect(await failure(attempt(corrupted))).toMatch(/xorb hash mismatch: the uploaded chunks hash to [0-9a-f]{64}, not [0-9a-f]{64}/);

    const renamed = tamperingFetch("xorbs", (url, body) => ({ url: url.replace(/[0-9a-f]{8}$/, "00000000"), body }));
    expect(await failure(attempt(renamed))).toMatch(/xorb hash mismatch/);

    // The xorb never reaches the CAS, yet the shard lists it.
    const skipped = tamperingFetch("xorbs", () => Response.json({ was_inserted: true }));
    expect(await failure(attempt(skipped))).toMatch(/shard CAS block 0 \(xorb [0-9a-f]{64}\): no such xorb was uploaded/);

    // The file's term names a xorb nobody uploaded (bytes 96..127: the xorb hash of file 0's first term).
    const unknownTerm = tamperingFetch("shards", (url, body) => {
      const copy = new Uint8Array(body);
      copy.set(randomBytes(32), 96);
      return { url, body: copy };
    });
    expect(await failure(attempt(unknownTerm))).toMatch(/shard file 0 \([0-9a-f]{64}\) term 0: references xorb [0-9a-f]{64}, which was never uploaded/);

    expect(hub.files("tester/xet-bad")).not.toContain("bad.bin");
    await attempt(fetch); // the untampered upload goes through
    expect((await download(hub, "tester/xet-bad", "bad.bin")).bytes.equals(content)).toBe(true);
  });
});

describe("Xet switched off: an LFS-only hub", () => {
  let hub: HubEmulator;
  beforeAll(async () => {
    hub = await startHubEmulator();
  });
  afterAll(async () => {
    await hub?.close();
  });

  it("makes @huggingface/hub fall back to basic LFS even with useXet: true", async () => {
    hub.createRepoDirect("tester/lfs-only");
    const content = repetitive(1);
    await upload(hub, "tester/lfs-only", { "data.bin": content });
    const counts = hub.requestCounts();
    expect(counts["lfs-upload"]).toBe(1);
    expect(counts["cas-xorb"] + counts["cas-shard"] + counts["xet-write-token"]).toBe(0);
    expect(hub.entry("tester/lfs-only", "data.bin")?.xetHash).toBeUndefined();
    // LFS bytes count for the repo too: the whole object went over the wire.
    expect(received(hub, "tester/lfs-only")).toBeGreaterThan(content.length);
    const got = await download(hub, "tester/lfs-only", "data.bin");
    expect(got.kind).not.toBe("XetBlob");
    expect(got.bytes.equals(content)).toBe(true);
    const token = await fetch(`${hub.url}/api/datasets/tester/lfs-only/xet-write-token/main`, {
      headers: { Authorization: `Bearer ${hub.tokens.write}` },
    });
    expect(token.status).toBe(404);
  });
});

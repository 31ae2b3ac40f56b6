// The Xet formats the uploader writes and reads, checked by the emulator's
// own parsers (emulator/xet/, written separately from the format's
// specification): xorbs with xet-core's footer, upload shards, global dedup
// answers; and the streaming chunker against the one-shot one.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GEAR_TABLE } from "gearhash-jit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XetHasher, hashToHex, hexToHash } from "../../../emulator/xet/hash.js";
import { buildDedupShard, parseShard } from "../../../emulator/xet/shard.js";
import { parseXorb } from "../../../emulator/xet/xorb.js";
import { chunkFile } from "../../../src/hub/xet/chunk-file.js";
import { Chunker } from "../../../src/hub/xet/chunker.js";
import { fileHash, verificationHash, xetHex } from "../../../src/hub/xet/hashes.js";
import { KnownChunks } from "../../../src/hub/xet/known-chunks.js";
import { Lz4 } from "../../../src/hub/xet/lz4.js";
import { parseDedupAnswer, serializeShard } from "../../../src/hub/xet/shard.js";
import { MAX_XORB_BYTES, MAX_XORB_CHUNKS, OpenXorb } from "../../../src/hub/xet/xorb.js";
import { rng } from "../../../bench/generate.js";

/** `n` bytes of seeded noise (incompressible, the same in every run). */
function noise(n: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

let dir: string;
let hasher: XetHasher;
const dedupKey = randomBytes(32);
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "xet-format-"));
  hasher = await XetHasher.create(dedupKey);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The chunk lengths of the specification's pseudocode, byte by byte in
 * BigInt (slow, plain): gear hash every byte, cut where the mask finds zeros
 * once a chunk has 8 KiB, always at 128 KiB, reset the hash at each cut.
 */
function specChunkLengths(data: Uint8Array): number[] {
  const table = GEAR_TABLE as unknown as bigint[];
  const lengths: number[] = [];
  let h = 0n;
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    h = ((h << 1n) + table[data[i]!]!) & 0xffffffffffffffffn;
    const size = i + 1 - start;
    if (size >= 8192 && (size >= 131072 || (h & 0xffff000000000000n) === 0n)) {
      lengths.push(size);
      start = i + 1;
      h = 0n;
    }
  }
  if (start < data.length) lengths.push(data.length - start);
  return lengths;
}

/** Our chunker over all of `data` at once. */
function getChunks(data: Uint8Array) {
  const chunker = new Chunker();
  const chunks = chunker.push(data);
  const last = chunker.finish();
  return last ? [...chunks, last] : chunks;
}

/** A xorb of `data`'s chunks, `data` standing in for a file on disk. */
function xorbOf(data: Uint8Array): OpenXorb {
  const source = new Blob([data]);
  const xorb = new OpenXorb();
  let offset = 0;
  for (const c of getChunks(data)) {
    xorb.add({ hash: c.hash, length: c.length, source, offset, mightShrink: true });
    offset += c.length;
  }
  return xorb;
}

describe("xorbs", () => {
  it("serializes chunks the CAS can verify, footer included, as slices of the file", async () => {
    const data = randomBytes(700_000);
    const sealed = await xorbOf(data).seal();
    const body = new Uint8Array(await sealed.body.arrayBuffer());
    const parsed = parseXorb(hasher, body, hexToHash(sealed.hex));
    expect(parsed.hasFooter).toBe(true);
    expect(parsed.unpackedBytes).toBe(data.length);
    expect(parsed.chunks.map((c) => hashToHex(c.hash))).toEqual(sealed.chunks.map((c) => xetHex(c.hash)));
    expect(sealed.unpackedBytes).toBe(data.length);
    // Uncompressed: the body is the data plus 8 bytes a chunk and the footer.
    expect(body.length).toBeLessThan(data.length + sealed.chunks.length * (8 + 40) + 200);
  });

  it("stores the chunks LZ4 shrinks compressed, holding only those in memory, and the others as slices of the file", async () => {
    // Every chunk flagged as worth trying (as the chunker's probe does): those LZ4 cannot shrink stay as they are.
    const compressible = new Uint8Array(400_000).map((_, i) => (i % 251 < 200 ? 0 : i & 0xff));
    // Seeded noise, not randomBytes: a chunk straddling noise and the compressible run makes the held bytes depend
    // on where the cuts fall (about 1 run in 300 with random noise passed the bound).
    const data = Buffer.concat([noise(300_000, 1), compressible, noise(200_000, 2)]);
    const sealed = await xorbOf(data).seal(new Lz4());
    const body = new Uint8Array(await sealed.body.arrayBuffer());
    const parsed = parseXorb(hasher, body, hexToHash(sealed.hex));
    expect(parsed.unpackedBytes).toBe(data.length);
    const schemes = parsed.chunks.map((c) => body[c.start + 4]);
    expect(schemes).toContain(0);
    expect(schemes).toContain(1);
    expect(body.length).toBeLessThan(data.length - 300_000);
    expect(sealed.heldBytes).toBeLessThan(compressible.length / 2); // the compressed chunks, headers and footer; not the random ones
  });

  it("stops taking chunks at 8192 chunks or 64 MiB serialized", async () => {
    const byCount = new OpenXorb();
    const tiny = new Blob([new Uint8Array(1)]);
    for (let i = 0; i < MAX_XORB_CHUNKS; i++) {
      expect(byCount.fits(1)).toBe(true);
      byCount.add({ hash: randomBytes(32), length: 1, source: tiny, offset: 0 });
    }
    expect(byCount.fits(1)).toBe(false);

    const big = new Uint8Array(MAX_XORB_BYTES);
    const source = new Blob([big]);
    const bySize = new OpenXorb();
    let offset = 0;
    while (bySize.fits(128 * 1024)) {
      bySize.add({ hash: randomBytes(32), length: 128 * 1024, source, offset });
      offset += 128 * 1024;
    }
    expect(bySize.chunks.length).toBeGreaterThan(500);
    const sealed = await bySize.seal();
    expect(sealed.body.size).toBeLessThanOrEqual(MAX_XORB_BYTES);
    expect(sealed.body.size + 128 * 1024 + 8).toBeGreaterThan(MAX_XORB_BYTES);
  });
});

describe("shards", () => {
  it("writes the files' terms, verification hashes and sha256, and the new xorbs' chunks, as the CAS reads them", async () => {
    const data = randomBytes(400_000);
    const sealed = await xorbOf(data).seal();
    const n = sealed.chunks.length;
    const sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const terms = [
      { xorb: sealed.hash, chunkStart: 0, chunkEnd: 2, unpackedBytes: sealed.chunks[0]!.length + sealed.chunks[1]!.length, rangeHash: verificationHash(sealed.chunks.slice(0, 2).map((c) => c.hash)) },
      { xorb: sealed.hash, chunkStart: 2, chunkEnd: n, unpackedBytes: data.length - sealed.chunks[0]!.length - sealed.chunks[1]!.length, rangeHash: verificationHash(sealed.chunks.slice(2).map((c) => c.hash)) },
    ];
    const body = serializeShard(
      [{ fileHash: fileHash(sealed.chunks), sha256, terms }],
      [{ hash: sealed.hash, chunks: sealed.chunks, unpackedBytes: sealed.unpackedBytes, serializedBytes: sealed.body.size }],
    );
    const parsed = parseShard(body);
    expect(parsed.files).toHaveLength(1);
    const file = parsed.files[0]!;
    expect(hashToHex(file.hash)).toBe(xetHex(fileHash(sealed.chunks)));
    expect(hashToHex(file.sha256!)).toBe(sha256);
    expect(file.terms.map((t) => [hashToHex(t.xorb), t.chunkStart, t.chunkEnd, t.unpackedBytes])).toEqual(terms.map((t) => [sealed.hex, t.chunkStart, t.chunkEnd, t.unpackedBytes]));
    expect(file.terms.map((t) => hashToHex(t.rangeHash!))).toEqual(terms.map((t) => xetHex(t.rangeHash)));
    // The emulator's own hashes agree with the uploader's.
    expect(hashToHex(hasher.rangeHash(sealed.chunks.slice(2).map((c) => c.hash)))).toBe(xetHex(terms[1]!.rangeHash));
    expect(parsed.xorbs).toHaveLength(1);
    const block = parsed.xorbs[0]!;
    expect([hashToHex(block.hash), block.unpackedBytes, block.bytesOnDisk]).toEqual([sealed.hex, data.length, sealed.body.size]);
    let start = 0;
    block.chunks.forEach((c, i) => {
      expect([hashToHex(c.hash), c.unpackedStart, c.length]).toEqual([xetHex(sealed.chunks[i]!.hash), start, sealed.chunks[i]!.length]);
      start += c.length;
    });
  });

  it("reads global dedup answers: a chunk it holds is found, by its keyed hash, at its place in a listed xorb", () => {
    const data = randomBytes(300_000);
    const chunks = getChunks(data);
    const xorbHash = randomBytes(32);
    const answer = buildDedupShard(hasher, dedupKey, [{ hash: xorbHash, bytesOnDisk: 12345, chunks }], 1_700_000_000);
    const known = new KnownChunks();
    known.learn(parseDedupAnswer(answer));
    const third = chunks[2]!;
    const found = known.find(third.hash, third.length);
    expect(found?.stored).toBe(true);
    expect(found?.ref.index).toBe(2);
    expect(xetHex(found!.ref.xorb as Uint8Array)).toBe(hashToHex(xorbHash));
    expect(known.find(third.hash, third.length + 1)).toBeUndefined();
    expect(known.find(randomBytes(32), 1000)).toBeUndefined();
  });
});

describe("chunking", () => {
  it("cuts where the specification's byte-by-byte pseudocode cuts, and hashes each chunk as the CAS does", () => {
    for (const data of [randomBytes(6_000_000), Buffer.alloc(300_000), randomBytes(8191), randomBytes(8193), Buffer.from("tiny")]) {
      const chunks = getChunks(data);
      expect(chunks.map((c) => c.length)).toEqual(specChunkLengths(data));
      let offset = 0;
      for (const c of chunks) {
        expect(xetHex(c.hash)).toBe(hashToHex(hasher.chunkHash(data.subarray(offset, offset + c.length))));
        offset += c.length;
      }
    }
  });

  it("finds the chunks of the whole file whatever the size of the reads, and covers every byte once", async () => {
    const block = randomBytes(300_000);
    const data = Buffer.concat([block, randomBytes(1_000_000), block, randomBytes(77)]);
    const file = path.join(dir, "data.bin");
    await writeFile(file, data);
    const expected = getChunks(data).map((c) => [xetHex(c.hash), c.length]);
    for (const readBytes of [1000, 65_543, 8 * 1024 * 1024]) {
      const chunks = [];
      for await (const part of chunkFile(file, readBytes)) chunks.push(...part);
      expect(chunks.map((c) => [xetHex(c.hash), c.length])).toEqual(expected);
      let offset = 0;
      for (const c of chunks) {
        expect(c.offset).toBe(offset);
        offset += c.length;
      }
      expect(offset).toBe(data.length);
    }
    const empty = path.join(dir, "empty.bin");
    await writeFile(empty, "");
    const none = [];
    for await (const part of chunkFile(empty)) none.push(...part);
    expect(none).toEqual([]);
  });
});

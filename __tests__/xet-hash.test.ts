// The emulator's Xet hashing (emulator/xet/hash.ts) against an independent
// implementation: @huggingface/xetchunk-wasm, the chunker and hashes the JS
// client uploads with. (End to end, hf_xet's Rust hashes are checked by the
// interop tests: the emulator rejects any upload whose hashes it disagrees with.)
import { randomBytes } from "node:crypto";
import { fileHash, getChunks, hashToHex as refHex, verificationHash, xorbHash } from "@huggingface/xetchunk-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { XetHasher, hashToHex, hexToHash, isGlobalDedupEligible } from "../emulator/xet/hash.js";

let hasher: XetHasher;
beforeAll(async () => {
  hasher = await XetHasher.create(randomBytes(32));
});

describe("Xet hashes", () => {
  it("prints hashes as four little-endian u64s (the specification's example)", () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i);
    // The specification prints this with byte 0x10 as "1" (62 digits); each byte is two digits.
    const hex = "07060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918";
    expect(hashToHex(bytes)).toBe(hex);
    expect(hexToHash(hex)).toEqual(bytes);
  });

  it("agrees with @huggingface/xetchunk-wasm on chunk, xorb, file and verification hashes", () => {
    const data = randomBytes(4 * 1024 * 1024);
    const ref = getChunks(data);
    expect(ref.length).toBeGreaterThan(30);
    let offset = 0;
    const mine = ref.map((c) => {
      const hash = hasher.chunkHash(data.subarray(offset, (offset += c.length)));
      return { hash, length: c.length };
    });
    expect(mine.map((c) => hashToHex(c.hash))).toEqual(ref.map((c) => refHex(c.hash)));
    // Several tree shapes: one node, a single merge, and deeper trees.
    for (const n of [1, 2, 3, 9, 10, 25, ref.length]) {
      expect(hashToHex(hasher.xorbHash(mine.slice(0, n)))).toBe(refHex(xorbHash(ref.slice(0, n))));
      expect(hashToHex(hasher.fileHash(mine.slice(0, n)))).toBe(refHex(fileHash(ref.slice(0, n))));
    }
    const range = (s: number, e: number) => hashToHex(hasher.rangeHash(mine.slice(s, e).map((c) => c.hash)));
    expect(range(3, 17)).toBe(refHex(verificationHash(ref.slice(3, 17).map((c) => c.hash))));
  });

  it("marks a chunk eligible for global dedup when its last u64 is a multiple of 1024", () => {
    const hash = new Uint8Array(32).fill(0xab);
    hash.fill(0, 24, 26);
    expect(isGlobalDedupEligible(hash)).toBe(true);
    hash[25] = 4; // 1024 = 0x400
    expect(isGlobalDedupEligible(hash)).toBe(true);
    hash[25] = 1;
    expect(isGlobalDedupEligible(hash)).toBe(false);
  });
});

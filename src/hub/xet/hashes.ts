/**
 * The Xet protocol's hashes (docs/xet.md#hashes) over chunks, from
 * `@huggingface/xetchunk-wasm` (checked against the emulator's own and
 * against hf_xet's file hashes): the merkle trees of xorbs and files, term
 * verification hashes and the HMAC of dedup answers. What is ours: the
 * string form and the dedup eligibility rule. (Chunk hashes: ./chunker.ts.)
 */
import { fileHash, hashToHex, hexToBytes, hmac, verificationHash, xorbHash } from "@huggingface/xetchunk-wasm";

export type { Chunk } from "./chunker.js";
export { fileHash, hmac, verificationHash, xorbHash };

/** A 32-byte hash in Xet's string form: each 8-byte group a little-endian u64 in 16 hex digits. */
export const xetHex: (hash: Uint8Array) => string = hashToHex;

/** The bytes of a hash given in Xet's string form (also how a sha256 is stored in a shard). */
export function fromXetHex(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a 64-digit hex hash: '${hex}'`);
  return hexToBytes(hex);
}

/** A cheap Map key for a hash (base64 of its bytes). */
export function hashKey(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString("base64");
}

/** Chunks worth a global dedup query besides a file's first: the hash's last u64 is a multiple of 1024. */
export function isDedupEligible(hash: Uint8Array): boolean {
  return hash[24] === 0 && (hash[25]! & 3) === 0;
}

// The Xet protocol's hashes (docs/xet.md, "Hashes"): keyed BLAKE3 for chunks,
// a content-defined merkle tree for xorbs and files, keyed BLAKE3 over raw
// chunk hashes for term verification, and the byte-swapped hex form used in
// URLs and JSON. hash-wasm's BLAKE3 is WebAssembly: its hashers are created
// once (asynchronously) and then used synchronously by the route handlers.
import { createBLAKE3 } from "hash-wasm";

type Hasher = Awaited<ReturnType<typeof createBLAKE3>>;

export type Hash = Uint8Array; // 32 bytes

/** Protocol constants (the Xet specification's DATA_KEY, INTERNAL_NODE_KEY, VERIFICATION_KEY). */
const DATA_KEY = [
  102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28, 157, 228, 33, 16, 155, 235, 43, 88, 180, 208,
  176, 75, 147, 173, 242, 41,
];
const INTERNAL_NODE_KEY = [
  1, 126, 197, 199, 165, 71, 41, 150, 253, 148, 102, 102, 180, 138, 2, 230, 93, 221, 83, 111, 55, 199, 109, 210, 248, 99,
  82, 230, 74, 83, 113, 63,
];
const VERIFICATION_KEY = [
  127, 24, 87, 214, 206, 86, 237, 102, 18, 127, 249, 19, 231, 165, 195, 243, 164, 205, 38, 213, 181, 219, 73, 230, 65,
  36, 152, 127, 40, 251, 148, 195,
];

export const ZERO_HASH: Hash = new Uint8Array(32);

/** Xet's string form: each 8-byte group is a little-endian u64 printed as 16 hex digits. */
export function hashToHex(hash: Hash): string {
  let out = "";
  for (let group = 0; group < 32; group += 8) {
    for (let i = 7; i >= 0; i--) out += hash[group + i].toString(16).padStart(2, "0");
  }
  return out;
}

export const HASH_HEX = /^[0-9a-f]{64}$/;

export function hexToHash(hex: string): Hash {
  if (!HASH_HEX.test(hex)) throw new Error(`not a Xet hash: "${hex}"`);
  const out = new Uint8Array(32);
  for (let group = 0; group < 32; group += 8) {
    for (let i = 0; i < 8; i++) out[group + 7 - i] = parseInt(hex.slice(2 * (group + i), 2 * (group + i) + 2), 16);
  }
  return out;
}

export function sameHash(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Chunks whose hash's last u64 is a multiple of 1024 may be queried for global dedup (as may a file's first chunk). */
export function isGlobalDedupEligible(hash: Hash): boolean {
  return hash[24] === 0 && (hash[25] & 3) === 0;
}

export interface HashedChunk {
  hash: Hash;
  /** uncompressed length */
  length: number;
}

export class XetHasher {
  private constructor(
    private readonly data: Hasher,
    private readonly node: Hasher,
    private readonly verification: Hasher,
    private readonly zeroKey: Hasher,
    private readonly dedupKey: Hasher,
  ) {}

  /** `dedupHmacKey`: the key that protects chunk hashes in global-dedup answers. */
  static async create(dedupHmacKey: Uint8Array): Promise<XetHasher> {
    const make = (key: ArrayLike<number>) => createBLAKE3(256, Uint8Array.from(key));
    return new XetHasher(
      await make(DATA_KEY),
      await make(INTERNAL_NODE_KEY),
      await make(VERIFICATION_KEY),
      await make(ZERO_HASH),
      await make(dedupHmacKey),
    );
  }

  private static run(hasher: Hasher, ...parts: Uint8Array[]): Hash {
    hasher.init();
    for (const p of parts) hasher.update(p);
    return hasher.digest("binary");
  }

  chunkHash(data: Uint8Array): Hash {
    return XetHasher.run(this.data, data);
  }

  /** Root of the aggregated merkle tree: the xorb hash of a xorb's chunks. */
  xorbHash(chunks: HashedChunk[]): Hash {
    if (chunks.length === 0) return ZERO_HASH;
    let level = chunks;
    while (level.length > 1) {
      const next: HashedChunk[] = [];
      for (let start = 0; start < level.length; ) {
        const end = start + mergeCut(level, start);
        next.push(this.mergeNodes(level.slice(start, end)));
        start = end;
      }
      level = next;
    }
    return level[0].hash;
  }

  /** The file hash: the same tree over the file's chunks, then keyed with 32 zero bytes; zero for an empty file. */
  fileHash(chunks: HashedChunk[]): Hash {
    if (chunks.length === 0) return ZERO_HASH;
    return XetHasher.run(this.zeroKey, this.xorbHash(chunks));
  }

  /** A term's verification hash: keyed over the raw hashes of the chunks it covers. */
  rangeHash(chunkHashes: Hash[]): Hash {
    return XetHasher.run(this.verification, ...chunkHashes);
  }

  /** What global-dedup answers list instead of raw chunk hashes. */
  dedupHmac(hash: Hash): Hash {
    return XetHasher.run(this.dedupKey, hash);
  }

  private mergeNodes(nodes: HashedChunk[]): HashedChunk {
    let text = "";
    let length = 0;
    for (const n of nodes) {
      text += `${hashToHex(n.hash)} : ${n.length}\n`;
      length += n.length;
    }
    return { hash: XetHasher.run(this.node, Buffer.from(text, "latin1")), length };
  }
}

/**
 * How many nodes from `start` form the next parent: between 2 and 9, cut after
 * the first node (from the third on) whose hash's last u64 is a multiple of 4.
 */
function mergeCut(nodes: HashedChunk[], start: number): number {
  const left = nodes.length - start;
  if (left <= 2) return left;
  const end = Math.min(9, left);
  for (let i = 2; i < end; i++) {
    if ((nodes[start + i].hash[24] & 3) === 0) return i + 1;
  }
  return end;
}

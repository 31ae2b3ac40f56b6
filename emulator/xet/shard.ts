// The shard format (docs/xet.md, "Shard"): parsing what clients upload
// (header, file info section, CAS info section, optional footer) with every
// structural check, and writing the shards that global-dedup answers carry.
// Cross-checks against stored xorbs happen in cas.ts, not here.
import type { Hash, XetHasher } from "./hash.js";

const HEADER_TAG = Uint8Array.from([
  ...Buffer.from("HFRepoMetaData"),
  0, 85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169,
]);
const HEADER_VERSION = 2n;
const FOOTER_VERSION = 1n;
const HEADER_BYTES = 48;
const FOOTER_BYTES = 200;
const ENTRY_BYTES = 48;
export const FLAG_WITH_VERIFICATION = 0x80000000;
export const FLAG_WITH_METADATA_EXT = 0x40000000;

export class ShardFormatError extends Error {}

export interface ShardTerm {
  xorb: Hash;
  /** uncompressed bytes of the term's chunks, as the client claims */
  unpackedBytes: number;
  chunkStart: number;
  chunkEnd: number;
  rangeHash?: Hash;
}

export interface ShardFile {
  hash: Hash;
  terms: ShardTerm[];
  sha256?: Hash;
  flags: number;
}

export interface ShardXorbChunk {
  hash: Hash;
  /** offset of the chunk in the xorb's uncompressed data, as the client claims */
  unpackedStart: number;
  length: number;
}

export interface ShardXorb {
  hash: Hash;
  unpackedBytes: number;
  bytesOnDisk: number;
  chunks: ShardXorbChunk[];
}

export interface ParsedShard {
  files: ShardFile[];
  xorbs: ShardXorb[];
}

function isBookend(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 32; i++) if (b[at + i] !== 0xff) return false;
  return true;
}

/** Parse an uploaded shard. Structural problems throw ShardFormatError naming the place. */
export function parseShard(body: Uint8Array): ParsedShard {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const fail = (what: string): never => {
    throw new ShardFormatError(`shard: ${what}`);
  };
  if (body.length < HEADER_BYTES) fail("shorter than its 48-byte header");
  if (!HEADER_TAG.every((b, i) => body[i] === b)) fail("wrong magic tag (not a Xet MDB shard)");
  if (view.getBigUint64(32, true) !== HEADER_VERSION) fail(`header version ${view.getBigUint64(32, true)}, expected 2`);
  const footerSize = Number(view.getBigUint64(40, true));
  if (footerSize !== 0 && footerSize !== FOOTER_BYTES) fail(`footer size ${footerSize}: must be 0 (omitted) or ${FOOTER_BYTES}`);
  const limit = body.length - footerSize;
  if (limit < HEADER_BYTES) fail("too short for its footer");

  let p = HEADER_BYTES;
  const entry = (what: string) => {
    if (p + ENTRY_BYTES > limit) fail(`truncated in the ${what} (byte ${p})`);
    const at = p;
    p += ENTRY_BYTES;
    return at;
  };
  const hash = (at: number) => body.slice(at, at + 32);
  const u32 = (at: number) => view.getUint32(at, true);

  const files: ShardFile[] = [];
  for (;;) {
    const at = entry("file info section");
    if (isBookend(body, at)) break;
    const index = files.length;
    const flags = u32(at + 32);
    const known = FLAG_WITH_VERIFICATION | FLAG_WITH_METADATA_EXT;
    if ((flags & ~known) >>> 0 !== 0) fail(`file ${index}: unknown flags 0x${flags.toString(16)}`);
    const count = u32(at + 36);
    const terms: ShardTerm[] = [];
    for (let i = 0; i < count; i++) {
      const t = entry(`terms of file ${index}`);
      terms.push({ xorb: hash(t), unpackedBytes: u32(t + 36), chunkStart: u32(t + 40), chunkEnd: u32(t + 44) });
    }
    if (flags & FLAG_WITH_VERIFICATION) {
      for (const term of terms) term.rangeHash = hash(entry(`verification entries of file ${index}`));
    }
    const file: ShardFile = { hash: hash(at), terms, flags };
    if (flags & FLAG_WITH_METADATA_EXT) file.sha256 = hash(entry(`metadata extension of file ${index}`));
    files.push(file);
  }

  const casStart = p;
  const xorbs: ShardXorb[] = [];
  for (;;) {
    const at = entry("CAS info section");
    if (isBookend(body, at)) break;
    const count = u32(at + 36);
    const chunks: ShardXorbChunk[] = [];
    for (let i = 0; i < count; i++) {
      const c = entry(`chunks of CAS block ${xorbs.length}`);
      chunks.push({ hash: hash(c), unpackedStart: u32(c + 32), length: u32(c + 36) });
    }
    xorbs.push({ hash: hash(at), unpackedBytes: u32(at + 40), bytesOnDisk: u32(at + 44), chunks });
  }

  if (footerSize === 0) {
    if (p !== body.length) fail(`${body.length - p} bytes after the CAS info bookend`);
  } else {
    checkFooter(view, limit, casStart, p, fail);
  }
  return { files, xorbs };
}

/** The footer's offsets must describe what was parsed; lookup tables, if announced, fill the gap exactly. */
function checkFooter(view: DataView, footerAt: number, casStart: number, casEnd: number, fail: (w: string) => never): void {
  const u64 = (field: number) => Number(view.getBigUint64(footerAt + 8 * field, true));
  if (u64(0) !== Number(FOOTER_VERSION)) fail(`footer version ${u64(0)}, expected 1`);
  if (u64(1) !== HEADER_BYTES) fail(`footer: file info offset ${u64(1)}, expected ${HEADER_BYTES}`);
  if (u64(2) !== casStart) fail(`footer: CAS info offset ${u64(2)}, but the CAS info section starts at ${casStart}`);
  if (u64(24) !== footerAt) fail(`footer: footer offset ${u64(24)}, but the footer starts at ${footerAt}`);
  // Fields 3..8: file/xorb/chunk lookup tables (offset, count), zero when absent.
  const lookupBytes = 12 * u64(4) + 12 * u64(6) + 16 * u64(8);
  if (casEnd + lookupBytes !== footerAt) {
    fail(`${footerAt - casEnd} bytes between the CAS info bookend and the footer, ${lookupBytes} announced for lookup tables`);
  }
}

// ---------------------------------------------------------------- global-dedup answers

export interface DedupXorb {
  hash: Hash;
  bytesOnDisk: number;
  chunks: Array<{ hash: Hash; length: number }>;
}

/**
 * A shard listing `xorbs` in its CAS info section, chunk hashes replaced by
 * their HMAC under the emulator's key, with xet-core's lookup tables and
 * footer (hf_xet searches the chunk table; @huggingface/hub reads the footer
 * offsets and the key).
 */
export function buildDedupShard(hasher: XetHasher, hmacKey: Uint8Array, xorbs: DedupXorb[], nowSeconds: number): Uint8Array {
  const entries = 1 + xorbs.reduce((n, x) => n + 1 + x.chunks.length, 0) + 1; // file bookend, CAS blocks, CAS bookend
  const chunkCount = xorbs.reduce((n, x) => n + x.chunks.length, 0);
  const lookupBytes = 12 * xorbs.length + 16 * chunkCount;
  const out = new Uint8Array(HEADER_BYTES + entries * ENTRY_BYTES + lookupBytes + FOOTER_BYTES);
  const view = new DataView(out.buffer);
  out.set(HEADER_TAG, 0);
  view.setBigUint64(32, HEADER_VERSION, true);
  view.setBigUint64(40, BigInt(FOOTER_BYTES), true);

  let p = HEADER_BYTES;
  const bookend = () => {
    out.fill(0xff, p, p + 32);
    p += ENTRY_BYTES;
  };
  bookend(); // empty file info section
  const casStart = p;
  const xorbLookup: Array<[bigint, number]> = [];
  const chunkLookup: Array<[bigint, number, number]> = [];
  const key = (h: Uint8Array) => new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0, true);
  for (const xorb of xorbs) {
    const entryIndex = (p - casStart) / ENTRY_BYTES;
    xorbLookup.push([key(xorb.hash), entryIndex]);
    out.set(xorb.hash, p);
    view.setUint32(p + 36, xorb.chunks.length, true);
    view.setUint32(p + 40, xorb.chunks.reduce((n, c) => n + c.length, 0), true);
    view.setUint32(p + 44, xorb.bytesOnDisk, true);
    p += ENTRY_BYTES;
    let unpacked = 0;
    xorb.chunks.forEach((chunk, i) => {
      const protectedHash = hasher.dedupHmac(chunk.hash);
      chunkLookup.push([key(protectedHash), entryIndex, i]);
      out.set(protectedHash, p);
      view.setUint32(p + 32, unpacked, true);
      view.setUint32(p + 36, chunk.length, true);
      unpacked += chunk.length;
      p += ENTRY_BYTES;
    });
  }
  bookend();
  const fileLookupAt = p;
  xorbLookup.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, index] of xorbLookup) {
    view.setBigUint64(p, k, true);
    view.setUint32(p + 8, index, true);
    p += 12;
  }
  const chunkLookupAt = p;
  chunkLookup.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, index, i] of chunkLookup) {
    view.setBigUint64(p, k, true);
    view.setUint32(p + 8, index, true);
    view.setUint32(p + 12, i, true);
    p += 16;
  }
  const footer = p;
  const fields = [FOOTER_VERSION, HEADER_BYTES, casStart, fileLookupAt, 0, fileLookupAt, xorbLookup.length, chunkLookupAt, chunkLookup.length];
  fields.forEach((v, i) => view.setBigUint64(footer + 8 * i, BigInt(v), true));
  out.set(hmacKey, footer + 72);
  view.setBigUint64(footer + 104, BigInt(nowSeconds), true);
  view.setBigUint64(footer + 112, BigInt(nowSeconds + 7 * 24 * 3600), true); // key expiry: a week, as dedup info is meant to be short-lived
  view.setBigUint64(footer + 192, BigInt(footer), true);
  return out;
}

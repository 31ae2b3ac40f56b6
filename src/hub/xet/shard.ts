/**
 * Shards (docs/xet.md#shard-format): writing the one an upload ends with —
 * each file's terms with their verification hashes and its sha256, then the
 * new xorbs' chunk lists, no footer (as the specification asks of uploads) —
 * and reading the ones global dedup answers with: their CAS blocks, whose
 * chunk hashes are keyed with the HMAC key in the footer.
 */
import { fromXetHex } from "./hashes.js";

const HEADER_TAG = Uint8Array.from([
  ...Array.from("HFRepoMetaData", (c) => c.charCodeAt(0)),
  0, 85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169,
]);
const HEADER_VERSION = 2;
const HEADER_BYTES = 48;
const ENTRY_BYTES = 48;
const FOOTER_KEY_AT = 72;
const WITH_VERIFICATION = 0x80000000;
const WITH_METADATA_EXT = 0x40000000;
/** The CAS refuses bigger shards: an upload with more is sent as several. */
export const MAX_SHARD_BYTES = 64 * 1024 * 1024;

export interface ShardTerm {
  xorb: Uint8Array;
  chunkStart: number;
  /** Exclusive. */
  chunkEnd: number;
  unpackedBytes: number;
  /** Verification hash of the term's chunk hashes. */
  rangeHash: Uint8Array;
}

export interface ShardFileInfo {
  fileHash: Uint8Array;
  /** Lowercase hex sha256 of the content: the Hub links the commit's LFS pointer to the file by it. */
  sha256: string;
  terms: ShardTerm[];
}

export interface ShardXorbInfo {
  hash: Uint8Array;
  chunks: { hash: Uint8Array; length: number }[];
  unpackedBytes: number;
  serializedBytes: number;
}

/** Bytes a shard holding these takes. */
export function shardBytes(files: ShardFileInfo[], xorbs: ShardXorbInfo[]): number {
  const fileEntries = files.reduce((n, f) => n + 2 + 2 * f.terms.length, 0);
  const xorbEntries = xorbs.reduce((n, x) => n + 1 + x.chunks.length, 0);
  return HEADER_BYTES + ENTRY_BYTES * (fileEntries + 1 + xorbEntries + 1);
}

export function serializeShard(files: ShardFileInfo[], xorbs: ShardXorbInfo[]): Uint8Array {
  const out = new Uint8Array(shardBytes(files, xorbs));
  const view = new DataView(out.buffer);
  out.set(HEADER_TAG, 0);
  view.setBigUint64(32, BigInt(HEADER_VERSION), true);
  view.setBigUint64(40, 0n, true); // no footer
  let p = HEADER_BYTES;
  const entry = (hash: Uint8Array, a: number, b: number, c: number, d: number) => {
    out.set(hash, p);
    view.setUint32(p + 32, a, true);
    view.setUint32(p + 36, b, true);
    view.setUint32(p + 40, c, true);
    view.setUint32(p + 44, d, true);
    p += ENTRY_BYTES;
  };
  const bookend = () => {
    out.fill(0xff, p, p + 32);
    p += ENTRY_BYTES;
  };
  for (const file of files) {
    entry(file.fileHash, (WITH_VERIFICATION | WITH_METADATA_EXT) >>> 0, file.terms.length, 0, 0);
    for (const t of file.terms) entry(t.xorb, 0, t.unpackedBytes, t.chunkStart, t.chunkEnd);
    for (const t of file.terms) {
      out.set(t.rangeHash, p);
      p += ENTRY_BYTES;
    }
    out.set(fromXetHex(file.sha256), p); // the sha256 is stored as the Xet string form of a hash reads
    p += ENTRY_BYTES;
  }
  bookend();
  for (const xorb of xorbs) {
    entry(xorb.hash, 0, xorb.chunks.length, xorb.unpackedBytes, xorb.serializedBytes);
    let start = 0;
    for (const c of xorb.chunks) {
      entry(c.hash, start, c.length, 0, 0);
      start += c.length;
    }
  }
  bookend();
  return out;
}

export class ShardFormatError extends Error {}

/** A chunk a dedup answer lists: where it is, under its keyed hash. */
export interface ListedChunk {
  xorb: Uint8Array;
  index: number;
  length: number;
}

export interface DedupAnswer {
  /** The key chunk hashes are keyed with; all zeros when they are listed as they are. */
  key: Uint8Array;
  /** Keyed chunk hash (base64) → where the chunk is. */
  chunks: Map<string, ListedChunk>;
}

/** Reads a global dedup answer: its CAS blocks and the footer's HMAC key. */
export function parseDedupAnswer(body: Uint8Array): DedupAnswer {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const fail = (what: string): never => {
    throw new ShardFormatError(`the CAS answered a dedup query with an unreadable shard: ${what}`);
  };
  if (body.length < HEADER_BYTES || !HEADER_TAG.every((b, i) => body[i] === b)) fail("no shard header");
  const footerSize = Number(view.getBigUint64(40, true));
  const limit = body.length - footerSize;
  if (limit < HEADER_BYTES) fail("shorter than its footer");
  let p = HEADER_BYTES;
  const next = () => {
    if (p + ENTRY_BYTES > limit) fail(`truncated at byte ${p}`);
    const at = p;
    p += ENTRY_BYTES;
    return at;
  };
  const isBookend = (at: number) => body.subarray(at, at + 32).every((b) => b === 0xff);
  // File info section: normally empty in dedup answers; skipped entry by entry if not.
  for (let at = next(); !isBookend(at); at = next()) {
    const flags = view.getUint32(at + 32, true);
    const terms = view.getUint32(at + 36, true);
    const skip = terms * ((flags & WITH_VERIFICATION ? 2 : 1)) + (flags & WITH_METADATA_EXT ? 1 : 0);
    for (let i = 0; i < skip; i++) next();
  }
  const chunks = new Map<string, ListedChunk>();
  for (let at = next(); !isBookend(at); at = next()) {
    const xorb = body.slice(at, at + 32);
    const count = view.getUint32(at + 36, true);
    for (let index = 0; index < count; index++) {
      const c = next();
      const key = Buffer.from(body.buffer, body.byteOffset + c, 32).toString("base64");
      chunks.set(key, { xorb, index, length: view.getUint32(c + 36, true) });
    }
  }
  const key = footerSize >= FOOTER_KEY_AT + 32 ? body.slice(limit + FOOTER_KEY_AT, limit + FOOTER_KEY_AT + 32) : new Uint8Array(32);
  return { key, chunks };
}

// Serialized xorbs (docs/xet.md, "Xorb"): a run of chunks, each an 8-byte
// header plus its (possibly LZ4-compressed) data, optionally followed by
// xet-core's metadata footer. Parsing verifies everything a server can:
// headers, decompressed sizes, each chunk's hash, the xorb hash, and the
// footer's copy of hashes and boundaries when there is one.
import { type Hash, type HashedChunk, type XetHasher, hashToHex, sameHash } from "./hash.js";
import { Lz4Error, lz4DecodeFrames } from "./lz4.js";

export const MAX_XORB_BYTES = 64 * 1024 * 1024;
export const MAX_XORB_CHUNKS = 8 * 1024;
export const MAX_CHUNK_BYTES = 128 * 1024;
const CHUNK_HEADER_BYTES = 8;

const COMPRESSION = { none: 0, lz4: 1, byteGrouping4Lz4: 2 } as const;

export class XorbFormatError extends Error {}

export interface XorbChunk extends HashedChunk {
  /** serialized bytes of the chunk, header included: [start, end) */
  start: number;
  end: number;
}

export interface ParsedXorb {
  hash: Hash;
  chunks: XorbChunk[];
  /** total uncompressed bytes */
  unpackedBytes: number;
  /** whether the upload carried xet-core's metadata footer */
  hasFooter: boolean;
}

/** Parse and verify an uploaded xorb whose path named `claimed` as its hash. */
export function parseXorb(hasher: XetHasher, body: Uint8Array, claimed: Hash): ParsedXorb {
  const footerStart = findFooter(body);
  const dataEnd = footerStart ?? body.length;
  if (dataEnd > MAX_XORB_BYTES) throw new XorbFormatError(`xorb chunk data is ${dataEnd} bytes, over the 64 MiB limit`);
  const chunks: XorbChunk[] = [];
  let unpackedBytes = 0;
  for (let pos = 0; pos < dataEnd; ) {
    const index = chunks.length;
    if (index >= MAX_XORB_CHUNKS) throw new XorbFormatError(`xorb has more than ${MAX_XORB_CHUNKS} chunks`);
    const data = decodeChunkAt(body, pos, dataEnd, index);
    const end = pos + CHUNK_HEADER_BYTES + readU24(body, pos + 1);
    chunks.push({ hash: hasher.chunkHash(data), length: data.length, start: pos, end });
    unpackedBytes += data.length;
    pos = end;
  }
  if (chunks.length === 0) throw new XorbFormatError("xorb has no chunks");
  const hash = hasher.xorbHash(chunks);
  if (!sameHash(hash, claimed)) {
    throw new XorbFormatError(`xorb hash mismatch: the uploaded chunks hash to ${hashToHex(hash)}, not ${hashToHex(claimed)}`);
  }
  if (footerStart !== undefined) checkFooter(body, footerStart, hash, chunks);
  return { hash, chunks, unpackedBytes, hasFooter: footerStart !== undefined };
}

/** The uncompressed bytes of one chunk of a stored (already verified) xorb. */
export function decodeChunk(body: Uint8Array, chunk: XorbChunk, index: number): Uint8Array {
  return decodeChunkAt(body, chunk.start, chunk.end, index);
}

function readU24(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
}

function decodeChunkAt(body: Uint8Array, pos: number, limit: number, index: number): Uint8Array {
  const where = `chunk ${index} (byte ${pos})`;
  if (pos + CHUNK_HEADER_BYTES > limit) throw new XorbFormatError(`${where}: truncated chunk header`);
  if (body[pos] !== 0) throw new XorbFormatError(`${where}: unsupported chunk header version ${body[pos]}`);
  const compressedSize = readU24(body, pos + 1);
  const scheme = body[pos + 4];
  const size = readU24(body, pos + 5);
  if (size === 0 || size > MAX_CHUNK_BYTES) throw new XorbFormatError(`${where}: uncompressed size ${size} is not in 1..${MAX_CHUNK_BYTES}`);
  const start = pos + CHUNK_HEADER_BYTES;
  if (start + compressedSize > limit) throw new XorbFormatError(`${where}: ${compressedSize} bytes of data announced, fewer left`);
  const stored = body.subarray(start, start + compressedSize);
  try {
    switch (scheme) {
      case COMPRESSION.none:
        if (compressedSize !== size) throw new XorbFormatError(`${where}: uncompressed chunk with different sizes (${compressedSize} vs ${size})`);
        return stored;
      case COMPRESSION.lz4:
        return lz4DecodeFrames(stored, size);
      case COMPRESSION.byteGrouping4Lz4:
        return regroupBytes4(lz4DecodeFrames(stored, size));
      default:
        throw new XorbFormatError(`${where}: unknown compression scheme ${scheme}`);
    }
  } catch (e) {
    if (e instanceof Lz4Error) throw new XorbFormatError(`${where}: ${e.message}`);
    throw e;
  }
}

/** Undo byte grouping: the data holds all 1st bytes of each 4-byte group, then all 2nd bytes, and so on. */
function regroupBytes4(grouped: Uint8Array): Uint8Array {
  const n = grouped.length;
  const out = new Uint8Array(n);
  const base = Math.floor(n / 4);
  const extra = n % 4;
  let src = 0;
  for (let g = 0; g < 4; g++) {
    const count = base + (g < extra ? 1 : 0);
    for (let i = 0; i < count; i++) out[i * 4 + g] = grouped[src++];
  }
  return out;
}

// ---------------------------------------------------------------- xet-core's footer

const IDENT = Buffer.from("XETBLOB");
const IDENT_HASHES = Buffer.from("XBLBHSH");
const IDENT_BOUNDARIES = Buffer.from("XBLBBND");

/** Start of the footer if the body ends with one (a u32 length after an "XETBLOB" block). */
function findFooter(body: Uint8Array): number | undefined {
  if (body.length < 4) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const infoLength = view.getUint32(body.length - 4, true);
  const start = body.length - 4 - infoLength;
  if (infoLength < IDENT.length || start < 0) return undefined;
  return Buffer.from(body.buffer, body.byteOffset + start, IDENT.length).equals(IDENT) ? start : undefined;
}

function checkFooter(body: Uint8Array, start: number, hash: Hash, chunks: XorbChunk[]): void {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const end = body.length - 4;
  let p = start;
  const fail = (what: string): never => {
    throw new XorbFormatError(`xorb footer: ${what}`);
  };
  const take = (n: number) => {
    if (p + n > end) fail("truncated");
    const at = p;
    p += n;
    return at;
  };
  const ident = (expected: Buffer, name: string) => {
    if (!Buffer.from(body.buffer, body.byteOffset + take(7), 7).equals(expected)) fail(`missing the ${name} marker`);
  };
  const u8 = () => body[take(1)];
  const u32 = () => view.getUint32(take(4), true);
  const hashAt = () => body.subarray(take(32), p);

  ident(IDENT, "XETBLOB");
  const version = u8();
  if (version !== 1) fail(`unsupported version ${version} (expected 1)`);
  if (!sameHash(hashAt(), hash)) fail("its xorb hash differs from the chunks' xorb hash");
  const hashesSection = p;
  ident(IDENT_HASHES, "XBLBHSH");
  if (u8() !== 0) fail("unsupported hashes-section version");
  if (u32() !== chunks.length) fail(`its chunk count differs from the ${chunks.length} chunks in the data`);
  chunks.forEach((c, i) => {
    if (!sameHash(hashAt(), c.hash)) fail(`the hash of chunk ${i} differs from the chunk's data`);
  });
  const boundariesSection = p;
  ident(IDENT_BOUNDARIES, "XBLBBND");
  if (u8() !== 1) fail("unsupported boundaries-section version");
  if (u32() !== chunks.length) fail("inconsistent chunk counts");
  chunks.forEach((c, i) => {
    if (u32() !== c.end) fail(`the end offset of chunk ${i} differs from the data`);
  });
  let unpacked = 0;
  chunks.forEach((c, i) => {
    unpacked += c.length;
    if (u32() !== unpacked) fail(`the unpacked end offset of chunk ${i} differs from the data`);
  });
  if (u32() !== chunks.length) fail("inconsistent chunk counts");
  const hashesOffset = u32();
  const boundariesOffset = u32();
  take(16); // reserved / uniqueness nonce
  if (p !== end) fail(`${end - p} unexpected bytes before its length field`);
  if (hashesOffset !== end - hashesSection || boundariesOffset !== end - boundariesSection) fail("wrong section offsets");
}

/**
 * Xorbs as this uploader sends them (docs/xet.md#xorb-format): new chunks
 * packed in file order, up to 64 MiB and 8192 chunks, each behind its 8-byte
 * header, then xet-core's metadata footer (what hf_xet sends: the xorb hash,
 * every chunk hash and the chunk boundaries).
 *
 * Chunks are stored uncompressed (scheme 0): shards are Parquet, whose pages
 * are already compressed, and so a xorb's body can be a Blob of slices of the
 * files on disk — nothing is copied into memory, fetch streams it, and a
 * retry sends it again.
 */
import { type Chunk, xorbHash, xetHex } from "./hashes.js";

export const MAX_XORB_BYTES = 64 * 1024 * 1024;
export const MAX_XORB_CHUNKS = 8 * 1024;
const CHUNK_HEADER_BYTES = 8;
const SCHEME_NONE = 0;

export interface XorbChunk extends Chunk {
  /** The file holding the chunk, and where. */
  source: Blob;
  offset: number;
}

export interface SealedXorb {
  hash: Uint8Array;
  hex: string;
  chunks: Chunk[];
  /** The serialized xorb, as sent. */
  body: Blob;
  /** Uncompressed bytes of its chunks. */
  unpackedBytes: number;
}

/** A xorb being filled. File terms refer to it before its hash is known; `sealed` is set once it is. */
export class OpenXorb {
  readonly chunks: XorbChunk[] = [];
  unpackedBytes = 0;
  sealed: SealedXorb | undefined;

  /** Whether one more chunk of `length` bytes keeps the serialized xorb within the limits. */
  fits(length: number): boolean {
    const n = this.chunks.length + 1;
    return n <= MAX_XORB_CHUNKS && this.unpackedBytes + length + n * CHUNK_HEADER_BYTES + footerBytes(n) <= MAX_XORB_BYTES;
  }

  /** Appends a chunk; returns its index in the xorb. */
  add(chunk: XorbChunk): number {
    if (this.sealed) throw new Error("a sealed xorb cannot take more chunks");
    this.chunks.push(chunk);
    this.unpackedBytes += chunk.length;
    return this.chunks.length - 1;
  }

  seal(): SealedXorb {
    if (this.sealed) return this.sealed;
    if (this.chunks.length === 0) throw new Error("an empty xorb cannot be sealed");
    const hash = xorbHash(this.chunks);
    const headers = new Uint8Array(this.chunks.length * CHUNK_HEADER_BYTES);
    const parts: (Uint8Array | Blob)[] = [];
    this.chunks.forEach((chunk, i) => {
      const header = headers.subarray(i * CHUNK_HEADER_BYTES, (i + 1) * CHUNK_HEADER_BYTES);
      writeChunkHeader(header, chunk.length);
      parts.push(header, chunk.source.slice(chunk.offset, chunk.offset + chunk.length));
    });
    parts.push(serializeFooter(hash, this.chunks));
    this.sealed = {
      hash,
      hex: xetHex(hash),
      chunks: this.chunks.map((c) => ({ hash: c.hash, length: c.length })),
      body: new Blob(parts),
      unpackedBytes: this.unpackedBytes,
    };
    return this.sealed;
  }
}

/** Version 0, stored size (u24), scheme, original size (u24): equal sizes, as nothing is compressed. */
function writeChunkHeader(out: Uint8Array, length: number): void {
  out[0] = 0;
  writeU24(out, 1, length);
  out[4] = SCHEME_NONE;
  writeU24(out, 5, length);
}

function writeU24(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
}

const IDENT = "XETBLOB";
const IDENT_HASHES = "XBLBHSH";
const IDENT_BOUNDARIES = "XBLBBND";

/** The footer's size for `n` chunks: three 8-byte section heads, hashes, two offset tables, counts and reserved bytes. */
function footerBytes(n: number): number {
  return 8 + 32 + (8 + 4 + 32 * n) + (8 + 4 + 8 * n) + 4 + 4 + 4 + 16 + 4;
}

/**
 * xet-core's XorbObjectInfo (docs/xet.md#xorb-format): the hash, a hashes
 * section, a boundaries section (serialized and unpacked end offsets of
 * each chunk), the count again, each section's distance back from the
 * length field, 16 reserved bytes, and the footer's length (u32) last.
 */
function serializeFooter(hash: Uint8Array, chunks: Chunk[]): Uint8Array {
  const n = chunks.length;
  const out = new Uint8Array(footerBytes(n));
  const view = new DataView(out.buffer);
  let p = 0;
  const ident = (text: string, version: number) => {
    for (let i = 0; i < 7; i++) out[p + i] = text.charCodeAt(i);
    out[p + 7] = version;
    p += 8;
  };
  const u32 = (value: number) => {
    view.setUint32(p, value, true);
    p += 4;
  };
  ident(IDENT, 1);
  out.set(hash, p);
  p += 32;
  const hashesAt = p;
  ident(IDENT_HASHES, 0);
  u32(n);
  for (const c of chunks) {
    out.set(c.hash, p);
    p += 32;
  }
  const boundariesAt = p;
  ident(IDENT_BOUNDARIES, 1);
  u32(n);
  let serialized = 0;
  for (const c of chunks) u32((serialized += CHUNK_HEADER_BYTES + c.length));
  let unpacked = 0;
  for (const c of chunks) u32((unpacked += c.length));
  u32(n);
  const lengthAt = out.length - 4;
  u32(lengthAt - hashesAt);
  u32(lengthAt - boundariesAt);
  p += 16; // reserved (a nonce in newer writers; readers ignore it)
  u32(lengthAt);
  return out;
}

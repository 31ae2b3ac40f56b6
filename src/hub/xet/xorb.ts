/**
 * Xorbs as this uploader sends them (docs/xet.md#xorb-format): new chunks
 * packed in file order, up to 64 MiB and 8192 chunks, each behind its 8-byte
 * header, then xet-core's metadata footer (what hf_xet sends: the xorb hash,
 * every chunk hash and the chunk boundaries).
 *
 * A chunk is stored LZ4-compressed (scheme 1) when that makes it smaller
 * (./lz4.ts), else as it is (scheme 0). Shards are Parquet, whose pages are
 * mostly compressed already, so most chunks stay as they are: in the xorb's
 * body (a Blob) they are slices of the files on disk, streamed when sent and
 * read again on a retry; only the compressed ones are held in memory. Only
 * the chunks flagged while chunking (Lz4.mightShrink) are read back to try.
 */
import { type Chunk, xorbHash, xetHex } from "./hashes.js";
import type { Lz4 } from "./lz4.js";

export const MAX_XORB_BYTES = 64 * 1024 * 1024;
export const MAX_XORB_CHUNKS = 8 * 1024;
const CHUNK_HEADER_BYTES = 8;
const SCHEME_NONE = 0;
const SCHEME_LZ4 = 1;
/** Chunks are read back for compression in runs of at most this many bytes. */
const READ_RUN_BYTES = 8 * 1024 * 1024;

export interface XorbChunk extends Chunk {
  /** The file holding the chunk, and where. */
  source: Blob;
  offset: number;
  /** Worth trying LZ4 on (Lz4.mightShrink said so while chunking); the others are stored as they are. */
  mightShrink?: boolean;
}

export interface SealedXorb {
  hash: Uint8Array;
  hex: string;
  chunks: Chunk[];
  /** The serialized xorb, as sent. */
  body: Blob;
  /** Uncompressed bytes of its chunks. */
  unpackedBytes: number;
  /** Bytes of the body held in memory (compressed chunks, headers, footer); the rest is read from disk. */
  heldBytes: number;
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

  /** Serializes the xorb, compressing the chunks that `lz4` can make smaller (none without it). */
  async seal(lz4?: Lz4): Promise<SealedXorb> {
    if (this.sealed) return this.sealed;
    if (this.chunks.length === 0) throw new Error("an empty xorb cannot be sealed");
    const hash = xorbHash(this.chunks);
    const parts: (Uint8Array | Blob)[] = [];
    const ends: number[] = [];
    let serialized = 0;
    let held = 0;
    for (const run of readRuns(this.chunks)) {
      const tryLz4 = lz4 !== undefined && run[0]!.mightShrink === true;
      const bytes = tryLz4 ? new Uint8Array(await run[0]!.source.slice(run[0]!.offset, run.at(-1)!.offset + run.at(-1)!.length).arrayBuffer()) : undefined;
      for (const chunk of run) {
        const at = chunk.offset - run[0]!.offset;
        const frame = bytes && lz4!.compressChunk(bytes.subarray(at, at + chunk.length));
        const stored = frame?.length ?? chunk.length;
        parts.push(chunkHeader(stored, frame ? SCHEME_LZ4 : SCHEME_NONE, chunk.length), frame ?? chunk.source.slice(chunk.offset, chunk.offset + chunk.length));
        held += CHUNK_HEADER_BYTES + (frame?.length ?? 0);
        serialized += CHUNK_HEADER_BYTES + stored;
        ends.push(serialized);
      }
    }
    const footer = serializeFooter(hash, this.chunks, ends);
    parts.push(footer);
    this.sealed = {
      hash,
      hex: xetHex(hash),
      chunks: this.chunks.map((c) => ({ hash: c.hash, length: c.length })),
      body: new Blob(parts),
      unpackedBytes: this.unpackedBytes,
      heldBytes: held + footer.length,
    };
    return this.sealed;
  }
}

/**
 * The chunks in runs to read back in one go: contiguous in one file, all
 * worth compressing or none, each at most READ_RUN_BYTES.
 */
function readRuns(chunks: XorbChunk[]): XorbChunk[][] {
  const runs: XorbChunk[][] = [];
  let run: XorbChunk[] = [];
  let bytes = 0;
  for (const c of chunks) {
    const last = run.at(-1);
    const apart = last && (last.source !== c.source || last.offset + last.length !== c.offset || !last.mightShrink !== !c.mightShrink);
    if (last && (apart || bytes + c.length > READ_RUN_BYTES)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(c);
    bytes += c.length;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Version 0, stored size (u24), compression scheme, original size (u24). */
function chunkHeader(stored: number, scheme: number, length: number): Uint8Array {
  const out = new Uint8Array(CHUNK_HEADER_BYTES);
  writeU24(out, 1, stored);
  out[4] = scheme;
  writeU24(out, 5, length);
  return out;
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
function serializeFooter(hash: Uint8Array, chunks: Chunk[], serializedEnds: number[]): Uint8Array {
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
  for (const end of serializedEnds) u32(end);
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

/**
 * Xet's content-defined chunking (docs/xet.md#chunking-clients-only), fed
 * a file block by block: a gear rolling hash (`h = (h << 1) + TABLE[b]`)
 * cuts a chunk where `h & 0xFFFF000000000000` is zero, never before 8 KiB,
 * always at 128 KiB; each chunk is hashed with keyed BLAKE3.
 *
 * Ours rather than `@huggingface/xetchunk-wasm`'s chunker, whose 0.2.0
 * accepts a cut in the 64 bytes before the minimum and so cuts files
 * differently from hf_xet (huggingface/huggingface.js#2421): chunks that do
 * not match hf_xet's never deduplicate against what Python uploaded. The
 * gear hash (gearhash-jit, WebAssembly with 64-bit integers) and BLAKE3
 * (blake3-jit) are the same packages; only the boundary rule is ours.
 *
 * The first 8127 bytes of a chunk are skipped without hashing (the hash at
 * any byte depends only on the 64 before it), the next 64 are hashed
 * without testing, and testing starts at 8192 bytes, as the specification
 * says.
 */
import { Hasher as Blake3 } from "@huggingface/blake3-jit";
import { Hasher as Gear } from "gearhash-jit";

export const MIN_CHUNK = 8 * 1024;
export const MAX_CHUNK = 128 * 1024;
const WINDOW = 64;
/** Bytes of a chunk never hashed: the gear hash forgets them by the first place a cut may be. */
const SKIP = MIN_CHUNK - WINDOW - 1;
const MASK = 0xffff000000000000n;
const DATA_KEY = Uint8Array.from([
  102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28, 157, 228, 33, 16, 155, 235, 43, 88, 180, 208,
  176, 75, 147, 173, 242, 41,
]);

export interface Chunk {
  hash: Uint8Array;
  length: number;
}

export interface ProbedChunk extends Chunk {
  /** What the chunker's probe said of the chunk's bytes (false without a probe). */
  flagged: boolean;
}

export class Chunker {
  /** `probe` looks at each chunk's bytes while they are at hand (the uploader asks whether LZ4 may shrink them). */
  constructor(private readonly probe?: (bytes: Uint8Array) => boolean) {}

  private readonly gear = new Gear(MASK);
  private readonly blake3 = Blake3.newKeyed(DATA_KEY);
  /** The start of the current chunk, when it began in an earlier block. */
  private readonly carried = new Uint8Array(MAX_CHUNK);
  private carriedLength = 0;

  /** The chunks that end in `data` (the next block of the file); a chunk it leaves open waits for the next block. */
  push(data: Uint8Array): ProbedChunk[] {
    const chunks: ProbedChunk[] = [];
    let start = 0; // where the current chunk's bytes in `data` begin
    let pos = 0;
    while (pos < data.length) {
      const length = this.carriedLength + pos - start;
      const left = data.length - pos;
      if (length < SKIP) {
        pos += Math.min(SKIP - length, left);
        continue;
      }
      if (length < MIN_CHUNK - 1) {
        const n = Math.min(MIN_CHUNK - 1 - length, left);
        this.hashWithoutTesting(data.subarray(pos, pos + n));
        pos += n;
        continue;
      }
      const n = Math.min(MAX_CHUNK - length, left);
      const match = this.gear.nextMatch(data.subarray(pos, pos + n));
      pos += match === -1 ? n : match;
      if (match !== -1 || length + n === MAX_CHUNK) {
        chunks.push(this.cut(data.subarray(start, pos)));
        start = pos;
      }
    }
    this.carried.set(data.subarray(start), this.carriedLength);
    this.carriedLength += data.length - start;
    return chunks;
  }

  /** The file's last chunk, if any bytes are left. */
  finish(): ProbedChunk | undefined {
    return this.carriedLength > 0 ? this.cut(new Uint8Array(0)) : undefined;
  }

  /** Moves the gear hash over `bytes` whatever it finds: no cut may be made there. */
  private hashWithoutTesting(bytes: Uint8Array): void {
    for (let rest = bytes; rest.length > 0; ) {
      const match = this.gear.nextMatch(rest);
      if (match === -1) break;
      rest = rest.subarray(match);
    }
  }

  /** Ends the current chunk with `tail` (its bytes in the current block). */
  private cut(tail: Uint8Array): ProbedChunk {
    let bytes = tail;
    if (this.carriedLength > 0) {
      // The chunk began in an earlier block: make it whole (at most 128 KiB) to hash and probe it.
      this.carried.set(tail, this.carriedLength);
      bytes = this.carried.subarray(0, this.carriedLength + tail.length);
    }
    const chunk = { hash: this.blake3.reset().update(bytes).finalize(32), length: bytes.length, flagged: this.probe?.(bytes) ?? false };
    this.carriedLength = 0;
    this.gear.resetHash();
    return chunk;
  }
}

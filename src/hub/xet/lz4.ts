/**
 * LZ4 compression of one Xet chunk (docs/xet.md#xorb-format, scheme 1): the
 * chunk as a single block of an LZ4 frame, as hf_xet and @huggingface/hub
 * send them. Parquet pages are mostly compressed already, so most chunks do
 * not shrink; some do a lot (snappy's output for a column of sequential
 * integers shrinks 50 times). `compressChunk` gives up as soon as the output
 * would not be smaller than the input, and skips faster and faster through
 * data where it finds no match, so incompressible chunks cost little.
 *
 * The compressor is the usual greedy one: a hash table of the positions of
 * 4-byte sequences, a match when the sequence at the remembered position is
 * the same (at most 65535 bytes back), literals and matches written as LZ4
 * sequences; the last 5 bytes are always literals and no match starts in the
 * last 12, as the block format requires.
 */

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_LOG = 14;
/** After 2^6 failed tries the step grows by one, so incompressible data is crossed quickly. */
const SKIP_TRIGGER = 6;
const SAMPLE = 2048;

/** Frame header: magic, FLG (version 1, independent blocks, no checksums), BD (256 KB blocks), header checksum. */
const FRAME_HEADER = Uint8Array.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x50, 0xfb]);
const FRAME_OVERHEAD = FRAME_HEADER.length + 4 + 4; // header, block size, end mark

/** One compressor's reusable state: no module-level buffers. */
export class Lz4 {
  private readonly table = new Int32Array(1 << HASH_LOG);
  private out = new Uint8Array(0);

  /**
   * `chunk` as an LZ4 frame, when that is smaller than the chunk; undefined
   * otherwise. The result is a fresh copy.
   */
  compressChunk(chunk: Uint8Array): Uint8Array | undefined {
    const end = this.frame(chunk);
    return end < 0 ? undefined : this.out.slice(0, end);
  }

  /**
   * Whether `chunk` is worth compressing: three samples of 2 KiB (start,
   * middle, end), of which one must shrink. Most chunks of a Parquet file are
   * compressed pages, which this tells apart for an eighth of the work of
   * trying; a chunk that holds a very compressible page shows it in a sample.
   */
  mightShrink(chunk: Uint8Array): boolean {
    if (chunk.length <= 4 * SAMPLE) return true;
    const middle = (chunk.length - SAMPLE) >>> 1;
    return [0, middle, chunk.length - SAMPLE].some((at) => this.frame(chunk.subarray(at, at + SAMPLE)) >= 0);
  }

  /** Writes the frame of `chunk` into `out`; returns its end, or -1 when it would not be smaller than the chunk. */
  private frame(chunk: Uint8Array): number {
    const limit = chunk.length - 1; // the frame must come out smaller than the chunk
    if (limit <= FRAME_OVERHEAD) return -1;
    if (this.out.length < limit) this.out = new Uint8Array(Math.max(limit, 128 * 1024));
    const end = this.compressBlock(chunk, this.out, FRAME_HEADER.length + 4, limit - 4);
    if (end < 0) return -1;
    this.out.set(FRAME_HEADER, 0);
    writeU32(this.out, FRAME_HEADER.length, end - FRAME_HEADER.length - 4); // compressed block size (high bit 0)
    writeU32(this.out, end, 0); // end mark
    return end + 4;
  }

  /** Compresses `src` into `dst[start, limit)`; returns the end, or -1 when it does not fit. */
  private compressBlock(src: Uint8Array, dst: Uint8Array, start: number, limit: number): number {
    const n = src.length;
    const table = this.table;
    table.fill(-1);
    let op = start;
    let anchor = 0;
    const matchStartLimit = n - MF_LIMIT;
    const matchEndLimit = n - LAST_LITERALS;

    const emit = (literalsEnd: number, matchLength: number, offset: number): boolean => {
      const literals = literalsEnd - anchor;
      // token + literal length bytes + literals + offset + match length bytes
      const worst = 1 + Math.ceil((literals + 1) / 255) + literals + 2 + Math.ceil((matchLength + 1) / 255);
      if (op + worst > limit) return false;
      const tokenAt = op++;
      let token = literals >= 15 ? 0xf0 : literals << 4;
      if (literals >= 15) op = writeLength(dst, op, literals - 15);
      dst.set(src.subarray(anchor, literalsEnd), op);
      op += literals;
      if (matchLength > 0) {
        dst[op++] = offset & 0xff;
        dst[op++] = offset >>> 8;
        const extra = matchLength - MIN_MATCH;
        token |= extra >= 15 ? 0x0f : extra;
        if (extra >= 15) op = writeLength(dst, op, extra - 15);
      }
      dst[tokenAt] = token;
      return true;
    };

    if (n > MF_LIMIT) {
      let ip = 0;
      for (;;) {
        // Find a match, stepping further and further while none turns up.
        let ref = -1;
        let tries = 1 << SKIP_TRIGGER;
        for (;;) {
          if (ip > matchStartLimit) break;
          const h = hash4(src, ip);
          ref = table[h]!;
          table[h] = ip;
          if (ref >= 0 && ip - ref <= MAX_OFFSET && read32(src, ref) === read32(src, ip)) break;
          ref = -1;
          ip += tries++ >> SKIP_TRIGGER;
        }
        if (ref < 0) break;
        // Extend backwards over literals, then forwards.
        while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
          ip--;
          ref--;
        }
        let end = ip + MIN_MATCH;
        let from = ref + MIN_MATCH;
        while (end < matchEndLimit && src[end] === src[from]) {
          end++;
          from++;
        }
        if (!emit(ip, end - ip, ip - ref)) return -1;
        anchor = ip = end;
        if (ip > matchStartLimit) break;
        table[hash4(src, ip - 2)] = ip - 2;
      }
    }
    return emit(n, 0, 0) ? op : -1;
  }
}

function read32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function hash4(b: Uint8Array, at: number): number {
  return Math.imul(read32(b, at), 2654435761) >>> (32 - HASH_LOG);
}

/** The rest of a length of 15 or more: bytes of 255, then the remainder. */
function writeLength(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

function writeU32(b: Uint8Array, at: number, value: number): void {
  b[at] = value & 0xff;
  b[at + 1] = (value >>> 8) & 0xff;
  b[at + 2] = (value >>> 16) & 0xff;
  b[at + 3] = (value >>> 24) & 0xff;
}

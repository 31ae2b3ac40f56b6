// LZ4 frame decoding, for the chunks of uploaded xorbs (both real clients
// compress chunks as LZ4 frames: lz4_flex's FrameEncoder in hf_xet, lz4js in
// @huggingface/hub). The frame and block checksums are not checked: every
// decoded chunk is verified against its BLAKE3 chunk hash, which is stronger.

const FRAME_MAGIC = 0x184d2204;

export class Lz4Error extends Error {}

/** Decode one or more concatenated LZ4 frames that must produce exactly `expectedSize` bytes. */
export function lz4DecodeFrames(src: Uint8Array, expectedSize: number): Uint8Array {
  const out = new Uint8Array(expectedSize);
  let op = 0;
  let ip = 0;
  const need = (n: number) => {
    if (ip + n > src.length) throw new Lz4Error("truncated LZ4 frame");
  };
  const u32 = () => {
    need(4);
    const v = (src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24)) >>> 0;
    ip += 4;
    return v;
  };

  while (ip < src.length) {
    if (u32() !== FRAME_MAGIC) throw new Lz4Error("not an LZ4 frame (bad magic number)");
    need(2);
    const flg = src[ip++];
    ip++; // BD: block maximum size, not needed to decode
    if (flg >> 6 !== 1) throw new Lz4Error(`unsupported LZ4 frame version ${flg >> 6}`);
    if (flg & 1) throw new Lz4Error("LZ4 frames with a dictionary are not supported");
    const blockChecksums = (flg & 0x10) !== 0;
    if (flg & 0x08) {
      need(8);
      ip += 8; // content size
    }
    need(1);
    ip++; // header checksum
    for (;;) {
      const word = u32();
      if (word === 0) break; // end mark
      const size = word & 0x7fffffff;
      need(size);
      const block = src.subarray(ip, ip + size);
      ip += size;
      if (word & 0x80000000) {
        if (op + size > out.length) throw new Lz4Error("LZ4 data longer than announced");
        out.set(block, op);
        op += size;
      } else {
        op = decodeBlock(block, out, op);
      }
      if (blockChecksums) ip += 4;
    }
    if (flg & 0x04) ip += 4; // content checksum
  }
  if (ip > src.length) throw new Lz4Error("truncated LZ4 frame");
  if (op !== expectedSize) throw new Lz4Error(`LZ4 data decodes to ${op} bytes, not the announced ${expectedSize}`);
  return out;
}

/** One LZ4 block into `out` at `op`; matches may reach back into earlier blocks (linked blocks). */
function decodeBlock(src: Uint8Array, out: Uint8Array, op: number): number {
  let ip = 0;
  const end = src.length;
  const length = (n: number) => {
    if (n !== 15) return n;
    let b: number;
    do {
      if (ip >= end) throw new Lz4Error("truncated LZ4 block");
      b = src[ip++];
      n += b;
    } while (b === 255);
    return n;
  };
  while (ip < end) {
    const token = src[ip++];
    const literals = length(token >> 4);
    if (ip + literals > end || op + literals > out.length) throw new Lz4Error("LZ4 literal run out of bounds");
    out.set(src.subarray(ip, ip + literals), op);
    ip += literals;
    op += literals;
    if (ip === end) break; // the last sequence has literals only
    if (ip + 2 > end) throw new Lz4Error("truncated LZ4 block");
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Lz4Error("LZ4 match offset out of bounds");
    const match = length(token & 15) + 4;
    if (op + match > out.length) throw new Lz4Error("LZ4 data longer than announced");
    for (let i = 0; i < match; i++, op++) out[op] = out[op - offset];
  }
  return op;
}

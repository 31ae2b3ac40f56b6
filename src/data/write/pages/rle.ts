/**
 * Parquet's RLE / bit-packing hybrid encoding (parquet-format Encodings.md,
 * "Run Length Encoding / Bit-Packing Hybrid"): how definition levels and
 * dictionary indices are stored. A run of 8 or more equal values is written
 * as a repeated run (varint header `count << 1`, then the value in
 * ceil(bitWidth / 8) bytes); anything else as groups of 8 values bit-packed
 * least significant bit first (varint header `groups << 1 | 1`), the last
 * group padded with zeros (the page's value count says where it ends).
 */
import type { ByteBuffer } from "./bytes.js";

/** Bits needed for values 0..max (0 for max = 0). */
export function bitWidth(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

/** Longest run of bit-packed groups under one one-byte header ((63 << 1) | 1 = 127). */
const MAX_GROUPS = 63;

/**
 * Appends values[from, to) (each below 2^bitWidth, bitWidth ≤ 32) to `out`
 * in the hybrid encoding, without a length prefix.
 */
export function encodeHybrid(values: ArrayLike<number>, from: number, to: number, width: number, out: ByteBuffer): void {
  if (to <= from) return;
  // Zero-bit values (a one-entry dictionary) are all 0: one repeated run holds them.
  if (width === 0) return encodeRun(0, to - from, 0, out);
  const valueBytes = (width + 7) >> 3;
  let header = -1; // position of the open bit-packed run's header byte
  let groups = 0;
  let i = from;
  while (i < to) {
    const v = values[i]!;
    let end = i + 1;
    while (end < to && values[end] === v) end++;
    if (end - i >= 8) {
      if (header >= 0) {
        out.bytes[header] = (groups << 1) | 1;
        header = -1;
      }
      out.varint((end - i) << 1);
      out.ensure(valueBytes);
      for (let b = 0; b < valueBytes; b++) out.bytes[out.length++] = (v >>> (8 * b)) & 0xff;
      i = end;
      continue;
    }
    if (header < 0 || groups === MAX_GROUPS) {
      if (header >= 0) out.bytes[header] = (groups << 1) | 1;
      out.ensure(1);
      header = out.length++;
      groups = 0;
    }
    packGroup(values, i, to, width, out);
    groups++;
    i += 8;
  }
  if (header >= 0) out.bytes[header] = (groups << 1) | 1;
}

/** Bit-packs values[at, at + 8) (zeros past `to`): exactly `width` bytes. */
function packGroup(values: ArrayLike<number>, at: number, to: number, width: number, out: ByteBuffer): void {
  out.ensure(width);
  const bytes = out.bytes;
  let o = out.length;
  if (width <= 24) {
    let acc = 0;
    let bits = 0;
    for (let k = 0; k < 8; k++) {
      const v = at + k < to ? values[at + k]! : 0;
      acc |= v << bits;
      bits += width;
      while (bits >= 8) {
        bytes[o++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
  } else {
    // Wider values: plain arithmetic keeps up to 53 bits exact.
    let acc = 0;
    let bits = 0;
    for (let k = 0; k < 8; k++) {
      const v = at + k < to ? values[at + k]! >>> 0 : 0;
      acc += v * 2 ** bits;
      bits += width;
      while (bits >= 8) {
        bytes[o++] = acc % 256;
        acc = Math.floor(acc / 256);
        bits -= 8;
      }
    }
  }
  out.length = o;
}

/** `count` copies of `value` as one repeated run (count > 0). */
export function encodeRun(value: number, count: number, width: number, out: ByteBuffer): void {
  out.varint(count << 1);
  const valueBytes = (width + 7) >> 3;
  out.ensure(valueBytes);
  for (let b = 0; b < valueBytes; b++) out.bytes[out.length++] = (value >>> (8 * b)) & 0xff;
}

/**
 * Data page v1 levels: a 4-byte little-endian length, then the hybrid
 * encoding of levels[0, count) at the width of `maxLevel` (nothing at all
 * when maxLevel is 0).
 */
export function encodeLevels(levels: ArrayLike<number>, count: number, maxLevel: number, out: ByteBuffer): void {
  if (maxLevel === 0) return;
  const lengthAt = out.length;
  out.u32(0);
  encodeHybrid(levels, 0, count, bitWidth(maxLevel), out);
  out.view.setUint32(lengthAt, out.length - lengthAt - 4, true);
}

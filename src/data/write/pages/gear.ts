/**
 * The gear hash of Arrow C++'s content-defined chunker
 * (cpp/src/parquet/chunker_internal.cc, the chunker behind pyarrow's
 * `use_content_defined_chunking`, which `datasets` 5 turns on): eight
 * tables of 256 64-bit values, and the mask a hash must match.
 *
 * The tables are Arrow's own, rebuilt from their recipe
 * (chunker_internal_codegen.py): entry n of table s is the first 8 bytes of
 * md5(64 bytes of s followed by 64 bytes of n), read big-endian. Each is
 * kept as two 32-bit halves, JavaScript having no fast 64-bit integers.
 */
import { createHash } from "node:crypto";

export const GEAR_TABLES = 8;

export interface GearTables {
  /** High 32 bits of entry `table * 256 + byte`. */
  hi: Uint32Array;
  /** Low 32 bits. */
  lo: Uint32Array;
}

/** Builds the eight tables (2,048 md5 digests, about a millisecond). */
export function gearTables(): GearTables {
  const hi = new Uint32Array(GEAR_TABLES * 256);
  const lo = new Uint32Array(GEAR_TABLES * 256);
  const input = Buffer.alloc(128);
  for (let table = 0; table < GEAR_TABLES; table++)
    for (let n = 0; n < 256; n++) {
      input.fill(table, 0, 64);
      input.fill(n, 64, 128);
      const digest = createHash("md5").update(input).digest();
      hi[table * 256 + n] = digest.readUInt32BE(0);
      lo[table * 256 + n] = digest.readUInt32BE(4);
    }
  return { hi, lo };
}

/**
 * Mask bits for chunks of `min`..`max` bytes (Arrow's CalculateMask): the
 * average size past the minimum, split over the eight matches a cut needs,
 * rounded down to a power of two.
 */
export function maskBits(min: number, max: number, normLevel: number): number {
  if (min < 0) throw new Error("min_chunk_size must be non-negative");
  if (max <= min) throw new Error("max_chunk_size must be greater than min_chunk_size");
  const average = Math.floor((min + max) / 2);
  const target = Math.floor((average - min) / GEAR_TABLES);
  let targetBits = 0;
  while (targetBits < 64 && 2 ** targetBits <= target) targetBits++;
  const bits = (targetBits === 0 ? 0 : targetBits - 1) - normLevel;
  if (bits < 1 || bits > 63) throw new Error(`the number of bits in the CDC mask must be between 1 and 63, got ${bits}`);
  return bits;
}

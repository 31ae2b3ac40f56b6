/**
 * Content-defined page boundaries, exactly as Arrow C++ draws them
 * (cpp/src/parquet/chunker_internal.cc, `ContentDefinedChunker`), so that
 * our pages start where pyarrow's would for the same values.
 *
 * Every (definition level, value) of a column is fed to a 64-bit gear
 * hash: a level as 2 little-endian bytes, a value as its Arrow bytes (fixed
 * width as stored, strings and binaries without their length, a boolean as
 * one byte 0 or 1). Nothing is hashed until the chunk holds `min` bytes; a
 * chunk ends when the hash has matched the mask eight times (each time with
 * the next table), or at `max` bytes. The value that completes a cut starts
 * the next chunk. So after an edit the cuts fall back into step within a
 * chunk or two, and every page after that is byte for byte the same.
 *
 * A chunker lives for one column chunk: Arrow C++ makes a new one per row
 * group, so row groups never depend on each other.
 *
 * The scan runs in WebAssembly (wasm/cdc.ts, through ./kernels.ts); the
 * same algorithm in JavaScript (`jsCuts`) is the reference it is tested
 * against.
 */
import { GEAR_TABLES, type GearTables, maskBits } from "./gear.js";
import type { Kernels, Levels, ScanState } from "./kernels.js";
import type { HashValues } from "./physical.js";
import { type Validity, isValid } from "./statistics.js";

export interface CdcOptions {
  minChunkSize: number;
  maxChunkSize: number;
  normLevel: number;
}

/** `datasets` 5's settings (config.DEFAULT_CDC_OPTIONS). */
export const DATASETS_CDC: CdcOptions = { minChunkSize: 256 * 1024, maxChunkSize: 1024 * 1024, normLevel: 0 };

export const CDC_METADATA_KEY = "content_defined_chunking";

/** The `content_defined_chunking` footer entry, as `datasets` writes it (`json.dumps` of its options). */
export function cdcMetadata(options: CdcOptions): string {
  return `{"min_chunk_size": ${options.minChunkSize}, "max_chunk_size": ${options.maxChunkSize}, "norm_level": ${options.normLevel}}`;
}

export class ContentDefinedChunker {
  private readonly state: ScanState;

  constructor(options: CdcOptions) {
    const bits = maskBits(options.minChunkSize, options.maxChunkSize, options.normLevel);
    this.state = {
      hash: 0n,
      size: 0,
      run: 0,
      matched: false,
      min: options.minChunkSize,
      max: options.maxChunkSize,
      // The mask is the top `bits` bits of the 64-bit hash.
      mask: BigInt.asUintN(64, ~0n << BigInt(64 - bits)),
    };
  }

  /**
   * Triplets of a batch where a new chunk starts (Arrow C++'s Calculate: per
   * triplet, the definition level when the column has one, the repetition
   * level when it has one, then the value when it is there; a cut falls on
   * the triplet that completed it, and only on a record's first triplet).
   * The state carries over to the next batch.
   */
  cuts(kernels: Kernels, hash: HashValues, validity: Validity, n: number, levels: Levels): number[] {
    return kernels.scan(this.state, hash, validity, n, levels);
  }

  /** The same as `cuts`, in JavaScript: the reference the kernel is tested against. */
  jsCuts(tables: GearTables, hash: HashValues, validity: Validity, n: number, levels: Levels): number[] {
    const s = this.state;
    let hi = Number(s.hash >> 32n);
    let lo = Number(s.hash & 0xffffffffn);
    const maskHi = Number(s.mask >> 32n);
    const maskLo = Number(s.mask & 0xffffffffn);
    const roll = (byte: number) => {
      const entry = (s.run << 8) + byte;
      const sum = ((lo << 1) >>> 0) + tables.lo[entry]!;
      hi = (((hi << 1) | (lo >>> 31)) + tables.hi[entry]! + (sum > 0xffffffff ? 1 : 0)) >>> 0;
      lo = sum >>> 0;
      if ((hi & maskHi) === 0 && (lo & maskLo) === 0) s.matched = true;
    };
    const rollValue = (bytes: Uint8Array, from: number, to: number) => {
      s.size += to - from;
      if (s.size >= s.min) for (let i = from; i < to; i++) roll(bytes[i]!);
    };
    const rollLevel = (level: number) => {
      s.size += 2;
      if (s.size < s.min) return;
      roll(level & 0xff);
      roll(level >> 8);
    };
    const { maxDef, maxRep } = levels;
    const cuts: number[] = [];
    for (let i = 0; i < n; i++) {
      const def = levels.def ? levels.def[i]! : validity.bits === null || isValid(validity, i) ? maxDef : 0;
      const rep = levels.rep ? levels.rep[i]! : 0;
      if (maxDef > 0) rollLevel(def);
      if (maxRep > 0) rollLevel(rep);
      if (def === maxDef)
        switch (hash.kind) {
          case "fixed":
            rollValue(hash.bytes, i * hash.width, (i + 1) * hash.width);
            break;
          case "bytes":
            rollValue(hash.data, hash.offsets[i]!, hash.offsets[i + 1]!);
            break;
          case "boolean": {
            const at = hash.offset + i;
            rollValue(new Uint8Array([(hash.bits[at >> 3]! >> (at & 7)) & 1]), 0, 1);
            break;
          }
          case "none":
            break;
        }
      // Arrow's NeedNewChunk, asked only at a record's first triplet.
      if (rep !== 0) continue;
      let cut = false;
      if (s.matched) {
        s.matched = false;
        if (++s.run >= GEAR_TABLES) {
          s.run = 0;
          s.size = 0;
          cut = true;
        }
      }
      if (!cut && s.size >= s.max) {
        s.size = 0;
        cut = true;
      }
      if (cut) cuts.push(i);
    }
    s.hash = (BigInt(hi) << 32n) | BigInt(lo);
    return cuts;
  }
}

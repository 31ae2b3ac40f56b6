/**
 * The page writer's WebAssembly kernels (wasm/, compiled into
 * ./kernels-wasm.ts): the content-defined chunking scan and Snappy, the two
 * loops that run over every byte of every page. One instance per thread,
 * owned by whoever writes pages there and passed down; its linear memory
 * holds the gear tables, the kernels' state and a scratch area the inputs
 * are copied into, grown on demand.
 */
import { KERNELS_BASE64 } from "./kernels-wasm.js";
import type { GearTables } from "./gear.js";
import type { HashValues } from "./physical.js";
import type { Validity } from "./statistics.js";

/** The WebAssembly API (a global of Node; the project's TypeScript libraries declare only its types). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const STATE = 0; // 48 bytes: the chunker's state while it scans
const TABLES = 64; // 8 × 256 × 8 bytes
const SNAPPY_TABLE = TABLES + 8 * 256 * 8; // 2^14 × 4 bytes
const ARENA = SNAPPY_TABLE + (1 << 16);
const PAGE = 65536;
/** At most this much of a column is copied into the scratch area per scan call (one value may be larger). */
const SLICE_BYTES = 16 << 20;

/** The chunker's state between calls (Arrow C++'s ContentDefinedChunker::Impl). */
export interface ScanState {
  hash: bigint;
  size: number;
  run: number;
  matched: boolean;
  readonly min: number;
  readonly max: number;
  readonly mask: bigint;
}

type Scan = (
  state: number,
  tables: number,
  n: number,
  validity: number,
  bitOffset: number,
  defs: number,
  reps: number,
  maxDef: number,
  maxRep: number,
  kind: number,
  values: number,
  data: number,
  width: number,
  cuts: number,
) => number;

/** A column's levels: per triplet (null: a flat column's come from its validity; no repetition), and their maxima. */
export interface Levels {
  def: Uint8Array | null;
  rep: Uint8Array | null;
  maxDef: number;
  maxRep: number;
}
type Snappy = (src: number, length: number, dst: number, table: number) => number;

export class Kernels {
  private readonly memory = new wasm.Memory({ initial: 16 });
  private readonly scanKernel: Scan;
  private readonly snappyKernel: Snappy;
  private bytes: Uint8Array;
  private view: DataView;

  constructor(tables: GearTables) {
    const module = new wasm.Module(Buffer.from(KERNELS_BASE64, "base64"));
    const instance = new wasm.Instance(module, { env: { memory: this.memory } });
    this.scanKernel = instance.exports.scan as Scan;
    this.snappyKernel = instance.exports.snappy as Snappy;
    this.bytes = new Uint8Array(this.memory.buffer);
    this.view = new DataView(this.memory.buffer);
    for (let i = 0; i < tables.hi.length; i++) {
      this.view.setUint32(TABLES + 8 * i, tables.lo[i]!, true);
      this.view.setUint32(TABLES + 8 * i + 4, tables.hi[i]!, true);
    }
  }

  /** Makes the scratch area at least `size` bytes. */
  private reserve(size: number): void {
    const need = ARENA + size;
    if (need > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
      this.bytes = new Uint8Array(this.memory.buffer);
      this.view = new DataView(this.memory.buffer);
    }
  }

  /**
   * Triplets of a batch (its first `n`, with these validity bits, levels
   * and values) where a new chunk starts, continuing `state`.
   */
  scan(state: ScanState, hash: HashValues, validity: Validity, n: number, levels: Levels): number[] {
    const cuts: number[] = [];
    for (let from = 0; from < n; ) {
      const to = this.sliceEnd(hash, from, n);
      const count = to - from;
      // Layout: cut rows, validity bytes, values (and string bytes).
      const bitsFor = (bitStart: number) => ((bitStart & 7) + count + 7) >> 3;
      let size = 4 * count + 16 + (validity.bits ? bitsFor(validity.offset + from) : 0) + (levels.def ? count : 0) + (levels.rep ? count : 0);
      if (hash.kind === "fixed") size += count * hash.width;
      else if (hash.kind === "bytes") size += 4 * (count + 1) + (hash.offsets[to]! - hash.offsets[from]!);
      else if (hash.kind === "boolean") size += bitsFor(hash.offset + from);
      this.reserve(size + 16);
      const cutsAt = ARENA;
      let at = cutsAt + 4 * count;
      const copyBits = (bits: Uint8Array, bitStart: number) => {
        const start = bitStart >> 3;
        this.bytes.set(bits.subarray(start, start + bitsFor(bitStart)), at);
        const ptr = at;
        at += bitsFor(bitStart);
        return { ptr, offset: bitStart & 7 };
      };
      let validityAt = 0;
      let bitOffset = 0;
      if (validity.bits) ({ ptr: validityAt, offset: bitOffset } = copyBits(validity.bits, validity.offset + from));
      const copyLevels = (source: Uint8Array | null) => {
        if (!source) return 0;
        this.bytes.set(source.subarray(from, to), at);
        at += count;
        return at - count;
      };
      const defsAt = copyLevels(levels.def);
      const repsAt = copyLevels(levels.rep);
      let kind = 0;
      let values = 0;
      let data = 0;
      let width = 0;
      if (hash.kind === "fixed") {
        width = hash.width;
        values = at;
        this.bytes.set(hash.bytes.subarray(from * width, to * width), at);
      } else if (hash.kind === "bytes") {
        kind = 1;
        values = at = (at + 3) & ~3;
        const offsets = hash.offsets.subarray(from, to + 1);
        new Int32Array(this.memory.buffer, at, count + 1).set(offsets);
        at += 4 * (count + 1);
        this.bytes.set(hash.data.subarray(offsets[0]!, offsets[count]!), at);
        data = (at - offsets[0]!) | 0; // the kernel adds each value's offset (32-bit wrap-around is fine)
      } else if (hash.kind === "boolean") {
        kind = 2;
        ({ ptr: values, offset: data } = copyBits(hash.bits, hash.offset + from));
      } else kind = 3;
      this.writeState(state);
      const found = this.scanKernel(STATE, TABLES, count, validityAt, bitOffset, defsAt, repsAt, levels.maxDef, levels.maxRep, kind, values, data, width, cutsAt);
      this.readState(state);
      const rows = new Int32Array(this.memory.buffer, cutsAt, found);
      for (let k = 0; k < found; k++) cuts.push(from + rows[k]!);
      from = to;
    }
    return cuts;
  }

  /** Where a scan slice starting at `from` ends: at most SLICE_BYTES of values, at least one row. */
  private sliceEnd(hash: HashValues, from: number, n: number): number {
    if (hash.kind === "fixed") return Math.min(n, from + Math.max(1, Math.floor(SLICE_BYTES / hash.width)));
    if (hash.kind !== "bytes") return Math.min(n, from + SLICE_BYTES);
    const limit = hash.offsets[from]! + SLICE_BYTES;
    if (hash.offsets[n]! <= limit) return n;
    let lo = from + 1;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (hash.offsets[mid]! <= limit) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private writeState(state: ScanState): void {
    const v = this.view;
    v.setBigUint64(STATE, state.hash, true);
    v.setBigInt64(STATE + 8, BigInt(state.size), true);
    v.setInt32(STATE + 16, state.run, true);
    v.setInt32(STATE + 20, state.matched ? 1 : 0, true);
    v.setBigInt64(STATE + 24, BigInt(state.min), true);
    v.setBigInt64(STATE + 32, BigInt(state.max), true);
    v.setBigUint64(STATE + 40, state.mask, true);
  }

  private readState(state: ScanState): void {
    const v = this.view;
    state.hash = v.getBigUint64(STATE, true);
    state.size = Number(v.getBigInt64(STATE + 8, true));
    state.run = v.getInt32(STATE + 16, true);
    state.matched = v.getInt32(STATE + 20, true) !== 0;
  }

  /** The Snappy encoding of `input` (a view into the kernels' memory, valid until the next call). */
  snappy(input: Uint8Array): Uint8Array {
    const bound = 32 + input.length + Math.floor(input.length / 6) + 16; // + 16: the kernel copies short literals 16 bytes at a time
    this.reserve(input.length + 16 + bound);
    const src = ARENA;
    const dst = ARENA + input.length + 16;
    this.bytes.set(input, src);
    const length = this.snappyKernel(src, input.length, dst, SNAPPY_TABLE);
    return this.bytes.subarray(dst, dst + length);
  }
}

/**
 * Minimum and maximum of a page's values, and how they are written: the
 * rules of arrow-rs (parquet-wasm's writer), so statistics mean what they
 * meant before: values compared in the column's sort order (unsigned for
 * unsigned integers, strings and binaries; IEEE for floats and float16,
 * whose NaNs are left out; two's complement for decimals), a zero minimum
 * written as -0.0 and a zero maximum as +0.0, and string and binary bounds
 * cut to 64 bytes (the maximum then rounded up and marked inexact).
 */
import type { Leaf } from "./leaf.js";
import type { PhysicalValues } from "./physical.js";

/** Validity of a batch's rows: bit `offset + i` of `bits`, or all valid when `bits` is null. */
export interface Validity {
  bits: Uint8Array | null;
  offset: number;
}

export function isValid(validity: Validity, i: number): boolean {
  return bit(validity.bits, validity.offset, i);
}

/** arrow-rs's statistics and column index truncation length. */
export const TRUNCATE_LENGTH = 64;

/**
 * Tracks the smallest and largest of the values added to it, of one kind
 * of physical values: rows of a batch, or entries of a dictionary (a
 * dictionary-encoded page is bounded by its distinct entries).
 */
export interface MinMaxTracker {
  /** Adds the valid rows in [from, to) of `values`. */
  add(values: PhysicalValues, validity: Validity, from: number, to: number): void;
  /** Adds the values at `indices[0, count)` of `values` (all valid). */
  addAt(values: PhysicalValues, indices: Int32Array, count: number): void;
  /** The bounds as Parquet writes them (plain encoding), or null when no value counted (all null or NaN); then starts afresh. */
  take(): { min: Uint8Array; max: Uint8Array } | null;
}

/** Compares two plain-encoded values of `leaf`'s type in its sort order. */
export type Compare = (a: Uint8Array, b: Uint8Array) => number;

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Half-precision bits as a number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Unsigned byte-wise comparison of data[from, to) with `b`. */
function compareRange(data: Uint8Array, from: number, to: number, b: Uint8Array): number {
  const n = Math.min(to - from, b.length);
  for (let i = 0; i < n; i++) {
    const d = data[from + i]! - b[i]!;
    if (d !== 0) return d;
  }
  return to - from - b.length;
}

/** Byte-wise order (unsigned), a shorter prefix first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length, b);
}

/** Big-endian two's complement of equal widths: data[from, from + b.length) against b. */
function compareSignedBigEndian(data: Uint8Array, from: number, b: Uint8Array): number {
  const first = ((data[from]! << 24) >> 24) - ((b[0]! << 24) >> 24);
  if (first !== 0) return first;
  return compareRange(data, from + 1, from + b.length, b.subarray(1));
}

export function comparatorOf(leaf: Leaf, kind: PhysicalValues["kind"]): Compare {
  const unsigned = leaf.sortOrder === "unsigned";
  const sign = (x: bigint) => (x > 0n ? 1 : x < 0n ? -1 : 0);
  switch (kind) {
    case "int32":
      return unsigned ? (a, b) => view(a).getUint32(0, true) - view(b).getUint32(0, true) : (a, b) => view(a).getInt32(0, true) - view(b).getInt32(0, true);
    case "int64":
      return unsigned
        ? (a, b) => sign(view(a).getBigUint64(0, true) - view(b).getBigUint64(0, true))
        : (a, b) => sign(view(a).getBigInt64(0, true) - view(b).getBigInt64(0, true));
    case "float":
      return (a, b) => view(a).getFloat32(0, true) - view(b).getFloat32(0, true);
    case "double":
      return (a, b) => view(a).getFloat64(0, true) - view(b).getFloat64(0, true);
    case "fixed":
      if (leaf.float16) return (a, b) => halfToNumber(view(a).getUint16(0, true)) - halfToNumber(view(b).getUint16(0, true));
      return leaf.decimal ? (a, b) => compareSignedBigEndian(a, 0, b) : compareBytes;
    case "bytes":
    case "boolean":
      return compareBytes;
    case "null":
      return () => 0;
  }
}

/** Whether bit `offset + i` of `bits` is set (bits null: all set). */
function bit(bits: Uint8Array | null, offset: number, i: number): boolean {
  if (bits === null) return true;
  const at = offset + i;
  return ((bits[at >> 3]! >> (at & 7)) & 1) === 1;
}

class Int32Tracker implements MinMaxTracker {
  // Unsigned values are tracked with their sign bit flipped, which orders them as signed numbers.
  private readonly bias: number;
  private min = 0x7fffffff;
  private max = -0x80000000;
  private seen = false;

  constructor(unsigned: boolean) {
    this.bias = unsigned ? 0x80000000 | 0 : 0;
  }

  add(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    const v = (values as { values: Int32Array }).values;
    const { bits, offset } = validity;
    const bias = this.bias;
    let min = this.min;
    let max = this.max;
    let seen = this.seen;
    for (let i = from; i < to; i++) {
      if (bits !== null && !bit(bits, offset, i)) continue;
      const x = v[i]! ^ bias;
      if (x < min) min = x;
      if (x > max) max = x;
      seen = true;
    }
    this.min = min;
    this.max = max;
    this.seen = seen;
  }

  addAt(values: PhysicalValues, indices: Int32Array, count: number): void {
    const v = (values as { values: Int32Array }).values;
    for (let k = 0; k < count; k++) {
      const x = v[indices[k]!]! ^ this.bias;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
    }
    if (count > 0) this.seen = true;
  }

  take() {
    if (!this.seen) return null;
    const out = { min: int32Bytes(this.min ^ this.bias), max: int32Bytes(this.max ^ this.bias) };
    this.min = 0x7fffffff;
    this.max = -0x80000000;
    this.seen = false;
    return out;
  }
}

function int32Bytes(v: number): Uint8Array {
  const out = new Uint8Array(4);
  view(out).setInt32(0, v, true);
  return out;
}

class Int64Tracker implements MinMaxTracker {
  private readonly bias: number;
  private minLo = 0;
  private minHi = 0;
  private maxLo = 0;
  private maxHi = 0;
  private seen = false;

  constructor(unsigned: boolean) {
    this.bias = unsigned ? 0x80000000 | 0 : 0;
  }

  private one(words: Int32Array, i: number): void {
    const lo = words[2 * i]! >>> 0;
    const hi = words[2 * i + 1]! ^ this.bias;
    if (!this.seen) {
      this.minLo = this.maxLo = lo;
      this.minHi = this.maxHi = hi;
      this.seen = true;
      return;
    }
    if (hi < this.minHi || (hi === this.minHi && lo < this.minLo)) {
      this.minHi = hi;
      this.minLo = lo;
    }
    if (hi > this.maxHi || (hi === this.maxHi && lo > this.maxLo)) {
      this.maxHi = hi;
      this.maxLo = lo;
    }
  }

  add(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    const w = (values as { words: Int32Array }).words;
    const { bits, offset } = validity;
    for (let i = from; i < to; i++) if (bits === null || bit(bits, offset, i)) this.one(w, i);
  }

  addAt(values: PhysicalValues, indices: Int32Array, count: number): void {
    const w = (values as { words: Int32Array }).words;
    for (let k = 0; k < count; k++) this.one(w, indices[k]!);
  }

  take() {
    if (!this.seen) return null;
    this.seen = false;
    const encode = (lo: number, hi: number) => {
      const out = new Uint8Array(8);
      view(out).setUint32(0, lo, true);
      view(out).setInt32(4, hi ^ this.bias, true);
      return out;
    };
    return { min: encode(this.minLo, this.minHi), max: encode(this.maxLo, this.maxHi) };
  }
}

class FloatTracker implements MinMaxTracker {
  private min = Infinity;
  private max = -Infinity;
  private seen = false;

  constructor(private readonly double: boolean) {}

  add(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    const v = (values as { values: Float32Array | Float64Array }).values;
    const { bits, offset } = validity;
    let min = this.min;
    let max = this.max;
    let seen = this.seen;
    for (let i = from; i < to; i++) {
      if (bits !== null && !bit(bits, offset, i)) continue;
      const x = v[i]!;
      if (x !== x) continue; // NaN
      if (!seen || x < min) min = x;
      if (!seen || x > max) max = x;
      seen = true;
    }
    this.min = min;
    this.max = max;
    this.seen = seen;
  }

  addAt(values: PhysicalValues, indices: Int32Array, count: number): void {
    const v = (values as { values: Float32Array | Float64Array }).values;
    for (let k = 0; k < count; k++) {
      const x = v[indices[k]!]!;
      if (x !== x) continue;
      if (!this.seen || x < this.min) this.min = x;
      if (!this.seen || x > this.max) this.max = x;
      this.seen = true;
    }
  }

  take() {
    if (!this.seen) return null;
    // A zero minimum is written as -0.0 and a zero maximum as +0.0 (parquet-format, as arrow-rs does).
    const min = this.min === 0 ? -0 : this.min;
    const max = this.max === 0 ? 0 : this.max;
    this.min = Infinity;
    this.max = -Infinity;
    this.seen = false;
    const encode = (x: number) => {
      const out = new Uint8Array(this.double ? 8 : 4);
      if (this.double) view(out).setFloat64(0, x, true);
      else view(out).setFloat32(0, x, true);
      return out;
    };
    return { min: encode(min), max: encode(max) };
  }
}

/** Float16 (compared as half floats, NaN left out) or decimals (signed big-endian), kept as bytes. */
class FixedTracker implements MinMaxTracker {
  private min: Uint8Array | null = null;
  private max: Uint8Array | null = null;
  private minValue = 0;
  private maxValue = 0;

  constructor(private readonly float16: boolean) {}

  add(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    const { bytes, width } = values as { bytes: Uint8Array; width: number };
    const { bits, offset } = validity;
    for (let i = from; i < to; i++) {
      if (bits !== null && !bit(bits, offset, i)) continue;
      const at = i * width;
      if (this.float16) {
        const x = halfToNumber(bytes[at]! | (bytes[at + 1]! << 8));
        if (x !== x) continue;
        if (this.min === null || x < this.minValue) [this.min, this.minValue] = [bytes.slice(at, at + 2), x];
        if (this.max === null || x > this.maxValue) [this.max, this.maxValue] = [bytes.slice(at, at + 2), x];
        continue;
      }
      if (this.min === null || compareSignedBigEndian(bytes, at, this.min) < 0) this.min = bytes.slice(at, at + width);
      if (this.max === null || compareSignedBigEndian(bytes, at, this.max) > 0) this.max = bytes.slice(at, at + width);
    }
  }

  addAt(): void {
    throw new Error("FIXED_LEN_BYTE_ARRAY columns have no dictionary");
  }

  take() {
    if (this.min === null || this.max === null) return null;
    let { min, max } = this;
    if (this.float16) {
      if (this.minValue === 0) min = new Uint8Array([0x00, 0x80]); // -0
      if (this.maxValue === 0) max = new Uint8Array([0x00, 0x00]); // +0
    }
    this.min = this.max = null;
    return { min, max };
  }
}

class BytesTracker implements MinMaxTracker {
  private min: Uint8Array | null = null;
  private max: Uint8Array | null = null;

  private one(data: Uint8Array, start: number, end: number): void {
    if (this.min === null || compareRange(data, start, end, this.min) < 0) this.min = data.slice(start, end);
    if (this.max === null || compareRange(data, start, end, this.max) > 0) this.max = data.slice(start, end);
  }

  add(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    const { offsets, data } = values as { offsets: Int32Array; data: Uint8Array };
    const { bits, offset } = validity;
    for (let i = from; i < to; i++) if (bits === null || bit(bits, offset, i)) this.one(data, offsets[i]!, offsets[i + 1]!);
  }

  addAt(values: PhysicalValues, indices: Int32Array, count: number): void {
    const { offsets, data } = values as { offsets: Int32Array; data: Uint8Array };
    for (let k = 0; k < count; k++) {
      const i = indices[k]!;
      this.one(data, offsets[i]!, offsets[i + 1]!);
    }
  }

  take() {
    if (this.min === null || this.max === null) return null;
    const out = { min: this.min, max: this.max };
    this.min = this.max = null;
    return out;
  }
}

class BooleanTracker implements MinMaxTracker {
  private seenFalse = false;
  private seenTrue = false;

  add(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    const { bits: data, offset: dataOffset } = values as { bits: Uint8Array; offset: number };
    const { bits, offset } = validity;
    for (let i = from; i < to && !(this.seenFalse && this.seenTrue); i++) {
      if (bits !== null && !bit(bits, offset, i)) continue;
      if (bit(data, dataOffset, i)) this.seenTrue = true;
      else this.seenFalse = true;
    }
  }

  addAt(): void {
    throw new Error("BOOLEAN columns have no dictionary");
  }

  take() {
    if (!this.seenFalse && !this.seenTrue) return null;
    const out = { min: new Uint8Array([this.seenFalse ? 0 : 1]), max: new Uint8Array([this.seenTrue ? 1 : 0]) };
    this.seenFalse = this.seenTrue = false;
    return out;
  }
}

class NullTracker implements MinMaxTracker {
  add(): void {}
  addAt(): void {}
  take() {
    return null;
  }
}

export function minMaxTracker(leaf: Leaf, kind: PhysicalValues["kind"]): MinMaxTracker {
  switch (kind) {
    case "int32":
      return new Int32Tracker(leaf.sortOrder === "unsigned");
    case "int64":
      return new Int64Tracker(leaf.sortOrder === "unsigned");
    case "float":
      return new FloatTracker(false);
    case "double":
      return new FloatTracker(true);
    case "fixed":
      return new FixedTracker(leaf.float16);
    case "bytes":
      return new BytesTracker();
    case "boolean":
      return new BooleanTracker();
    case "null":
      return new NullTracker();
  }
}

/** A lower bound of at most `length` bytes (a prefix; for UTF-8, cut on a character boundary), or the value itself. */
export function truncateMin(value: Uint8Array, utf8: boolean, length = TRUNCATE_LENGTH): { bytes: Uint8Array; exact: boolean } {
  if (value.length <= length) return { bytes: value, exact: true };
  let end = length;
  if (utf8 && isUtf8(value)) {
    while (end > 0 && (value[end]! & 0xc0) === 0x80) end--;
    if (end === 0) return { bytes: value, exact: true };
  }
  return { bytes: value.slice(0, end), exact: false };
}

/** An upper bound of at most `length` bytes (a prefix with its last character or byte increased), or the value itself. */
export function truncateMax(value: Uint8Array, utf8: boolean, length = TRUNCATE_LENGTH): { bytes: Uint8Array; exact: boolean } {
  if (value.length <= length) return { bytes: value, exact: true };
  if (utf8 && isUtf8(value)) {
    // The longest prefix of at most `length` bytes ending on a character boundary, its last character
    // increased without growing its UTF-8 length (arrow-rs's truncate_and_increment_utf8).
    let split = length;
    const lower = Math.max(0, length - 3);
    while (split >= lower && split > 0 && (value[split]! & 0xc0) === 0x80) split--;
    if (split < lower || split === 0) return { bytes: value, exact: true };
    const text = new TextDecoder().decode(value.subarray(0, split));
    const chars = [...text];
    for (let i = chars.length - 1; i >= 0; i--) {
      const code = chars[i]!.codePointAt(0)!;
      const next = code + 1;
      if (next > 0x10ffff || (next >= 0xd800 && next <= 0xdfff)) continue;
      const grown = String.fromCodePoint(next);
      if (new TextEncoder().encode(grown).length !== new TextEncoder().encode(chars[i]!).length) continue;
      return { bytes: new TextEncoder().encode(chars.slice(0, i).join("") + grown), exact: false };
    }
    return { bytes: value, exact: true };
  }
  const out = value.slice(0, length);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i]!++;
      return { bytes: out, exact: false };
    }
    out[i] = 0;
  }
  return { bytes: value, exact: true };
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

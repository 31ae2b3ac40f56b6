/**
 * Column builders that fill Arrow buffers directly (offsets, UTF-8 bytes, typed
 * arrays, validity bitmaps) instead of going through JS arrays and
 * `vectorFromArray`, which is the slow path (docs/parquet.md#building-arrow-data).
 *
 * Each builder collects one batch; `finish()` hands its buffers over as an
 * `arrow.Data` and starts a fresh batch. Format readers decide how cells are
 * parsed; builders only store. `appendValue` takes a JS value already
 * normalised for the column (see values.ts) and throws a plain Error with a
 * short reason when it does not fit; readers turn that into a DataError with
 * the file and line.
 *
 * Module state: only toHalf's 4-byte bit-cast buffer, written and read within
 * one call, so nothing outlives it; builders keep their own buffers.
 */
import * as arrow from "apache-arrow";
import { type Feature, featureToArrow, featureToString } from "../../model/features.js";

/** Validity bitmap allocated on the first null, so all-valid columns carry none. */
class Validity {
  private bits: Uint8Array | undefined;
  nullCount = 0;

  setNull(index: number, capacityHint: number): void {
    if (!this.bits) {
      this.bits = new Uint8Array(Math.max(64, (Math.max(capacityHint, index + 1) + 7) >> 3)).fill(0xff);
    } else if (index >> 3 >= this.bits.length) {
      const grown = new Uint8Array(Math.max(this.bits.length * 2, (index >> 3) + 1)).fill(0xff);
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[index >> 3]! &= ~(1 << (index & 7));
    this.nullCount++;
  }

  /** Hands the bitmap over (trimmed to `length` rows, unused bits cleared) and resets. */
  take(length: number): Uint8Array | undefined {
    let out = this.bits;
    if (out) {
      const bytes = (length + 7) >> 3;
      if (out.length < bytes) {
        const grown = new Uint8Array(bytes).fill(0xff);
        grown.set(out);
        out = grown;
      }
      out = out.subarray(0, bytes);
      // Bits past the end are zero, as Arrow writers leave them (keeps output bytes canonical).
      if (length & 7) out[bytes - 1]! &= (1 << (length & 7)) - 1;
    }
    this.bits = undefined;
    this.nullCount = 0;
    return out;
  }
}

export interface ColumnBuilder {
  readonly type: arrow.DataType;
  readonly length: number;
  appendNull(): void;
  /** Stores a normalised JS value; throws a plain Error with a short reason when it does not fit. */
  appendValue(value: unknown): void;
  finish(): arrow.Data;
}

/** A feature no builder exists for (e.g. `binary` from text): the reason, for messages. */
export class UnsupportedFeature extends Error {
  override name = "UnsupportedFeature";
}

/** Rows a builder holds before it first grows (and after finish(), at least). */
export const INITIAL_CAPACITY = 1024;

type FixedArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
type FixedArrayCtor = { new (n: number): FixedArray };

/** Fixed-width numbers that fit a JS number exactly (everything but 64-bit ints). */
export class NumberBuilder implements ColumnBuilder {
  length = 0;
  private values: FixedArray;
  private readonly validity = new Validity();
  private readonly integral: boolean;

  constructor(
    readonly type: arrow.DataType,
    private readonly ctor: FixedArrayCtor,
    private readonly min = -Infinity,
    private readonly max = Infinity,
    private readonly capacity = INITIAL_CAPACITY,
  ) {
    this.values = new ctor(capacity);
    this.integral = Number.isFinite(min);
  }

  private grow(): void {
    const next = new this.ctor(this.values.length * 2);
    next.set(this.values as never);
    this.values = next;
  }

  append(v: number): void {
    if (this.length === this.values.length) this.grow();
    this.values[this.length++] = v;
  }

  /** True when `v` is storable without loss (integers in range for int types). */
  accepts(v: number): boolean {
    return this.integral ? Number.isInteger(v) && v >= this.min && v <= this.max : true;
  }

  appendNull(): void {
    if (this.length === this.values.length) this.grow();
    this.validity.setNull(this.length, this.values.length);
    this.values[this.length++] = 0;
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    const v = typeof value === "bigint" ? Number(value) : value;
    if (typeof v !== "number") throw new Error(`expected a number, got ${describe(value)}`);
    if (!this.accepts(v)) throw new Error(`${String(value)} does not fit ${typeName(this.type)}`);
    this.append(v);
  }

  finish(): arrow.Data {
    const n = this.length;
    const data = arrow.makeData({
      type: this.type as arrow.Int,
      length: n,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(n),
      data: this.values.subarray(0, n) as never,
    });
    this.values = new this.ctor(Math.max(this.capacity, n));
    this.length = 0;
    return data;
  }
}

/** float16: values rounded to the nearest half-precision float, stored as their bits. */
export class Float16Builder implements ColumnBuilder {
  readonly type = new arrow.Float16();
  private readonly inner: NumberBuilder;
  constructor(capacity = INITIAL_CAPACITY) {
    this.inner = new NumberBuilder(new arrow.Uint16(), Uint16Array, 0, 65535, capacity);
  }
  get length(): number {
    return this.inner.length;
  }
  append(v: number): void {
    this.inner.append(toHalf(v));
  }
  appendNull(): void {
    this.inner.appendNull();
  }
  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    const v = typeof value === "bigint" ? Number(value) : value;
    if (typeof v !== "number") throw new Error(`expected a number, got ${describe(value)}`);
    this.append(v);
  }
  finish(): arrow.Data {
    const d = this.inner.finish();
    return arrow.makeData({ type: this.type, length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, data: d.values });
  }
}

// A float32 bit cast: written and read within one call of toHalf, so no state outlives a call.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of `v`, rounded to nearest even (via float32, as numpy's float16 cast does for most values). */
export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

const TWO_32 = 4294967296;

/** 64-bit integers (also timestamps, date64, time64, durations), written as two 32-bit halves to avoid BigInt on the hot path. */
export class Int64Builder implements ColumnBuilder {
  length = 0;
  private words: Int32Array;
  private readonly validity = new Validity();

  constructor(
    readonly type: arrow.DataType = new arrow.Int64(),
    readonly unsigned = false,
    private readonly capacity = INITIAL_CAPACITY,
  ) {
    this.words = new Int32Array(capacity * 2);
  }

  private ensure(): void {
    if (this.length * 2 === this.words.length) {
      const next = new Int32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
  }

  /** `v` must be a safe integer (|v| < 2^53). */
  appendSafe(v: number): void {
    this.ensure();
    const hi = Math.floor(v / TWO_32);
    const i = this.length++ * 2;
    this.words[i] = (v - hi * TWO_32) | 0;
    this.words[i + 1] = hi | 0;
  }

  appendBigInt(v: bigint): void {
    this.ensure();
    const u = BigInt.asUintN(64, v);
    const i = this.length++ * 2;
    this.words[i] = Number(u & 0xffffffffn) | 0;
    this.words[i + 1] = Number(u >> 32n) | 0;
  }

  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length, this.words.length / 2);
    const i = this.length++ * 2;
    this.words[i] = 0;
    this.words[i + 1] = 0;
  }

  /** Whether an integer fits this column's range. */
  fits(v: bigint): boolean {
    return this.unsigned ? v >= 0n && v < 1n << 64n : v >= -(1n << 63n) && v < 1n << 63n;
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (typeof value === "bigint") {
      if (!this.fits(value)) throw new Error(`${value} does not fit ${typeName(this.type)}`);
      return this.appendBigInt(value);
    }
    if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`expected an integer, got ${describe(value)}`);
    if (this.unsigned && value < 0) throw new Error(`${value} does not fit ${typeName(this.type)}`);
    if (Number.isSafeInteger(value)) this.appendSafe(value);
    else this.appendValue(BigInt(value));
  }

  finish(): arrow.Data {
    const n = this.length;
    const values = this.unsigned ? new BigUint64Array(this.words.buffer, 0, n) : new BigInt64Array(this.words.buffer, 0, n);
    const data = arrow.makeData({
      type: this.type as arrow.Int64,
      length: n,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(n),
      data: values as never,
    });
    this.words = new Int32Array(Math.max(this.capacity, n) * 2);
    this.length = 0;
    return data;
  }
}

export class BoolBuilder implements ColumnBuilder {
  readonly type = new arrow.Bool();
  length = 0;
  private bits: Uint8Array;
  private readonly validity = new Validity();

  constructor(private readonly capacity = INITIAL_CAPACITY) {
    this.bits = new Uint8Array((capacity + 7) >> 3);
  }

  append(v: boolean): void {
    if (this.length >> 3 >= this.bits.length) {
      const next = new Uint8Array(this.bits.length * 2);
      next.set(this.bits);
      this.bits = next;
    }
    if (v) this.bits[this.length >> 3]! |= 1 << (this.length & 7);
    this.length++;
  }

  appendNull(): void {
    this.validity.setNull(this.length, this.bits.length * 8);
    this.append(false);
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (typeof value !== "boolean") throw new Error(`expected true or false, got ${describe(value)}`);
    this.append(value);
  }

  finish(): arrow.Data {
    const n = this.length;
    const data = arrow.makeData({
      type: this.type,
      length: n,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(n),
      data: this.bits.subarray(0, (n + 7) >> 3),
    });
    this.bits = new Uint8Array((Math.max(this.capacity, n) + 7) >> 3);
    this.length = 0;
    return data;
  }
}

const encoder = new TextEncoder();

/** UTF-8 strings as int32 offsets + bytes (int64 offsets for `large_string`). Bytes are copied straight from the input buffer. */
export class Utf8Builder implements ColumnBuilder {
  readonly type: arrow.DataType;
  length = 0;
  private offsets: Int32Array;
  private bytes: Uint8Array;
  private used = 0;
  private readonly validity = new Validity();
  private readonly large: boolean;

  constructor(
    type: arrow.DataType = new arrow.Utf8(),
    private readonly capacity = INITIAL_CAPACITY,
  ) {
    this.type = type;
    this.large = type instanceof arrow.LargeUtf8;
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(capacity * 16);
  }

  private reserveRow(): void {
    if (this.length + 1 === this.offsets.length) {
      const next = new Int32Array(this.offsets.length * 2);
      next.set(this.offsets);
      this.offsets = next;
    }
  }

  private reserveBytes(n: number): void {
    if (this.used + n > this.bytes.length) {
      const next = new Uint8Array(Math.max(this.bytes.length * 2, this.used + n));
      next.set(this.bytes.subarray(0, this.used));
      this.bytes = next;
    }
  }

  appendBytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserveRow();
    this.reserveBytes(n);
    const bytes = this.bytes;
    let at = this.used;
    if (n < 32) {
      // Short values: a plain loop beats the per-call cost of a native copy.
      for (let i = start; i < end; i++) bytes[at++] = src[i]!;
    } else if (Buffer.isBuffer(src)) {
      src.copy(bytes, at, start, end); // native, and no subarray object to collect
      at += n;
    } else {
      bytes.set(src.subarray(start, end), at);
      at += n;
    }
    this.used = at;
    this.offsets[++this.length] = at;
  }

  /** Appends the bytes of a quoted CSV field, turning each doubled quote into one. */
  appendUnescaped(src: Uint8Array, start: number, end: number, quote: number): void {
    this.reserveRow();
    this.reserveBytes(end - start);
    const bytes = this.bytes;
    let at = this.used;
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      bytes[at++] = b;
      if (b === quote) i++;
    }
    this.used = at;
    this.offsets[++this.length] = at;
  }

  appendString(s: string): void {
    this.reserveRow();
    this.reserveBytes(s.length * 3);
    const { written } = encoder.encodeInto(s, this.bytes.subarray(this.used));
    this.used += written;
    this.offsets[++this.length] = this.used;
  }

  appendNull(): void {
    this.reserveRow();
    this.validity.setNull(this.length, this.offsets.length);
    this.offsets[++this.length] = this.used;
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (typeof value !== "string") throw new Error(`expected a string, got ${describe(value)}`);
    this.appendString(value);
  }

  finish(): arrow.Data {
    const n = this.length;
    const offsets = this.large ? BigInt64Array.from(this.offsets.subarray(0, n + 1), (x) => BigInt(x)) : this.offsets.subarray(0, n + 1);
    const data = arrow.makeData({
      type: this.type as arrow.Utf8,
      length: n,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(n),
      valueOffsets: offsets as Int32Array,
      data: this.bytes.subarray(0, this.used),
    });
    this.offsets = new Int32Array(Math.max(this.capacity, n) + 1);
    this.bytes = new Uint8Array(Math.max(this.capacity * 16, this.used));
    this.used = 0;
    this.length = 0;
    return data;
  }
}

/** Decimal128/256: unscaled integers (bigint) as little-endian two's complement words. */
export class DecimalBuilder implements ColumnBuilder {
  length = 0;
  private words: Uint32Array;
  private readonly validity = new Validity();
  private readonly stride: number;
  private readonly limit: bigint;

  constructor(
    readonly type: arrow.Decimal,
    private readonly capacity = INITIAL_CAPACITY,
  ) {
    this.stride = type.bitWidth / 32;
    this.words = new Uint32Array(capacity * this.stride);
    this.limit = 10n ** BigInt(type.precision);
  }

  private ensure(): void {
    if ((this.length + 1) * this.stride > this.words.length) {
      const next = new Uint32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
  }

  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length, this.words.length / this.stride);
    this.length++;
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (typeof value !== "bigint") throw new Error(`expected a decimal number, got ${describe(value)}`);
    if (value >= this.limit || value <= -this.limit)
      throw new Error(`does not fit decimal precision ${this.type.precision} (scale ${this.type.scale})`);
    this.ensure();
    let u = BigInt.asUintN(this.stride * 32, value);
    const at = this.length * this.stride;
    for (let k = 0; k < this.stride; k++) {
      this.words[at + k] = Number(u & 0xffffffffn);
      u >>= 32n;
    }
    this.length++;
  }

  finish(): arrow.Data {
    const n = this.length;
    const data = arrow.makeData({
      type: this.type,
      length: n,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(n),
      data: this.words.subarray(0, n * this.stride),
    });
    this.words = new Uint32Array(Math.max(this.capacity, n) * this.stride);
    this.length = 0;
    return data;
  }
}

export class NullBuilder implements ColumnBuilder {
  readonly type = new arrow.Null();
  length = 0;
  appendNull(): void {
    this.length++;
  }
  appendValue(value: unknown): void {
    if (value !== null && value !== undefined) throw new Error(`expected null, got ${describe(value)}`);
    this.length++;
  }
  finish(): arrow.Data {
    const data = arrow.makeData({ type: this.type, length: this.length, nullCount: this.length });
    this.length = 0;
    return data;
  }
}

/** Variable-length lists (int32 offsets; int64 for `large_list`) of any child builder. */
export class ListBuilder implements ColumnBuilder {
  length = 0;
  private offsets: Int32Array;
  private readonly validity = new Validity();

  constructor(
    readonly type: arrow.List | arrow.LargeList,
    readonly child: ColumnBuilder,
    private readonly capacity = INITIAL_CAPACITY,
  ) {
    this.offsets = new Int32Array(capacity + 1);
  }

  private reserveRow(): void {
    if (this.length + 1 === this.offsets.length) {
      const next = new Int32Array(this.offsets.length * 2);
      next.set(this.offsets);
      this.offsets = next;
    }
  }

  /** Call after appending the items of one list to `child`. */
  closeList(): void {
    this.reserveRow();
    this.offsets[++this.length] = this.child.length;
  }

  appendNull(): void {
    this.reserveRow();
    this.validity.setNull(this.length, this.offsets.length);
    this.offsets[++this.length] = this.child.length;
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (!Array.isArray(value)) throw new Error(`expected a list, got ${describe(value)}`);
    for (const item of value) this.child.appendValue(item);
    this.closeList();
  }

  finish(): arrow.Data {
    const n = this.length;
    const offsets =
      this.type instanceof arrow.LargeList
        ? BigInt64Array.from(this.offsets.subarray(0, n + 1), (x) => BigInt(x))
        : this.offsets.subarray(0, n + 1);
    const data = arrow.makeData({
      type: this.type as arrow.List,
      length: n,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(n),
      valueOffsets: offsets as Int32Array,
      child: this.child.finish(),
    });
    this.offsets = new Int32Array(Math.max(this.capacity, n) + 1);
    this.length = 0;
    return data;
  }
}

/** Fixed-size lists: every non-null row holds exactly `listSize` items; a null row holds `listSize` null items. */
export class FixedSizeListBuilder implements ColumnBuilder {
  length = 0;
  private readonly validity = new Validity();

  constructor(
    readonly type: arrow.FixedSizeList,
    readonly child: ColumnBuilder,
  ) {}

  appendNull(): void {
    this.validity.setNull(this.length, this.length + 1);
    for (let i = 0; i < this.type.listSize; i++) this.child.appendNull();
    this.length++;
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (!Array.isArray(value)) throw new Error(`expected a list, got ${describe(value)}`);
    if (value.length !== this.type.listSize) throw new Error(`expected a list of ${this.type.listSize} items, got ${value.length}`);
    for (const item of value) this.child.appendValue(item);
    this.length++;
  }

  finish(): arrow.Data {
    const n = this.length;
    const data = arrow.makeData({
      type: this.type,
      length: n,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(n),
      child: this.child.finish(),
    });
    this.length = 0;
    return data;
  }
}

export class StructBuilder implements ColumnBuilder {
  length = 0;
  private readonly validity = new Validity();
  private readonly names: string[];

  constructor(
    readonly type: arrow.Struct,
    readonly children: ColumnBuilder[],
  ) {
    this.names = type.children.map((f) => f.name);
  }

  appendNull(): void {
    this.validity.setNull(this.length, this.length + 1);
    for (const c of this.children) c.appendNull();
    this.length++;
  }

  /** Call after appending one value to each child. */
  closeRow(): void {
    this.length++;
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (typeof value !== "object" || Array.isArray(value)) throw new Error(`expected an object, got ${describe(value)}`);
    const record = value as Record<string, unknown>;
    for (let i = 0; i < this.children.length; i++) {
      const name = this.names[i]!;
      try {
        this.children[i]!.appendValue(Object.hasOwn(record, name) ? record[name] : undefined);
      } catch (e) {
        throw new Error(`field '${name}': ${(e as Error).message}`);
      }
    }
    this.length++;
  }

  finish(): arrow.Data {
    const n = this.length;
    const data = arrow.makeData({
      type: this.type,
      length: n,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(n),
      children: this.children.map((c) => c.finish()),
    });
    this.length = 0;
    return data;
  }
}

/**
 * ClassLabel: stored as its int64 id. Labels are matched as `datasets`'
 * `ClassLabel` does (`_strval2int`): the exact name, then the name with
 * surrounding whitespace removed, then an integer id in `-1..n-1` (-1 means
 * "no label" in `datasets`). Integer values must be ids in that range.
 */
export class ClassLabelBuilder implements ColumnBuilder {
  private readonly ids: Map<string, number>;
  private readonly inner: Int64Builder;
  readonly type: arrow.DataType;

  constructor(
    readonly names: string[],
    capacity = INITIAL_CAPACITY,
  ) {
    this.ids = new Map(names.map((n, i) => [n, i]));
    this.inner = new Int64Builder(undefined, false, capacity);
    this.type = this.inner.type;
  }

  get length(): number {
    return this.inner.length;
  }

  /** The id of a label text, or undefined when it is unknown. */
  idOf(label: string): number | undefined {
    const id = this.ids.get(label) ?? this.ids.get(label.trim());
    if (id !== undefined) return id;
    if (/^\s*[+-]?\d+\s*$/.test(label)) {
      const n = Number(label);
      if (n >= -1 && n < this.names.length) return n;
    }
    return undefined;
  }

  /** Returns false when the label is unknown. */
  appendLabel(label: string): boolean {
    const id = this.idOf(label);
    if (id === undefined) return false;
    this.inner.appendSafe(id);
    return true;
  }

  appendNull(): void {
    this.inner.appendNull();
  }

  appendValue(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (typeof value === "number" && Number.isInteger(value) && value >= -1 && value < this.names.length)
      return this.inner.appendSafe(value);
    if (typeof value === "string" && this.appendLabel(value)) return;
    throw new Error(this.unknown(value));
  }

  /** The message for a label that is not one of the names. */
  unknown(value: unknown): string {
    const shown = this.names.slice(0, 10).map((n) => JSON.stringify(n));
    const more = this.names.length > 10 ? `, ... (${this.names.length} names)` : "";
    const what = typeof value === "number" ? `id ${value} is not between -1 and ${this.names.length - 1}` : `${describe(value)} is not a label`;
    return `${what}; known labels: ${shown.join(", ")}${more}`;
  }

  finish(): arrow.Data {
    return this.inner.finish();
  }
}

const INT_RANGES: Record<string, [FixedArrayCtor, number, number]> = {
  int8: [Int8Array, -128, 127],
  int16: [Int16Array, -32768, 32767],
  int32: [Int32Array, -2147483648, 2147483647],
  uint8: [Uint8Array, 0, 255],
  uint16: [Uint16Array, 0, 65535],
  uint32: [Uint32Array, 0, 4294967295],
};

/**
 * A builder for any feature our readers can produce from text or JSON;
 * throws UnsupportedFeature (with the reason) otherwise. `capacity` is the
 * rows a batch is expected to hold (fewer for a small file, so thousands of
 * them do not each allocate buffers for INITIAL_CAPACITY rows); the
 * buffers grow as needed.
 */
export function builderFor(feature: Feature, rows = INITIAL_CAPACITY): ColumnBuilder {
  const type = featureToArrowChecked(feature);
  const capacity = Math.max(8, rows);
  switch (feature.kind) {
    case "class_label":
      return new ClassLabelBuilder(feature.names, capacity);
    case "list": {
      const child = builderFor(feature.item, capacity);
      if (type instanceof arrow.FixedSizeList) return new FixedSizeListBuilder(type, child);
      if (type instanceof arrow.List || type instanceof arrow.LargeList) return new ListBuilder(type, child, capacity);
      break;
    }
    case "struct":
      if (feature.fields.length === 0)
        throw new UnsupportedFeature("a struct without fields cannot be stored in Parquet");
      return new StructBuilder(
        type as arrow.Struct,
        feature.fields.map((f) => builderFor(f.feature, capacity)),
      );
    case "custom":
      if (feature.typeName === "Json") return new Utf8Builder(new arrow.Utf8(), capacity);
      throw new UnsupportedFeature(`${featureToString(feature)} columns can only come from Parquet files that already hold them`);
    case "value": {
      const d = feature.dtype;
      const range = INT_RANGES[d];
      if (range) return new NumberBuilder(type, range[0], range[1], range[2], capacity);
      if (d === "float16") return new Float16Builder(capacity);
      if (d === "float32") return new NumberBuilder(type, Float32Array, -Infinity, Infinity, capacity);
      if (d === "float64") return new NumberBuilder(type, Float64Array, -Infinity, Infinity, capacity);
      if (d === "date32") return new NumberBuilder(type, Int32Array, -2147483648, 2147483647, capacity);
      if (d === "time32[s]" || d === "time32[ms]") return new NumberBuilder(type, Int32Array, 0, 86_400_000, capacity);
      if (d === "int64") return new Int64Builder(type, false, capacity);
      if (d === "uint64") return new Int64Builder(type, true, capacity);
      if (d.startsWith("timestamp[") || d === "date64" || d.startsWith("time64[") || d.startsWith("duration["))
        return new Int64Builder(type, false, capacity);
      if (d.startsWith("decimal")) return new DecimalBuilder(type as arrow.Decimal, capacity);
      if (d === "bool") return new BoolBuilder(capacity);
      if (d === "string" || d === "large_string") return new Utf8Builder(type, capacity);
      if (d === "null") return new NullBuilder();
      throw new UnsupportedFeature(`dtype '${d}' cannot be made from text or JSON values`);
    }
  }
  throw new UnsupportedFeature(`${featureToString(feature)} cannot be made from text or JSON values`);
}

function featureToArrowChecked(feature: Feature): arrow.DataType {
  try {
    return featureToArrow(feature);
  } catch (e) {
    throw new UnsupportedFeature((e as Error).message);
  }
}

/** Why `feature` cannot be built from text/JSON values, or undefined when it can. */
export function unsupportedReason(feature: Feature): string | undefined {
  try {
    builderFor(feature, 1);
    return undefined;
  } catch (e) {
    if (e instanceof UnsupportedFeature) return e.message;
    throw e;
  }
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "bigint") return `number ${value}`;
  return `${typeof value} ${String(value)}`;
}

function typeName(type: arrow.DataType): string {
  return String(type).toLowerCase();
}

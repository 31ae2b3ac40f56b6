/**
 * A flat Arrow column (one batch of it) as the values of its Parquet
 * physical type, indexed by row (null rows hold whatever the buffer holds):
 * small integers widened to INT32, decimals cut to their INT32, INT64 or
 * big-endian FIXED_LEN_BYTE_ARRAY form, 64-bit values as pairs of 32-bit
 * words (low first). Views where the bytes already are what Parquet stores.
 *
 * Also the bytes the content-defined chunker hashes for each value: the
 * Arrow value of the *dataset's* type, as pyarrow hashes it before it
 * coerces timestamp[s], time32[s] and date64 (../../model/storage.ts).
 */
import * as arrow from "apache-arrow";
import type { HashRule } from "../../model/storage.js";
import { type Leaf } from "./leaf.js";
import { Physical } from "./format.js";

export type PhysicalValues =
  | { kind: "int32"; values: Int32Array }
  | { kind: "int64"; words: Int32Array }
  | { kind: "float"; values: Float32Array; bits: Int32Array }
  | { kind: "double"; values: Float64Array; words: Int32Array }
  | { kind: "fixed"; bytes: Uint8Array; width: number }
  | { kind: "bytes"; offsets: Int32Array; data: Uint8Array }
  | { kind: "boolean"; bits: Uint8Array; offset: number }
  | { kind: "null" };

/** What the chunker hashes per value: fixed-width bytes, variable-width bytes, or a bit. */
export type HashValues =
  | { kind: "fixed"; bytes: Uint8Array; width: number }
  | { kind: "bytes"; offsets: Int32Array; data: Uint8Array }
  | { kind: "boolean"; bits: Uint8Array; offset: number }
  | { kind: "none" };

export type { HashRule };

function bytesOf(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function int32View(values: ArrayBufferView): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
}

/** Offsets of a string/binary column as 32-bit numbers, relative to `data` (large offsets: their low words). */
function offsetsOf(data: arrow.Data): { offsets: Int32Array; data: Uint8Array } {
  const raw = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  if (raw instanceof Int32Array) return { offsets: raw.subarray(0, data.length + 1), data: bytes };
  const words = int32View(raw);
  const offsets = new Int32Array(data.length + 1);
  for (let i = 0; i <= data.length; i++) offsets[i] = words[2 * i]!;
  return { offsets, data: bytes };
}

/** The values of `data` (a flat column of `data.length` rows) as `leaf`'s physical type. */
export function physicalValues(data: arrow.Data, leaf: Leaf): PhysicalValues {
  const n = data.length;
  const type = data.type;
  switch (leaf.physical) {
    case Physical.BOOLEAN:
      return { kind: "boolean", bits: data.values as Uint8Array, offset: data.offset };
    case Physical.BYTE_ARRAY:
      return { kind: "bytes", ...offsetsOf(data) };
    case Physical.FLOAT: {
      const values = (data.values as Float32Array).subarray(0, n);
      return { kind: "float", values, bits: int32View(values) };
    }
    case Physical.DOUBLE: {
      const values = (data.values as Float64Array).subarray(0, n);
      return { kind: "double", values, words: int32View(values) };
    }
    case Physical.INT32: {
      if (arrow.DataType.isNull(type)) return { kind: "null" };
      if (arrow.DataType.isDecimal(type)) {
        const words = data.values as Uint32Array;
        const stride = type.bitWidth / 32;
        const values = new Int32Array(n);
        for (let i = 0; i < n; i++) values[i] = words[i * stride]!;
        return { kind: "int32", values };
      }
      const source = data.values as Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
      if (source instanceof Int32Array || source instanceof Uint32Array) return { kind: "int32", values: int32View(source.subarray(0, n)) };
      return { kind: "int32", values: Int32Array.from(source.subarray(0, n)) };
    }
    case Physical.INT64: {
      if (arrow.DataType.isDecimal(type)) {
        const words = data.values as Uint32Array;
        const stride = type.bitWidth / 32;
        const out = new Int32Array(2 * n);
        for (let i = 0; i < n; i++) {
          out[2 * i] = words[i * stride]!;
          out[2 * i + 1] = words[i * stride + 1]!;
        }
        return { kind: "int64", words: out };
      }
      return { kind: "int64", words: int32View((data.values as BigInt64Array).subarray(0, n)) };
    }
    case Physical.FIXED_LEN_BYTE_ARRAY: {
      const width = leaf.typeLength;
      if (arrow.DataType.isDecimal(type)) {
        // Arrow: little-endian two's complement of 16 or 32 bytes; Parquet: big-endian, `width` bytes.
        const source = bytesOf(data.values as Uint32Array);
        const stride = type.bitWidth / 8;
        const out = new Uint8Array(width * n);
        for (let i = 0; i < n; i++) for (let b = 0; b < width; b++) out[i * width + b] = source[i * stride + width - 1 - b]!;
        return { kind: "fixed", bytes: out, width };
      }
      if (!arrow.DataType.isFloat(type) || width !== 2) throw new Error(`the page writer cannot write ${String(type)} as FIXED_LEN_BYTE_ARRAY`);
      return { kind: "fixed", bytes: bytesOf((data.values as Uint16Array).subarray(0, n)), width };
    }
    default:
      throw new Error(`the page writer cannot write physical type ${leaf.physical}`);
  }
}

/** The bytes pyarrow's chunker hashes for each value of `data` (see the module comment). */
export function hashValues(data: arrow.Data, rule: HashRule): HashValues {
  const type = data.type;
  const n = data.length;
  if (arrow.DataType.isNull(type)) return { kind: "none" };
  if (arrow.DataType.isBool(type)) return { kind: "boolean", bits: data.values as Uint8Array, offset: data.offset };
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type) || arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type))
    return { kind: "bytes", ...offsetsOf(data) };
  const values = data.values as ArrayBufferView & { BYTES_PER_ELEMENT: number; subarray(a: number, b: number): ArrayBufferView };
  if (rule === "milliseconds-to-seconds") {
    if (values instanceof BigInt64Array) {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = values[i]! / 1000n;
      return { kind: "fixed", bytes: bytesOf(out), width: 8 };
    }
    const source = values as Int32Array;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = source[i]! / 1000;
    return { kind: "fixed", bytes: bytesOf(out), width: 4 };
  }
  if (rule === "days-to-milliseconds") {
    const source = values as Int32Array;
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(source[i]!) * 86_400_000n;
    return { kind: "fixed", bytes: bytesOf(out), width: 8 };
  }
  const width = arrow.DataType.isDecimal(type) ? type.bitWidth / 8 : values.BYTES_PER_ELEMENT;
  return { kind: "fixed", bytes: bytesOf(values).subarray(0, n * width), width };
}

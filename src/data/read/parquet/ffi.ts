/**
 * Arrow data out of parquet-wasm's memory through the Arrow C Data Interface
 * (https://arrow.apache.org/docs/format/CDataInterface.html), without the
 * IPC round trip: each buffer is copied once, straight from WebAssembly
 * memory into a fresh JS buffer holding exactly the requested rows, with
 * offsets rebased to zero (so list children and string bytes are cut too).
 *
 * The JS type comes from the caller (the file's Arrow schema as apache-arrow
 * decoded it); the C schema's format strings are checked against it, so a
 * type mismatch is an error rather than misread memory.
 *
 * Layouts are wasm32: pointers are 4 bytes, int64 fields 8 (little-endian).
 */
import * as arrow from "apache-arrow";

// struct ArrowArray
const A_LENGTH = 0;
const A_NULL_COUNT = 8;
const A_OFFSET = 16;
const A_N_BUFFERS = 24;
const A_N_CHILDREN = 32;
const A_BUFFERS = 40;
const A_CHILDREN = 44;
const A_DICTIONARY = 48;
// struct ArrowSchema
const S_FORMAT = 0;
const S_N_CHILDREN = 24;
const S_CHILDREN = 32;
const S_DICTIONARY = 36;

/** A view of the WebAssembly memory, valid until the next call into wasm (memory may grow). */
export class WasmView {
  readonly view: DataView;
  readonly bytes: Uint8Array;
  constructor(readonly buffer: ArrayBuffer) {
    this.view = new DataView(buffer);
    this.bytes = new Uint8Array(buffer);
  }
  u32(addr: number): number {
    return this.view.getUint32(addr, true);
  }
  i64(addr: number): number {
    return Number(this.view.getBigInt64(addr, true));
  }
  cString(addr: number): string {
    let end = addr;
    while (this.bytes[end] !== 0) end++;
    return Buffer.from(this.buffer, addr, end - addr).toString("latin1");
  }
}

/** One node of an ArrowArray / ArrowSchema pair. */
export interface FfiNode {
  length: number;
  nullCount: number;
  offset: number;
  buffers: number[];
  children: number[];
  dictionary: number;
}

export function readArray(m: WasmView, addr: number): FfiNode {
  const nBuffers = m.i64(addr + A_N_BUFFERS);
  const nChildren = m.i64(addr + A_N_CHILDREN);
  const buffersAt = m.u32(addr + A_BUFFERS);
  const childrenAt = m.u32(addr + A_CHILDREN);
  const buffers: number[] = [];
  for (let i = 0; i < nBuffers; i++) buffers.push(m.u32(buffersAt + 4 * i));
  const children: number[] = [];
  for (let i = 0; i < nChildren; i++) children.push(m.u32(childrenAt + 4 * i));
  return {
    length: m.i64(addr + A_LENGTH),
    nullCount: m.i64(addr + A_NULL_COUNT),
    offset: m.i64(addr + A_OFFSET),
    buffers,
    children,
    dictionary: m.u32(addr + A_DICTIONARY),
  };
}

function schemaChildren(m: WasmView, addr: number): number[] {
  const n = m.i64(addr + S_N_CHILDREN);
  const at = m.u32(addr + S_CHILDREN);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(m.u32(at + 4 * i));
  return out;
}

/** The children (columns) of a record batch exported as a struct array. */
export function batchColumns(m: WasmView, arrayAddr: number, schemaAddr: number): { arrays: number[]; schemas: number[]; length: number } {
  const batch = readArray(m, arrayAddr);
  return { arrays: batch.children, schemas: schemaChildren(m, schemaAddr), length: batch.length };
}

const UNIT = ["s", "m", "u", "n"];

/** The C format string (or its start) that `type` exports as. */
function expectedFormat(type: arrow.DataType): string {
  switch (type.typeId) {
    case arrow.Type.Null:
      return "n";
    case arrow.Type.Bool:
      return "b";
    case arrow.Type.Int: {
      const i = type as arrow.Int;
      const code = ({ 8: "c", 16: "s", 32: "i", 64: "l" } as Record<number, string>)[i.bitWidth]!;
      return i.isSigned ? code : code.toUpperCase();
    }
    case arrow.Type.Float:
      return ["e", "f", "g"][(type as arrow.Float).precision]!;
    case arrow.Type.Utf8:
      return "u";
    case arrow.Type.LargeUtf8:
      return "U";
    case arrow.Type.Binary:
      return "z";
    case arrow.Type.LargeBinary:
      return "Z";
    case arrow.Type.FixedSizeBinary:
      return `w:${(type as arrow.FixedSizeBinary).byteWidth}`;
    case arrow.Type.Decimal:
      return "d:";
    case arrow.Type.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY ? "tdD" : "tdm";
    case arrow.Type.Time:
      return `tt${UNIT[(type as arrow.Time).unit]}`;
    case arrow.Type.Timestamp:
      return `ts${UNIT[(type as arrow.Timestamp).unit]}:`;
    case arrow.Type.Duration:
      return `tD${UNIT[(type as arrow.Duration).unit]}`;
    case arrow.Type.Interval:
      return "ti";
    case arrow.Type.List:
      return "+l";
    case arrow.Type.LargeList:
      return "+L";
    case arrow.Type.FixedSizeList:
      return `+w:${(type as arrow.FixedSizeList).listSize}`;
    case arrow.Type.Struct:
      return "+s";
    case arrow.Type.Map:
      return "+m";
    case arrow.Type.Dictionary:
      return expectedFormat((type as arrow.Dictionary).indices);
    default:
      return `(${String(type)})`;
  }
}

/** Checks that the exported schema has `type`'s shape, recursively. */
export function checkSchema(m: WasmView, schemaAddr: number, type: arrow.DataType, path: string): void {
  const format = m.cString(m.u32(schemaAddr + S_FORMAT));
  const expected = expectedFormat(type);
  if (!format.startsWith(expected)) throw new Error(`${path}: the decoded Arrow type (${format}) is not the file's (${String(type)})`);
  if (type.typeId === arrow.Type.Dictionary) {
    checkSchema(m, m.u32(schemaAddr + S_DICTIONARY), (type as arrow.Dictionary).dictionary, `${path} (dictionary)`);
    return;
  }
  const children = schemaChildren(m, schemaAddr);
  const fields = (type.children ?? []) as arrow.Field[];
  if (children.length !== fields.length) throw new Error(`${path}: the decoded Arrow type has ${children.length} children, the file's ${fields.length}`);
  fields.forEach((f, i) => checkSchema(m, children[i]!, f.type, `${path}.${f.name}`));
}

/** Bytes per value of a fixed-width type (undefined for others). */
function fixedWidth(type: arrow.DataType): number | undefined {
  switch (type.typeId) {
    case arrow.Type.Int:
      return (type as arrow.Int).bitWidth / 8;
    case arrow.Type.Float:
      return [2, 4, 8][(type as arrow.Float).precision];
    case arrow.Type.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY ? 4 : 8;
    case arrow.Type.Time:
      return (type as arrow.Time).bitWidth / 8;
    case arrow.Type.Timestamp:
    case arrow.Type.Duration:
      return 8;
    case arrow.Type.Decimal:
      return (type as arrow.Decimal).bitWidth / 8;
    case arrow.Type.FixedSizeBinary:
      return (type as arrow.FixedSizeBinary).byteWidth;
    case arrow.Type.Interval:
      return [4, 8, 16][(type as arrow.Interval).unit];
    default:
      return undefined;
  }
}

/** Bits [bit, bit + count) of the bitmap at `addr`, realigned to start at bit 0 (a copy). */
function copyBits(m: WasmView, addr: number, bit: number, count: number): Uint8Array {
  const bytes = (count + 7) >> 3;
  const first = addr + (bit >> 3);
  const shift = bit & 7;
  if (shift === 0) {
    const out = m.bytes.slice(first, first + bytes);
    const tail = count & 7;
    if (tail) out[bytes - 1]! &= (1 << tail) - 1;
    return out;
  }
  const out = new Uint8Array(bytes);
  const src = m.bytes;
  const last = (bit + count - 1) >> 3;
  for (let i = 0; i < bytes; i++) {
    const lo = src[first + i]! >> shift;
    const hiAt = (bit >> 3) + i + 1;
    const hi = hiAt <= last ? (src[addr + hiAt]! << (8 - shift)) & 0xff : 0;
    out[i] = lo | hi;
  }
  const tail = count & 7;
  if (tail) out[bytes - 1]! &= (1 << tail) - 1;
  return out;
}

const POPCOUNT = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let x = i; x; x >>= 1) n += x & 1;
  return n;
});

function countSet(bits: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) n += POPCOUNT[bits[i]!]!;
  return n;
}

/** The validity of rows [abs, abs + length) of a node: the copied bitmap (undefined without nulls) and the null count. */
function validity(m: WasmView, node: FfiNode, abs: number, length: number): { bitmap: Uint8Array | undefined; nulls: number } {
  const at = node.buffers[0] ?? 0;
  if (at === 0 || node.nullCount === 0 || length === 0) return { bitmap: undefined, nulls: 0 };
  const bitmap = copyBits(m, at, abs, length);
  const nulls = length - countSet(bitmap);
  return nulls === 0 ? { bitmap: undefined, nulls: 0 } : { bitmap, nulls };
}

/** Offsets [abs, abs + length] of a 32- or 64-bit offsets buffer, copied and rebased to start at 0, and the range they cover. */
function rebasedOffsets(m: WasmView, addr: number, abs: number, length: number, large: boolean): { offsets: Int32Array | BigInt64Array; from: number; to: number } {
  const w = large ? 8 : 4;
  const copy = m.bytes.slice(addr + w * abs, addr + w * (abs + length + 1));
  if (large) {
    const offsets = new BigInt64Array(copy.buffer);
    const base = offsets[0]!;
    const to = offsets[length]!;
    if (base !== 0n) for (let i = 0; i <= length; i++) offsets[i]! -= base;
    return { offsets, from: Number(base), to: Number(to) };
  }
  const offsets = new Int32Array(copy.buffer);
  const base = offsets[0]!;
  const to = offsets[length]!;
  if (base !== 0) for (let i = 0; i <= length; i++) offsets[i]! -= base;
  return { offsets, from: base, to };
}

/**
 * Rows [start, start + length) of the exported array at `addr` as apache-arrow
 * Data of `type`, copied out of wasm memory (offset 0, exact sizes).
 */
export function importArray(m: WasmView, addr: number, type: arrow.DataType, start: number, length: number): arrow.Data {
  const node = readArray(m, addr);
  const abs = node.offset + start;
  if (type.typeId === arrow.Type.Null) return arrow.makeData({ type: type as arrow.Null, length });
  const { bitmap, nulls } = validity(m, node, abs, length);
  const base = { type, length, nullCount: nulls, nullBitmap: bitmap } as const;
  const width = fixedWidth(type);
  if (width !== undefined) {
    const at = node.buffers[1]!;
    const data = m.bytes.slice(at + abs * width, at + (abs + length) * width);
    return arrow.makeData({ ...base, data } as never);
  }
  switch (type.typeId) {
    case arrow.Type.Bool:
      return arrow.makeData({ ...base, type: type as arrow.Bool, data: copyBits(m, node.buffers[1]!, abs, length) });
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary: {
      const large = type.typeId === arrow.Type.LargeUtf8 || type.typeId === arrow.Type.LargeBinary;
      const { offsets, from, to } = rebasedOffsets(m, node.buffers[1]!, abs, length, large);
      const at = node.buffers[2]!;
      const data = m.bytes.slice(at + from, at + to);
      return arrow.makeData({ ...base, valueOffsets: offsets, data } as never);
    }
    case arrow.Type.List:
    case arrow.Type.LargeList: {
      const large = type.typeId === arrow.Type.LargeList;
      const { offsets, from, to } = rebasedOffsets(m, node.buffers[1]!, abs, length, large);
      const child = importArray(m, node.children[0]!, type.children[0]!.type, from, to - from);
      return arrow.makeData({ ...base, valueOffsets: offsets, child } as never);
    }
    case arrow.Type.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize;
      const child = importArray(m, node.children[0]!, type.children[0]!.type, abs * size, length * size);
      return arrow.makeData({ ...base, type: type as arrow.FixedSizeList, child });
    }
    case arrow.Type.Struct: {
      // A struct's offset applies to its children too.
      const children = (type.children as arrow.Field[]).map((f, i) => importArray(m, node.children[i]!, f.type, abs, length));
      return arrow.makeData({ ...base, type: type as arrow.Struct, children });
    }
    case arrow.Type.Dictionary: {
      const dict = type as arrow.Dictionary;
      const w = dict.indices.bitWidth / 8;
      const at = node.buffers[1]!;
      const data = m.bytes.slice(at + abs * w, at + (abs + length) * w);
      const values = readArray(m, node.dictionary);
      const dictionary = arrow.makeVector(importArray(m, node.dictionary, dict.dictionary, 0, values.length));
      return arrow.makeData({ ...base, type: dict, data: data as never, dictionary });
    }
    default:
      throw new Error(`reading Arrow ${String(type)} data is not supported`);
  }
}

/**
 * Size counts of rows [start, start + length) of an exported UTF-8 or binary
 * array, read in place (nothing copied): values, nulls, and value bytes.
 */
export function byteArrayStats(m: WasmView, addr: number, type: arrow.DataType, start: number, length: number): { nulls: number; bytes: number } {
  const node = readArray(m, addr);
  const abs = node.offset + start;
  let nulls = 0;
  if (node.nullCount !== 0 && (node.buffers[0] ?? 0) !== 0 && length > 0) {
    if (node.nullCount > 0 && start === 0 && length === node.length) nulls = node.nullCount;
    else nulls = length - countSet(copyBits(m, node.buffers[0]!, abs, length));
  }
  const large = type.typeId === arrow.Type.LargeUtf8 || type.typeId === arrow.Type.LargeBinary;
  const at = node.buffers[1]!;
  const bytes = large
    ? Number(m.view.getBigInt64(at + 8 * (abs + length), true) - m.view.getBigInt64(at + 8 * abs, true))
    : m.view.getInt32(at + 4 * (abs + length), true) - m.view.getInt32(at + 4 * abs, true);
  return { nulls, bytes };
}

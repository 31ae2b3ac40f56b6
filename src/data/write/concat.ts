/**
 * Arrow arrays joined end to end into one contiguous array: how pass 2
 * gathers the rows of many small files into one record batch
 * (./split-rows.ts), so the Parquet encoder gets a few big batches rather
 * than one per file. The result holds the same values, nulls and lists as
 * one builder filled with all of them would.
 *
 * apache-arrow's own Vector.concat only chains the arrays (a record batch
 * needs one array per column), so the buffers are copied here. Slices are
 * read as apache-arrow lays them out: fixed-width values and value offsets
 * start at the slice, bitmaps (validity, booleans) at bit `offset`, struct
 * and fixed-size-list children are sliced with their parent, list children
 * are not (the offsets point into them).
 */
import * as arrow from "apache-arrow";

/** Whether concatData handles arrays of `type` (every type the readers build; not dictionaries, maps, unions or views). */
export function canConcat(type: arrow.DataType): boolean {
  switch (type.typeId) {
    case arrow.Type.Null:
    case arrow.Type.Bool:
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Decimal:
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.Duration:
    case arrow.Type.Interval:
    case arrow.Type.FixedSizeBinary:
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary:
      return true;
    case arrow.Type.List:
    case arrow.Type.LargeList:
    case arrow.Type.FixedSizeList:
    case arrow.Type.Struct:
      return type.children.every((f: arrow.Field) => canConcat(f.type));
    default:
      return false;
  }
}

/** One array holding the elements of `pieces` (arrays of one type) in order; a single piece is returned as it is. */
export function concatData(pieces: arrow.Data[]): arrow.Data {
  if (pieces.length === 1) return pieces[0]!;
  const type = pieces[0]!.type;
  let length = 0;
  let nullCount = 0;
  for (const p of pieces) {
    length += p.length;
    nullCount += p.nullCount;
  }
  if (type.typeId === arrow.Type.Null) return arrow.makeData({ type: type as arrow.Null, length, nullCount: length });
  const nullBitmap = nullCount > 0 ? joinBits(pieces, length, (p) => (p.nullCount > 0 ? p.nullBitmap : undefined)) : undefined;
  const base = { type, length, nullCount, nullBitmap } as const;
  switch (type.typeId) {
    case arrow.Type.Bool:
      return arrow.makeData({ ...base, type: type as arrow.Bool, data: joinBits(pieces, length, (p) => p.values as Uint8Array) });
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary: {
      const { offsets, ranges } = joinOffsets(pieces, length);
      return arrow.makeData({ ...base, valueOffsets: offsets, data: joinRanges(pieces.map((p, i) => (p.values as Uint8Array).subarray(ranges[i]![0], ranges[i]![1]))) } as never);
    }
    case arrow.Type.List:
    case arrow.Type.LargeList: {
      const { offsets, ranges } = joinOffsets(pieces, length);
      const child = concatData(pieces.map((p, i) => sliceTo(p.children[0]!, ranges[i]![0], ranges[i]![1])));
      return arrow.makeData({ ...base, valueOffsets: offsets, child } as never);
    }
    case arrow.Type.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize;
      const child = concatData(pieces.map((p) => sliceTo(p.children[0]!, 0, p.length * size)));
      return arrow.makeData({ ...base, child } as never);
    }
    case arrow.Type.Struct: {
      const children = type.children.map((_: arrow.Field, c: number) => concatData(pieces.map((p) => sliceTo(p.children[c]!, 0, p.length))));
      return arrow.makeData({ ...base, children } as never);
    }
    default: {
      // Fixed-width values: `stride` elements of the typed array per value, from the start of the slice.
      const values = joinRanges(pieces.map((p) => (p.values as ArrayLike<number> & { subarray(a: number, b: number): never }).subarray(0, p.length * p.stride)));
      return arrow.makeData({ ...base, data: values } as never);
    }
  }
}

/** Bytes of Arrow buffers under `data`: values, value offsets and children's (validity bitmaps left out). */
export function dataBytes(data: arrow.Data): number {
  let n = (data.values as { byteLength?: number } | undefined)?.byteLength ?? 0;
  n += data.valueOffsets?.byteLength ?? 0;
  for (const child of data.children) n += dataBytes(child);
  return n;
}

/** Elements [from, to) of `data` (the array itself when that is all of it). */
function sliceTo(data: arrow.Data, from: number, to: number): arrow.Data {
  return from === 0 && to === data.length ? data : data.slice(from, to - from);
}

type Typed = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** The typed arrays end to end, in a new array of the first one's kind. */
function joinRanges(parts: Typed[]): never {
  let total = 0;
  for (const p of parts) total += p.length;
  const Ctor = parts[0]!.constructor as new (n: number) => Typed;
  const out = new Ctor(total);
  let at = 0;
  for (const p of parts) {
    (out as Uint8Array).set(p as Uint8Array, at);
    at += p.length;
  }
  return out as never;
}

/**
 * The pieces' value offsets (32- or 64-bit) rebased into one run starting
 * at 0, and the range [first, last) of its values (string bytes, list
 * items) each piece covers.
 */
function joinOffsets(pieces: arrow.Data[], length: number): { offsets: Int32Array | BigInt64Array; ranges: [number, number][] } {
  const large = pieces[0]!.valueOffsets instanceof BigInt64Array;
  const offsets = large ? new BigInt64Array(length + 1) : new Int32Array(length + 1);
  const ranges: [number, number][] = [];
  let at = 0;
  let base = 0;
  for (const p of pieces) {
    const own = p.valueOffsets as Int32Array | BigInt64Array;
    const first = Number(own[0]!);
    const last = Number(own[p.length]!);
    if (large) {
      const shift = BigInt(base - first);
      for (let i = 0; i < p.length; i++) (offsets as BigInt64Array)[at + i] = (own as BigInt64Array)[i]! + shift;
    } else {
      const shift = base - first;
      for (let i = 0; i < p.length; i++) (offsets as Int32Array)[at + i] = (own as Int32Array)[i]! + shift;
    }
    if (base + (last - first) > 2147483647 && !large) throw new Error("joined values exceed 32-bit offsets");
    ranges.push([first, last]);
    at += p.length;
    base += last - first;
  }
  offsets[length] = large ? BigInt(base) : base;
  return { offsets, ranges };
}

/**
 * One bitmap of `length` bits from the pieces' bitmaps (each read from bit
 * `offset` of its piece); a piece without one (`bitsOf` undefined) counts
 * as all set, as validity without nulls is.
 */
function joinBits(pieces: arrow.Data[], length: number, bitsOf: (p: arrow.Data) => Uint8Array | undefined | null): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  let at = 0;
  for (const p of pieces) {
    const bits = bitsOf(p);
    const n = p.length;
    if (!bits || bits.length === 0) {
      for (let i = 0; i < n; i++, at++) out[at >> 3]! |= 1 << (at & 7);
      continue;
    }
    if ((at & 7) === 0 && (p.offset & 7) === 0) {
      // Byte-aligned on both sides: copy whole bytes, then clear the bits past the piece.
      const from = p.offset >> 3;
      const bytes = (n + 7) >> 3;
      out.set(bits.subarray(from, from + bytes), at >> 3);
      if (n & 7) out[(at + n) >> 3]! &= (1 << (n & 7)) - 1;
      at += n;
      continue;
    }
    for (let i = 0; i < n; i++, at++) {
      const bit = p.offset + i;
      if (bits[bit >> 3]! & (1 << (bit & 7))) out[at >> 3]! |= 1 << (at & 7);
    }
  }
  return out;
}

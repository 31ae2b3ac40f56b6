/**
 * The size counts pass 1 gathers per column (values, nulls, UTF-8 bytes, list
 * items, struct fields), and the Arrow in-memory size they give: the card's
 * `num_bytes`, the shard count and the row group size all follow from it.
 */
import * as arrow from "apache-arrow";
import { type Feature, value } from "../../model/features.js";

/**
 * Counts needed to estimate a column's Arrow in-memory size (docs/dataset-layout.md#shard-count),
 * as pyarrow's `nbytes` counts Python's cache: in record batches of at most
 * PYTHON_BATCH_ROWS rows, where each batch keeps a validity bitmap only when
 * it holds a null. `bits` and `validity` are for the batches closed so far
 * (closeBatch); `openCount` and `openNulls` are the counts when the open
 * batch began. Stats that never close a batch are taken as one batch.
 */
export interface SizeStats {
  /** Values at this level, nulls included. */
  count: number;
  nulls: number;
  /** UTF-8 bytes, for strings. */
  bytes: number;
  /** List items, for lists. */
  items?: SizeStats;
  /** Struct fields, for structs. */
  fields?: Map<string, SizeStats>;
  /**
   * Media columns built from files (Image, Audio): the bytes of the files the
   * shards will embed. Python measures such a column before embedding, as
   * paths, then adds the files' sizes and takes the paths out (docs/dataset-layout.md#media-sizes).
   */
  embedded?: number;
  /** Σ ceil(n/8) over the closed batches (n: values of the batch): the bits of bool values, or of a validity bitmap. */
  bits?: number;
  /** The same over the closed batches holding a null. */
  validity?: number;
  openCount?: number;
  openNulls?: number;
}

/** Rows per record batch of Python's cache (`datasets.config.DEFAULT_MAX_BATCH_SIZE`; each table a loader yields starts a new one). */
export const PYTHON_BATCH_ROWS = 1000;

export function emptyStats(): SizeStats {
  return { count: 0, nulls: 0, bytes: 0 };
}

/**
 * Ends the open batch of `s` and of everything below it. `slots`: the values
 * this place must hold by now (rows for a column, the struct's slots for a
 * field); those it did not see (absent keys, fields of null structs) are nulls.
 */
export function closeBatch(s: SizeStats, slots?: number): void {
  if (slots !== undefined && slots > s.count) {
    s.nulls += slots - s.count;
    s.count = slots;
  }
  const n = s.count - (s.openCount ?? 0);
  const b = Math.ceil(n / 8);
  s.bits = (s.bits ?? 0) + b;
  s.validity = (s.validity ?? 0) + (s.nulls > (s.openNulls ?? 0) ? b : 0);
  s.openCount = s.count;
  s.openNulls = s.nulls;
  if (s.items) closeBatch(s.items);
  if (s.fields) for (const f of s.fields.values()) closeBatch(f, s.count);
}

/**
 * Stats of a place first seen now, below `parent` (a struct's field, or a
 * column, with `parent` the rows so far): `slots` nulls before, which
 * every batch closed so far held (so its validity is the parent's bits).
 */
export function nullsSoFar(slots: number, parent: { bits?: number; openCount?: number }): SizeStats {
  const open = parent.openCount ?? 0;
  return { count: slots, nulls: slots, bytes: 0, bits: parent.bits ?? 0, validity: parent.bits ?? 0, openCount: open, openNulls: open };
}

/** Σ ceil(n/8) over the batches (one batch when none was closed). */
function bitsOf(s: SizeStats): number {
  return s.bits ?? Math.ceil(s.count / 8);
}

/** Validity bytes: ceil(n/8) for each batch holding a null. */
function validityOf(s: SizeStats): number {
  if (s.bits === undefined) return s.nulls > 0 ? Math.ceil(s.count / 8) : 0;
  return s.validity ?? 0;
}

const INT_WIDTH: Record<string, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  float16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  date32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
  date64: 8,
};

/** Fixed byte width of a value dtype, or undefined for variable-width ones. */
function fixedWidth(dtype: string): number | undefined {
  if (dtype in INT_WIDTH) return INT_WIDTH[dtype];
  if (/^(timestamp|duration)\[|^time64/.test(dtype)) return 8;
  if (/^time32/.test(dtype)) return 4;
  if (dtype.startsWith("decimal128")) return 16;
  if (dtype.startsWith("decimal256")) return 32;
  const fsb = /^fixed_size_binary\[(\d+)\]$/.exec(dtype);
  if (fsb) return Number(fsb[1]);
  return undefined;
}

/**
 * Arrow in-memory bytes of a column as pyarrow 25's `nbytes` counts Python's
 * table: per record batch, a validity bitmap when the batch holds a null
 * (structs aside: pyarrow leaves theirs out), values, and offsets of **n**
 * entries (pyarrow leaves the last one out) for strings, binaries and lists. `stats` may be missing (a struct field or
 * column absent from a file): then the column is `count` nulls, in the
 * batches of `parent` (or one batch).
 */
export function estimateNbytes(feature: Feature, stats: SizeStats | undefined, count: number, parent?: SizeStats): number {
  const s = stats ?? (parent ? { count, nulls: count, bytes: 0, bits: bitsOf(parent), validity: bitsOf(parent) } : { count, nulls: count, bytes: 0 });
  const validity = validityOf(s);
  switch (feature.kind) {
    case "class_label":
      return validity + 8 * s.count;
    case "value": {
      if (feature.dtype === "null") return 0;
      if (feature.dtype === "bool") return validity + bitsOf(s);
      const w = fixedWidth(feature.dtype);
      if (w !== undefined) return validity + w * s.count;
      if (feature.dtype.endsWith("_view")) return validity + 16 * s.count + s.bytes;
      const offsetWidth = feature.dtype.startsWith("large_") ? 8 : 4;
      return validity + offsetWidth * s.count + s.bytes;
    }
    case "list": {
      if (feature.length !== undefined) return validity + estimateNbytes(feature.item, s.items, s.count * feature.length);
      const itemCount = s.items?.count ?? 0;
      return validity + (feature.large ? 8 : 4) * s.count + estimateNbytes(feature.item, s.items, itemCount);
    }
    case "struct":
      // pyarrow 25 leaves a struct's own validity bitmap out (its fields count theirs).
      return feature.fields.reduce((sum, f) => sum + estimateNbytes(f.feature, fieldStats(s, f.name), s.count, s), 0);
    case "custom":
      if (feature.typeName === "Json") return validity + 4 * s.count + s.bytes;
      // Files to embed: the all-null `bytes` child (a bitmap and 4 bytes per row as pyarrow 25 counts it) and the files.
      // Python's table holds a row without a file with no struct bitmap (measured: datasets 5.0.1, pyarrow 25).
      if (s.embedded !== undefined) return Math.ceil(s.count / 8) + 4 * s.count + s.embedded;
      // Media types are struct<bytes: binary, path: string>: measured field by field when known.
      if (s.fields) {
        let sum = 0;
        for (const name of s.fields.keys()) sum += estimateNbytes(value("binary"), fieldStats(s, name), s.count, s);
        return sum;
      }
      return validity + 4 * s.count + s.bytes;
  }
}

/** A struct field's stats, its slots padded to the struct's (slots it did not see are nulls). */
function fieldStats(s: SizeStats, name: string): SizeStats | undefined {
  const child = s.fields?.get(name);
  if (!child || child.count >= s.count) return child;
  return { ...child, count: s.count, nulls: child.nulls + s.count - child.count };
}

/**
 * Adds rows [from, to) of built Arrow data to `s` (values, nulls,
 * variable-width bytes, and the same for list items and struct fields), in
 * its open batch.
 */
export function addData(s: SizeStats, data: arrow.Data, from = 0, to = data.length): void {
  // apache-arrow bakes a slice's offset into its offsets/values buffers and its struct and
  // fixed-size-list children (not list children); `data.offset` only applies to the validity bitmap.
  const n = to - from;
  if (n <= 0) return;
  s.count += n;
  s.nulls += nullsIn(data, from, to);
  const type = data.type;
  switch (type.typeId) {
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary: {
      const o = data.valueOffsets as Int32Array | BigInt64Array;
      s.bytes += Number(o[to]!) - Number(o[from]!);
      break;
    }
    case arrow.Type.List:
    case arrow.Type.LargeList: {
      const o = data.valueOffsets as Int32Array | BigInt64Array;
      addData((s.items ??= emptyStats()), data.children[0]!, Number(o[from]!), Number(o[to]!));
      break;
    }
    case arrow.Type.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize;
      addData((s.items ??= emptyStats()), data.children[0]!, from * size, to * size);
      break;
    }
    case arrow.Type.Struct: {
      const fields = (s.fields ??= new Map());
      (type as arrow.Struct).children.forEach((f, i) => {
        let child = fields.get(f.name);
        if (!child) fields.set(f.name, (child = emptyStats()));
        addData(child, data.children[i]!, from, to);
      });
      break;
    }
  }
}

/** Nulls among rows [from, to) of `data`. */
function nullsIn(data: arrow.Data, from: number, to: number): number {
  if (data.type.typeId === arrow.Type.Null) return to - from;
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return 0;
  if (from === 0 && to === data.length && data.nullCount > 0) return data.nullCount;
  const bits = data.nullBitmap;
  let valid = 0;
  for (let i = data.offset + from, end = data.offset + to; i < end; i++) valid += (bits[i >> 3]! >> (i & 7)) & 1;
  return to - from - valid;
}

/** Adds `b`'s counts into `a` (same column in two files, or two parts of one; both with their batches closed). */
export function mergeStats(a: SizeStats, b: SizeStats): SizeStats {
  const out: SizeStats = { count: a.count + b.count, nulls: a.nulls + b.nulls, bytes: a.bytes + b.bytes };
  if (a.embedded !== undefined || b.embedded !== undefined) out.embedded = (a.embedded ?? 0) + (b.embedded ?? 0);
  if (a.bits !== undefined || b.bits !== undefined) {
    out.bits = bitsOf(a) + bitsOf(b);
    out.validity = validityOf(a) + validityOf(b);
    out.openCount = out.count;
    out.openNulls = out.nulls;
  }
  if (a.items || b.items) out.items = mergeStats(a.items ?? emptyStats(), b.items ?? emptyStats());
  if (a.fields || b.fields) {
    out.fields = new Map(a.fields);
    for (const [k, v] of b.fields ?? []) out.fields.set(k, out.fields.has(k) ? mergeStats(out.fields.get(k)!, v) : v);
  }
  return out;
}

/**
 * The rows of one column holding a null, as runs `[first, last, ...]` in
 * which consecutive nulls are at most PYTHON_BATCH_ROWS apart: a record
 * batch, wherever the batches start, then holds a null exactly when it meets
 * a run. So the parts of a file read on two threads, whose first rows are not
 * known while they are read, add up (appendRuns) to exact validity counts.
 */
export function addNullRow(runs: number[], row: number): void {
  const n = runs.length;
  if (n > 0 && row - runs[n - 1]! <= PYTHON_BATCH_ROWS) runs[n - 1] = row;
  else runs.push(row, row);
}

/** `b` (runs of a part whose rows start at `offset`) added to `a`. */
export function appendRuns(a: number[], b: number[], offset: number): number[] {
  const out = a.slice();
  for (let i = 0; i < b.length; i += 2) {
    addNullRow(out, b[i]! + offset);
    out[out.length - 1] = b[i + 1]! + offset;
  }
  return out;
}

/**
 * Stats of a flat column of `rows` rows from row 0 in batches of
 * PYTHON_BATCH_ROWS, its nulls at `runs`: `bits` and `validity` closed.
 */
export function batchedColumn(rows: number, nulls: number, bytes: number, runs: number[]): SizeStats {
  const batchBytes = (b: number) => Math.ceil((Math.min(rows, (b + 1) * PYTHON_BATCH_ROWS) - b * PYTHON_BATCH_ROWS) / 8);
  let validity = 0;
  let last = -1;
  for (let i = 0; i < runs.length; i += 2) {
    const first = Math.max(last + 1, Math.floor(runs[i]! / PYTHON_BATCH_ROWS));
    last = Math.floor(runs[i + 1]! / PYTHON_BATCH_ROWS);
    for (let b = first; b <= last; b++) validity += batchBytes(b);
  }
  const full = Math.floor(rows / PYTHON_BATCH_ROWS);
  const bits = full * (PYTHON_BATCH_ROWS / 8) + Math.ceil((rows - full * PYTHON_BATCH_ROWS) / 8);
  return { count: rows, nulls, bytes, bits, validity, openCount: rows, openNulls: nulls };
}

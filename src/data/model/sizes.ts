/**
 * The size counts pass 1 gathers per column (values, nulls, UTF-8 bytes, list
 * items, struct fields), and the Arrow in-memory size they give: the card's
 * `num_bytes`, the shard count and the row group size all follow from it.
 */
import * as arrow from "apache-arrow";
import { type Feature, value } from "../../model/features.js";

/** Counts needed to estimate a column's Arrow in-memory size (docs/dataset-layout.md#shard-count). */
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
}

export function emptyStats(): SizeStats {
  return { count: 0, nulls: 0, bytes: 0 };
}

const INT_WIDTH: Record<string, number> = {
  bool: 0,
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
 * Arrow in-memory bytes of a column as one contiguous array, as pyarrow's
 * `nbytes` counts it: data buffers, offsets, and a validity bitmap when
 * there are nulls. `stats` may be missing (a column or struct field absent
 * from a file): then the column is `count` nulls. Python measures its
 * dataset's table, which is chunked (by 1000 rows in `datasets`' cache), so
 * its figure can differ by a few bytes per chunk (see README.md).
 */
export function estimateNbytes(feature: Feature, stats: SizeStats | undefined, count: number): number {
  const s = stats ?? { count, nulls: count, bytes: 0 };
  const validity = s.nulls > 0 ? Math.ceil(s.count / 8) : 0;
  switch (feature.kind) {
    case "class_label":
      return validity + 8 * s.count;
    case "value": {
      if (feature.dtype === "null") return 0;
      if (feature.dtype === "bool") return validity + Math.ceil(s.count / 8);
      const w = fixedWidth(feature.dtype);
      if (w !== undefined) return validity + w * s.count;
      if (feature.dtype.endsWith("_view")) return validity + 16 * s.count + s.bytes;
      const offsetWidth = feature.dtype.startsWith("large_") ? 8 : 4;
      return validity + offsetWidth * (s.count + 1) + s.bytes;
    }
    case "list": {
      if (feature.length !== undefined) return validity + estimateNbytes(feature.item, s.items, s.count * feature.length);
      const itemCount = s.items?.count ?? 0;
      return validity + (feature.large ? 8 : 4) * (s.count + 1) + estimateNbytes(feature.item, s.items, itemCount);
    }
    case "struct":
      // A field's array has one slot per struct slot; slots its stats did not see (null structs, absent keys) are nulls.
      return (
        validity +
        feature.fields.reduce((sum, f) => {
          const child = s.fields?.get(f.name);
          const full = child ? { ...child, count: s.count, nulls: child.nulls + Math.max(0, s.count - child.count) } : undefined;
          return sum + estimateNbytes(f.feature, full, s.count);
        }, 0)
      );
    case "custom":
      if (feature.typeName === "Json") return validity + 4 * (s.count + 1) + s.bytes;
      // Files to embed: the all-null `bytes` child (a bitmap and 4 bytes per row as pyarrow 25 counts it) and the files.
      // Python's table holds a row without a file with no struct bitmap (measured: datasets 5.0.1, pyarrow 25).
      if (s.embedded !== undefined) return Math.ceil(s.count / 8) + 4 * s.count + s.embedded;
      // Media types are struct<bytes: binary, path: string>: measured field by field when known.
      if (s.fields) {
        let sum = validity;
        for (const child of s.fields.values())
          sum += estimateNbytes(value("binary"), { ...child, count: s.count, nulls: child.nulls + Math.max(0, s.count - child.count) }, s.count);
        return sum;
      }
      return validity + 4 * (s.count + 1) + s.bytes;
  }
}

/**
 * The size counts of built Arrow data (one batch), for `estimateNbytes`:
 * values, nulls, variable-width bytes, and the same for list items and
 * struct fields.
 */
export function statsOfData(data: arrow.Data): SizeStats {
  // apache-arrow bakes a slice's offset into its offsets/values buffers and its struct children
  // (not list children); `data.offset` only applies to the validity bitmap.
  const stats: SizeStats = { count: data.length, nulls: data.nullCount, bytes: 0 };
  const type = data.type;
  switch (type.typeId) {
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary: {
      const o = data.valueOffsets as Int32Array | BigInt64Array;
      if (data.length > 0) stats.bytes = Number(o[data.length]!) - Number(o[0]!);
      break;
    }
    case arrow.Type.List:
    case arrow.Type.LargeList: {
      const o = data.valueOffsets as Int32Array | BigInt64Array;
      const child = data.children[0]!;
      const from = data.length > 0 ? Number(o[0]!) : 0;
      const to = data.length > 0 ? Number(o[data.length]!) : 0;
      stats.items = statsOfData(from === 0 && to === child.length ? child : child.slice(from, to - from));
      break;
    }
    case arrow.Type.FixedSizeList:
      stats.items = statsOfData(data.children[0]!);
      break;
    case arrow.Type.Struct:
      stats.fields = new Map((type as arrow.Struct).children.map((f, i) => [f.name, statsOfData(data.children[i]!)]));
      break;
  }
  return stats;
}

/** Adds `b`'s counts into `a` (same column in two files). */
export function mergeStats(a: SizeStats, b: SizeStats): SizeStats {
  const out: SizeStats = { count: a.count + b.count, nulls: a.nulls + b.nulls, bytes: a.bytes + b.bytes };
  if (a.embedded !== undefined || b.embedded !== undefined) out.embedded = (a.embedded ?? 0) + (b.embedded ?? 0);
  if (a.items || b.items) out.items = mergeStats(a.items ?? emptyStats(), b.items ?? emptyStats());
  if (a.fields || b.fields) {
    out.fields = new Map(a.fields);
    for (const [k, v] of b.fields ?? []) out.fields.set(k, out.fields.has(k) ? mergeStats(out.fields.get(k)!, v) : v);
  }
  return out;
}

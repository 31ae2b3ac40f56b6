/**
 * Arrow columns as the (repetition level, definition level, value) triplets
 * of their Parquet leaves (Dremel's shredding, parquet-format's
 * "Nested Encoding"): what the column writer writes. A flat column is its
 * own leaf, one triplet per row, its levels read from its validity. A list
 * or struct column gives one leaf per primitive inside it; each level of
 * nesting adds to the definition level when the value there is present
 * (every field of a dataset is nullable), a list one more when it has
 * items, and a list's items after the first repeat at its depth.
 *
 * arrow-rs's schema (the template footer) stores lists in the three-level
 * form (optional group, repeated group, optional element) and structs as
 * optional groups: the levels counted here must come to the leaf's maximum
 * levels there, which is checked.
 */
import * as arrow from "apache-arrow";
import type { Leaf } from "./leaf.js";

export interface LeafTriplets {
  /** Triplets (for a flat column: rows). */
  count: number;
  /** Definition level per triplet; null for a flat column (its validity says). */
  def: Uint8Array | null;
  /** Repetition level per triplet; null without lists. */
  rep: Uint8Array | null;
  /** The leaf's Arrow values. */
  data: arrow.Data;
  /** Per triplet, the index in `data` of its value (where def is the leaf's maximum); null for a flat column (triplet i is row i). */
  positions: Int32Array | null;
}

function isList(type: arrow.DataType): type is arrow.List | arrow.LargeList | arrow.FixedSizeList {
  return arrow.DataType.isList(type) || arrow.DataType.isLargeList(type) || arrow.DataType.isFixedSizeList(type);
}

function isNull(data: arrow.Data, i: number): boolean {
  if (arrow.DataType.isNull(data.type)) return true;
  const bits = data.nullBitmap;
  if (data.nullCount === 0 || !bits || bits.length === 0) return false;
  const at = data.offset + i;
  return ((bits[at >> 3]! >> (at & 7)) & 1) === 0;
}

/** Item range of list element i (offsets as numbers; large offsets: their low words). */
function itemRange(data: arrow.Data, i: number): [number, number] {
  if (arrow.DataType.isFixedSizeList(data.type)) {
    const size = data.type.listSize;
    return [i * size, (i + 1) * size];
  }
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return offsets instanceof Int32Array ? [offsets[i]!, offsets[i + 1]!] : [Number(offsets[i]!), Number(offsets[i + 1]!)];
}

/** The fields from `field` down to each of its leaves, in the order arrow-rs lists the leaves (depth first). */
export function leafFields(field: arrow.Field): arrow.Field[][] {
  const paths: arrow.Field[][] = [];
  const walk = (f: arrow.Field, path: arrow.Field[]): void => {
    const children = (f.type.children ?? []) as arrow.Field[];
    if (children.length === 0) paths.push([...path, f]);
    for (const child of children) walk(child, [...path, f]);
  };
  walk(field, []);
  return paths;
}

/** The triplets of each leaf of `field`, whose values in this batch are `data`, in the order of `leaves`. */
export function shred(field: arrow.Field, data: arrow.Data, leaves: Leaf[]): LeafTriplets[] {
  if ((field.type.children?.length ?? 0) === 0) {
    const leaf = leaves[0]!;
    if (leaves.length !== 1 || leaf.maxRep !== 0 || leaf.maxDef !== (field.nullable ? 1 : 0))
      throw new Error(`column ${field.name}: the footer's schema does not describe a flat column`);
    return [{ count: data.length, def: null, rep: null, data, positions: null }];
  }
  const paths = leafFields(field);
  if (paths.length !== leaves.length) throw new Error(`column ${field.name}: ${paths.length} leaves in Arrow, ${leaves.length} in the footer's schema`);
  return paths.map((path, k) => leafTriplets(path, data, leaves[k]!));
}

function leafTriplets(path: arrow.Field[], top: arrow.Data, leaf: Leaf): LeafTriplets {
  const n = top.length;
  // One entry per triplet so far: the index of its value in the current node (-1: ended at a null or an empty list).
  let index = Int32Array.from({ length: n }, (_, i) => i);
  let def = new Uint8Array(n);
  let rep = new Uint8Array(n);
  let count = n;
  let depth = 0; // lists passed
  let maxDef = 0;
  let data = top;
  for (const [level, field] of path.entries()) {
    if (field.nullable) {
      maxDef++;
      for (let e = 0; e < count; e++) {
        if (index[e]! < 0) continue;
        if (isNull(data, index[e]!)) index[e] = -1;
        else def[e]!++;
      }
    }
    if (level === path.length - 1) break;
    const type = field.type;
    if (isList(type)) {
      // The repeated group: one more level when the list has items; its items repeat at the next depth.
      maxDef++;
      depth++;
      let size = 0;
      for (let e = 0; e < count; e++) {
        if (index[e]! < 0) size++;
        else {
          const [start, end] = itemRange(data, index[e]!);
          size += Math.max(1, end - start);
        }
      }
      const nextIndex = new Int32Array(size);
      const nextDef = new Uint8Array(size);
      const nextRep = new Uint8Array(size);
      let o = 0;
      for (let e = 0; e < count; e++) {
        const i = index[e]!;
        const [start, end] = i < 0 ? [0, 0] : itemRange(data, i);
        if (start === end) {
          nextIndex[o] = -1;
          nextDef[o] = def[e]!;
          nextRep[o++] = rep[e]!;
          continue;
        }
        for (let item = start; item < end; item++) {
          nextIndex[o] = item;
          nextDef[o] = def[e]! + 1;
          nextRep[o++] = item === start ? rep[e]! : depth;
        }
      }
      index = nextIndex;
      def = nextDef;
      rep = nextRep;
      count = size;
    }
    // Lists hold one child, structs one per field: the one on the path.
    data = data.children[(type.children as arrow.Field[]).indexOf(path[level + 1]!)]!;
  }
  if (maxDef !== leaf.maxDef || depth !== leaf.maxRep)
    throw new Error(`column ${leaf.path.join(".")}: levels ${maxDef}/${depth} in Arrow, ${leaf.maxDef}/${leaf.maxRep} in the footer's schema`);
  for (let e = 0; e < count; e++) if (index[e]! < 0) index[e] = 0; // no value: any index
  return { count, def, rep: depth > 0 ? rep : null, data, positions: index };
}

/**
 * The values of a nested leaf's triplets as one dense Arrow array, one
 * slot per triplet (null where the definition level is not the leaf's
 * maximum): what the column writer takes, with the levels beside it.
 */
export function gatherValues(triplets: LeafTriplets, maxDef: number): arrow.Data {
  const { data, count, def, positions } = triplets;
  if (!def || !positions) return data;
  const type = data.type;
  const validity = new Uint8Array((count + 7) >> 3);
  let nullCount = 0;
  for (let t = 0; t < count; t++) {
    if (def[t] === maxDef) validity[t >> 3]! |= 1 << (t & 7);
    else nullCount++;
  }
  if (arrow.DataType.isNull(type)) return arrow.makeData({ type, length: count, nullCount: count });
  if (arrow.DataType.isBool(type)) {
    const source = data.values as Uint8Array;
    const bits = new Uint8Array((count + 7) >> 3);
    for (let t = 0; t < count; t++) {
      const at = data.offset + positions[t]!;
      if (def[t] === maxDef && (source[at >> 3]! >> (at & 7)) & 1) bits[t >> 3]! |= 1 << (t & 7);
    }
    return arrow.makeData({ type, length: count, nullCount, nullBitmap: validity, data: bits });
  }
  if (data.valueOffsets) {
    const large = !(data.valueOffsets instanceof Int32Array);
    const offset = (i: number) => Number(data.valueOffsets![i]!);
    const source = data.values as Uint8Array;
    let total = 0;
    for (let t = 0; t < count; t++) if (def[t] === maxDef) total += offset(positions[t]! + 1) - offset(positions[t]!);
    const bytes = new Uint8Array(total);
    const offsets = large ? new BigInt64Array(count + 1) : new Int32Array(count + 1);
    let at = 0;
    for (let t = 0; t < count; t++) {
      if (def[t] === maxDef) {
        const start = offset(positions[t]!);
        const end = offset(positions[t]! + 1);
        bytes.set(source.subarray(start, end), at);
        at += end - start;
      }
      offsets[t + 1] = large ? BigInt(at) : (at as never);
    }
    return arrow.makeData({ type, length: count, nullCount, nullBitmap: validity, data: bytes, valueOffsets: offsets } as never);
  }
  // Fixed width: `stride` elements of the values array per value (decimals: 4 or 8 words).
  const source = data.values as Uint32Array;
  const stride = arrow.DataType.isDecimal(type) ? type.bitWidth / 32 : 1;
  const out = new (source.constructor as new (n: number) => Uint32Array)(count * stride);
  for (let t = 0; t < count; t++) {
    if (def[t] !== maxDef) continue;
    const at = positions[t]! * stride;
    for (let k = 0; k < stride; k++) out[t * stride + k] = source[at + k]!;
  }
  return arrow.makeData({ type, length: count, nullCount, nullBitmap: validity, data: out } as never);
}

/**
 * Where a split's rows are cut into row groups: at places the rows
 * themselves choose, so that an edit elsewhere in the data does not move
 * them. Deliberately unlike Python, whose row groups hold a fixed number
 * of rows computed from the whole split (`rows × 100 MB / nbytes`): there
 * one appended, inserted or deleted row shifts every later row group, and
 * with the row groups every dictionary and page of the file changes — a
 * re-publish then uploads most of the data again. Here the row groups a
 * change does not touch come out byte for byte the same, and Xet storage
 * finds them already stored.
 *
 * The rule, per row i (its Arrow size w_i, floored at 96 bytes so very
 * narrow rows still make row groups of about a million rows, as pyarrow
 * caps them; its hash h_i over the values of every column):
 * - row i is a *candidate* when h_i / 2^32 < w_i / GAP: about one per
 *   GAP bytes, wherever the data goes;
 * - a row group ends after a candidate that has no other candidate within
 *   the MIN bytes before it (the split's start counts as one);
 * - and after any row that brings the row group to MAX bytes.
 * Whether a row ends a row group depends only on the rows up to MIN bytes
 * before it (and, for the rare MAX cuts, on where its row group started),
 * so row groups are cut the same way before and after an edit except next
 * to it. Row groups average about 100 MB of Arrow data, as Python's do, and
 * never hold more than MAX.
 */
import * as arrow from "apache-arrow";
import type { RowGroupPiece } from "./shard-encoder.js";

export interface RowGroupRule {
  /** Candidates come about once per this many bytes. */
  gapBytes: number;
  /** A candidate within this many bytes after another does not end a row group. */
  minBytes: number;
  /** No row group holds more. */
  maxBytes: number;
  /** Rows count as at least this many bytes. */
  floorBytes: number;
}

/** Row groups of 32 to 128 MB of Arrow data, about 87 MB on average (next to Python's 100 MB). */
export const ROW_GROUP_RULE: RowGroupRule = { gapBytes: 32_000_000, minBytes: 32_000_000, maxBytes: 128_000_000, floorBytes: 96 };

/** Finds the row group ends in a stream of batches (a split's, across its shards). */
export class RowGroupCutter {
  /** Bytes since the last candidate (the start counts as one). */
  private sinceCandidate = 0;
  /** Bytes in the row group so far. */
  private inGroup = 0;

  constructor(private readonly rule: RowGroupRule = ROW_GROUP_RULE) {}

  /** The rows of `batch` after which a row group ends (indices), continuing from the batches before. */
  cuts(batch: arrow.RecordBatch): number[] {
    const { weights, hashes } = rowWeightsAndHashes(batch, this.rule.floorBytes);
    const { gapBytes, minBytes, maxBytes } = this.rule;
    const scale = 2 ** 32 / gapBytes;
    const cuts: number[] = [];
    for (let i = 0; i < batch.numRows; i++) {
      const w = weights[i]!;
      this.sinceCandidate += w;
      this.inGroup += w;
      let cut = false;
      if (hashes[i]! < w * scale) {
        cut = this.sinceCandidate >= minBytes;
        this.sinceCandidate = 0;
      }
      if (cut || this.inGroup >= maxBytes) {
        cuts.push(i);
        this.inGroup = 0;
      }
    }
    return cuts;
  }

  /** A row group ends here whatever the rows say (a shard ends). */
  forceCut(): void {
    this.inGroup = 0;
  }
}

const PRIME = 0x9e3779b1;

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Per row of `batch`: its Arrow size (at least `floor`) and a 32-bit hash
 * of its values (every column; strings and binaries by their length and
 * their first and last 32 bytes, lists by their length and first items).
 */
export function rowWeightsAndHashes(batch: arrow.RecordBatch, floor: number): { weights: Float64Array; hashes: Uint32Array } {
  const n = batch.numRows;
  const weights = new Float64Array(n);
  const hashes = new Int32Array(n);
  for (const column of batch.data.children) addColumn(column, weights, hashes);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = mix(hashes[i]!);
    if (weights[i]! < floor) weights[i] = floor;
  }
  return { weights, hashes: out };
}

/** Adds each row's size to `weights` and folds each row's value into `hashes`. */
function addColumn(data: arrow.Data, weights: Float64Array, hashes: Int32Array): void {
  const n = data.length;
  const bits = data.nullCount > 0 ? data.nullBitmap : null;
  const isNull = (i: number) => bits !== null && bits !== undefined && ((bits[(data.offset + i) >> 3]! >> ((data.offset + i) & 7)) & 1) === 0;
  const fold = (i: number, value: number) => {
    hashes[i] = Math.imul(hashes[i]! ^ value, PRIME) + 0x7f4a7c15;
  };
  const type = data.type;
  if (arrow.DataType.isNull(type)) {
    for (let i = 0; i < n; i++) fold(i, 1);
    return;
  }
  if (type.children?.length) {
    const sizes = elementSizes(data);
    const rowHashes = elementHashes(data);
    for (let i = 0; i < n; i++) {
      weights[i]! += sizes[i]!;
      fold(i, isNull(i) ? 1 : rowHashes[i]!);
    }
    return;
  }
  if (arrow.DataType.isBool(type)) {
    const values = data.values as Uint8Array;
    for (let i = 0; i < n; i++) {
      weights[i]! += 0.125;
      const at = data.offset + i;
      fold(i, isNull(i) ? 1 : 2 + ((values[at >> 3]! >> (at & 7)) & 1));
    }
    return;
  }
  if (data.valueOffsets) {
    const { offsets, wide } = offsetsOf(data);
    const bytes = data.values as Uint8Array;
    for (let i = 0; i < n; i++) {
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      weights[i]! += end - start + (wide ? 8 : 4);
      fold(i, isNull(i) ? 1 : hashBytes(bytes, start, end));
    }
    return;
  }
  const values = data.values as ArrayBufferView;
  const width = arrow.DataType.isDecimal(type) ? type.bitWidth / 8 : (values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (width % 4 === 0 && values.byteOffset % 4 === 0) {
    const words = new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
    const per = width / 4;
    for (let i = 0; i < n; i++) {
      weights[i]! += width;
      if (isNull(i)) fold(i, 1);
      else for (let k = 0; k < per; k++) fold(i, words[i * per + k]!);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    weights[i]! += width;
    fold(i, isNull(i) ? 1 : hashBytes(bytes, i * width, (i + 1) * width));
  }
}

/** Offsets of a string/binary/list column as numbers (large offsets: their low words). */
function offsetsOf(data: arrow.Data): { offsets: Int32Array; wide: boolean } {
  const raw = data.valueOffsets as Int32Array | BigInt64Array;
  if (raw instanceof Int32Array) return { offsets: raw, wide: false };
  const words = new Int32Array(raw.buffer, raw.byteOffset, raw.length * 2);
  const offsets = new Int32Array(data.length + 1);
  for (let i = 0; i <= data.length; i++) offsets[i] = words[2 * i]!;
  return { offsets, wide: true };
}

/** Length, first 32 and last 32 bytes of bytes[from, to). */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = (to - from) | 0;
  const head = Math.min(to, from + 32);
  for (let i = from; i < head; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  for (let i = Math.max(head, to - 32); i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

/** Arrow bytes of each element of a nested column (lists: their items'; structs: their fields'). */
function elementSizes(data: arrow.Data): Float64Array {
  const n = data.length;
  const sizes = new Float64Array(n);
  if (data.children.length === 0) {
    const weights = new Float64Array(n);
    addColumn(data, weights, new Int32Array(n));
    return weights;
  }
  if (data.valueOffsets) {
    const { offsets, wide } = offsetsOf(data);
    const child = data.children[0]!;
    const childSizes = elementSizes(child);
    const prefix = new Float64Array(childSizes.length + 1);
    for (let i = 0; i < childSizes.length; i++) prefix[i + 1] = prefix[i]! + childSizes[i]!;
    for (let i = 0; i < n; i++) sizes[i] = (wide ? 8 : 4) + prefix[offsets[i + 1]!]! - prefix[offsets[i]!]!;
    return sizes;
  }
  if (arrow.DataType.isFixedSizeList(data.type)) {
    const per = data.type.listSize;
    const childSizes = elementSizes(data.children[0]!);
    for (let i = 0; i < n; i++) for (let k = 0; k < per; k++) sizes[i]! += childSizes[i * per + k]!;
    return sizes;
  }
  for (const child of data.children) {
    const childSizes = elementSizes(child);
    for (let i = 0; i < n; i++) sizes[i]! += childSizes[i]!;
  }
  return sizes;
}

/** A hash per element of a nested column (lists: their length and first four items). */
function elementHashes(data: arrow.Data): Int32Array {
  const n = data.length;
  const out = new Int32Array(n);
  if (data.children.length === 0) {
    addColumn(data, new Float64Array(n), out);
    return out;
  }
  if (data.valueOffsets || arrow.DataType.isFixedSizeList(data.type)) {
    const child = data.children[0]!;
    const childHashes = elementHashes(child);
    const per = arrow.DataType.isFixedSizeList(data.type) ? data.type.listSize : 0;
    const offsets = per > 0 ? null : offsetsOf(data).offsets;
    for (let i = 0; i < n; i++) {
      // A list's offsets index its child's elements (the child is not sliced with the list).
      const start = offsets ? offsets[i]! : i * per;
      const end = offsets ? offsets[i + 1]! : (i + 1) * per;
      let h = end - start;
      for (let k = start; k < Math.min(end, start + 4); k++) h = Math.imul(h ^ childHashes[k]!, PRIME);
      out[i] = h;
    }
    return out;
  }
  for (const child of data.children) {
    const childHashes = elementHashes(child);
    for (let i = 0; i < n; i++) out[i] = Math.imul(out[i]! ^ childHashes[i]!, PRIME);
  }
  return out;
}

/**
 * The batches of one shard cut into row groups where `cutter` says; the
 * shard's last piece ends a row group (the next shard starts a new one).
 */
export async function* rowGroupPieces(batches: AsyncIterable<arrow.RecordBatch>, cutter: RowGroupCutter): AsyncGenerator<RowGroupPiece> {
  // The rows after the last cut seen, held back until we know whether the shard ends with them.
  let pending: arrow.RecordBatch | undefined;
  for await (const batch of batches) {
    if (pending) yield { batch: pending, last: false };
    pending = undefined;
    let start = 0;
    for (const end of cutter.cuts(batch)) {
      yield { batch: batch.slice(start, end + 1), last: true };
      start = end + 1;
    }
    if (start < batch.numRows) pending = start === 0 ? batch : batch.slice(start);
  }
  cutter.forceCut();
  if (pending) yield { batch: pending, last: true };
}

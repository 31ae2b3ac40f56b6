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

/** Where the rows say a row group may end: rows that are candidates with no other candidate in the MIN bytes before them. */
export class RowGroupCandidates {
  /** Bytes since the last candidate (the split's start counts as one). */
  private sinceCandidate = 0;

  constructor(private readonly rule: RowGroupRule = ROW_GROUP_RULE) {}

  /** For each row of `batch` (continuing from the batches before): its size, and whether a row group may end after it. */
  scan(batch: arrow.RecordBatch): { weights: Float64Array; ends: Uint8Array } {
    const { weights, hashes } = rowWeightsAndHashes(batch, this.rule.floorBytes);
    const scale = 2 ** 32 / this.rule.gapBytes;
    const ends = new Uint8Array(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) {
      const w = weights[i]!;
      this.sinceCandidate += w;
      if (hashes[i]! < w * scale) {
        ends[i] = this.sinceCandidate >= this.rule.minBytes ? 1 : 0;
        this.sinceCandidate = 0;
      }
    }
    return { weights, ends };
  }
}

/**
 * Which rows of a split go to which shard and row group. Shard i ends at
 * the first row group end in the 20 % of its even share (shardRanges)
 * before Python's cut — or, when the rows offer none there, at Python's
 * cut. So a shard keeps whole row groups of the rule above, shards stay
 * within 20 % of Python's, and data too small for row groups of its own
 * choosing is cut exactly as Python cuts it. An edit that moves the even
 * cuts moves a shard's end only when a row group end enters or leaves the
 * window, and then whole row groups, byte for byte the same, change shard.
 */
export class SplitCutter {
  private readonly candidates: RowGroupCandidates;
  private current: { batch: arrow.RecordBatch; weights: Float64Array; ends: Uint8Array } | null = null;
  /** Next row of the current batch to hand out. */
  private at = 0;
  /** Rows handed out before `at`. */
  private row = 0;
  /** Bytes of the row group being filled. */
  private inGroup = 0;
  private shards = 0;
  private done = false;

  constructor(
    private readonly batches: AsyncIterator<arrow.RecordBatch>,
    /** Python's shard ranges over the split's rows. */
    private readonly ranges: Array<[number, number]>,
    private readonly rule: RowGroupRule = ROW_GROUP_RULE,
  ) {
    this.candidates = new RowGroupCandidates(rule);
  }

  /** The current batch with rows left, reading the next one when needed; null at the end of the split. */
  private async batch(): Promise<arrow.RecordBatch | null> {
    while (!this.done && (this.current === null || this.at === this.current.batch.numRows)) {
      const next = await this.batches.next();
      if (next.done) {
        this.done = true;
        this.current = null;
        break;
      }
      if (next.value.numRows === 0) continue;
      this.current = { batch: next.value, ...this.candidates.scan(next.value) };
      this.at = 0;
    }
    return this.current?.batch ?? null;
  }

  /** The pieces of the next shard (call once per shard, in order, reading each to its end). */
  async *shard(): AsyncGenerator<RowGroupPiece> {
    const index = this.shards++;
    const range = this.ranges[index];
    if (!range) throw new Error(`the split has ${this.ranges.length} shards`);
    const last = index === this.ranges.length - 1;
    const from = range[1] - Math.floor(0.2 * (range[1] - range[0]));
    const to = range[1];
    // Rows of the row group from earlier batches: yielded once we know whether the shard ends with them.
    let held: arrow.RecordBatch | undefined;
    for (;;) {
      const batch = await this.batch();
      if (!batch) {
        if (held) yield { batch: held, last: true };
        this.inGroup = 0;
        return;
      }
      const { weights, ends } = this.current!;
      let start = this.at;
      for (let k = this.at; k < batch.numRows; k++) {
        const rowsDone = this.row + (k - this.at) + 1;
        this.inGroup += weights[k]!;
        const groupEnds = ends[k] === 1 || this.inGroup >= this.rule.maxBytes;
        const shardEnds = !last && ((groupEnds && rowsDone >= from) || rowsDone >= to);
        if (!groupEnds && !shardEnds) continue;
        if (held) yield { batch: held, last: false };
        held = undefined;
        yield { batch: batch.slice(start, k + 1), last: true };
        this.inGroup = 0;
        start = k + 1;
        if (shardEnds) {
          this.row = rowsDone;
          this.at = k + 1;
          return;
        }
      }
      if (held) yield { batch: held, last: false };
      held = start < batch.numRows ? batch.slice(start) : undefined;
      this.row += batch.numRows - this.at;
      this.at = batch.numRows;
    }
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

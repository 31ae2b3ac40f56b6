/**
 * Dictionaries of a column chunk: each distinct value gets the next index
 * in order of first appearance, so a page's indices depend only on the
 * rows before it in the row group. A dictionary stops taking values when
 * its dictionary page would pass the limit (then the rest of the chunk is
 * written PLAIN, as arrow-rs and pyarrow fall back).
 *
 * Values are keyed by their bits (a float's -0.0 and +0.0 are two
 * entries, as in arrow-rs), in open-addressing tables.
 */
import { ByteBuffer } from "./bytes.js";

/** arrow-rs's and pyarrow's dictionary page limit. */
export const DICTIONARY_PAGE_LIMIT = 1024 * 1024;

const EMPTY = -1;

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return h ^ (h >>> 16);
}

/**
 * The dictionary indices of the page being filled and, for strings, which
 * entries it uses (their bounds are the page's statistics).
 */
export class PageIndices {
  ids = new Int32Array(1024);
  /** Indices written. */
  count = 0;
  /** Distinct entries of the page, in order of first use. */
  entries = new Int32Array(1024);
  entryCount = 0;
  /** stamp[id] === serial: entry id is in `entries` already. */
  private stamp = new Int32Array(1024).fill(-1);
  private serial = 0;

  /** Room for `n` more indices. */
  reserve(n: number): void {
    if (this.count + n > this.ids.length) this.ids = grown(this.ids, Math.max(2 * this.ids.length, this.count + n));
  }

  /** Records that the page uses entry `id`. */
  use(id: number): void {
    if (id >= this.stamp.length) {
      const stamp = new Int32Array(Math.max(2 * this.stamp.length, id + 1)).fill(-1);
      stamp.set(this.stamp);
      this.stamp = stamp;
    }
    if (this.stamp[id] === this.serial) return;
    this.stamp[id] = this.serial;
    if (this.entryCount === this.entries.length) this.entries = grown(this.entries, 2 * this.entries.length);
    this.entries[this.entryCount++] = id;
  }

  /** Starts the next page. */
  clear(): void {
    this.count = this.entryCount = 0;
    this.serial++;
  }
}

export interface Dictionary {
  /** Entries so far. */
  readonly size: number;
  /** The dictionary page's values (PLAIN). */
  page(): Uint8Array;
}

/**
 * 32-bit values (INT32, FLOAT bits). The table holds (index + 1, key) in
 * each slot, so a lookup reads one place in memory.
 */
export class Dictionary32 implements Dictionary {
  private table = new Int32Array(2 * 1024);
  /** Entry i's value. */
  keys = new Int32Array(256);
  size = 0;

  /** The index of `key`, adding it if new; -1 when adding it would pass the page limit. */
  index(key: number): number {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    let s = mix(key) & mask;
    for (;;) {
      const id = table[2 * s]!;
      if (id === 0) break;
      if (table[2 * s + 1] === key) return id - 1;
      s = (s + 1) & mask;
    }
    if ((this.size + 1) * 4 > DICTIONARY_PAGE_LIMIT) return -1;
    if (this.size === this.keys.length) this.keys = grown(this.keys, 2 * this.keys.length);
    const id = this.size++;
    this.keys[id] = key;
    table[2 * s] = id + 1;
    table[2 * s + 1] = key;
    if (this.size * 2 > mask + 1) this.grow();
    return id;
  }

  private grow(): void {
    const table = new Int32Array(2 * this.table.length);
    const mask = (table.length >> 1) - 1;
    for (let id = 0; id < this.size; id++) {
      const key = this.keys[id]!;
      let s = mix(key) & mask;
      while (table[2 * s] !== 0) s = (s + 1) & mask;
      table[2 * s] = id + 1;
      table[2 * s + 1] = key;
    }
    this.table = table;
  }

  page(): Uint8Array {
    return new Uint8Array(this.keys.buffer, 0, this.size * 4).slice();
  }

  /** The indices of rows [from, to) of `values` into `page` (see encodeRows). */
  encode(values: Int32Array, bits: Uint8Array | null, offset: number, from: number, to: number, page: PageIndices, rep: Uint8Array | null): number {
    return encodeRows(bits, offset, from, to, page, rep, (row) => this.index(values[row]!));
  }
}

/** 64-bit values as (low, high) words (INT64, DOUBLE bits); slots hold (index + 1, low, high, 0). */
export class Dictionary64 implements Dictionary {
  private table = new Int32Array(4 * 1024);
  /** Entry i's words at 2i (low) and 2i + 1 (high). */
  keys = new Int32Array(512);
  size = 0;

  index(lo: number, hi: number): number {
    const table = this.table;
    const mask = (table.length >> 2) - 1;
    let s = mix(lo ^ mix(hi)) & mask;
    for (;;) {
      const id = table[4 * s]!;
      if (id === 0) break;
      if (table[4 * s + 1] === lo && table[4 * s + 2] === hi) return id - 1;
      s = (s + 1) & mask;
    }
    if ((this.size + 1) * 8 > DICTIONARY_PAGE_LIMIT) return -1;
    if (2 * this.size === this.keys.length) this.keys = grown(this.keys, 2 * this.keys.length);
    const id = this.size++;
    this.keys[2 * id] = lo;
    this.keys[2 * id + 1] = hi;
    table[4 * s] = id + 1;
    table[4 * s + 1] = lo;
    table[4 * s + 2] = hi;
    if (this.size * 2 > mask + 1) this.grow();
    return id;
  }

  private grow(): void {
    const table = new Int32Array(2 * this.table.length);
    const mask = (table.length >> 2) - 1;
    for (let id = 0; id < this.size; id++) {
      const lo = this.keys[2 * id]!;
      const hi = this.keys[2 * id + 1]!;
      let s = mix(lo ^ mix(hi)) & mask;
      while (table[4 * s] !== 0) s = (s + 1) & mask;
      table[4 * s] = id + 1;
      table[4 * s + 1] = lo;
      table[4 * s + 2] = hi;
    }
    this.table = table;
  }

  page(): Uint8Array {
    return new Uint8Array(this.keys.buffer, 0, this.size * 8).slice();
  }

  /** The indices of rows [from, to) of values given as (low, high) word pairs (see encodeRows). */
  encode(words: Int32Array, bits: Uint8Array | null, offset: number, from: number, to: number, page: PageIndices, rep: Uint8Array | null): number {
    return encodeRows(bits, offset, from, to, page, rep, (row) => this.index(words[2 * row]!, words[2 * row + 1]!));
  }
}

/** Byte strings (BYTE_ARRAY); the page holds each as a 4-byte length and its bytes. */
export class BytesDictionary implements Dictionary {
  private slots = new Int32Array(1024).fill(EMPTY);
  private hashes = new Int32Array(256);
  /** Entry i is data[offsets[i], offsets[i + 1]). */
  offsets = new Int32Array(257);
  private readonly bytes = new ByteBuffer(4096);
  size = 0;

  get data(): Uint8Array {
    return this.bytes.bytes;
  }

  index(data: Uint8Array, from: number, to: number): number {
    const length = to - from;
    let h = 0x811c9dc5 ^ length;
    for (let i = from; i < to; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
    h = mix(h);
    const mask = this.slots.length - 1;
    let s = h & mask;
    const bytes = this.bytes.bytes;
    const offsets = this.offsets;
    probe: for (;;) {
      const at = this.slots[s]!;
      if (at === EMPTY) break;
      s = (s + 1) & mask;
      if (this.hashes[at] !== h) continue;
      const start = offsets[at]!;
      if (offsets[at + 1]! - start !== length) continue;
      for (let k = 0; k < length; k++) if (bytes[start + k] !== data[from + k]) continue probe;
      return at;
    }
    // The page holds each value behind a 4-byte length.
    if (this.bytes.length + 4 * (this.size + 1) + length > DICTIONARY_PAGE_LIMIT) return -1;
    if (this.size === this.hashes.length) {
      this.hashes = grown(this.hashes, 2 * this.hashes.length);
      this.offsets = grown(this.offsets, this.hashes.length + 1);
    }
    const id = this.size++;
    this.hashes[id] = h;
    this.bytes.append(data, from, to);
    this.offsets[id + 1] = this.bytes.length;
    this.slots[s] = id;
    if (this.size * 2 > this.slots.length) this.slots = rehash(this.slots.length * 2, this.size, (id) => this.hashes[id]!);
    return id;
  }

  /**
   * The indices of rows [from, to) of strings (value i is data[offsets[i],
   * offsets[i + 1]); see encodeRows), noting the entries each page uses:
   * its statistics are theirs, as comparing strings costs more than looking
   * entries up.
   */
  encode(offsets: Int32Array, data: Uint8Array, bits: Uint8Array | null, offset: number, from: number, to: number, page: PageIndices, rep: Uint8Array | null): number {
    return encodeRows(bits, offset, from, to, page, rep, (row) => {
      const id = this.index(data, offsets[row]!, offsets[row + 1]!);
      if (id >= 0) page.use(id);
      return id;
    });
  }

  page(): Uint8Array {
    const out = new ByteBuffer(this.bytes.length + 4 * this.size);
    for (let id = 0; id < this.size; id++) {
      out.u32(this.offsets[id + 1]! - this.offsets[id]!);
      out.append(this.bytes.bytes, this.offsets[id]!, this.offsets[id + 1]!);
    }
    return out.copy();
  }
}

/**
 * The indices of the values of rows [from, to) (a row is null where bit
 * `offset + row` of `bits` is clear; `index` gives a value's entry, -1 when
 * the dictionary is full) into `page`. A row starts a record where `rep` is
 * 0 (always, without `rep`): when the dictionary fills up inside a record,
 * the record's indices are taken back and the stop is its first row, as a
 * record never spans two pages. Returns where it stopped (`to` if it did not).
 */
function encodeRows(bits: Uint8Array | null, offset: number, from: number, to: number, page: PageIndices, rep: Uint8Array | null, index: (row: number) => number): number {
  page.reserve(to - from);
  const ids = page.ids;
  let k = page.count;
  let recordStart = from;
  let recordCount = k;
  let recordEntries = page.entryCount;
  let row = from;
  for (; row < to; row++) {
    if (rep === null || rep[row] === 0) {
      recordStart = row;
      recordCount = k;
      recordEntries = page.entryCount;
    }
    if (bits !== null) {
      const at = offset + row;
      if (((bits[at >> 3]! >> (at & 7)) & 1) === 0) continue;
    }
    const id = index(row);
    if (id < 0) {
      k = recordCount;
      page.entryCount = recordEntries;
      row = recordStart;
      break;
    }
    ids[k++] = id;
  }
  page.count = k;
  return row;
}

function grown(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(length);
  out.set(array);
  return out;
}

/** A slot table of `capacity` (a power of two) for entries 0..size-1 with these hashes. */
function rehash(capacity: number, size: number, hashOf: (id: number) => number): Int32Array<ArrayBuffer> {
  const slots = new Int32Array(capacity).fill(EMPTY);
  const mask = capacity - 1;
  for (let id = 0; id < size; id++) {
    let s = hashOf(id) & mask;
    while (slots[s] !== EMPTY) s = (s + 1) & mask;
    slots[s] = id;
  }
  return slots;
}

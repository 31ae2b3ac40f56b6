/**
 * One column chunk (one leaf column of one row group) written as Parquet
 * pages: data page v1, dictionary encoding while the dictionary page stays
 * under 1 MiB then PLAIN for the rest of the chunk (arrow-rs's and
 * pyarrow's rule), each page's bounds for the page index.
 *
 * Where a page ends depends only on the chunk's values: at each
 * content-defined boundary (./cdc.ts), after 20,000 records counted from
 * the previous cut, and where the dictionary fills up — always at a
 * record's first value, as a record never spans pages. Each page is
 * compressed on its own, so a page whose rows did not change is byte for
 * byte the page it was, wherever it sits in the file.
 *
 * Values arrive in batches (`write`), in order, as triplets: a flat column
 * is one value per row, levels from its validity; a nested leaf's values
 * come with their definition and repetition levels (./shred.ts).
 */
import type * as arrow from "apache-arrow";
import { ThriftStruct, TType, encodeStruct } from "../../model/thrift.js";
import { ByteBuffer } from "./bytes.js";
import type { ContentDefinedChunker } from "./cdc.js";
import { type ChunkMetadata, type WrittenPage, chunkMetadata } from "./chunk-metadata.js";
import type { PageCompressor } from "./codecs.js";
import { BytesDictionary, Dictionary32, Dictionary64, PageIndices } from "./dictionary.js";
import { DICT, DPH, Encoding, PH, PageType, Physical } from "./format.js";
import type { Kernels, Levels } from "./kernels.js";
import type { Leaf } from "./leaf.js";
import { type HashRule, type PhysicalValues, hashValues, physicalValues } from "./physical.js";
import { bitWidth, encodeHybrid, encodeLevels } from "./rle.js";
import { type Compare, type MinMaxTracker, type Validity, comparatorOf, isValid, minMaxTracker } from "./statistics.js";

/** pyarrow's and arrow-rs's default row limit per data page. */
export const MAX_PAGE_ROWS = 20_000;

export interface WrittenChunk {
  /** The chunk's pages (dictionary page first), to be written one after the other. */
  pages: Uint8Array[];
  /** The chunk's footer entry for a chunk written at `offset`, and its page index. */
  place(offset: number): ChunkMetadata;
}

/** A nested leaf's levels, one per value of the batch. */
export interface TripletLevels {
  def: Uint8Array;
  rep: Uint8Array | null;
}

type Dictionary = Dictionary32 | Dictionary64 | BytesDictionary;

/** A growable byte array. */
class Bytes {
  array = new Uint8Array(1024);
  length = 0;
  reserve(n: number): void {
    if (this.length + n <= this.array.length) return;
    const next = new Uint8Array(Math.max(2 * this.array.length, this.length + n));
    next.set(this.array.subarray(0, this.length));
    this.array = next;
  }
}

export class ColumnChunkWriter {
  /** Null for types written without one. */
  private readonly dictionary: Dictionary | null;
  /** Whether pages are still dictionary-encoded (until the dictionary fills up). */
  private useDictionary: boolean;
  private readonly kind: PhysicalValues["kind"];
  private readonly compare: Compare;
  private readonly tracker: MinMaxTracker;

  // The page being filled: its levels, its values (dictionary indices or PLAIN) and counts.
  private readonly defs = new Bytes();
  private readonly reps = new Bytes();
  private rows = 0;
  private nulls = 0;
  private unencoded = 0;
  private readonly indices = new PageIndices();
  private readonly plain = new ByteBuffer(1 << 16);
  private booleans = 0; // values packed into `plain` so far (BOOLEAN)

  private readonly body = new ByteBuffer(1 << 16);
  private readonly pages: WrittenPage[] = [];
  private chunkRows = 0;

  constructor(
    private readonly leaf: Leaf,
    private readonly compressor: PageCompressor,
    private readonly kernels: Kernels,
    /** Null: no content-defined boundaries (pages of MAX_PAGE_ROWS records). */
    private readonly chunker: ContentDefinedChunker | null,
    private readonly hashRule: HashRule,
  ) {
    // arrow-rs writes BOOLEAN and FIXED_LEN_BYTE_ARRAY (float16, wide decimals) without a dictionary in data page v1.
    this.dictionary =
      leaf.physical === Physical.INT32 || leaf.physical === Physical.FLOAT
        ? new Dictionary32()
        : leaf.physical === Physical.INT64 || leaf.physical === Physical.DOUBLE
          ? new Dictionary64()
          : leaf.physical === Physical.BYTE_ARRAY
            ? new BytesDictionary()
            : null;
    this.useDictionary = this.dictionary !== null;
    const kind = (this.kind = kindOf(leaf));
    this.compare = comparatorOf(leaf, kind);
    this.tracker = minMaxTracker(leaf, kind);
  }

  /**
   * Adds the next values of the chunk: `data`, of the leaf's Arrow storage
   * type, one value per triplet (null where the definition level is not the
   * leaf's maximum), and for a nested leaf the triplets' levels.
   */
  write(data: arrow.Data, levels?: TripletLevels): void {
    const n = data.length;
    if (n === 0) return;
    const values = physicalValues(data, this.leaf);
    const validity: Validity = { bits: data.nullCount > 0 ? (data.nullBitmap ?? null) : null, offset: data.offset };
    if (values.kind === "null") validity.bits = new Uint8Array((data.offset + n + 7) >> 3); // every value null
    const scan: Levels = { def: levels?.def ?? null, rep: levels?.rep ?? null, maxDef: this.leaf.maxDef, maxRep: this.leaf.maxRep };
    let from = 0;
    if (this.chunker) {
      for (const cut of this.chunker.cuts(this.kernels, hashValues(data, this.hashRule), validity, n, scan)) {
        this.addTriplets(values, validity, scan, from, cut);
        this.flushPage();
        from = cut;
      }
    }
    this.addTriplets(values, validity, scan, from, n);
  }

  /**
   * Triplets [from, to) of a batch (starting a record) into pages: a page
   * ends after MAX_PAGE_ROWS records and where the dictionary fills up.
   */
  private addTriplets(values: PhysicalValues, validity: Validity, levels: Levels, from: number, to: number): void {
    while (from < to) {
      const end = this.pageEnd(levels.rep, from, to);
      let stop = end;
      if (this.useDictionary) stop = this.addIndices(values, validity, levels.rep, from, end);
      else this.addPlain(values, validity, from, end);
      this.addLevels(validity, levels, from, stop);
      // Numbers are bounded value by value; strings by the entries the page uses (flushPage).
      if (values.kind !== "null" && !(this.useDictionary && values.kind === "bytes")) this.tracker.add(values, validity, from, stop);
      if (stop < end) {
        // The dictionary is full: the page ends here and the rest of the chunk is PLAIN.
        this.flushPage();
        this.useDictionary = false;
        from = stop;
        continue;
      }
      from = end;
      if (this.rows === MAX_PAGE_ROWS) this.flushPage();
    }
  }

  /** Where the page must end at the latest: after MAX_PAGE_ROWS records, or at `to`. */
  private pageEnd(rep: Uint8Array | null, from: number, to: number): number {
    const room = MAX_PAGE_ROWS - this.rows;
    if (rep === null) return Math.min(to, from + room);
    let records = 0;
    for (let i = from; i < to; i++) if (rep[i] === 0 && records++ === room) return i;
    return to;
  }

  /** Definition and repetition levels of triplets [from, to), and the page's counts. */
  private addLevels(validity: Validity, levels: Levels, from: number, to: number): void {
    const n = to - from;
    const defs = this.defs;
    defs.reserve(n);
    if (levels.def) defs.array.set(levels.def.subarray(from, to), defs.length);
    else if (validity.bits === null) defs.array.fill(levels.maxDef, defs.length, defs.length + n);
    else for (let i = from; i < to; i++) defs.array[defs.length + i - from] = isValid(validity, i) ? levels.maxDef : 0;
    let nulls = 0;
    for (let i = defs.length; i < defs.length + n; i++) if (defs.array[i] !== levels.maxDef) nulls++;
    defs.length += n;
    this.nulls += nulls;
    if (levels.rep) {
      this.reps.reserve(n);
      this.reps.array.set(levels.rep.subarray(from, to), this.reps.length);
      this.reps.length += n;
      for (let i = from; i < to; i++) if (levels.rep[i] === 0) this.rows++;
    } else this.rows += n;
  }

  /** Dictionary indices of triplets [from, to); returns where the dictionary filled up (`to` if it did not). */
  private addIndices(values: PhysicalValues, validity: Validity, rep: Uint8Array | null, from: number, to: number): number {
    const { bits, offset } = validity;
    const page = this.indices;
    switch (values.kind) {
      case "int32":
        return (this.dictionary as Dictionary32).encode(values.values, bits, offset, from, to, page, rep);
      case "float":
        return (this.dictionary as Dictionary32).encode(values.bits, bits, offset, from, to, page, rep);
      case "int64":
      case "double":
        return (this.dictionary as Dictionary64).encode(values.words, bits, offset, from, to, page, rep);
      case "bytes": {
        const stop = (this.dictionary as BytesDictionary).encode(values.offsets, values.data, bits, offset, from, to, page, rep);
        for (let i = from; i < stop; i++) if (bits === null || isValid(validity, i)) this.unencoded += values.offsets[i + 1]! - values.offsets[i]!;
        return stop;
      }
      case "null":
        return to; // every value null: levels only
      default:
        throw new Error(`no dictionary for ${values.kind} values`);
    }
  }

  /** PLAIN values of triplets [from, to). */
  private addPlain(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    const plain = this.plain;
    const allValid = validity.bits === null;
    const copyValues = (bytes: Uint8Array, width: number) => {
      if (allValid) return plain.append(bytes, from * width, to * width);
      for (let i = from; i < to; i++) if (isValid(validity, i)) plain.append(bytes, i * width, (i + 1) * width);
    };
    switch (values.kind) {
      case "int32":
      case "float": {
        const v = values.kind === "int32" ? values.values : values.bits;
        copyValues(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), 4);
        break;
      }
      case "int64":
      case "double": {
        const w = values.words;
        copyValues(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), 8);
        break;
      }
      case "fixed":
        copyValues(values.bytes, values.width);
        break;
      case "bytes": {
        const { offsets, data } = values;
        plain.ensure(4 * (to - from) + offsets[to]! - offsets[from]!);
        const out = plain.bytes;
        let o = plain.length;
        for (let i = from; i < to; i++) {
          if (!allValid && !isValid(validity, i)) continue;
          const start = offsets[i]!;
          const end = offsets[i + 1]!;
          const length = end - start;
          out[o] = length;
          out[o + 1] = length >>> 8;
          out[o + 2] = length >>> 16;
          out[o + 3] = length >>> 24;
          o += 4;
          if (length > 32) out.set(data.subarray(start, end), o);
          else for (let k = 0; k < length; k++) out[o + k] = data[start + k]!;
          o += length;
          this.unencoded += length;
        }
        plain.length = o;
        break;
      }
      case "boolean": {
        // Bit-packed, least significant bit first, continuing across batches.
        const { bits, offset } = values;
        for (let i = from; i < to; i++) {
          if (!allValid && !isValid(validity, i)) continue;
          const at = offset + i;
          const bit = (bits[at >> 3]! >> (at & 7)) & 1;
          const k = this.booleans++;
          if ((k & 7) === 0) plain.u8(0);
          plain.bytes[plain.length - 1]! |= bit << (k & 7);
        }
        break;
      }
      case "null":
        break;
    }
  }

  /** Ends the page being filled (if it holds values): encodes, compresses and keeps it. */
  private flushPage(): void {
    const count = this.defs.length;
    if (count === 0) return;
    const { leaf, body, indices } = this;
    body.clear();
    // Data page v1: repetition levels, definition levels, values.
    encodeLevels(this.reps.array, this.reps.length, leaf.maxRep, body);
    encodeLevels(this.defs.array, count, leaf.maxDef, body);
    const dictionary = this.useDictionary;
    if (dictionary && indices.entryCount > 0) this.tracker.addAt(dictionaryEntries(this.dictionary!, this.kind), indices.entries, indices.entryCount);
    if (dictionary) {
      // The width the dictionary has now: earlier pages keep theirs as the dictionary grows.
      const width = bitWidth(this.dictionary!.size - 1);
      body.u8(width);
      encodeHybrid(indices.ids, 0, indices.count, width, body);
    } else body.append(this.plain.bytes, 0, this.plain.length);
    const uncompressedSize = body.length;
    const compressed = this.compressor.compress(body.written());
    const header = encodeStruct(
      new ThriftStruct([
        { id: PH.TYPE, type: TType.I32, value: PageType.DATA_PAGE },
        { id: PH.UNCOMPRESSED, type: TType.I32, value: uncompressedSize },
        { id: PH.COMPRESSED, type: TType.I32, value: compressed.length },
        {
          id: PH.DATA,
          type: TType.Struct,
          value: new ThriftStruct([
            { id: DPH.NUM_VALUES, type: TType.I32, value: count },
            { id: DPH.ENCODING, type: TType.I32, value: dictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN },
            { id: DPH.DEFINITION_ENCODING, type: TType.I32, value: Encoding.RLE },
            { id: DPH.REPETITION_ENCODING, type: TType.I32, value: Encoding.RLE },
          ]),
        },
      ]),
    );
    const bytes = new Uint8Array(header.length + compressed.length);
    bytes.set(header);
    bytes.set(compressed, header.length);
    this.pages.push({
      bytes,
      uncompressedSize: header.length + uncompressedSize,
      firstRow: this.chunkRows,
      rows: this.rows,
      values: count,
      nulls: this.nulls,
      dictionary,
      bounds: this.tracker.take(),
      unencodedBytes: this.unencoded,
      defHistogram: histogram(this.defs, leaf.maxDef),
      repHistogram: histogram(this.reps, leaf.maxRep),
    });
    this.chunkRows += this.rows;
    this.rows = this.nulls = this.unencoded = this.booleans = 0;
    this.defs.length = this.reps.length = 0;
    indices.clear();
    this.plain.clear();
  }

  /** The chunk's pages and metadata; the writer is done. */
  finish(): WrittenChunk {
    this.flushPage();
    const dictionaryPage = this.pages.some((p) => p.dictionary) ? this.dictionaryPage() : null;
    const pages = dictionaryPage ? [dictionaryPage.bytes, ...this.pages.map((p) => p.bytes)] : this.pages.map((p) => p.bytes);
    const { leaf, compare } = this;
    const codec = this.compressor.codec;
    const written = this.pages;
    return {
      pages,
      place: (offset) => chunkMetadata(leaf, codec, compare, written, dictionaryPage, offset),
    };
  }

  /** The dictionary page: the dictionary's values PLAIN, compressed. */
  private dictionaryPage(): { bytes: Uint8Array; uncompressedSize: number } {
    const dictionary = this.dictionary!;
    const values = dictionary.page();
    const compressed = this.compressor.compress(values);
    const header = encodeStruct(
      new ThriftStruct([
        { id: PH.TYPE, type: TType.I32, value: PageType.DICTIONARY_PAGE },
        { id: PH.UNCOMPRESSED, type: TType.I32, value: values.length },
        { id: PH.COMPRESSED, type: TType.I32, value: compressed.length },
        {
          id: PH.DICTIONARY,
          type: TType.Struct,
          value: new ThriftStruct([
            { id: DICT.NUM_VALUES, type: TType.I32, value: dictionary.size },
            { id: DICT.ENCODING, type: TType.I32, value: Encoding.PLAIN },
            { id: DICT.IS_SORTED, type: TType.False, value: false },
          ]),
        },
      ]),
    );
    const bytes = new Uint8Array(header.length + compressed.length);
    bytes.set(header);
    bytes.set(compressed, header.length);
    return { bytes, uncompressedSize: header.length + values.length };
  }
}

/** Counts of each level 0..max in `levels` (none when max is 0). */
function histogram(levels: Bytes, max: number): number[] {
  if (max === 0) return [];
  const counts = new Array<number>(max + 1).fill(0);
  for (let i = 0; i < levels.length; i++) counts[levels.array[i]!]!++;
  return counts;
}

function kindOf(leaf: Leaf): PhysicalValues["kind"] {
  switch (leaf.physical) {
    case Physical.BOOLEAN:
      return "boolean";
    case Physical.INT32:
      return "int32";
    case Physical.INT64:
      return "int64";
    case Physical.FLOAT:
      return "float";
    case Physical.DOUBLE:
      return "double";
    case Physical.BYTE_ARRAY:
      return "bytes";
    default:
      return "fixed";
  }
}

/** A dictionary's entries, indexed by entry, as physical values of `kind`. */
function dictionaryEntries(dictionary: Dictionary, kind: PhysicalValues["kind"]): PhysicalValues {
  if (dictionary instanceof BytesDictionary) return { kind: "bytes", offsets: dictionary.offsets, data: dictionary.data };
  const keys = dictionary.keys;
  switch (kind) {
    case "int32":
      return { kind, values: keys };
    case "float":
      return { kind, values: new Float32Array(keys.buffer), bits: keys };
    case "int64":
      return { kind, words: keys };
    case "double":
      return { kind, values: new Float64Array(keys.buffer), words: keys };
    default:
      throw new Error(`no dictionary for ${kind} values`);
  }
}

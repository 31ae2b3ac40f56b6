/**
 * One column chunk (one leaf column of one row group) written as Parquet
 * pages: data page v1, dictionary encoding while the dictionary page stays
 * under 1 MiB then PLAIN for the rest of the chunk (arrow-rs's and
 * pyarrow's rule), page statistics for the page index, and the chunk's
 * metadata.
 *
 * Where a page ends depends only on the chunk's values: at each
 * content-defined boundary (./cdc.ts), every 20,000 rows counted from the
 * previous cut, and where the dictionary fills up. Each page is compressed
 * on its own, so a page whose rows did not change is byte for byte the
 * page it was, wherever it sits in the file.
 *
 * Rows arrive in batches (`write`), in order; `finish` gives the bytes and
 * a function placing the metadata at the chunk's offset in the file.
 */
import type * as arrow from "apache-arrow";
import { ThriftStruct, TType, type ThriftList, encodeStruct } from "../../model/thrift.js";
import { ByteBuffer } from "./bytes.js";
import type { ContentDefinedChunker } from "./cdc.js";
import type { Kernels } from "./kernels.js";
import type { PageCompressor } from "./codecs.js";
import { BytesDictionary, Dictionary32, Dictionary64, PageIndices } from "./dictionary.js";
import { BoundaryOrder, CC, CI, CM, DICT, DPH, Encoding, OI, PES, PH, PL, PageType, Physical, SS, ST } from "./format.js";
import type { Leaf } from "./leaf.js";
import { type HashRule, type PhysicalValues, hashValues, physicalValues } from "./physical.js";
import { bitWidth, encodeHybrid, encodeLevels } from "./rle.js";
import { type Compare, type MinMaxTracker, type Validity, comparatorOf, isValid, minMaxTracker, truncateMax, truncateMin } from "./statistics.js";

/** pyarrow's and arrow-rs's default row limit per data page. */
export const MAX_PAGE_ROWS = 20_000;

interface WrittenPage {
  /** Header and compressed body. */
  bytes: Uint8Array;
  uncompressedSize: number;
  firstRow: number;
  rows: number;
  nulls: number;
  dictionary: boolean;
  /** Plain-encoded bounds; null for a page of nulls, or of NaNs only. */
  bounds: { min: Uint8Array; max: Uint8Array } | null;
  unencodedBytes: number;
}

export interface WrittenChunk {
  /** The chunk's pages (dictionary page first), to be written one after the other. */
  pages: Uint8Array[];
  byteLength: number;
  rows: number;
  /** The ColumnChunk (metadata for a chunk written at `offset`), its column index (absent when a page has no bounds) and its offset index. */
  place(offset: number): { chunk: ThriftStruct; columnIndex: ThriftStruct | undefined; offsetIndex: ThriftStruct };
}

type Dictionary = Dictionary32 | Dictionary64 | BytesDictionary;

export class ColumnChunkWriter {
  /** Null for types written without one. */
  private readonly dictionary: Dictionary | null;
  /** Whether pages are still dictionary-encoded (until the dictionary fills up). */
  private useDictionary: boolean;
  private readonly kind: PhysicalValues["kind"];
  private readonly compare: Compare;
  private readonly tracker: MinMaxTracker;

  // The page being filled.
  private rows = 0;
  private nulls = 0;
  private unencoded = 0;
  private readonly page = new PageIndices(MAX_PAGE_ROWS);
  private readonly plain = new ByteBuffer(1 << 16);
  private booleans = 0; // values packed into `plain` so far (BOOLEAN)

  private readonly body = new ByteBuffer(1 << 16);
  private readonly pages: WrittenPage[] = [];
  private chunkRows = 0;

  constructor(
    private readonly leaf: Leaf,
    private readonly compressor: PageCompressor,
    private readonly kernels: Kernels,
    /** Null: no content-defined boundaries (pages of MAX_PAGE_ROWS). */
    private readonly chunker: ContentDefinedChunker | null,
    private readonly hashRule: HashRule,
  ) {
    if (leaf.maxRep > 0) throw new Error(`column ${leaf.path.join(".")}: the page writer writes flat columns only`);
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

  /** Adds the next rows of the chunk: `data`, a flat column of the leaf's Arrow storage type. */
  write(data: arrow.Data): void {
    const n = data.length;
    if (n === 0) return;
    const values = physicalValues(data, this.leaf);
    const validity: Validity = { bits: data.nullCount > 0 ? (data.nullBitmap ?? null) : null, offset: data.offset };
    if (values.kind === "null") validity.bits = new Uint8Array((data.offset + n + 7) >> 3); // every row null
    let from = 0;
    if (this.chunker) {
      const cuts = this.chunker.cuts(this.kernels, hashValues(data, this.hashRule), validity, n, this.leaf.maxDef);
      for (const cut of cuts) {
        this.addRows(values, validity, from, cut);
        this.flushPage();
        from = cut;
      }
    }
    this.addRows(values, validity, from, n);
  }

  /** Rows [from, to) of a batch into pages, cutting every MAX_PAGE_ROWS rows and where the dictionary fills up. */
  private addRows(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    while (from < to) {
      const end = Math.min(to, from + MAX_PAGE_ROWS - this.rows);
      if (!this.useDictionary) {
        this.addPlain(values, validity, from, end);
        if (values.kind !== "null") this.tracker.add(values, validity, from, end);
      } else {
        const stop = this.addIndices(values, validity, from, end);
        // Numbers are bounded row by row; strings by the entries the page uses (flushPage).
        if (values.kind !== "bytes" && values.kind !== "null") this.tracker.add(values, validity, from, stop);
        if (stop < end) {
          // The dictionary is full: the page ends here and the rest of the chunk is PLAIN.
          this.flushPage();
          this.useDictionary = false;
          from = stop;
          continue;
        }
      }
      from = end;
      if (this.rows === MAX_PAGE_ROWS) this.flushPage();
    }
  }

  /** Levels and dictionary indices of rows [from, to); returns where the dictionary filled up (`to` if it did not). */
  private addIndices(values: PhysicalValues, validity: Validity, from: number, to: number): number {
    const page = this.page;
    const before = page.count;
    const start = page.rows;
    const { bits, offset } = validity;
    let stop: number;
    switch (values.kind) {
      case "int32":
        stop = (this.dictionary as Dictionary32).encode(values.values, bits, offset, from, to, page);
        break;
      case "float":
        stop = (this.dictionary as Dictionary32).encode(values.bits, bits, offset, from, to, page);
        break;
      case "int64":
      case "double":
        stop = (this.dictionary as Dictionary64).encode(values.words, bits, offset, from, to, page);
        break;
      case "bytes":
        stop = (this.dictionary as BytesDictionary).encode(values.offsets, values.data, bits, offset, from, to, page);
        if (bits === null) this.unencoded += values.offsets[stop]! - values.offsets[from]!;
        else for (let i = from; i < stop; i++) if (isValid(validity, i)) this.unencoded += values.offsets[i + 1]! - values.offsets[i]!;
        break;
      case "null":
        // Every row null: levels only.
        page.levels.fill(0, page.rows, page.rows + (to - from));
        page.rows += to - from;
        stop = to;
        break;
      default:
        throw new Error(`no dictionary for ${values.kind} values`);
    }
    this.rows = page.rows;
    this.nulls += page.rows - start - (page.count - before);
    return stop;
  }

  /** Levels and PLAIN values of rows [from, to). */
  private addPlain(values: PhysicalValues, validity: Validity, from: number, to: number): void {
    const levels = this.page.levels;
    let r = this.rows;
    const plain = this.plain;
    const allValid = validity.bits === null;
    if (allValid) {
      levels.fill(1, r, r + (to - from));
      r += to - from;
    } else
      for (let i = from; i < to; i++) {
        const valid = isValid(validity, i);
        levels[r++] = valid ? 1 : 0;
        if (!valid) this.nulls++;
      }
    this.rows = this.page.rows = r;
    const copyRuns = (bytes: Uint8Array, width: number) => {
      if (allValid) return plain.append(bytes, from * width, to * width);
      for (let i = from; i < to; i++) if (isValid(validity, i)) plain.append(bytes, i * width, (i + 1) * width);
    };
    switch (values.kind) {
      case "int32":
      case "float": {
        const v = values.kind === "int32" ? values.values : values.bits;
        copyRuns(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), 4);
        break;
      }
      case "int64":
      case "double": {
        const w = values.words;
        copyRuns(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), 8);
        break;
      }
      case "fixed":
        copyRuns(values.bytes, values.width);
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

  /** Ends the page being filled (if it holds rows): encodes, compresses and keeps it. */
  private flushPage(): void {
    if (this.rows === 0) return;
    const body = this.body;
    body.clear();
    const page = this.page;
    encodeLevels(page.levels, this.rows, this.leaf.maxDef, body);
    const dictionary = this.useDictionary;
    if (dictionary && page.entryCount > 0) this.tracker.addAt(dictionaryEntries(this.dictionary!, this.kind), page.entries, page.entryCount);
    if (dictionary) {
      // The width the dictionary has now: earlier pages keep theirs as the dictionary grows.
      const width = bitWidth(this.dictionary!.size - 1);
      body.u8(width);
      encodeHybrid(page.ids, 0, page.count, width, body);
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
            { id: DPH.NUM_VALUES, type: TType.I32, value: this.rows },
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
      nulls: this.nulls,
      dictionary,
      bounds: this.tracker.take(),
      unencodedBytes: this.unencoded,
    });
    this.chunkRows += this.rows;
    this.rows = this.nulls = this.unencoded = this.booleans = 0;
    page.clear();
    this.plain.clear();
  }

  /** The chunk's pages and metadata; the writer is done. */
  finish(): WrittenChunk {
    this.flushPage();
    const pages = this.pages;
    const dictionaryPages = pages.filter((p) => p.dictionary).length;
    const plainPages = pages.length - dictionaryPages;
    const written = dictionaryPages > 0 ? this.dictionaryPage() : null;
    const all = written ? [written.bytes, ...pages.map((p) => p.bytes)] : pages.map((p) => p.bytes);
    const byteLength = all.reduce((n, b) => n + b.length, 0);
    const uncompressed = (written?.uncompressedSize ?? 0) + pages.reduce((n, p) => n + p.uncompressedSize, 0);
    const leaf = this.leaf;
    const byteArray = leaf.physical === Physical.BYTE_ARRAY;
    const utf8 = leaf.utf8;
    const truncatable = byteArray;
    const nulls = pages.reduce((n, p) => n + p.nulls, 0);
    const rows = this.chunkRows;

    // Chunk bounds from the pages' bounds; boundary order over the pages that have values.
    let min: Uint8Array | null = null;
    let max: Uint8Array | null = null;
    let ascending = true;
    let descending = true;
    let indexValid = true;
    let last: { min: Uint8Array; max: Uint8Array } | null = null;
    for (const page of pages) {
      const nullPage = page.nulls === page.rows;
      if (!page.bounds) {
        if (!nullPage) indexValid = false; // a page of NaNs only: arrow-rs writes no column index then
        continue;
      }
      const b = page.bounds;
      if (min === null || this.compare(b.min, min) < 0) min = b.min;
      if (max === null || this.compare(b.max, max) > 0) max = b.max;
      if (last) {
        if (this.compare(last.min, b.min) > 0 || this.compare(last.max, b.max) > 0) ascending = false;
        if (this.compare(b.min, last.min) > 0 || this.compare(b.max, last.max) > 0) descending = false;
      }
      last = b;
    }

    const statistics: ThriftStruct = new ThriftStruct();
    if (min !== null && max !== null) {
      const lo = truncatable ? truncateMin(min, utf8) : { bytes: min, exact: true };
      const hi = truncatable ? truncateMax(max, utf8) : { bytes: max, exact: true };
      if (leaf.sortOrder === "signed") {
        statistics.set(ST.MAX, TType.Binary, hi.bytes);
        statistics.set(ST.MIN, TType.Binary, lo.bytes);
      }
      statistics.set(ST.NULL_COUNT, TType.I64, BigInt(nulls));
      statistics.set(ST.MAX_VALUE, TType.Binary, hi.bytes);
      statistics.set(ST.MIN_VALUE, TType.Binary, lo.bytes);
      statistics.set(ST.MAX_EXACT, hi.exact ? TType.True : TType.False, hi.exact);
      statistics.set(ST.MIN_EXACT, lo.exact ? TType.True : TType.False, lo.exact);
    } else {
      statistics.set(ST.NULL_COUNT, TType.I64, BigInt(nulls));
      statistics.set(ST.MAX_EXACT, TType.False, false);
      statistics.set(ST.MIN_EXACT, TType.False, false);
    }

    const encodings = [Encoding.PLAIN, Encoding.RLE, ...(dictionaryPages > 0 ? [Encoding.RLE_DICTIONARY] : [])];
    const encodingStats: ThriftStruct[] = [];
    const pageStats = (type: number, encoding: number, count: number) =>
      new ThriftStruct([
        { id: PES.PAGE_TYPE, type: TType.I32, value: type },
        { id: PES.ENCODING, type: TType.I32, value: encoding },
        { id: PES.COUNT, type: TType.I32, value: count },
      ]);
    if (dictionaryPages > 0) encodingStats.push(pageStats(PageType.DATA_PAGE, Encoding.RLE_DICTIONARY, dictionaryPages), pageStats(PageType.DICTIONARY_PAGE, Encoding.PLAIN, 1));
    if (plainPages > 0) encodingStats.push(pageStats(PageType.DATA_PAGE, Encoding.PLAIN, plainPages));

    const sizeStatistics = new ThriftStruct();
    if (byteArray) sizeStatistics.set(SS.UNENCODED_BYTE_ARRAY_BYTES, TType.I64, BigInt(pages.reduce((n, p) => n + p.unencodedBytes, 0)));
    if (leaf.maxDef > 0) sizeStatistics.set(SS.DEFINITION_HISTOGRAM, TType.List, i64List([nulls, rows - nulls]));

    const columnIndex = indexValid
      ? new ThriftStruct([
          { id: CI.NULL_PAGES, type: TType.List, value: { kind: "list", elementType: TType.True, items: pages.map((p) => p.nulls === p.rows) } },
          { id: CI.MIN_VALUES, type: TType.List, value: binaryList(pages.map((p) => (p.bounds ? (truncatable ? truncateMin(p.bounds.min, utf8).bytes : p.bounds.min) : new Uint8Array(0)))) },
          { id: CI.MAX_VALUES, type: TType.List, value: binaryList(pages.map((p) => (p.bounds ? (truncatable ? truncateMax(p.bounds.max, utf8).bytes : p.bounds.max) : new Uint8Array(0)))) },
          { id: CI.BOUNDARY_ORDER, type: TType.I32, value: ascending ? BoundaryOrder.ASCENDING : descending ? BoundaryOrder.DESCENDING : BoundaryOrder.UNORDERED },
          { id: CI.NULL_COUNTS, type: TType.List, value: i64List(pages.map((p) => p.nulls)) },
          ...(leaf.maxDef > 0 ? [{ id: CI.DEFINITION_HISTOGRAMS, type: TType.List, value: i64List(pages.flatMap((p) => [p.nulls, p.rows - p.nulls])) }] : []),
        ])
      : undefined;

    const codec = this.compressor.codec;
    return {
      pages: all,
      byteLength,
      rows,
      place(offset: number) {
        const dataOffset = offset + (written?.bytes.length ?? 0);
        const meta = new ThriftStruct([
          { id: CM.TYPE, type: TType.I32, value: leaf.physical },
          { id: CM.ENCODINGS, type: TType.List, value: { kind: "list", elementType: TType.I32, items: encodings } },
          { id: CM.PATH, type: TType.List, value: binaryList(leaf.path.map((p) => new TextEncoder().encode(p))) },
          { id: CM.CODEC, type: TType.I32, value: codec },
          { id: CM.NUM_VALUES, type: TType.I64, value: BigInt(rows) },
          { id: CM.TOTAL_UNCOMPRESSED, type: TType.I64, value: BigInt(uncompressed) },
          { id: CM.TOTAL_COMPRESSED, type: TType.I64, value: BigInt(byteLength) },
          { id: CM.DATA_PAGE, type: TType.I64, value: BigInt(dataOffset) },
          ...(written ? [{ id: CM.DICTIONARY_PAGE, type: TType.I64, value: BigInt(offset) }] : []),
          { id: CM.STATISTICS, type: TType.Struct, value: statistics },
          { id: CM.ENCODING_STATS, type: TType.List, value: { kind: "list", elementType: TType.Struct, items: encodingStats } satisfies ThriftList },
          ...(sizeStatistics.fields.length > 0 ? [{ id: CM.SIZE_STATISTICS, type: TType.Struct, value: sizeStatistics }] : []),
        ]);
        const chunk = new ThriftStruct([
          { id: CC.FILE_OFFSET, type: TType.I64, value: 0n },
          { id: CC.META, type: TType.Struct, value: meta },
        ]);
        let at = dataOffset;
        const locations = pages.map((p) => {
          const location = new ThriftStruct([
            { id: PL.OFFSET, type: TType.I64, value: BigInt(at) },
            { id: PL.COMPRESSED_SIZE, type: TType.I32, value: p.bytes.length },
            { id: PL.FIRST_ROW, type: TType.I64, value: BigInt(p.firstRow) },
          ]);
          at += p.bytes.length;
          return location;
        });
        const offsetIndex = new ThriftStruct([
          { id: OI.PAGE_LOCATIONS, type: TType.List, value: { kind: "list", elementType: TType.Struct, items: locations } },
          ...(byteArray ? [{ id: OI.UNENCODED_BYTE_ARRAY_BYTES, type: TType.List, value: i64List(pages.map((p) => p.unencodedBytes)) }] : []),
        ]);
        return { chunk, columnIndex, offsetIndex };
      },
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

function i64List(values: number[]): ThriftList {
  return { kind: "list", elementType: TType.I64, items: values.map((v) => BigInt(v)) };
}

function binaryList(values: Uint8Array[]): ThriftList {
  return { kind: "list", elementType: TType.Binary, items: values };
}

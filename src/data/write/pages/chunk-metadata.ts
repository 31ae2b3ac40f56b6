/**
 * What a column chunk's footer entry and page index say about its pages:
 * ColumnMetaData (encodings, sizes, offsets, statistics, encoding and size
 * statistics), the ColumnIndex (each page's bounds, null count, level
 * histograms, the boundary order) and the OffsetIndex (each page's place
 * and first row) — the fields arrow-rs writes, computed its way.
 */
import { ThriftStruct, TType, type ThriftList } from "../../model/thrift.js";
import { BoundaryOrder, CC, CI, CM, Encoding, OI, PES, PL, PageType, Physical, SS, ST } from "./format.js";
import type { Leaf } from "./leaf.js";
import { type Compare, truncateMax, truncateMin } from "./statistics.js";

/** A data page as written, with what the metadata needs of it. */
export interface WrittenPage {
  /** Header and compressed body. */
  bytes: Uint8Array;
  uncompressedSize: number;
  /** Index of its first record in the chunk. */
  firstRow: number;
  /** Records (rows) in the page. */
  rows: number;
  /** Values (triplets) in the page, and how many of them are null. */
  values: number;
  nulls: number;
  dictionary: boolean;
  /** Plain-encoded bounds; null for a page without values, or of NaNs only. */
  bounds: { min: Uint8Array; max: Uint8Array } | null;
  unencodedBytes: number;
  /** Triplets per definition level (0..maxDef) and per repetition level (0..maxRep). */
  defHistogram: number[];
  repHistogram: number[];
}

export interface ChunkMetadata {
  chunk: ThriftStruct;
  /** Absent when a page with values has no bounds (NaNs only): arrow-rs writes no column index then. */
  columnIndex: ThriftStruct | undefined;
  offsetIndex: ThriftStruct;
}

function i64List(values: number[]): ThriftList {
  return { kind: "list", elementType: TType.I64, items: values.map((v) => BigInt(v)) };
}

function binaryList(values: Uint8Array[]): ThriftList {
  return { kind: "list", elementType: TType.Binary, items: values };
}

function sumHistograms(pages: WrittenPage[], which: "defHistogram" | "repHistogram"): number[] {
  const total = pages[0]![which].map(() => 0);
  for (const page of pages) page[which].forEach((n, level) => (total[level]! += n));
  return total;
}

/**
 * The metadata of a chunk of `pages` (after its dictionary page, if any)
 * written at `offset` with codec `codec`; `compare` orders plain-encoded
 * values of the leaf's type.
 */
export function chunkMetadata(
  leaf: Leaf,
  codec: number,
  compare: Compare,
  pages: WrittenPage[],
  dictionaryPage: { bytes: Uint8Array; uncompressedSize: number } | null,
  offset: number,
): ChunkMetadata {
  const byteArray = leaf.physical === Physical.BYTE_ARRAY;
  // arrow-rs truncates the bounds of strings and binaries (not of float16 or decimals).
  const truncate = (bytes: Uint8Array, side: "min" | "max") =>
    byteArray ? (side === "min" ? truncateMin(bytes, leaf.utf8) : truncateMax(bytes, leaf.utf8)) : { bytes, exact: true };
  const nulls = pages.reduce((n, p) => n + p.nulls, 0);
  const values = pages.reduce((n, p) => n + p.values, 0);
  const dictionaryPages = pages.filter((p) => p.dictionary).length;

  // Chunk bounds from the pages' bounds; the boundary order over the pages that have bounds.
  let min: Uint8Array | null = null;
  let max: Uint8Array | null = null;
  let ascending = true;
  let descending = true;
  let indexValid = true;
  let last: { min: Uint8Array; max: Uint8Array } | null = null;
  for (const page of pages) {
    const b = page.bounds;
    if (!b) {
      if (page.nulls < page.values) indexValid = false;
      continue;
    }
    if (min === null || compare(b.min, min) < 0) min = b.min;
    if (max === null || compare(b.max, max) > 0) max = b.max;
    if (last) {
      if (compare(last.min, b.min) > 0 || compare(last.max, b.max) > 0) ascending = false;
      if (compare(b.min, last.min) > 0 || compare(b.max, last.max) > 0) descending = false;
    }
    last = b;
  }

  const statistics = new ThriftStruct();
  if (min !== null && max !== null) {
    const lo = truncate(min, "min");
    const hi = truncate(max, "max");
    if (leaf.sortOrder === "signed") {
      // The deprecated fields, for readers that predate min_value/max_value: signed orders only.
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

  const encodingStats: ThriftStruct[] = [];
  const pageStats = (type: number, encoding: number, count: number) =>
    new ThriftStruct([
      { id: PES.PAGE_TYPE, type: TType.I32, value: type },
      { id: PES.ENCODING, type: TType.I32, value: encoding },
      { id: PES.COUNT, type: TType.I32, value: count },
    ]);
  if (dictionaryPages > 0) encodingStats.push(pageStats(PageType.DATA_PAGE, Encoding.RLE_DICTIONARY, dictionaryPages), pageStats(PageType.DICTIONARY_PAGE, Encoding.PLAIN, 1));
  if (dictionaryPages < pages.length) encodingStats.push(pageStats(PageType.DATA_PAGE, Encoding.PLAIN, pages.length - dictionaryPages));

  const sizeStatistics = new ThriftStruct();
  if (byteArray) sizeStatistics.set(SS.UNENCODED_BYTE_ARRAY_BYTES, TType.I64, BigInt(pages.reduce((n, p) => n + p.unencodedBytes, 0)));
  if (leaf.maxRep > 0) sizeStatistics.set(SS.REPETITION_HISTOGRAM, TType.List, i64List(sumHistograms(pages, "repHistogram")));
  if (leaf.maxDef > 0) sizeStatistics.set(SS.DEFINITION_HISTOGRAM, TType.List, i64List(sumHistograms(pages, "defHistogram")));

  const columnIndex = indexValid
    ? new ThriftStruct([
        // A null page holds no value at all.
        { id: CI.NULL_PAGES, type: TType.List, value: { kind: "list", elementType: TType.True, items: pages.map((p) => p.nulls === p.values) } },
        { id: CI.MIN_VALUES, type: TType.List, value: binaryList(pages.map((p) => (p.bounds ? truncate(p.bounds.min, "min").bytes : new Uint8Array(0)))) },
        { id: CI.MAX_VALUES, type: TType.List, value: binaryList(pages.map((p) => (p.bounds ? truncate(p.bounds.max, "max").bytes : new Uint8Array(0)))) },
        { id: CI.BOUNDARY_ORDER, type: TType.I32, value: ascending ? BoundaryOrder.ASCENDING : descending ? BoundaryOrder.DESCENDING : BoundaryOrder.UNORDERED },
        { id: CI.NULL_COUNTS, type: TType.List, value: i64List(pages.map((p) => p.nulls)) },
        ...(leaf.maxRep > 0 ? [{ id: CI.REPETITION_HISTOGRAMS, type: TType.List, value: i64List(pages.flatMap((p) => p.repHistogram)) }] : []),
        ...(leaf.maxDef > 0 ? [{ id: CI.DEFINITION_HISTOGRAMS, type: TType.List, value: i64List(pages.flatMap((p) => p.defHistogram)) }] : []),
      ])
    : undefined;

  const byteLength = (dictionaryPage?.bytes.length ?? 0) + pages.reduce((n, p) => n + p.bytes.length, 0);
  const uncompressed = (dictionaryPage?.uncompressedSize ?? 0) + pages.reduce((n, p) => n + p.uncompressedSize, 0);
  const dataOffset = offset + (dictionaryPage?.bytes.length ?? 0);
  const meta = new ThriftStruct([
    { id: CM.TYPE, type: TType.I32, value: leaf.physical },
    { id: CM.ENCODINGS, type: TType.List, value: { kind: "list", elementType: TType.I32, items: [Encoding.PLAIN, Encoding.RLE, ...(dictionaryPages > 0 ? [Encoding.RLE_DICTIONARY] : [])] } },
    { id: CM.PATH, type: TType.List, value: binaryList(leaf.path.map((p) => new TextEncoder().encode(p))) },
    { id: CM.CODEC, type: TType.I32, value: codec },
    { id: CM.NUM_VALUES, type: TType.I64, value: BigInt(values) },
    { id: CM.TOTAL_UNCOMPRESSED, type: TType.I64, value: BigInt(uncompressed) },
    { id: CM.TOTAL_COMPRESSED, type: TType.I64, value: BigInt(byteLength) },
    { id: CM.DATA_PAGE, type: TType.I64, value: BigInt(dataOffset) },
    ...(dictionaryPage ? [{ id: CM.DICTIONARY_PAGE, type: TType.I64, value: BigInt(offset) }] : []),
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
}

/**
 * Random access to a Parquet file by row group, column and page range, so a
 * file is read in pieces of bounded size whatever its row groups' size.
 *
 * The footer is decoded here (../../model/thrift.ts): schema tree, row groups, column
 * chunk statistics. Page boundaries come from the offset index when the file
 * has one, else from the page headers (read one by one, a few hundred bytes
 * each). A piece of one column — its dictionary page and the data pages
 * covering some rows — is decoded by parquet-wasm as a small Parquet file of
 * its own (`readParquet` on "PAR1" + those pages + a footer describing only
 * that column and those rows, with the column's Arrow type as the
 * `ARROW:schema` hint), then read through the C Data Interface
 * (./ffi.ts). So WebAssembly memory holds one piece at a time, not a
 * decoded row group (parquet-wasm's own async reader decodes a whole row
 * group before it yields its first batch).
 *
 * Rows of a column can only be cut where its pages start: a top-level column
 * with several leaves (a struct) is cut where all its leaves' pages start,
 * and a repeated leaf (lists) whose pages do not say how many rows they hold
 * (version 1 data pages without an offset index) is read a whole column chunk
 * at a time.
 */
import { type FileHandle, open } from "node:fs/promises";
import * as arrow from "apache-arrow";
import * as parquet from "parquet-wasm/node";
import { encodeArrowSchema } from "../../model/arrow-schema.js";
import { TType, type ThriftField, type ThriftList, ThriftStruct, decodeStruct, encodeStruct } from "../../model/thrift.js";
import { WasmView, batchColumns, checkSchema } from "./ffi.js";
import type { ByteRange } from "../source.js";

// Field ids of parquet.thrift.
const FM_VERSION = 1;
const FM_SCHEMA = 2;
const FM_NUM_ROWS = 3;
const FM_ROW_GROUPS = 4;
const FM_KEY_VALUE = 5;
const FM_CREATED_BY = 6;
const SE_REPETITION = 3;
const SE_NAME = 4;
const SE_NUM_CHILDREN = 5;
const RG_COLUMNS = 1;
const RG_TOTAL_BYTE_SIZE = 2;
const RG_NUM_ROWS = 3;
const CC_FILE_PATH = 1;
const CC_FILE_OFFSET = 2;
const CC_META = 3;
const CC_OFFSET_INDEX_OFFSET = 4;
const CC_OFFSET_INDEX_LENGTH = 5;
const CM_TYPE = 1;
const CM_ENCODINGS = 2;
const CM_PATH = 3;
const CM_CODEC = 4;
const CM_NUM_VALUES = 5;
const CM_TOTAL_UNCOMPRESSED = 6;
const CM_TOTAL_COMPRESSED = 7;
const CM_DATA_PAGE = 9;
const CM_DICTIONARY_PAGE = 11;
const CM_STATISTICS = 12;
const CM_SIZE_STATISTICS = 16;
const ST_NULL_COUNT = 3;
const SS_UNENCODED_BYTE_ARRAY_BYTES = 1;
const KV_KEY = 1;
const KV_VALUE = 2;
const PH_TYPE = 1;
const PH_UNCOMPRESSED = 2;
const PH_COMPRESSED = 3;
const PH_DATA = 5;
const PH_DATA_V2 = 8;
const DP_NUM_VALUES = 1;
const DP2_NUM_VALUES = 1;
const DP2_NUM_ROWS = 3;
const OI_PAGE_LOCATIONS = 1;
const PL_OFFSET = 1;
const PL_SIZE = 2;
const PL_FIRST_ROW = 3;
const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;
const PAGE_DATA_V2 = 3;
const REPEATED = 2;
const REQUIRED = 0;

const MAGIC = Buffer.from("PAR1");

export interface Leaf {
  /** Index among the file's leaf columns (= in a row group's column list). */
  index: number;
  maxRepetition: number;
  maxDefinition: number;
}

/** A top-level column: its schema subtree and its leaf columns. */
export interface TopField {
  name: string;
  /** Its schema elements, in the footer's (pre-)order. */
  elements: ThriftStruct[];
  leaves: Leaf[];
  /** One leaf, the field itself, not repeated: a value per row. */
  flat: boolean;
}

export interface RowGroup {
  /** Index among the file's row groups. */
  index: number;
  rows: number;
  /** Row of the file where it starts. */
  firstRow: number;
  /** Byte of the file where its first page is (rowGroupStart). */
  start: number;
  /** Uncompressed bytes, as the footer says. */
  totalByteSize: number;
  columns: ThriftStruct[];
}

interface Page {
  offset: number;
  /** Bytes, header included. */
  size: number;
  firstRow: number;
  rows: number;
  /** Levels (values with nulls) the page holds, when known. */
  values: number | undefined;
  uncompressed: number | undefined;
}

interface ChunkPages {
  dictionary: { offset: number; size: number; uncompressed: number | undefined } | undefined;
  pages: Page[];
}

/** Where a piece of a field starts and ends, and which pages of each leaf hold it. */
interface Window {
  start: number;
  end: number;
  leaves: { chunk: ChunkPages; first: number; last: number }[];
}

export class ParquetFileError extends Error {}

export class ParquetFile {
  /** Rows of the row groups read (`rowGroups`). */
  readonly rows: number;
  /** The row groups read: all of the file's, or those of the piece it was opened with. */
  readonly rowGroups: RowGroup[];
  /** All of the file's row groups. */
  readonly fileRowGroups: RowGroup[];
  readonly fields: TopField[];
  private readonly pageCache = new Map<string, ChunkPages>();
  /** `ARROW:schema` hints already encoded, by type and field name (pieces of a column all use the same). */
  private readonly hints = new Map<arrow.DataType, Map<string, string>>();
  private schemaRoot: ThriftStruct;

  private constructor(
    private readonly handle: FileHandle,
    /** Bytes in the file. */
    readonly size: number,
    private readonly meta: ThriftStruct,
    private readonly footer: Uint8Array,
    piece: ByteRange | undefined,
  ) {
    const fileRows = num(meta.int(FM_NUM_ROWS) ?? 0n);
    const elements = (meta.list(FM_SCHEMA)?.items ?? []) as ThriftStruct[];
    if (elements.length === 0) throw new ParquetFileError("the footer has no schema");
    this.schemaRoot = elements[0]!;
    this.fields = topFields(elements);
    const leafCount = this.fields.reduce((n, f) => n + f.leaves.length, 0);
    let firstRow = 0;
    this.fileRowGroups = ((meta.list(FM_ROW_GROUPS)?.items ?? []) as ThriftStruct[]).map((rg, index) => {
      const columns = (rg.list(RG_COLUMNS)?.items ?? []) as ThriftStruct[];
      if (columns.length !== leafCount) throw new ParquetFileError(`row group ${index} has ${columns.length} columns, the schema ${leafCount}`);
      const rows = num(rg.int(RG_NUM_ROWS) ?? 0n);
      const out = { index, rows, firstRow, start: rowGroupStart(rg), totalByteSize: num(rg.int(RG_TOTAL_BYTE_SIZE) ?? 0n), columns };
      firstRow += rows;
      return out;
    });
    if (firstRow !== fileRows) throw new ParquetFileError(`the file says it holds ${fileRows} rows but its row groups hold ${firstRow}`);
    this.rowGroups = piece ? this.fileRowGroups.filter((rg) => inRange(rg.start, piece)) : this.fileRowGroups;
    this.rows = piece ? this.rowGroups.reduce((n, rg) => n + rg.rows, 0) : fileRows;
  }

  /**
   * Opens `path` and decodes its footer; I/O errors are thrown as they are, a
   * bad footer as ParquetFileError. With `piece`, only the row groups starting
   * in those bytes are read (a prepare job's piece of a big file, ../pieces.ts).
   */
  static async open(path: string, piece?: ByteRange): Promise<ParquetFile> {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      if (size < 12) throw new ParquetFileError("too short");
      const tail = await readAt(handle, size - 8, 8);
      if (!tail.subarray(4).equals(MAGIC)) throw new ParquetFileError(tail.subarray(4).equals(Buffer.from("PARE")) ? "encrypted footer" : "no PAR1 footer");
      const length = tail.readUInt32LE(0);
      if (length + 12 > size) throw new ParquetFileError("footer length past the start of the file");
      const footer = await readAt(handle, size - 8 - length, length);
      let meta: ThriftStruct;
      try {
        meta = decodeStruct(footer).struct;
      } catch (e) {
        throw new ParquetFileError(`bad footer: ${(e as Error).message}`);
      }
      return new ParquetFile(handle, size, meta, footer, piece);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  /** A key of the footer's key-value metadata (the last one when repeated). */
  keyValue(key: string): string | undefined {
    let value: string | undefined;
    for (const kv of (this.meta.list(FM_KEY_VALUE)?.items ?? []) as ThriftStruct[]) {
      const k = kv.get(KV_KEY);
      const v = kv.get(KV_VALUE);
      if (k instanceof Uint8Array && Buffer.from(k).toString() === key) value = v instanceof Uint8Array ? Buffer.from(v).toString() : undefined;
    }
    return value;
  }

  /** The file's Arrow schema as arrow-rs (parquet-wasm) derives it from the footer. */
  arrowSchema(): parquet.Schema {
    const bytes = Buffer.alloc(this.footer.length + 12);
    MAGIC.copy(bytes, 0);
    bytes.set(this.footer, 4);
    bytes.writeUInt32LE(this.footer.length, this.footer.length + 4);
    MAGIC.copy(bytes, this.footer.length + 8);
    return parquet.readSchema(bytes);
  }

  /** The column chunk of a leaf in a row group. */
  private chunkMeta(rg: RowGroup, leaf: Leaf): { chunk: ThriftStruct; meta: ThriftStruct } {
    const chunk = rg.columns[leaf.index]!;
    const meta = chunk.struct(CC_META);
    if (!meta) throw new ParquetFileError(`row group ${rg.index}, column ${leaf.index}: no column metadata`);
    if (chunk.get(CC_FILE_PATH) !== undefined) throw new ParquetFileError("column chunks stored in other files are not supported");
    return { chunk, meta };
  }

  /** Nulls of a flat leaf in each row group, from the column chunk statistics; undefined when a chunk does not say. */
  nullCounts(field: TopField): number[] | undefined {
    const leaf = field.leaves[0]!;
    if (leaf.maxDefinition === 0) return this.rowGroups.map(() => 0);
    const counts: number[] = [];
    for (const rg of this.rowGroups) {
      const n = this.chunkMeta(rg, leaf).meta.struct(CM_STATISTICS)?.int(ST_NULL_COUNT);
      if (n === undefined) return undefined;
      counts.push(num(n));
    }
    return counts;
  }

  /** Bytes of a flat byte-array leaf's values over the file, from the size statistics; undefined when a chunk does not say. */
  byteArrayBytes(field: TopField): number | undefined {
    let bytes = 0;
    for (const rg of this.rowGroups) {
      const n = this.chunkMeta(rg, field.leaves[0]!).meta.struct(CM_SIZE_STATISTICS)?.int(SS_UNENCODED_BYTE_ARRAY_BYTES);
      if (n === undefined) return undefined;
      bytes += num(n);
    }
    return bytes;
  }

  /** Forgets the page lists of a row group (when reading has moved past it). */
  forget(rg: RowGroup): void {
    for (const key of this.pageCache.keys()) if (key.startsWith(`${rg.index}:`)) this.pageCache.delete(key);
  }

  /** The pages of a leaf's column chunk in a row group, with the rows each holds. */
  private async pages(rg: RowGroup, leaf: Leaf): Promise<ChunkPages> {
    const key = `${rg.index}:${leaf.index}`;
    const known = this.pageCache.get(key);
    if (known) return known;
    const { chunk, meta } = this.chunkMeta(rg, leaf);
    const start = chunkStart(meta);
    const end = start + num(meta.int(CM_TOTAL_COMPRESSED) ?? 0n);
    if (start < 4 || end > this.size || end < start) throw new ParquetFileError(`row group ${rg.index}, column ${leaf.index}: column chunk outside the file`);
    let result: ChunkPages | undefined;
    const indexOffset = chunk.int(CC_OFFSET_INDEX_OFFSET);
    const indexLength = chunk.int(CC_OFFSET_INDEX_LENGTH);
    if (indexOffset !== undefined && indexLength !== undefined) result = await this.pagesFromIndex(rg, start, end, num(indexOffset), num(indexLength));
    result ??= await this.pagesFromHeaders(rg, leaf, start, end);
    this.pageCache.set(key, result);
    return result;
  }

  private async pagesFromIndex(rg: RowGroup, start: number, end: number, offset: number, length: number): Promise<ChunkPages | undefined> {
    if (offset < 4 || offset + length > this.size) return undefined;
    const index = decodeStruct(await readAt(this.handle, offset, length)).struct;
    const locations = (index.list(OI_PAGE_LOCATIONS)?.items ?? []) as ThriftStruct[];
    const pages: Page[] = locations.map((l) => ({
      offset: num(l.int(PL_OFFSET) ?? -1n),
      size: num(l.int(PL_SIZE) ?? -1n),
      firstRow: num(l.int(PL_FIRST_ROW) ?? -1n),
      rows: 0,
      values: undefined,
      uncompressed: undefined,
    }));
    for (const [i, p] of pages.entries()) p.rows = (pages[i + 1]?.firstRow ?? rg.rows) - p.firstRow;
    // Trust it only when it is consistent: contiguous pages inside the chunk, rows from 0 to the row group's end.
    if (pages.length === 0 || pages[0]!.firstRow !== 0 || pages.some((p) => p.rows < 0 || p.size <= 0)) return undefined;
    for (const [i, p] of pages.entries()) {
      const next = pages[i + 1]?.offset ?? end;
      if (p.offset + p.size !== next) return undefined;
    }
    if (pages[0]!.offset < start) return undefined;
    const dictionary = pages[0]!.offset > start ? { offset: start, size: pages[0]!.offset - start, uncompressed: undefined } : undefined;
    return { dictionary, pages };
  }

  private async pagesFromHeaders(rg: RowGroup, leaf: Leaf, start: number, end: number): Promise<ChunkPages> {
    let dictionary: ChunkPages["dictionary"];
    const pages: Page[] = [];
    let rowsKnown = true;
    let row = 0;
    for (let at = start; at < end; ) {
      const { header, length } = await this.pageHeader(at, end);
      const size = length + num(header.int(PH_COMPRESSED) ?? -1n);
      if (size <= length || at + size > end) throw new ParquetFileError(`row group ${rg.index}, column ${leaf.index}: bad page header at byte ${at}`);
      const type = Number(header.int(PH_TYPE) ?? -1n);
      const uncompressed = length + num(header.int(PH_UNCOMPRESSED) ?? 0n);
      if (type === PAGE_DICTIONARY && pages.length === 0 && !dictionary) dictionary = { offset: at, size, uncompressed };
      else {
        let rows: number | undefined;
        let values: number | undefined;
        if (type === PAGE_DATA) {
          values = num(header.struct(PH_DATA)?.int(DP_NUM_VALUES) ?? -1n);
          if (leaf.maxRepetition === 0) rows = values;
        } else if (type === PAGE_DATA_V2) {
          values = num(header.struct(PH_DATA_V2)?.int(DP2_NUM_VALUES) ?? -1n);
          rows = num(header.struct(PH_DATA_V2)?.int(DP2_NUM_ROWS) ?? -1n);
        }
        if (rows === undefined || rows < 0) rowsKnown = false;
        pages.push({ offset: at, size, firstRow: row, rows: rows ?? 0, values, uncompressed });
        row += rows ?? 0;
      }
      at += size;
    }
    if (!rowsKnown || row !== rg.rows || pages.length === 0) {
      // Rows per page unknown: the chunk is one piece.
      const first = pages[0]?.offset ?? end;
      const values = pages.every((p) => p.values !== undefined) ? pages.reduce((n, p) => n + p.values!, 0) : undefined;
      const uncompressed = pages.every((p) => p.uncompressed !== undefined) ? pages.reduce((n, p) => n + p.uncompressed!, 0) : undefined;
      return { dictionary, pages: [{ offset: first, size: end - first, firstRow: 0, rows: rg.rows, values, uncompressed }] };
    }
    return { dictionary, pages };
  }

  /** The page header at `at` (page headers are small; longer reads only for long statistics). */
  private async pageHeader(at: number, end: number): Promise<{ header: ThriftStruct; length: number }> {
    for (let want = 512; ; want *= 4) {
      const bytes = await readAt(this.handle, at, Math.min(want, end - at));
      try {
        const { struct, end: length } = decodeStruct(bytes);
        return { header: struct, length };
      } catch (e) {
        if (bytes.length >= end - at || want > 64 * 1024 * 1024) throw new ParquetFileError(`bad page header at byte ${at}: ${(e as Error).message}`);
      }
    }
  }

  /**
   * The smallest piece of `field` in row group `rg` that holds rows [from, to)
   * and starts and ends where every leaf has a page boundary.
   */
  async window(rg: RowGroup, field: TopField, from: number, to: number): Promise<Window> {
    const chunks = await Promise.all(field.leaves.map((leaf) => this.pages(rg, leaf)));
    let start = from;
    let end = Math.max(to, from + 1);
    for (let changed = true; changed; ) {
      changed = false;
      for (const chunk of chunks) {
        const first = chunk.pages[pageAt(chunk.pages, start)]!;
        if (first.firstRow < start) {
          start = first.firstRow;
          changed = true;
        }
        const last = chunk.pages[pageAt(chunk.pages, end - 1)]!;
        if (last.firstRow + last.rows > end) {
          end = last.firstRow + last.rows;
          changed = true;
        }
      }
    }
    return {
      start,
      end,
      leaves: chunks.map((chunk) => ({ chunk, first: pageAt(chunk.pages, start), last: pageAt(chunk.pages, end - 1) })),
    };
  }

  /**
   * Decodes rows [window.start + skip, window.start + skip + rows) of a window
   * of `field` (of Arrow type `type`) in batches of `batchRows`, and hands
   * each batch's exported array to `use` (valid only during the call: the
   * wasm data is freed after). Batches keep WebAssembly memory small: one
   * batch-sized buffer per column rather than one growing to the window.
   */
  async decode<T>(
    rg: RowGroup,
    field: TopField,
    type: arrow.DataType,
    window: Window,
    part: { skip: number; rows: number; batchRows: number },
    use: (m: WasmView, array: number, length: number) => T,
  ): Promise<T[]> {
    const bytes = await this.piece(rg, field, type, window);
    const options: parquet.ReaderOptions = { batchSize: Math.max(1, part.batchRows) };
    if (part.skip > 0) options.offset = part.skip;
    if (part.skip + part.rows < window.end - window.start) options.limit = part.rows;
    const table = parquet.readParquet(bytes, options);
    const ffi = table.intoFFI();
    try {
      const batches = ffi.numArrays();
      const addrs: number[] = [];
      for (let i = 0; i < batches; i++) addrs.push(ffi.arrayAddr(i));
      const schemaAddr = ffi.schemaAddr();
      const m = new WasmView(parquet.wasmMemory().buffer);
      const out: T[] = [];
      let rows = 0;
      for (const addr of addrs) {
        const { arrays, schemas, length } = batchColumns(m, addr, schemaAddr);
        if (arrays.length !== 1) throw new ParquetFileError(`decoded ${arrays.length} columns for 1`);
        if (out.length === 0) checkSchema(m, schemas[0]!, type, field.name);
        out.push(use(m, arrays[0]!, length));
        rows += length;
      }
      if (rows !== part.rows) throw new ParquetFileError(`decoded ${rows} rows of column '${field.name}' where ${part.rows} were expected`);
      return out;
    } finally {
      ffi.free();
    }
  }

  /** The bytes of a one-column Parquet file holding `window`'s pages. */
  private async piece(rg: RowGroup, field: TopField, type: arrow.DataType, window: Window): Promise<Uint8Array> {
    const parts = window.leaves.map(({ chunk, first, last }) => {
      const pages = chunk.pages.slice(first, last + 1);
      const from = pages[0]!.offset;
      const to = pages[pages.length - 1]!.offset + pages[pages.length - 1]!.size;
      return { chunk, pages, from, to, bytes: (chunk.dictionary?.size ?? 0) + to - from };
    });
    const columns: ThriftStruct[] = [];
    let position = 4;
    for (const [i, part] of parts.entries()) {
      const leaf = field.leaves[i]!;
      const original = this.chunkMeta(rg, leaf).meta;
      const dictionaryAt = part.chunk.dictionary ? position : undefined;
      const dataAt = position + (part.chunk.dictionary?.size ?? 0);
      // Informational for the decoder; as exact as the pages tell.
      const whole = part.pages.length === part.chunk.pages.length;
      const values = part.pages.every((p) => p.values !== undefined)
        ? part.pages.reduce((n, p) => n + p.values!, 0)
        : whole || leaf.maxRepetition > 0
          ? num(original.int(CM_NUM_VALUES) ?? 0n)
          : part.pages.reduce((n, p) => n + p.rows, 0);
      const sizes = [...(part.chunk.dictionary ? [part.chunk.dictionary.uncompressed] : []), ...part.pages.map((p) => p.uncompressed)];
      const uncompressed = sizes.every((u) => u !== undefined) ? sizes.reduce((n: number, u) => n + u!, 0) : part.bytes;
      const meta = new ThriftStruct([
        copyField(original, CM_TYPE),
        copyField(original, CM_ENCODINGS),
        copyField(original, CM_PATH),
        copyField(original, CM_CODEC),
        { id: CM_NUM_VALUES, type: TType.I64, value: BigInt(values) },
        { id: CM_TOTAL_UNCOMPRESSED, type: TType.I64, value: BigInt(uncompressed) },
        { id: CM_TOTAL_COMPRESSED, type: TType.I64, value: BigInt(part.bytes) },
        { id: CM_DATA_PAGE, type: TType.I64, value: BigInt(dataAt) },
        ...(dictionaryAt === undefined ? [] : [{ id: CM_DICTIONARY_PAGE, type: TType.I64, value: BigInt(dictionaryAt) }]),
      ]);
      columns.push(new ThriftStruct([
        { id: CC_FILE_OFFSET, type: TType.I64, value: BigInt(dataAt) },
        { id: CC_META, type: TType.Struct, value: meta },
      ]));
      position += part.bytes;
    }
    const rows = window.end - window.start;
    const root = new ThriftStruct(this.schemaRoot.fields.map((f) => ({ ...f })));
    root.set(SE_NUM_CHILDREN, TType.I32, 1);
    const createdBy = this.meta.field(FM_CREATED_BY);
    const footer = encodeStruct(new ThriftStruct([
      copyField(this.meta, FM_VERSION),
      { id: FM_SCHEMA, type: TType.List, value: { kind: "list", elementType: TType.Struct, items: [root, ...field.elements] } satisfies ThriftList },
      { id: FM_NUM_ROWS, type: TType.I64, value: BigInt(rows) },
      {
        id: FM_ROW_GROUPS,
        type: TType.List,
        value: {
          kind: "list",
          elementType: TType.Struct,
          items: [new ThriftStruct([
            { id: RG_COLUMNS, type: TType.List, value: { kind: "list", elementType: TType.Struct, items: columns } satisfies ThriftList },
            { id: RG_TOTAL_BYTE_SIZE, type: TType.I64, value: BigInt(position) },
            { id: RG_NUM_ROWS, type: TType.I64, value: BigInt(rows) },
          ])],
        } satisfies ThriftList,
      },
      {
        id: FM_KEY_VALUE,
        type: TType.List,
        value: {
          kind: "list",
          elementType: TType.Struct,
          items: [new ThriftStruct([
            { id: KV_KEY, type: TType.Binary, value: Buffer.from("ARROW:schema") },
            { id: KV_VALUE, type: TType.Binary, value: Buffer.from(this.arrowHint(field.name, type)) },
          ])],
        } satisfies ThriftList,
      },
      ...(createdBy ? [{ ...createdBy }] : []),
    ]));
    const out = Buffer.allocUnsafe(position + footer.length + 8);
    MAGIC.copy(out, 0);
    let at = 4;
    for (const part of parts) {
      if (part.chunk.dictionary) {
        await readInto(this.handle, out, at, part.chunk.dictionary.offset, part.chunk.dictionary.size);
        at += part.chunk.dictionary.size;
      }
      await readInto(this.handle, out, at, part.from, part.to - part.from);
      at += part.to - part.from;
    }
    out.set(footer, at);
    out.writeUInt32LE(footer.length, at + footer.length);
    MAGIC.copy(out, at + footer.length + 4);
    return out;
  }

  /** The `ARROW:schema` entry describing one field (arrow-rs then decodes it as that type). */
  private arrowHint(name: string, type: arrow.DataType): string {
    let byName = this.hints.get(type);
    if (!byName) this.hints.set(type, (byName = new Map()));
    let hint = byName.get(name);
    if (hint === undefined) {
      hint = encodeArrowSchema(new arrow.Schema([new arrow.Field(name, type, true)]));
      byName.set(name, hint);
    }
    return hint;
  }
}

function inRange(byte: number, range: ByteRange): boolean {
  return range.start <= byte && byte < range.end;
}

/** Whether a row group (of a footer) starts in `range`: it belongs to that piece of the file. */
export function rowGroupIn(rg: ThriftStruct, range: ByteRange): boolean {
  return inRange(rowGroupStart(rg), range);
}

/** Where a column chunk's first page is: its dictionary page when it has one, else its first data page. */
function chunkStart(meta: ThriftStruct): number {
  const dataOffset = num(meta.int(CM_DATA_PAGE) ?? -1n);
  const dictOffset = meta.int(CM_DICTIONARY_PAGE);
  return dictOffset !== undefined && dictOffset > 0n && num(dictOffset) < dataOffset ? num(dictOffset) : dataOffset;
}

/**
 * Where a row group (of a footer) starts: the first page of its column chunks
 * (-1 when it has none). Pieces of a file are cut there (../pieces.ts).
 */
export function rowGroupStart(rg: ThriftStruct): number {
  let start = -1;
  for (const column of (rg.list(RG_COLUMNS)?.items ?? []) as ThriftStruct[]) {
    const meta = column.struct(CC_META);
    if (!meta) continue;
    const at = chunkStart(meta);
    if (start < 0 || at < start) start = at;
  }
  return start;
}

function copyField(struct: ThriftStruct, id: number): ThriftField {
  const f = struct.field(id);
  if (!f) throw new ParquetFileError(`missing footer field ${id}`);
  return { ...f };
}

/** Index of the page holding `row` (the last page starting at or before it). */
function pageAt(pages: Page[], row: number): number {
  let lo = 0;
  let hi = pages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pages[mid]!.firstRow <= row) lo = mid;
    else hi = mid - 1;
  }
  // Skip pages without rows that start where the next one does.
  while (lo + 1 < pages.length && pages[lo]!.rows === 0 && pages[lo + 1]!.firstRow <= row) lo++;
  return lo;
}

/** The top-level fields of a flattened schema (elements[0] is the root). */
function topFields(elements: ThriftStruct[]): TopField[] {
  const fields: TopField[] = [];
  let leafIndex = 0;
  let at = 1;
  const walk = (depthRep: number, depthDef: number, collect: ThriftStruct[], leaves: Leaf[]): void => {
    const e = elements[at++];
    if (!e) throw new ParquetFileError("the schema ends early");
    collect.push(e);
    const repetition = Number(e.int(SE_REPETITION) ?? BigInt(REQUIRED));
    const rep = depthRep + (repetition === REPEATED ? 1 : 0);
    const def = depthDef + (repetition === REQUIRED ? 0 : 1);
    const children = Number(e.int(SE_NUM_CHILDREN) ?? 0n);
    if (children === 0) leaves.push({ index: leafIndex++, maxRepetition: rep, maxDefinition: def });
    for (let i = 0; i < children; i++) walk(rep, def, collect, leaves);
  };
  const rootChildren = Number(elements[0]!.int(SE_NUM_CHILDREN) ?? 0n);
  for (let i = 0; i < rootChildren; i++) {
    const first = elements[at];
    const collect: ThriftStruct[] = [];
    const leaves: Leaf[] = [];
    walk(0, 0, collect, leaves);
    const name = first?.get(SE_NAME);
    fields.push({
      name: name instanceof Uint8Array ? Buffer.from(name).toString() : "",
      elements: collect,
      leaves,
      flat: collect.length === 1 && leaves.length === 1 && leaves[0]!.maxRepetition === 0,
    });
  }
  return fields;
}

function num(v: bigint): number {
  return Number(v);
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  await readInto(handle, out, 0, offset, length);
  return out;
}

async function readInto(handle: FileHandle, out: Uint8Array, at: number, offset: number, length: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, at + done, length - done, offset + done);
    if (bytesRead === 0) throw new ParquetFileError("unexpected end of file");
    done += bytesRead;
  }
}

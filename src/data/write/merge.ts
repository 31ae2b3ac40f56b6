/**
 * Assembles one Parquet file from Parquet parts by moving bytes rather than
 * re-encoding. A part holds whole row groups, or some of the columns of a
 * row group (the others are in sibling parts). Column chunks are copied in
 * row group and schema order, the page indexes follow (offset indexes
 * rewritten for the new positions), then one footer with every offset
 * shifted.
 *
 * A column chunk's bytes depend only on that column's values and the writer
 * settings, so the result is byte for byte what one writer gives — whatever
 * was encoded where, and whichever worker finished first. That is what lets
 * row groups, and the columns of a row group, be encoded in parallel.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { type ThriftList, ThriftStruct, TType, decodeStruct, encodeStruct } from "../model/thrift.js";

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

// Field ids of parquet.thrift.
const FILE_SCHEMA = 2;
const FILE_NUM_ROWS = 3;
const FILE_ROW_GROUPS = 4;
const SE_NUM_CHILDREN = 5;
const RG_COLUMNS = 1;
const RG_TOTAL_BYTE_SIZE = 2;
const RG_NUM_ROWS = 3;
const RG_FILE_OFFSET = 5;
const RG_TOTAL_COMPRESSED = 6;
const RG_ORDINAL = 7;
const CC_FILE_OFFSET = 2;
const CC_META = 3;
const CC_OFFSET_INDEX_OFFSET = 4;
const CC_OFFSET_INDEX_LENGTH = 5;
const CC_COLUMN_INDEX_OFFSET = 6;
const CC_COLUMN_INDEX_LENGTH = 7;
const CM_TOTAL_UNCOMPRESSED = 6;
const CM_TOTAL_COMPRESSED = 7;
const CM_DATA_PAGE = 9;
const CM_INDEX_PAGE = 10;
const CM_DICTIONARY_PAGE = 11;
const CM_BLOOM_FILTER = 14;
const CM_BLOOM_FILTER_LENGTH = 15;
const OI_PAGE_LOCATIONS = 1;
const PL_OFFSET = 1;

/** Random access to one part. */
export interface PartSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Gives back the memory of a block `read` returned, once it has been written out. */
  release?(bytes: Uint8Array): void;
}

export interface Sink {
  write(bytes: Uint8Array): Promise<void>;
}

/** Bytes [offset, offset + length) of an open file, as a fresh array (an error if the file is shorter). */
export async function readFully(handle: FileHandle, offset: number, length: number, path: string): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  for (let done = 0; done < length; ) {
    const { bytesRead } = await handle.read(out, done, length - done, offset + done);
    if (bytesRead === 0) throw new Error(`unexpected end of ${path} (did it change while the action ran?)`);
    done += bytesRead;
  }
  return out;
}

/** Frees a block read from a file now rather than at the next GC (Node 21+): blocks are fresh copies. */
export function releaseBlock(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (typeof buffer.transfer === "function" && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) buffer.transfer(0);
}

export async function fileSource(path: string): Promise<PartSource & { close(): Promise<void> }> {
  const handle: FileHandle = await open(path, "r");
  const { size } = await handle.stat();
  return {
    size,
    read: (offset, length) => readFully(handle, offset, length, path),
    release: releaseBlock,
    close: () => handle.close(),
  };
}

export function memorySource(bytes: Uint8Array): PartSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

export async function readFooter(source: PartSource): Promise<ThriftStruct> {
  if (source.size < 12) throw new Error("not a Parquet file (too short)");
  const tail = await source.read(source.size - 8, 8);
  const length = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (!equalBytes(tail.subarray(4), MAGIC)) throw new Error("not a Parquet file (no PAR1 footer)");
  const footer = await source.read(source.size - 8 - length, length);
  return decodeStruct(footer).struct;
}

/** An opened part: its source and its footer's row groups. */
export interface Part {
  source: PartSource;
  meta: ThriftStruct;
  rowGroups: ThriftStruct[];
}

/**
 * Reads a part's footer. Bloom filters are not copied: a part that has
 * some is refused, unless `dropBloomFilters` (then the output has none).
 */
export async function openPart(source: PartSource, options: { dropBloomFilters?: boolean } = {}): Promise<Part> {
  const meta = await readFooter(source);
  const rowGroups = (meta.list(FILE_ROW_GROUPS)?.items ?? []) as ThriftStruct[];
  for (const rg of rowGroups)
    for (const column of columnsOf(rg)) {
      const cm = column.struct(CC_META);
      if (cm?.get(CM_BLOOM_FILTER) === undefined) continue;
      if (!options.dropBloomFilters) throw new Error("parts with bloom filters cannot be merged");
      cm.remove(CM_BLOOM_FILTER);
      cm.remove(CM_BLOOM_FILTER_LENGTH);
    }
  return { source, meta, rowGroups };
}

/**
 * One row group of the output: `cells[g]` is row group `rowGroup` of a part
 * holding some top-level fields; `owner[f]` says which cell holds top-level
 * field f (in schema order), and each cell holds its fields in schema order.
 */
export interface RowGroupPlan {
  cells: { part: Part; rowGroup: number }[];
  owner: number[];
}

export function columnsOf(rowGroup: ThriftStruct): ThriftStruct[] {
  return (rowGroup.list(RG_COLUMNS)?.items ?? []) as ThriftStruct[];
}

/** Leaf columns of each top-level field, from a footer's flattened schema. */
export function leavesPerField(meta: ThriftStruct): number[] {
  const elements = (meta.list(FILE_SCHEMA)?.items ?? []) as ThriftStruct[];
  let at = 1;
  const leaves = (): number => {
    const children = Number(elements[at++]?.int(SE_NUM_CHILDREN) ?? 0n);
    if (children === 0) return 1;
    let n = 0;
    for (let i = 0; i < children; i++) n += leaves();
    return n;
  };
  const fields = Number(elements[0]?.int(SE_NUM_CHILDREN) ?? 0n);
  return Array.from({ length: fields }, leaves);
}

/** Where a column chunk starts: its dictionary page if it has one (some writers put 0 there when it has none). */
export function chunkStart(column: ThriftStruct): number {
  const cm = column.struct(CC_META)!;
  const data = Number(cm.int(CM_DATA_PAGE)!);
  const dictionary = cm.int(CM_DICTIONARY_PAGE);
  return dictionary !== undefined && dictionary > 0n && Number(dictionary) < data ? Number(dictionary) : data;
}

function shift(struct: ThriftStruct, id: number, delta: bigint): void {
  const v = struct.int(id);
  if (v !== undefined) struct.set(id, TType.I64, v + delta);
}

export function cloneStruct(struct: ThriftStruct): ThriftStruct {
  return decodeStruct(encodeStruct(struct)).struct;
}

const COPY = 8 * 1024 * 1024;

async function copy(source: PartSource, from: number, length: number, write: (b: Uint8Array) => Promise<void>): Promise<void> {
  for (let at = from; at < from + length; at += COPY) {
    const block = await source.read(at, Math.min(COPY, from + length - at));
    await write(block);
    source.release?.(block);
  }
}

/**
 * Writes one Parquet file into `sink`: `template` gives the footer (schema,
 * key-value metadata, created_by...), `plans` the row groups in order.
 * `editFooter` may change the footer before it is written.
 */
export async function assembleParquet(
  template: ThriftStruct,
  plans: RowGroupPlan[],
  sink: Sink,
  editFooter?: (meta: ThriftStruct) => void,
): Promise<{ bytes: number; rows: bigint }> {
  const leaves = leavesPerField(template);
  let position = 0;
  const write = async (bytes: Uint8Array) => {
    await sink.write(bytes);
    position += bytes.length;
  };
  await write(MAGIC);

  // Column chunks, row group by row group, in schema order.
  interface Placed {
    column: ThriftStruct;
    source: PartSource;
    delta: bigint;
  }
  const placed: Placed[][] = [];
  const rowGroups: ThriftStruct[] = [];
  for (const plan of plans) {
    const next = plan.cells.map(() => 0);
    const columns: Placed[] = [];
    for (const [field, count] of leaves.entries()) {
      const g = plan.owner[field]!;
      const cell = plan.cells[g]!;
      const sourceColumns = columnsOf(cell.part.rowGroups[cell.rowGroup]!);
      for (let l = 0; l < count; l++) {
        const column = cloneStruct(sourceColumns[next[g]!++]!);
        const start = chunkStart(column);
        const length = Number(column.struct(CC_META)!.int(CM_TOTAL_COMPRESSED)!);
        const delta = BigInt(position - start);
        await copy(cell.part.source, start, length, write);
        const cm = column.struct(CC_META)!;
        // Old writers put 0 (or -1) in these offsets to mean "none": moved only when they point into the chunk.
        if (Number(cm.int(CM_DICTIONARY_PAGE) ?? -1n) === start) shift(cm, CM_DICTIONARY_PAGE, delta);
        else cm.remove(CM_DICTIONARY_PAGE);
        if ((cm.int(CM_INDEX_PAGE) ?? 0n) > 0n) shift(cm, CM_INDEX_PAGE, delta);
        else cm.remove(CM_INDEX_PAGE);
        shift(cm, CM_DATA_PAGE, delta);
        // Deprecated; parquet.thrift asks writers for 0 (older parquet-cpp put the chunk's end there).
        if (column.get(CC_FILE_OFFSET) !== undefined) column.set(CC_FILE_OFFSET, TType.I64, 0n);
        columns.push({ column, source: cell.part.source, delta });
      }
    }
    const first = plan.cells[0]!;
    const rg = cloneStruct(first.part.rowGroups[first.rowGroup]!);
    const list = rg.list(RG_COLUMNS)!;
    rg.set(RG_COLUMNS, TType.List, { kind: "list", elementType: list.elementType, items: columns.map((c) => c.column) } satisfies ThriftList);
    if (plan.cells.length > 1) {
      // Totals over all the columns now in the row group, as a single writer computes them.
      const sum = (id: number) => columns.reduce((n, c) => n + c.column.struct(CC_META)!.int(id)!, 0n);
      if (rg.get(RG_TOTAL_BYTE_SIZE) !== undefined) rg.set(RG_TOTAL_BYTE_SIZE, TType.I64, sum(CM_TOTAL_UNCOMPRESSED));
      if (rg.get(RG_TOTAL_COMPRESSED) !== undefined) rg.set(RG_TOTAL_COMPRESSED, TType.I64, sum(CM_TOTAL_COMPRESSED));
    }
    if (rg.get(RG_FILE_OFFSET) !== undefined && columns.length > 0) rg.set(RG_FILE_OFFSET, TType.I64, BigInt(chunkStart(columns[0]!.column)));
    rowGroups.push(rg);
    placed.push(columns);
  }

  // Column indexes hold no offsets: copied as they are.
  for (const columns of placed)
    for (const { column, source } of columns) {
      const offset = column.int(CC_COLUMN_INDEX_OFFSET);
      const length = column.int(CC_COLUMN_INDEX_LENGTH);
      if (offset === undefined || length === undefined) {
        column.remove(CC_COLUMN_INDEX_OFFSET);
        column.remove(CC_COLUMN_INDEX_LENGTH);
        continue;
      }
      column.set(CC_COLUMN_INDEX_OFFSET, TType.I64, BigInt(position));
      await write(await source.read(Number(offset), Number(length)));
    }

  // Offset indexes locate pages: rewritten with their chunk's shift.
  for (const columns of placed)
    for (const { column, source, delta } of columns) {
      const offset = column.int(CC_OFFSET_INDEX_OFFSET);
      const length = column.int(CC_OFFSET_INDEX_LENGTH);
      if (offset === undefined || length === undefined) {
        column.remove(CC_OFFSET_INDEX_OFFSET);
        column.remove(CC_OFFSET_INDEX_LENGTH);
        continue;
      }
      const index = decodeStruct(await source.read(Number(offset), Number(length))).struct;
      for (const location of (index.list(OI_PAGE_LOCATIONS)?.items ?? []) as ThriftStruct[]) shift(location, PL_OFFSET, delta);
      const bytes = encodeStruct(index);
      column.set(CC_OFFSET_INDEX_OFFSET, TType.I64, BigInt(position));
      column.set(CC_OFFSET_INDEX_LENGTH, TType.I32, bytes.length);
      await write(bytes);
    }

  // One footer for all row groups.
  rowGroups.forEach((rg, ordinal) => {
    if (rg.get(RG_ORDINAL) !== undefined) rg.set(RG_ORDINAL, TType.I16, ordinal);
  });
  const rows = rowGroups.reduce((n, rg) => n + (rg.int(RG_NUM_ROWS) ?? 0n), 0n);
  const meta = cloneStruct(template);
  meta.set(FILE_NUM_ROWS, TType.I64, rows);
  const list = meta.list(FILE_ROW_GROUPS) ?? { kind: "list", elementType: TType.Struct, items: [] };
  meta.set(FILE_ROW_GROUPS, TType.List, { kind: "list", elementType: list.elementType, items: rowGroups } satisfies ThriftList);
  editFooter?.(meta);
  const footer = encodeStruct(meta);
  await write(footer);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footer.length, true);
  await write(length);
  await write(MAGIC);
  return { bytes: position, rows };
}

/** assembleParquet into a new file at `path`, hashing as it writes: returns its size and lowercase hex sha256. */
export async function assembleFile(
  path: string,
  template: ThriftStruct,
  plans: RowGroupPlan[],
  editFooter?: (meta: ThriftStruct) => void,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  const out = await open(path, "w");
  try {
    const sink = {
      async write(chunk: Uint8Array) {
        hash.update(chunk);
        await out.write(chunk);
      },
    };
    const { bytes } = await assembleParquet(template, plans, sink, editFooter);
    return { bytes, sha256: hash.digest("hex") };
  } finally {
    await out.close();
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

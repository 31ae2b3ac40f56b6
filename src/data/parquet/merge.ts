/**
 * Joins Parquet files that share one schema into a single file, by moving
 * bytes rather than re-encoding: the parts' column chunks are copied in
 * order, their page indexes follow (offset indexes rewritten for the new
 * positions), then one footer listing every row group with shifted offsets.
 *
 * This is what lets row groups be encoded in parallel (one parquet-wasm
 * instance per worker thread) and still give one deterministic shard: the
 * bytes depend only on the parts, never on which worker finished first.
 */
import { type FileHandle, open } from "node:fs/promises";
import { type ThriftList, ThriftStruct, TType, decodeStruct, encodeStruct } from "./thrift.js";

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

// Field ids of parquet.thrift.
const FILE_NUM_ROWS = 3;
const FILE_ROW_GROUPS = 4;
const FILE_SCHEMA = 2;
const RG_COLUMNS = 1;
const RG_FILE_OFFSET = 5;
const RG_ORDINAL = 7;
const CC_META = 3;
const CC_OFFSET_INDEX_OFFSET = 4;
const CC_OFFSET_INDEX_LENGTH = 5;
const CC_COLUMN_INDEX_OFFSET = 6;
const CC_COLUMN_INDEX_LENGTH = 7;
const CM_TOTAL_COMPRESSED = 7;
const CM_DATA_PAGE = 9;
const CM_INDEX_PAGE = 10;
const CM_DICTIONARY_PAGE = 11;
const CM_BLOOM_FILTER = 14;
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

export async function fileSource(path: string): Promise<PartSource & { close(): Promise<void> }> {
  const handle: FileHandle = await open(path, "r");
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new Error(`unexpected end of ${path}`);
        done += bytesRead;
      }
      return out;
    },
    release(bytes) {
      // Blocks are fresh copies: free them now rather than at the next GC (Node 21+).
      const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
      if (typeof buffer.transfer === "function" && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) buffer.transfer(0);
    },
    close: () => handle.close(),
  };
}

export function memorySource(bytes: Uint8Array): PartSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

interface Part {
  source: PartSource;
  meta: ThriftStruct;
  rowGroups: ThriftStruct[];
  dataEnd: number;
}

export async function readFooter(source: PartSource): Promise<ThriftStruct> {
  if (source.size < 12) throw new Error("not a Parquet file (too short)");
  const tail = await source.read(source.size - 8, 8);
  const length = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (!equalBytes(tail.subarray(4), MAGIC)) throw new Error("not a Parquet file (no PAR1 footer)");
  const footer = await source.read(source.size - 8 - length, length);
  return decodeStruct(footer).struct;
}

function columnsOf(rowGroup: ThriftStruct): ThriftStruct[] {
  return (rowGroup.list(RG_COLUMNS)?.items ?? []) as ThriftStruct[];
}

async function openPart(source: PartSource): Promise<Part> {
  const meta = await readFooter(source);
  const rowGroups = (meta.list(FILE_ROW_GROUPS)?.items ?? []) as ThriftStruct[];
  let dataEnd = 4;
  for (const rg of rowGroups)
    for (const column of columnsOf(rg)) {
      const cm = column.struct(CC_META)!;
      if (cm.get(CM_BLOOM_FILTER) !== undefined) throw new Error("parts with bloom filters cannot be merged");
      const start = Number(cm.int(CM_DICTIONARY_PAGE) ?? cm.int(CM_DATA_PAGE)!);
      dataEnd = Math.max(dataEnd, start + Number(cm.int(CM_TOTAL_COMPRESSED)!));
    }
  return { source, meta, rowGroups, dataEnd };
}

function shift(struct: ThriftStruct, id: number, delta: bigint): void {
  const v = struct.int(id);
  if (v !== undefined) struct.set(id, TType.I64, v + delta);
}

/**
 * Writes the parts, in order, as one Parquet file into `sink`. Every part
 * must have the same schema; key-value metadata and `created_by` are taken
 * from the first part. `editFooter` may change the footer before it is
 * written (e.g. its `ARROW:schema`).
 */
export async function mergeParquet(
  sources: PartSource[],
  sink: Sink,
  editFooter?: (meta: ThriftStruct) => void,
): Promise<{ bytes: number; rows: bigint }> {
  if (sources.length === 0) throw new Error("nothing to merge");
  const parts: Part[] = [];
  for (const s of sources) parts.push(await openPart(s));
  const schema = encodeStruct(new ThriftStruct([parts[0]!.meta.field(FILE_SCHEMA)!]));
  for (const p of parts.slice(1))
    if (!equalBytes(encodeStruct(new ThriftStruct([p.meta.field(FILE_SCHEMA)!])), schema)) throw new Error("parts have different schemas");

  let position = 0;
  const write = async (bytes: Uint8Array) => {
    await sink.write(bytes);
    position += bytes.length;
  };
  await write(MAGIC);

  // Column chunks, part by part, shifted to where they land.
  const deltas: bigint[] = [];
  for (const part of parts) {
    const delta = BigInt(position - 4);
    deltas.push(delta);
    const COPY = 8 * 1024 * 1024;
    for (let at = 4; at < part.dataEnd; at += COPY) {
      const block = await part.source.read(at, Math.min(COPY, part.dataEnd - at));
      await write(block);
      part.source.release?.(block);
    }
    for (const rg of part.rowGroups) {
      shift(rg, RG_FILE_OFFSET, delta);
      for (const column of columnsOf(rg)) {
        const cm = column.struct(CC_META)!;
        shift(cm, CM_DATA_PAGE, delta);
        shift(cm, CM_INDEX_PAGE, delta);
        shift(cm, CM_DICTIONARY_PAGE, delta);
      }
    }
  }

  // Column indexes hold no offsets: copied as they are.
  for (const part of parts)
    for (const rg of part.rowGroups)
      for (const column of columnsOf(rg)) {
        const offset = column.int(CC_COLUMN_INDEX_OFFSET);
        const length = column.int(CC_COLUMN_INDEX_LENGTH);
        if (offset === undefined || length === undefined) continue;
        column.set(CC_COLUMN_INDEX_OFFSET, TType.I64, BigInt(position));
        await write(await part.source.read(Number(offset), Number(length)));
      }

  // Offset indexes locate pages: rewritten with the shift.
  for (const [i, part] of parts.entries())
    for (const rg of part.rowGroups)
      for (const column of columnsOf(rg)) {
        const offset = column.int(CC_OFFSET_INDEX_OFFSET);
        const length = column.int(CC_OFFSET_INDEX_LENGTH);
        if (offset === undefined || length === undefined) continue;
        const index = decodeStruct(await part.source.read(Number(offset), Number(length))).struct;
        for (const location of (index.list(OI_PAGE_LOCATIONS)?.items ?? []) as ThriftStruct[]) shift(location, PL_OFFSET, deltas[i]!);
        const bytes = encodeStruct(index);
        column.set(CC_OFFSET_INDEX_OFFSET, TType.I64, BigInt(position));
        column.set(CC_OFFSET_INDEX_LENGTH, TType.I32, bytes.length);
        await write(bytes);
      }

  // One footer for all row groups.
  const rowGroups = parts.flatMap((p) => p.rowGroups);
  rowGroups.forEach((rg, ordinal) => {
    if (rg.get(RG_ORDINAL) !== undefined) rg.set(RG_ORDINAL, TType.I16, ordinal);
  });
  const rows = parts.reduce((n, p) => n + (p.meta.int(FILE_NUM_ROWS) ?? 0n), 0n);
  const meta = new ThriftStruct(parts[0]!.meta.fields.map((f) => ({ ...f })));
  meta.set(FILE_NUM_ROWS, TType.I64, rows);
  const list = meta.list(FILE_ROW_GROUPS)!;
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

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

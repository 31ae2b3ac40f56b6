/**
 * Shards made of Parquet inputs' row groups, copied byte for byte.
 *
 * When a split's Parquet files already hold the dataset's columns the way a
 * shard stores them, re-encoding them is work for nothing: their column
 * chunks are copied as they are, whole row groups at a time, and given our
 * footer (the dataset's schema,
 * `huggingface` features, `ARROW:schema`). This module checks what only the
 * files' footers can tell: each leaf column has the physical type and
 * repetition our writer would give it, every chunk uses the wanted codec
 * and lives in the file itself, and every row group is small enough for
 * the dataset viewer to read without a page index, or has one (docs/parquet.md#the-dataset-viewer).
 * The caller checks the Arrow types (../read/parquet/parquet.ts).
 *
 * Bloom filters are not copied (Python's writer writes none either).
 */
import { type Compression } from "./properties.js";
import { type FileHandle, open as openFile } from "node:fs/promises";
import {
  type Part,
  type PartSource,
  type RowGroupPlan,
  assembleFile,
  cloneStruct,
  columnsOf,
  fileSource,
  leavesPerField,
  openPart,
  readFully,
} from "./merge.js";
import { ThriftStruct, encodeStruct } from "../model/thrift.js";
import { keyValue, setKeyValue } from "../model/arrow-schema.js";
import { CDC_METADATA_KEY } from "./pages/cdc.js";
import { rowGroupIn } from "../read/parquet/file.js";
import type { ByteRange } from "../read/source.js";

// Field ids and enums of parquet.thrift.
const FILE_SCHEMA = 2;
const FILE_CREATED_BY = 6;
const FILE_COLUMN_ORDERS = 7;
const SE_TYPE = 1;
const SE_TYPE_LENGTH = 2;
const SE_REPETITION = 3;
const SE_NAME = 4;
const SE_NUM_CHILDREN = 5;
const SE_CONVERTED_TYPE = 6;
const SE_SCALE = 7;
const SE_PRECISION = 8;
const SE_LOGICAL_TYPE = 10;
const PHYSICAL_INT32 = 1;
const PHYSICAL_INT64 = 2;
// LogicalType union members and ConvertedType values that mean the same thing.
const LT_STRING = 1;
const LT_DATE = 6;
const LT_INTEGER = 10;
const INT_BIT_WIDTH = 1;
const INT_SIGNED = 2;
const CT_UTF8 = 0;
const CT_DATE = 6;
const CT_INTEGERS: Record<number, string> = { 11: "uint8", 12: "uint16", 13: "uint32", 14: "uint64", 15: "int8", 16: "int16", 17: "int32", 18: "int64" };
const RG_NUM_ROWS = 3;
const CC_FILE_PATH = 1;
const CC_META = 3;
const CC_OFFSET_INDEX_OFFSET = 4;
const CC_CRYPTO = 8;
const CC_ENCRYPTED_META = 9;
const CM_CODEC = 4;
const CM_NUM_VALUES = 5;
const CODECS: Record<Compression, number> = { none: 0, snappy: 1, gzip: 2, zstd: 6 };

export interface CopyInput {
  localPath: string;
  /** The name shown to users. */
  file: string;
  /** Arrow bytes per row of this file (from pass 1), to size its row groups as the viewer will hold them. */
  arrowBytesPerRow: number;
  /** Only the row groups starting in these bytes (a prepare job's piece of the file, as its reader reads it). */
  piece?: ByteRange;
}

export interface CopyOptions {
  compression: Compression;
  /** A row group with more Arrow data than this must have a page index (the viewer's limit; docs/parquet.md#the-dataset-viewer). */
  maxRowGroupBytesWithoutIndex: number;
  editFooter?: (meta: ThriftStruct) => void;
}

/**
 * The footers of all inputs stay decoded in memory while a split is copied
 * (a few kB per column chunk): beyond this many column chunks, the split is
 * re-encoded instead, which holds one file at a time.
 */
const MAX_COLUMN_CHUNKS = 20_000;
/** Input files open at once while a shard is written (many small files must not exhaust descriptors). */
const MAX_OPEN_FILES = 16;

/** A row group of an input, as a shard may take it. */
export interface CopyableRowGroup {
  input: number;
  index: number;
  rows: number;
}

/**
 * The row groups of some Parquet files, checked once, ready to be written
 * as shards of any runs of them. Only footers are kept in memory; a file is
 * open only while a shard that takes from it is written.
 */
export class RowGroupCopier {
  /** Every copied row group's columns come from one part: all fields owned by cell 0. */
  private readonly owner: number[];

  private constructor(
    private readonly inputs: CopyInput[],
    /** Each input's footer and row groups (a Part without its source, which is opened per shard). */
    private readonly footers: Omit<Part, "source">[],
    private readonly footer: ThriftStruct,
    /** The non-empty row groups, in order. */
    readonly rowGroups: CopyableRowGroup[],
    private readonly editFooter: ((meta: ThriftStruct) => void) | undefined,
  ) {
    this.owner = new Array<number>(leavesPerField(footer).length).fill(0);
  }

  /**
   * Reads and checks the footers of `inputs` against `template` (a footer
   * our writer gives an empty file of the dataset's schema): a copier, or
   * why their chunks cannot be used as they are.
   */
  static async open(inputs: CopyInput[], template: ThriftStruct, options: CopyOptions): Promise<RowGroupCopier | { reason: string }> {
    const footers: Omit<Part, "source">[] = [];
    const rowGroups: CopyableRowGroup[] = [];
    let chunks = 0;
    for (const [input, file] of inputs.entries()) {
      const source = await fileSource(file.localPath);
      try {
        const part = await openPart(source, { dropBloomFilters: true });
        const piece = file.piece;
        const copied = (rg: ThriftStruct) => !piece || rowGroupIn(rg, piece);
        const reason = unusable(part, file, template, options, copied);
        if (reason !== undefined) return { reason: `${file.file}: ${reason}` };
        footers.push({ meta: part.meta, rowGroups: part.rowGroups });
        for (const [index, rg] of part.rowGroups.entries()) {
          chunks += columnsOf(rg).length;
          if (rows(rg) > 0 && copied(rg)) rowGroups.push({ input, index, rows: rows(rg) });
        }
      } finally {
        await source.close();
      }
      if (chunks > MAX_COLUMN_CHUNKS) return { reason: `more than ${MAX_COLUMN_CHUNKS} column chunks to copy` };
    }
    // Readers work around known bugs of the writer named in created_by: the copied pages keep theirs.
    const footer = cloneStruct(template);
    for (const id of [FILE_CREATED_BY, FILE_COLUMN_ORDERS]) {
      if (new Set(footers.map((f) => fieldBytes(f.meta, id))).size > 1)
        return { reason: id === FILE_CREATED_BY ? "the files were written by different writers" : "the files' column orders differ" };
      const field = footers[0]?.meta.field(id);
      footer.remove(id);
      if (field) footer.set(id, field.type, field.value);
    }
    // The pages are the inputs': they were chunked by content only if every input says so, with the same options.
    const chunking = new Set(footers.map((f) => keyValue(f.meta, CDC_METADATA_KEY)));
    const [only] = chunking;
    if (chunking.size === 1 && only !== undefined) setKeyValue(footer, CDC_METADATA_KEY, only);
    return new RowGroupCopier(inputs, footers, footer, rowGroups, options.editFooter);
  }

  /** Writes row groups [from, to) of `rowGroups` as one Parquet file at `path`. */
  async write(path: string, from: number, to: number): Promise<{ bytes: number; sha256: string; rows: number }> {
    const picked = this.rowGroups.slice(from, to);
    const files = new OpenFiles(MAX_OPEN_FILES);
    try {
      const parts = new Map<number, Part>();
      const plans: RowGroupPlan[] = picked.map((g) => {
        let part = parts.get(g.input);
        if (!part) parts.set(g.input, (part = { source: files.source(this.inputs[g.input]!.localPath), ...this.footers[g.input]! }));
        return { cells: [{ part, rowGroup: g.index }], owner: this.owner };
      });
      const { bytes, sha256 } = await assembleFile(path, this.footer, plans, this.editFooter);
      return { bytes, sha256, rows: picked.reduce((n, g) => n + g.rows, 0) };
    } finally {
      await files.close();
    }
  }
}

/**
 * Sources that open their file on first read and keep at most `max` files
 * open, closing the least recently read (a shard may take row groups from
 * thousands of small files).
 */
export class OpenFiles {
  private readonly open = new Map<string, FileHandle>();

  constructor(private readonly max: number) {}

  /** Files open now. */
  get count(): number {
    return this.open.size;
  }

  private async handle(path: string): Promise<FileHandle> {
    let handle = this.open.get(path);
    if (handle) this.open.delete(path); // re-inserted below: most recently used last
    else {
      if (this.open.size >= this.max) {
        const [oldest, old] = this.open.entries().next().value as [string, FileHandle];
        this.open.delete(oldest);
        await old.close();
      }
      handle = await openFile(path, "r");
    }
    this.open.set(path, handle);
    return handle;
  }

  source(path: string): PartSource {
    return {
      size: Number.NaN, // not needed: the footer was read when the copier opened
      read: async (offset, length) => readFully(await this.handle(path), offset, length, path),
    };
  }

  async close(): Promise<void> {
    const handles = [...this.open.values()];
    this.open.clear();
    await Promise.all(handles.map((h) => h.close()));
  }
}

/** A footer field as comparable text ("" when absent). */
function fieldBytes(meta: ThriftStruct, id: number): string {
  const field = meta.field(id);
  return field ? Buffer.from(encodeStruct(new ThriftStruct([field]))).toString("hex") : "";
}

function rows(rg: ThriftStruct): number {
  return Number(rg.int(RG_NUM_ROWS) ?? 0n);
}

/** Why `part`'s column chunks (of the row groups `copied` says) cannot go into a file with `template`'s schema as they are (undefined: they can). */
function unusable(part: Part, input: CopyInput, template: ThriftStruct, options: CopyOptions, copied: (rg: ThriftStruct) => boolean): string | undefined {
  const ours = leaves(template);
  const theirs = leaves(part.meta);
  if (ours.length !== theirs.length) return `${theirs.length} leaf columns, the dataset has ${ours.length}`;
  const name = (i: number) => `column '${Buffer.from((theirs[i]!.get(SE_NAME) as Uint8Array | undefined) ?? []).toString()}'`;
  for (const [i, leaf] of theirs.entries()) {
    for (const [id, what] of [
      [SE_TYPE, "physical type"],
      [SE_TYPE_LENGTH, "type length"],
      [SE_REPETITION, "repetition"],
    ] as const)
      if (leaf.int(id) !== ours[i]!.int(id)) return `${name(i)} has another ${what} than the shard would`;
    if (annotationMeaning(leaf) !== annotationMeaning(ours[i]!))
      return `${name(i)} is annotated otherwise than the shard would be (${annotationMeaning(leaf) || "no annotation"})`;
  }
  const writer = Buffer.from((part.meta.get(FILE_CREATED_BY) as Uint8Array | undefined) ?? []).toString();
  if (oldParquetMr(writer)) return `it was written by ${writer}, whose column chunk sizes leave out the dictionary page`;
  const codec = CODECS[options.compression];
  for (const [r, rg] of part.rowGroups.entries()) {
    if (!copied(rg)) continue;
    const columns = columnsOf(rg);
    if (columns.length !== ours.length) return `row group ${r} has ${columns.length} columns`;
    for (const [i, column] of columns.entries()) {
      const cm = column.struct(CC_META);
      if (column.get(CC_FILE_PATH) !== undefined) return "its column chunks are stored in other files";
      if (!cm || column.get(CC_CRYPTO) !== undefined || column.get(CC_ENCRYPTED_META) !== undefined) return "its columns are encrypted";
      if (Number(cm.int(CM_CODEC) ?? -1n) !== codec) return `its pages are not compressed with ${options.compression}`;
      // Flat columns hold a value (or null) per row: a footer saying otherwise is not copied as it is.
      if (cm.int(CM_NUM_VALUES) !== rg.int(RG_NUM_ROWS)) return `row group ${r}, ${name(i)}: ${cm.int(CM_NUM_VALUES)} values for ${rows(rg)} rows`;
    }
    if (rows(rg) * input.arrowBytesPerRow > options.maxRowGroupBytesWithoutIndex && columns.some((c) => c.get(CC_OFFSET_INDEX_OFFSET) === undefined))
      return `row group ${r} (${rows(rg)} rows) is too large for the dataset viewer without a page index`;
  }
  return undefined;
}

/** parquet-mr up to 1.2.8 left the dictionary page out of a chunk's total_compressed_size (PARQUET-816). */
function oldParquetMr(createdBy: string): boolean {
  const m = /^parquet-mr version (\d+)\.(\d+)\.(\d+)/.exec(createdBy);
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return major < 1 || (major === 1 && (minor < 2 || (minor === 2 && patch <= 8)));
}

/**
 * What a leaf's type annotations mean, written the same way whether a writer
 * used the logical type, the older converted type, or (for plain signed
 * integers) nothing. Anything else must match exactly: a timestamp's UTC
 * adjustment, for one, is only certain from its logical type.
 */
export function annotationMeaning(leaf: ThriftStruct): string {
  const logical = leaf.struct(SE_LOGICAL_TYPE);
  if (logical) {
    const member = logical.fields[0];
    if (member?.id === LT_STRING) return "string";
    if (member?.id === LT_DATE) return "date";
    if (member?.id === LT_INTEGER && member.value instanceof ThriftStruct)
      return `${member.value.get(INT_SIGNED) ? "" : "u"}int${member.value.int(INT_BIT_WIDTH)}`;
    return `logical ${Buffer.from(encodeStruct(logical)).toString("hex")}`;
  }
  const converted = leaf.int(SE_CONVERTED_TYPE);
  if (converted === undefined) {
    const physical = Number(leaf.int(SE_TYPE) ?? -1n);
    return physical === PHYSICAL_INT32 ? "int32" : physical === PHYSICAL_INT64 ? "int64" : "";
  }
  if (Number(converted) === CT_UTF8) return "string";
  if (Number(converted) === CT_DATE) return "date";
  return CT_INTEGERS[Number(converted)] ?? `converted ${converted} scale ${leaf.int(SE_SCALE)} precision ${leaf.int(SE_PRECISION)}`;
}

/** The schema elements of a footer's leaf columns, in order. */
function leaves(meta: ThriftStruct): ThriftStruct[] {
  const elements = (meta.list(FILE_SCHEMA)?.items ?? []) as ThriftStruct[];
  return elements.slice(1).filter((e) => Number(e.int(SE_NUM_CHILDREN) ?? 0n) === 0);
}

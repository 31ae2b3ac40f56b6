/**
 * A shard made of Parquet inputs' row groups, copied byte for byte.
 *
 * When a split's Parquet files already hold the dataset's columns the way a
 * shard stores them, re-encoding them is work for nothing: the column
 * chunks are copied as they are and given our footer (the dataset's schema,
 * `huggingface` features, `ARROW:schema`). This module checks what only the
 * files' footers can tell: each leaf column has the physical type and
 * repetition our writer would give it, every chunk uses the wanted codec
 * and lives in the file itself, and every row group is small enough for
 * the dataset viewer to read without a page index, or has one (spec §3.7).
 * The caller checks the Arrow types (./../formats/parquet.ts).
 *
 * Bloom filters are not copied (Python's writer writes none either).
 */
import { type Compression } from "./properties.js";
import { type Part, type RowGroupPlan, assembleFile, fileSource, leavesPerField, openPart } from "./merge.js";
import { ThriftStruct, decodeStruct, encodeStruct } from "./thrift.js";

// Field ids and enums of parquet.thrift.
const FILE_SCHEMA = 2;
const FILE_CREATED_BY = 6;
const FILE_COLUMN_ORDERS = 7;
const SE_TYPE = 1;
const SE_TYPE_LENGTH = 2;
const SE_REPETITION = 3;
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
const RG_COLUMNS = 1;
const RG_NUM_ROWS = 3;
const CC_FILE_PATH = 1;
const CC_META = 3;
const CC_OFFSET_INDEX_OFFSET = 4;
const CC_CRYPTO = 8;
const CC_ENCRYPTED_META = 9;
const CM_CODEC = 4;
const CODECS: Record<Compression, number> = { none: 0, snappy: 1, gzip: 2, zstd: 6 };

export interface CopyInput {
  path: string;
  /** The name shown to users. */
  file: string;
}

export interface CopyOptions {
  compression: Compression;
  /** A row group with more rows must have a page index (about 100 MB of Arrow data: see shards.ts). */
  maxRowGroupRowsWithoutIndex: number;
  editFooter?: (meta: ThriftStruct) => void;
}

export type CopyResult = { copied: true; bytes: number; sha256: string; rows: number; rowGroups: number } | { copied: false; reason: string };

/**
 * Writes the row groups of the `inputs` files, in order, as one Parquet file at
 * `path`, with `template`'s footer (a footer our writer gives an empty file
 * of the dataset's schema) — or, if some input's footer says its chunks
 * cannot be used as they are, writes nothing and says why.
 */
export async function copyRowGroups(inputs: CopyInput[], template: ThriftStruct, path: string, options: CopyOptions): Promise<CopyResult> {
  const sources = await Promise.all(inputs.map((input) => fileSource(input.path)));
  try {
    const parts: Part[] = [];
    for (const [i, source] of sources.entries()) {
      const part = await openPart(source, { dropBloomFilters: true });
      const reason = unusable(part, template, options);
      if (reason !== undefined) return { copied: false, reason: `${inputs[i]!.file}: ${reason}` };
      parts.push(part);
    }
    // Readers work around known bugs of the writer named in created_by: the copied pages keep theirs.
    const footer = decodeStruct(encodeStruct(template)).struct;
    for (const id of [FILE_CREATED_BY, FILE_COLUMN_ORDERS]) {
      const values = new Set(parts.map((p) => fieldBytes(p.meta, id)));
      if (values.size > 1) return { copied: false, reason: id === FILE_CREATED_BY ? "the files were written by different writers" : "the files' column orders differ" };
      const field = parts[0]!.meta.field(id);
      footer.fields.splice(0, footer.fields.length, ...footer.fields.filter((f) => f.id !== id));
      if (field) footer.set(id, field.type, field.value);
    }
    const owner = new Array<number>(leavesPerField(footer).length).fill(0);
    const plans: RowGroupPlan[] = [];
    let total = 0;
    for (const part of parts)
      for (const [rowGroup, rg] of part.rowGroups.entries()) {
        if (rows(rg) === 0) continue;
        plans.push({ cells: [{ part, rowGroup }], owner });
        total += rows(rg);
      }
    const { bytes, sha256 } = await assembleFile(path, footer, plans, options.editFooter);
    return { copied: true, bytes, sha256, rows: total, rowGroups: plans.length };
  } finally {
    await Promise.all(sources.map((s) => s.close()));
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

/** Why `part`'s column chunks cannot go into a file with `template`'s schema as they are (undefined: they can). */
function unusable(part: Part, template: ThriftStruct, options: CopyOptions): string | undefined {
  const ours = leaves(template);
  const theirs = leaves(part.meta);
  if (ours.length !== theirs.length) return `${theirs.length} leaf columns, the dataset has ${ours.length}`;
  for (const [i, leaf] of theirs.entries()) {
    for (const [id, what] of [
      [SE_TYPE, "physical type"],
      [SE_TYPE_LENGTH, "type length"],
      [SE_REPETITION, "repetition"],
    ] as const)
      if (leaf.int(id) !== ours[i]!.int(id)) return `column ${i} has another ${what} than the shard would`;
    if (meaning(leaf) !== meaning(ours[i]!)) return `column ${i} is annotated otherwise than the shard would be (${meaning(leaf) || "no annotation"})`;
  }
  const codec = CODECS[options.compression];
  for (const [r, rg] of part.rowGroups.entries()) {
    const columns = (rg.list(RG_COLUMNS)?.items ?? []) as ThriftStruct[];
    if (columns.length !== ours.length) return `row group ${r} has ${columns.length} columns`;
    for (const column of columns) {
      if (column.get(CC_FILE_PATH) !== undefined) return "its column chunks are stored in other files";
      if (column.get(CC_CRYPTO) !== undefined || column.get(CC_ENCRYPTED_META) !== undefined) return "its columns are encrypted";
      if (Number(column.struct(CC_META)?.int(CM_CODEC) ?? -1n) !== codec) return `its pages are not compressed with ${options.compression}`;
    }
    if (rows(rg) > options.maxRowGroupRowsWithoutIndex && columns.some((c) => c.get(CC_OFFSET_INDEX_OFFSET) === undefined))
      return `row group ${r} (${rows(rg)} rows) is too large for the dataset viewer without a page index`;
  }
  return undefined;
}

/**
 * What a leaf's type annotations mean, written the same way whether a writer
 * used the logical type, the older converted type, or (for plain signed
 * integers) nothing. Anything else must match exactly: a timestamp's UTC
 * adjustment, for one, is only certain from its logical type.
 */
function meaning(leaf: ThriftStruct): string {
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

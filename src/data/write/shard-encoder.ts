/**
 * Encoding one shard from a stream of Arrow batches. A shard is encoded in
 * parts — one per row group, or per row group and share of the columns —
 * which are then joined by moving bytes (./merge.ts); the result is byte
 * for byte what one writer gives, wherever each part was encoded.
 *
 * ShardEncoder is what the split writer asks for; two implement it: the
 * calling thread (inlineEncoder, here: small shards, where starting worker
 * threads costs more than it saves) and the worker threads
 * (../workers/threaded-encoder.ts). Both encode parts with
 * ./part-encoder.ts and join them with assembleParts.
 */
import { rm } from "node:fs/promises";
import type * as arrow from "apache-arrow";
import type { ThriftStruct } from "../model/thrift.js";
import { type RowGroupPlan, assembleFile, fileSource, openPart } from "./merge.js";
import { gearTables } from "./pages/gear.js";
import { Kernels } from "./pages/kernels.js";
import { type PageWriterContext, encodePart } from "./part-encoder.js";
import type { EncoderSettings } from "./properties.js";
import { FooterTemplates, emptyBatch } from "./templates.js";

export interface EncodedShard {
  bytes: number;
  /** Lowercase hex sha256: the LFS oid the Hub will show for this file. */
  sha256: string;
  rows: number;
  /** Worker threads that encoded it (0: encoded on the calling thread). */
  encoderThreads: number;
}

/**
 * A shard's rows as they reach an encoder: batches, each saying whether a
 * row group ends with it (where rows are cut into row groups is decided
 * upstream, ./row-groups.ts). The shard's last piece ends a row group.
 */
export interface RowGroupPiece {
  batch: arrow.RecordBatch;
  /** The row group ends after this batch. */
  last: boolean;
}

export interface ShardEncoder {
  /** False when the encoder cuts some columns' pages by size whatever the settings say (media columns). */
  readonly contentDefinedPages?: boolean;
  /** Writes the shard at `path` from `pieces` (of `schema`); `editFooter` may change the joined footer. */
  encodeShard(
    path: string,
    schema: arrow.Schema,
    pieces: AsyncIterable<RowGroupPiece>,
    settings: EncoderSettings,
    editFooter?: (meta: ThriftStruct) => void,
  ): Promise<EncodedShard>;
}

/** What a thread needs to write pages (WebAssembly kernels, footer templates); one per thread. */
export function pageWriterContext(): PageWriterContext {
  return { kernels: new Kernels(gearTables()), templates: new FooterTemplates() };
}

/** Encodes on the calling thread, one row group after the other. */
export const inlineEncoder: ShardEncoder = { encodeShard: encodeShardInline };

/** A shard encoded on this thread; the bytes are the same as the worker threads'. */
export async function encodeShardInline(
  path: string,
  schema: arrow.Schema,
  pieces: AsyncIterable<RowGroupPiece>,
  settings: EncoderSettings,
  editFooter?: (meta: ThriftStruct) => void,
): Promise<EncodedShard> {
  const context = pageWriterContext();
  const iterator = pieces[Symbol.asyncIterator]();
  const parts: string[] = [];
  let rows = 0;
  try {
    let current = await iterator.next();
    // An empty shard is still a valid Parquet file with the schema: one part of no rows.
    if (current.done) current = { done: false, value: { batch: emptyBatch(schema), last: true } };
    while (!current.done) {
      let ended = false;
      const next = async (): Promise<arrow.RecordBatch | null> => {
        if (ended || current.done) return null;
        const piece = current.value;
        ended = piece.last;
        current = await iterator.next();
        rows += piece.batch.numRows;
        return piece.batch;
      };
      const part = partPath(path, parts.length);
      parts.push(part);
      await encodePart(part, settings, next, context);
      while ((await next()) !== null); // a part pulls its row group to the end; never leave a piece behind
    }
    const { bytes, sha256 } = await assembleParts(parts.map((p) => [p]), [schema.fields.map((_, i) => i)], schema, settings, context.templates, path, editFooter);
    return { bytes, sha256, rows, encoderThreads: 0 };
  } finally {
    await Promise.all(parts.map(removeScratch));
  }
}

/**
 * Joins the parts of a shard — `grid[row group][column group]`, column
 * group g holding the fields `columnGroups[g]` — into `path`, hashing as it
 * writes.
 */
export async function assembleParts(
  grid: string[][],
  columnGroups: number[][],
  schema: arrow.Schema,
  settings: EncoderSettings,
  templates: FooterTemplates,
  path: string,
  editFooter?: (meta: ThriftStruct) => void,
): Promise<{ bytes: number; sha256: string }> {
  const sources = await Promise.all(grid.flat().map(fileSource));
  try {
    const parts = await Promise.all(sources.map((s) => openPart(s)));
    const owner = new Array<number>(schema.fields.length);
    columnGroups.forEach((fields, g) => fields.forEach((f) => (owner[f] = g)));
    const groups = columnGroups.length;
    // A part holds one row group, or none for an empty shard.
    const plans: RowGroupPlan[] = [];
    for (const [k, row] of grid.entries()) {
      const cells = row.map((_, g) => parts[k * groups + g]!);
      const count = cells[0]!.rowGroups.length;
      if (cells.some((part) => part.rowGroups.length !== count)) throw new Error(`the parts of row group ${k} of ${path} hold different row groups`);
      for (let r = 0; r < count; r++) plans.push({ cells: cells.map((part) => ({ part, rowGroup: r })), owner });
    }
    return await assembleFile(path, templates.get(schema, settings), plans, editFooter);
  } finally {
    await Promise.all(sources.map((s) => s.close()));
  }
}

/** The scratch file of row group `k` of the shard at `path` (of column group `group`, when the columns are encoded apart). */
export function partPath(path: string, k: number, group?: number): string {
  return `${path}.part${String(k).padStart(5, "0")}${group === undefined ? "" : `-${group}`}`;
}

/** Removes a temporary file; a failure here must not hide the error that ended the work (finally blocks). */
export async function removeScratch(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

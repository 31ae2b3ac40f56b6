/**
 * Encoding one shard from a stream of Arrow batches. A shard is encoded in
 * parts — one-row-group Parquet files, or some of the columns of one — which
 * are then joined by moving bytes (./merge.ts); the result is byte for byte
 * what one writer gives, wherever each part was encoded.
 *
 * ShardEncoder is what the split writer asks for; two implement it: the
 * calling thread (inlineEncoder, here: small shards, where starting worker
 * threads costs more than it saves) and the worker threads
 * (../workers/threaded-encoder.ts). Both join their parts with assembleParts.
 */
import { rm } from "node:fs/promises";
import * as arrow from "apache-arrow";
import type { ThriftStruct } from "../model/thrift.js";
import { encodeParquetFile } from "./encode.js";
import { batchToIPC } from "./ipc.js";
import { type RowGroupPlan, assembleFile, fileSource, openPart, readFooter } from "./merge.js";
import type { EncoderSettings } from "./properties.js";

export interface EncodedShard {
  bytes: number;
  /** Lowercase hex sha256: the LFS oid the Hub will show for this file. */
  sha256: string;
  rows: number;
  /** Worker threads that encoded it (0: encoded on the calling thread). */
  encoderThreads: number;
}

export interface ShardEncoder {
  /** Writes the shard at `path` from `batches` (of `schema`); `editFooter` may change the joined footer. */
  encodeShard(
    path: string,
    schema: arrow.Schema,
    batches: AsyncIterable<arrow.RecordBatch>,
    settings: EncoderSettings,
    editFooter?: (meta: ThriftStruct) => void,
  ): Promise<EncodedShard>;
}

/** Encodes on the calling thread, as one part. */
export const inlineEncoder: ShardEncoder = { encodeShard: encodeShardInline };

/** A shard encoded on this thread; the bytes are the same as the worker threads'. */
export async function encodeShardInline(
  path: string,
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch>,
  settings: EncoderSettings,
  editFooter?: (meta: ThriftStruct) => void,
): Promise<EncodedShard> {
  const iterator = batches[Symbol.asyncIterator]();
  let rows = 0;
  let sent = 0;
  const partPath = `${path}.part00000`;
  try {
    await encodeParquetFile(partPath, settings, async () => {
      const next = await iterator.next();
      if (next.done) {
        if (sent++ > 0) return null;
        return batchToIPC(emptyBatch(schema));
      }
      sent++;
      rows += next.value.numRows;
      return batchToIPC(next.value);
    });
    const { bytes, sha256 } = await assembleParts([[partPath]], [schema.fields.map((_, i) => i)], schema, settings, path, editFooter);
    return { bytes, sha256, rows, encoderThreads: 0 };
  } finally {
    await removeScratch(partPath);
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
  path: string,
  editFooter?: (meta: ThriftStruct) => void,
): Promise<{ bytes: number; sha256: string }> {
  const sources = await Promise.all(grid.flat().map(fileSource));
  try {
    const parts = await Promise.all(sources.map((s) => openPart(s)));
    const owner = new Array<number>(schema.fields.length);
    columnGroups.forEach((fields, g) => fields.forEach((f) => (owner[f] = g)));
    const groups = columnGroups.length;
    // A part holds the row groups its encoder made: one on the threads (they cut the shard at row group
    // edges), as many as rowGroupRows gives for a shard encoded inline, none for an empty shard.
    const plans: RowGroupPlan[] = [];
    for (const [k, row] of grid.entries()) {
      const cells = row.map((_, g) => parts[k * groups + g]!);
      const count = cells[0]!.rowGroups.length;
      if (cells.some((part) => part.rowGroups.length !== count)) throw new Error(`the parts of row group ${k} of ${path} hold different row groups`);
      for (let r = 0; r < count; r++) plans.push({ cells: cells.map((part) => ({ part, rowGroup: r })), owner });
    }
    // With one column group the parts' own footer is the whole file's; otherwise one with every column.
    const template = groups === 1 ? parts[0]!.meta : await fullSchemaFooter(schema, settings, `${path}.template`);
    return await assembleFile(path, template, plans, editFooter);
  } finally {
    await Promise.all(sources.map((s) => s.close()));
  }
}

/** The footer a writer gives a file of `schema` with these settings (from an empty one; `scratch` is a temporary file). */
export async function fullSchemaFooter(schema: arrow.Schema, settings: EncoderSettings, scratch: string): Promise<ThriftStruct> {
  let sent = false;
  try {
    await encodeParquetFile(scratch, settings, async () => {
      if (sent) return null;
      sent = true;
      return batchToIPC(emptyBatch(schema));
    });
    const source = await fileSource(scratch);
    try {
      return await readFooter(source);
    } finally {
      await source.close();
    }
  } finally {
    await removeScratch(scratch);
  }
}

/** Removes a temporary file; a failure here must not hide the error that ended the work (finally blocks). */
export async function removeScratch(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

/** A batch of no rows: an empty shard is still a valid Parquet file with the schema. */
export function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: 0,
      nullCount: 0,
      children: schema.fields.map((f) => arrow.makeBuilder({ type: f.type }).flush()),
    }),
  );
}

/**
 * Writes Parquet shards from streams of Arrow record batches, straight to
 * files, hashing as it goes. Encoding runs on worker threads (one row group
 * per task, ./parquet/encoder-pool.ts) while the caller keeps parsing; a
 * shard is never held whole in memory, only the row groups being encoded.
 * Small shards are encoded on the calling thread, which is faster there.
 * Parquet inputs that already store the shard's columns are copied rather
 * than re-encoded (openParquetCopier).
 */
import type * as arrow from "apache-arrow";
import { ARROW_SCHEMA_KEY, setKeyValue } from "../model/arrow-schema.js";
import { type CopyInput, RowGroupCopier } from "./copy.js";
import { ROW_GROUP_TARGET_BYTES } from "./shards.js";
import { type EncodedShard, encodeShardInline, fullSchemaFooter, sharedEncoderPool } from "../workers/encoder-pool.js";
import type { Compression, EncoderSettings } from "./properties.js";
import type { ThriftStruct } from "../model/thrift.js";

export type { Compression } from "./properties.js";

export interface ParquetSettings {
  compression: Compression;
  /** Rows per row group. */
  rowGroupRows: number;
  /** File key-value metadata (the `huggingface` features entry). */
  metadata: Map<string, string>;
  /**
   * The `ARROW:schema` footer entry to store (encodeArrowSchema of the
   * dataset's schema). Without it the entry describes the batches' storage types.
   */
  arrowSchema?: string;
}

export type WrittenFile = EncodedShard;

/** Below this much Arrow data a shard is encoded on the calling thread (see encodeShardInline). */
export const INLINE_BELOW_BYTES = 16_000_000;

/**
 * Writes one shard. `estimatedBytes` (the shard's Arrow size) picks the
 * encoder: the calling thread for small shards, the shared worker threads
 * otherwise; both give the same bytes.
 */
export function writeParquetFile(
  path: string,
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch>,
  settings: ParquetSettings,
  estimatedBytes = Infinity,
): Promise<WrittenFile> {
  const { encoder, editFooter } = writerSettings(settings);
  return estimatedBytes < INLINE_BELOW_BYTES
    ? encodeShardInline(path, schema, batches, encoder, editFooter)
    : sharedEncoderPool().encodeShard(path, schema, batches, encoder, editFooter);
}

/**
 * Shards from the row groups of Parquet `inputs` (whose Arrow columns are
 * `schema`'s: see ParquetReader.storesAs), copied as they are, with the
 * footer writeParquetFile would give: no decoding, no encoding. When a
 * footer shows the chunks cannot be used so (another codec, physical type,
 * ...), the reason.
 */
export async function openParquetCopier(
  inputs: CopyInput[],
  schema: arrow.Schema,
  settings: ParquetSettings,
  scratch: string,
): Promise<RowGroupCopier | { reason: string }> {
  const { encoder, editFooter } = writerSettings(settings);
  const template = await fullSchemaFooter(schema, encoder, scratch);
  return RowGroupCopier.open(inputs, template, { compression: settings.compression, maxRowGroupBytesWithoutIndex: ROW_GROUP_TARGET_BYTES, editFooter });
}

function writerSettings(settings: ParquetSettings): { encoder: EncoderSettings; editFooter?: (meta: ThriftStruct) => void } {
  const { arrowSchema } = settings;
  return {
    encoder: { compression: settings.compression, rowGroupRows: settings.rowGroupRows, metadata: [...settings.metadata] },
    editFooter: arrowSchema === undefined ? undefined : (meta: ThriftStruct) => setKeyValue(meta, ARROW_SCHEMA_KEY, arrowSchema),
  };
}

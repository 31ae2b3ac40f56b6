/**
 * Writes Parquet shards with the dataset's writer settings: from streams of
 * Arrow record batches, straight to files, hashing as it goes, with the
 * encoder the caller picks (./shard-encoder.ts: this thread, or the worker
 * threads, which encode while the caller keeps parsing); a shard is never
 * held whole in memory, only the row groups being encoded. Parquet inputs
 * that already store the shard's columns are copied rather than re-encoded
 * (openParquetCopier).
 */
import type * as arrow from "apache-arrow";
import { ARROW_SCHEMA_KEY, markJsonColumns, setKeyValue } from "../model/arrow-schema.js";
import { type CopyInput, RowGroupCopier } from "./copy.js";
import { ROW_GROUP_TARGET_BYTES } from "./shards.js";
import { type EncodedShard, type ShardEncoder, fullSchemaFooter, inlineEncoder } from "./shard-encoder.js";
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
  /** The dataset's Arrow schema: its Json fields' Parquet leaves are annotated JSON (markJsonColumns). */
  schema?: arrow.Schema;
}

export type WrittenFile = EncodedShard;

/** Below this much Arrow data a shard is encoded on the calling thread: starting worker threads costs more. */
export const INLINE_BELOW_BYTES = 16_000_000;

/** Writes one shard with `encoder` (this thread by default); every encoder gives the same bytes. */
export function writeParquetFile(
  path: string,
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch>,
  settings: ParquetSettings,
  encoder: ShardEncoder = inlineEncoder,
): Promise<WrittenFile> {
  const { encoder: encoderSettings, editFooter } = writerSettings(settings);
  return encoder.encodeShard(path, schema, batches, encoderSettings, editFooter);
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
  // Inputs' Json columns carry the JSON annotation the shards will have.
  if (settings.schema) markJsonColumns(template, settings.schema);
  return RowGroupCopier.open(inputs, template, { compression: settings.compression, maxRowGroupBytesWithoutIndex: ROW_GROUP_TARGET_BYTES, editFooter });
}

function writerSettings(settings: ParquetSettings): { encoder: EncoderSettings; editFooter?: (meta: ThriftStruct) => void } {
  const { arrowSchema, schema } = settings;
  return {
    encoder: { compression: settings.compression, rowGroupRows: settings.rowGroupRows, metadata: [...settings.metadata] },
    editFooter:
      arrowSchema === undefined && schema === undefined
        ? undefined
        : (meta: ThriftStruct) => {
            if (arrowSchema !== undefined) setKeyValue(meta, ARROW_SCHEMA_KEY, arrowSchema);
            if (schema) markJsonColumns(meta, schema);
          },
  };
}

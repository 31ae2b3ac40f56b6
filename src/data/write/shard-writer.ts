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
import { TType, type ThriftStruct } from "../model/thrift.js";
import { type CopyInput, RowGroupCopier } from "./copy.js";
import { cloneStruct } from "./merge.js";
import { CDC_METADATA_KEY, DATASETS_CDC, cdcMetadata } from "./pages/cdc.js";
import { FM } from "./pages/format.js";
import { CREATED_BY } from "./pages/part-writer.js";
import type { HashRule } from "./pages/physical.js";
import { ROW_GROUP_TARGET_BYTES } from "./shards.js";
import { type EncodedShard, type RowGroupPiece, type ShardEncoder, inlineEncoder } from "./shard-encoder.js";
import type { Compression, EncoderSettings } from "./properties.js";
import { FooterTemplates } from "./templates.js";

export type { Compression } from "./properties.js";

export interface ParquetSettings {
  compression: Compression;
  /** File key-value metadata (the `huggingface` features entry). */
  metadata: Map<string, string>;
  /**
   * The `ARROW:schema` footer entry to store (encodeArrowSchema of the
   * dataset's schema). Without it the entry describes the batches' storage types.
   */
  arrowSchema?: string;
  /** Content-defined page boundaries (default: on, as `datasets` 5 writes). */
  cdc?: boolean;
  /** How the chunker hashes leaves stored in another type than the dataset's (storage.ts's hashRules). */
  hashRules?: Record<string, HashRule>;
  /** The dataset's Arrow schema: its Json fields' Parquet leaves are annotated JSON (markJsonColumns). */
  schema?: arrow.Schema;
}

export type WrittenFile = EncodedShard;

/** Below this much Arrow data a shard is encoded on the calling thread: starting worker threads costs more. */
export const INLINE_BELOW_BYTES = 16_000_000;

/** Writes one shard of `schema` from its row groups with `encoder` (this thread by default); every encoder gives the same bytes. */
export function writeParquetFile(
  path: string,
  schema: arrow.Schema,
  pieces: AsyncIterable<RowGroupPiece>,
  settings: ParquetSettings,
  encoder: ShardEncoder = inlineEncoder,
): Promise<WrittenFile> {
  const encoderSettings = encoderSettingsOf(settings);
  const editFooter = (meta: ThriftStruct) => {
    if (settings.arrowSchema !== undefined) setKeyValue(meta, ARROW_SCHEMA_KEY, settings.arrowSchema);
    if (settings.schema) markJsonColumns(meta, settings.schema);
    // Every column's pages chunked by content: say so as `datasets` does (not when media columns' pages are cut by size).
    if (encoderSettings.cdc && encoder.contentDefinedPages !== false) setKeyValue(meta, CDC_METADATA_KEY, cdcMetadata(DATASETS_CDC));
    // The joined footer comes from arrow-rs's template: name the writer of the pages.
    meta.set(FM.CREATED_BY, TType.Binary, new TextEncoder().encode(CREATED_BY));
  };
  return encoder.encodeShard(path, schema, pieces, encoderSettings, editFooter);
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
): Promise<RowGroupCopier | { reason: string }> {
  // A template of our own (FooterTemplates' are shared and read-only): the inputs' Json columns must carry the
  // JSON annotation the shards will have.
  const template = cloneStruct(new FooterTemplates().get(schema, encoderSettingsOf(settings)));
  if (settings.schema) markJsonColumns(template, settings.schema);
  const { arrowSchema, schema: datasetSchema } = settings;
  const editFooter =
    arrowSchema === undefined && datasetSchema === undefined
      ? undefined
      : (meta: ThriftStruct) => {
          if (arrowSchema !== undefined) setKeyValue(meta, ARROW_SCHEMA_KEY, arrowSchema);
          if (datasetSchema) markJsonColumns(meta, datasetSchema);
        };
  return RowGroupCopier.open(inputs, template, { compression: settings.compression, maxRowGroupBytesWithoutIndex: ROW_GROUP_TARGET_BYTES, editFooter });
}

function encoderSettingsOf(settings: ParquetSettings): EncoderSettings {
  return { compression: settings.compression, metadata: [...settings.metadata], cdc: settings.cdc ?? true, hashRules: settings.hashRules ?? {} };
}

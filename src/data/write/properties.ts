/**
 * The Parquet writer settings, in one place for every encoder: codec,
 * content-defined page boundaries and the file's key-value metadata; and the arrow-rs (parquet-wasm) properties they mean
 * for the columns it still writes (./part-encoder.ts) and for the schema
 * templates (./templates.ts). Plain data, so it can cross to worker threads.
 */
import * as parquet from "parquet-wasm/node";
import type { HashRule } from "./pages/physical.js";

export type Compression = "snappy" | "zstd" | "gzip" | "none";

export interface EncoderSettings {
  compression: Compression;
  /** File key-value metadata (the `huggingface` features entry). */
  metadata: [string, string][];
  /** Content-defined page boundaries (datasets 5's settings, ./pages/cdc.ts); off: pages of 20,000 rows. */
  cdc: boolean;
  /** How the chunker hashes the values of leaves stored in another type than the dataset's, by JSON of the leaf's path. */
  hashRules: Record<string, HashRule>;
}

const CODECS: Record<Compression, parquet.Compression> = {
  snappy: parquet.Compression.SNAPPY,
  zstd: parquet.Compression.ZSTD,
  gzip: parquet.Compression.GZIP,
  none: parquet.Compression.UNCOMPRESSED,
};

/** What arrow-rs is told: the codec, the key-value metadata, and rows per row group. */
export interface ArrowRsSettings {
  compression: Compression;
  metadata: [string, string][];
  rowGroupRows: number;
}

/**
 * arrow-rs's properties: the codec, dictionary encoding, page statistics
 * (which make it write the page index), the row group size and the
 * key-value metadata. Builder methods consume the builder (wasm-bindgen
 * moves `self`), hence the reassignments.
 */
export function writerProperties(settings: ArrowRsSettings): parquet.WriterProperties {
  let builder = new parquet.WriterPropertiesBuilder();
  builder = builder.setCompression(CODECS[settings.compression]);
  builder = builder.setDictionaryEnabled(true);
  builder = builder.setStatisticsEnabled(parquet.EnabledStatistics.Page);
  builder = builder.setMaxRowGroupSize(settings.rowGroupRows);
  builder = builder.setKeyValueMetadata(new Map(settings.metadata));
  return builder.build();
}

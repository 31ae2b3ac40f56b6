/**
 * The Parquet writer settings, in one place for every encoder: codec,
 * dictionary encoding, page statistics (which make parquet-wasm write the
 * page index the dataset viewer relies on), row group size, and the file's
 * key-value metadata. Plain data, so it can cross to worker threads.
 */
import * as parquet from "parquet-wasm/node";

export type Compression = "snappy" | "zstd" | "gzip" | "none";

export interface EncoderSettings {
  compression: Compression;
  /** Rows per row group. */
  rowGroupRows: number;
  /** File key-value metadata (the `huggingface` features entry). */
  metadata: [string, string][];
}

const CODECS: Record<Compression, parquet.Compression> = {
  snappy: parquet.Compression.SNAPPY,
  zstd: parquet.Compression.ZSTD,
  gzip: parquet.Compression.GZIP,
  none: parquet.Compression.UNCOMPRESSED,
};

/** Builder methods consume the builder (wasm-bindgen moves `self`), hence the reassignments. */
export function writerProperties(settings: EncoderSettings): parquet.WriterProperties {
  let builder = new parquet.WriterPropertiesBuilder();
  builder = builder.setCompression(CODECS[settings.compression]);
  builder = builder.setDictionaryEnabled(true);
  builder = builder.setStatisticsEnabled(parquet.EnabledStatistics.Page);
  builder = builder.setMaxRowGroupSize(settings.rowGroupRows);
  builder = builder.setKeyValueMetadata(new Map(settings.metadata));
  return builder.build();
}

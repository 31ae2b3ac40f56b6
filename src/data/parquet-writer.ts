/**
 * Writes one Parquet shard from a stream of Arrow record batches, straight to
 * a file, hashing as it goes. parquet-wasm's `transformParquetStream` encodes
 * batch by batch, so a shard is never held whole in memory (only the row
 * group being built, inside the writer).
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import * as arrow from "apache-arrow";
import * as parquet from "parquet-wasm/node";
import { patchFooter } from "./arrow-schema.js";

export type Compression = "snappy" | "zstd" | "gzip" | "none";

const CODECS: Record<Compression, parquet.Compression> = {
  snappy: parquet.Compression.SNAPPY,
  zstd: parquet.Compression.ZSTD,
  gzip: parquet.Compression.GZIP,
  none: parquet.Compression.UNCOMPRESSED,
};

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

/**
 * Output kept back (not yet hashed or written) so the footer can be patched:
 * arrow-rs emits the page indexes and the footer in one final chunk; at most
 * this many bytes of earlier chunks are kept besides it, in case it did not.
 */
const TAIL_BYTES = 1024 * 1024;

export interface WrittenFile {
  bytes: number;
  /** Lowercase hex sha256: the LFS oid the Hub will show for this file. */
  sha256: string;
  rows: number;
}

/** Builder methods consume the builder (wasm-bindgen moves `self`), hence the reassignments. */
function writerProperties(settings: ParquetSettings): parquet.WriterProperties {
  let builder = new parquet.WriterPropertiesBuilder();
  builder = builder.setCompression(CODECS[settings.compression]);
  builder = builder.setDictionaryEnabled(true);
  // Page-level statistics make the writer emit the page index (column + offset index) the viewer relies on.
  builder = builder.setStatisticsEnabled(parquet.EnabledStatistics.Page);
  builder = builder.setMaxRowGroupSize(settings.rowGroupRows);
  builder = builder.setKeyValueMetadata(settings.metadata);
  return builder.build();
}

/** Moves a JS Arrow batch into wasm memory through the IPC stream format. */
function toWasmBatch(batch: arrow.RecordBatch): parquet.RecordBatch {
  const table = parquet.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table([batch]), "stream"));
  try {
    const out = table.recordBatch(0);
    if (!out) throw new Error("empty IPC stream");
    return out;
  } finally {
    table.free();
  }
}

export async function writeParquetFile(
  path: string,
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch>,
  settings: ParquetSettings,
): Promise<WrittenFile> {
  let rows = 0;
  let sawBatch = false;
  const iterator = batches[Symbol.asyncIterator]();
  const input = new ReadableStream<parquet.RecordBatch>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) {
        // The writer needs at least one batch to know the schema: an empty shard is one empty batch.
        if (!sawBatch) controller.enqueue(toWasmBatch(emptyBatch(schema)));
        sawBatch = true;
        controller.close();
        return;
      }
      sawBatch = true;
      rows += next.value.numRows;
      controller.enqueue(toWasmBatch(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  }, { highWaterMark: 0 });
  const output = (await parquet.transformParquetStream(input, writerProperties(settings))) as ReadableStream<Uint8Array>;
  const hash = createHash("sha256");
  const file = await open(path, "w");
  let bytes = 0;
  const emit = async (chunk: Uint8Array) => {
    hash.update(chunk);
    await file.write(chunk);
    bytes += chunk.byteLength;
  };
  const tail: Uint8Array[] = [];
  let tailBytes = 0;
  try {
    for await (const chunk of output) {
      if (settings.arrowSchema === undefined) {
        await emit(chunk);
        continue;
      }
      tail.push(chunk);
      tailBytes += chunk.byteLength;
      while (tail.length > 1 && tailBytes - tail[0]!.byteLength >= TAIL_BYTES) {
        const first = tail.shift()!;
        tailBytes -= first.byteLength;
        await emit(first);
      }
    }
    if (tail.length > 0) {
      const last = tail.pop()!;
      const patched = patchFooter(last, settings.arrowSchema!);
      if (patched) {
        for (const chunk of tail) await emit(chunk);
        await emit(patched);
      } else {
        const end = Buffer.concat([...tail, last]);
        await emit(patchFooter(end, settings.arrowSchema!) ?? end);
      }
    }
  } finally {
    await file.close();
  }
  return { bytes, sha256: hash.digest("hex"), rows };
}

function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
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

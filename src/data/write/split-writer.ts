/**
 * Pass 2 of one split: its shards, by Python's rules (./shards.ts) —
 * copied from the row groups of Parquet inputs whose readers say the files
 * already store the shards' columns (TableReader.storesAs, ./copy.ts), else
 * encoded from the rows the readers hand out (./split-rows.ts), on the
 * calling thread for small shards and on the worker threads otherwise.
 * Media columns built from files are streamed into the shards from the
 * files (./media/), and shards are cut by the files' bytes.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type * as arrow from "apache-arrow";
import type { Logger } from "../../log.js";
import type { ConvertedSplit, ShardFile } from "../../model/conversion.js";
import type { NamedFeature } from "../../model/features.js";
import { ProgressReporter } from "../../progress.js";
import { formatBytes, formatCount } from "../../units.js";
import type { SplitPlan } from "../read/profile.js";
import { RowGroupCopier } from "./copy.js";
import { type RowGroupPiece, type ShardEncoder, inlineEncoder } from "./shard-encoder.js";
import type { ShardSchema } from "./shard-schema.js";
import { type Compression, INLINE_BELOW_BYTES, type ParquetSettings, openParquetCopier, writeParquetFile } from "./shard-writer.js";
import { SplitCutter } from "./row-groups.js";
import { mediaRowGroupRows, rowGroupCuts, shardCount, shardPath, shardRanges, sizedRanges } from "./shards.js";
import { SplitRows } from "./split-rows.js";
import { MediaShardEncoder } from "./media/media-encoder.js";

/** More shards than this in a split are logged at debug level, one by one, and summed up in one line. */
const MANY_SHARDS = 10;

export interface SplitWriteOptions {
  /** Repo folder of the config's shards: `data` for `default`, else the config name. */
  dataDir: string;
  /** Shards are written under `outputDir/<repo path>`. */
  outputDir: string;
  maxShardSize: number;
  /** Exact shard count (instead of `maxShardSize`). */
  numShards?: number;
  compression: Compression;
  log: Logger;
  /** Minimum time between two progress lines while writing (default 10 s). */
  progressIntervalMs?: number;
  /** Encodes shards of INLINE_BELOW_BYTES of Arrow data or more (the worker threads); smaller ones are encoded inline. */
  encoder: ShardEncoder;
}

export async function writeSplit(split: SplitPlan, features: NamedFeature[], shape: ShardSchema, options: SplitWriteOptions): Promise<ConvertedSplit> {
  const { log } = options;
  const { readers, fileRows, fileNbytes } = split;
  const rows = fileRows.reduce((n, r) => n + r, 0);
  const numBytes = fileNbytes.reduce((n, b) => n + b, 0);
  const media = split.media?.columns;
  const ranges = split.media
    ? sizedRanges(rowSizes(split.media.rowBytes, numBytes), options.numShards ?? shardCount(numBytes, options.maxShardSize), options.numShards ? undefined : options.maxShardSize)
    : shardRanges(rows, options.numShards ?? shardCount(numBytes, options.maxShardSize));
  const count = ranges.length;
  const settings: ParquetSettings = { compression: options.compression, metadata: shape.metadata, arrowSchema: shape.arrowSchema, hashRules: shape.hashRules, schema: shape.schema };
  const shards: ShardFile[] = [];
  const place = async (i: number) => {
    const repoPath = shardPath(options.dataDir, split.name, i, count);
    const localPath = path.join(options.outputDir, ...repoPath.split("/"));
    await mkdir(path.dirname(localPath), { recursive: true });
    return { repoPath, localPath };
  };
  // A line per shard while they are few; past MANY_SHARDS, at debug level, and one line for the split at the end.
  const began = Date.now();
  const wrote = (repoPath: string, file: { rows: number; bytes: number }, started: number, how: string) => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const line = `${split.name}: wrote ${repoPath} — ${formatCount(file.rows)} rows, ${formatBytes(file.bytes)} (${seconds.toFixed(1)} s, ${how})`;
    if (count <= MANY_SHARDS) log.info(line);
    else log.debug(line);
  };

  // Parquet inputs that already store the shard's columns: their row groups are copied, not re-encoded.
  let copy: Awaited<ReturnType<typeof parquetCopy>>;
  if (rows > 0 && readers.every((r) => r.storesAs?.(shape.stored) === true)) {
    const inputs = split.files.map((f, i) => ({ ...f, arrowBytesPerRow: fileNbytes[i]! / Math.max(1, fileRows[i]!) }));
    copy = await parquetCopy(split.name, inputs, shape, settings, count, log);
  }
  if (copy) {
    for (let i = 0; i < count; i++) {
      const { repoPath, localPath } = await place(i);
      const started = Date.now();
      const groups = copy.cuts[i + 1]! - copy.cuts[i]!;
      const written = await copy.copier.write(localPath, copy.cuts[i]!, copy.cuts[i + 1]!);
      shards.push({ repoPath, localPath, ...written });
      const from = split.files.length > 1 ? "the Parquet inputs" : "the Parquet input";
      wrote(repoPath, written, started, `${groups} row group${groups === 1 ? "" : "s"} copied from ${from}, not re-encoded`);
    }
  } else {
    const progress = new ProgressReporter({ log, label: `Writing ${split.name}`, unit: "rows", intervalMs: options.progressIntervalMs });
    const files = readers.length > 1 ? (done: number) => ` · ${formatCount(done)} of ${formatCount(readers.length)} files` : () => "";
    const source = new SplitRows(readers, fileRows, features, (written, filesDone) =>
      progress.update(written, rows, false, () => ` · ${formatBytes((numBytes * written) / Math.max(1, rows))} of ${formatBytes(numBytes)} (Arrow)${files(filesDone)}`),
    );
    // Shards and row groups cut where the rows say, near Python's even cuts (./row-groups.ts); media shards
    // exactly at their byte cuts, their row groups cut by the media encoder.
    const cutter = media ? undefined : new SplitCutter(source.batches(shape.schema, shape.stored, rows)[Symbol.asyncIterator](), ranges);
    const shardPieces = (shardRows: number) => cutter?.shard() ?? wholePieces(source.batches(shape.schema, shape.stored, shardRows));
    try {
      for (const [i, [start, end]] of ranges.entries()) {
        const { repoPath, localPath } = await place(i);
        const started = Date.now();
        const shardBytes = rows > 0 ? (numBytes * (end - start)) / rows : 0;
        const encoder = media
          ? new MediaShardEncoder(media, mediaRowGroupRows(rows, numBytes))
          : shardBytes < INLINE_BELOW_BYTES
            ? inlineEncoder
            : options.encoder;
        const written = await writeParquetFile(localPath, shape.stored, shardPieces(end - start), settings, encoder);
        if (media && written.rows !== end - start) throw new Error(`shard ${repoPath}: expected ${end - start} rows, wrote ${written.rows}`);
        shards.push({ repoPath, localPath, bytes: written.bytes, sha256: written.sha256, rows: written.rows });
        const encoders = written.encoderThreads;
        wrote(repoPath, written, started, encoders === 0 ? "encoded inline" : `${encoders} encoder thread${encoders > 1 ? "s" : ""}`);
      }
      const total = shards.reduce((n, s) => n + s.rows, 0);
      if (total !== rows) throw new Error(`split ${split.name}: expected ${rows} rows, wrote ${total}`);
    } finally {
      await source.close();
    }
  }
  if (count > MANY_SHARDS) {
    const bytes = shards.reduce((n, s) => n + s.bytes, 0);
    log.info(`${split.name}: wrote ${formatCount(count)} shards — ${formatCount(rows)} rows, ${formatBytes(bytes)} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
  }
  return { name: split.name, rows, numBytes, shards, ...(split.media ? { media: split.media.summary } : {}) };
}

/** Batches as pieces that end no row group: the media encoder cuts a shard's row groups by the files' bytes. */
async function* wholePieces(batches: AsyncIterable<arrow.RecordBatch>): AsyncGenerator<RowGroupPiece> {
  for await (const batch of batches) yield { batch, last: false };
}

/** Each row's size for cutting shards: the bytes of its files, plus an even share of the other columns. */
function rowSizes(fileBytes: Float64Array, numBytes: number): Float64Array {
  const rows = fileBytes.length;
  const out = new Float64Array(fileBytes);
  let files = 0;
  for (let i = 0; i < rows; i++) files += out[i]!;
  const share = rows > 0 ? Math.max(0, numBytes - files) / rows : 0;
  for (let i = 0; i < rows; i++) out[i]! += share;
  return out;
}

/**
 * The copier and the row group cuts for a split's Parquet inputs, when their
 * chunks can be used as they are and their row groups cut into `count`
 * shards close to Python's even ones (see rowGroupCuts); else undefined,
 * and the split is re-encoded.
 */
async function parquetCopy(
  split: string,
  inputs: Parameters<typeof openParquetCopier>[0],
  shape: ShardSchema,
  settings: ParquetSettings,
  count: number,
  log: Logger,
): Promise<{ copier: RowGroupCopier; cuts: number[] } | undefined> {
  const opened = await openParquetCopier(inputs, shape.stored, settings);
  if (!(opened instanceof RowGroupCopier)) {
    log.debug(`${split}: re-encoding the Parquet input (${opened.reason})`);
    return undefined;
  }
  const cuts = rowGroupCuts(opened.rowGroups.map((g) => g.rows), count);
  if (!cuts) {
    const n = opened.rowGroups.length;
    log.debug(`${split}: re-encoding the Parquet input (its ${n} row group${n === 1 ? "" : "s"} cannot be cut into ${count} even shards)`);
    return undefined;
  }
  return { copier: opened, cuts };
}

/**
 * Files → typed, deterministic Parquet shards, split by split.
 *
 * Pass 1 profiles every file (types, sizes, and every data error) so nothing
 * is written for a bad dataset; the profiles are unified into one schema for
 * the whole config; pass 2 streams each split's rows into its shards.
 */
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import * as arrow from "apache-arrow";
import { DataError, OverrideError } from "./errors.js";
import type { Logger } from "../log.js";
import type { DataFile } from "./read/discover.js";
import { unsupportedReason } from "./read/columns.js";
import type { Conversion, ConvertedSplit, ShardFile } from "../model/conversion.js";
import { type Feature, type NamedFeature, featureToString, featuresToArrowSchema, huggingfaceMetadata } from "../model/features.js";
import type { BatchCursor, ReaderOptions, TableReader } from "./read/reader.js";
import { type Compression, INLINE_BELOW_BYTES, type ParquetSettings, openParquetCopier, writeParquetFile } from "./write/shard-writer.js";
import { type CopyInput, RowGroupCopier } from "./write/copy.js";
import { sharedEncoderPool, stopEncoders } from "./workers/encoder-pool.js";
import { batchToStorage, storageSchema } from "./model/storage.js";
import { encodeArrowSchema } from "./model/arrow-schema.js";
import { ParquetReader } from "./read/parquet/parquet.js";
import { readerFor } from "./read/readers.js";
import { estimateNbytes } from "./model/sizes.js";
import type { FileProfile } from "./read/reader.js";
import { unifyProfiles } from "./read/unify.js";
import { ProgressReporter } from "../progress.js";
import { formatBytes, formatCount } from "../units.js";
import { rowGroupCuts, rowGroupRows, shardCount, shardPath, shardRanges } from "./write/shards.js";

export interface SplitInput {
  name: string;
  files: DataFile[];
}

export interface ConvertOptions {
  splits: SplitInput[];
  /** Repo folder of the config's shards: `data` for `default`, else the config name. */
  dataDir: string;
  /** Shards are written under `outputDir/<repo path>`. */
  outputDir: string;
  /** Types set by the user (the `features` input), by column. */
  overrides?: NamedFeature[];
  maxShardSize: number;
  /** Exact shard count per split (instead of `maxShardSize`). */
  numShards?: number;
  compression: Compression;
  log: Logger;
  /** Minimum time between two progress lines while writing (default 10 s). */
  progressIntervalMs?: number;
  /** Bytes read from a file at a time (default 1 MiB); tests make it small to cross buffer boundaries. */
  readChunkBytes?: number;
}

/** Largest batch handed to the Parquet writer. */
const MAX_BATCH_ROWS = 131_072;

export async function convert(options: ConvertOptions): Promise<Conversion> {
  const { log } = options;
  const overrides = new Map<string, Feature>((options.overrides ?? []).map((f) => [f.name, f.feature]));
  checkOverrides(overrides, options.splits);
  const readerOptions: ReaderOptions = { chunkBytes: options.readChunkBytes };
  // Big inputs will use the encoder threads: start them now; pass 1 may use them too (parts of big files).
  if ((await totalBytes(options.splits)) >= INLINE_BELOW_BYTES) {
    sharedEncoderPool().prewarm();
    readerOptions.background = (job, args) => sharedEncoderPool().run(job, args);
  }

  // Pass 1: profile every file of every split.
  const profiled: { split: SplitInput; readers: TableReader[]; profiles: FileProfile[] }[] = [];
  for (const split of options.splits) {
    const readers = split.files.map((f) => readerFor(f, readerOptions));
    const profiles: FileProfile[] = [];
    for (const reader of readers) {
      const started = Date.now();
      const profile = await reader.profile(overrides);
      const threads = profile.threads ? `, ${profile.threads} threads` : "";
      log.info(`${split.name}: read ${reader.file} — ${formatCount(profile.rows)} rows, ${profile.columns.length} columns (${Date.now() - started} ms${threads})`);
      profiles.push(profile);
    }
    profiled.push({ split, readers, profiles });
  }

  const all = profiled.flatMap((p) => p.profiles);
  const { features } = unifyProfiles(all);
  for (const name of overrides.keys())
    if (!features.some((f) => f.name === name))
      throw new OverrideError(
        `it sets the type of column '${name}', which none of the files has (their columns: ${features.map((f) => f.name).join(", ") || "none"})`,
      );
  checkStorable(features, all);

  const metadata = new Map([["huggingface", huggingfaceMetadata(features)]]);
  const schema = featuresToArrowSchema(features, metadata);
  // What the shards store (timestamp[s] as timestamp[ms], ...: see storage.ts).
  const stored = storageSchema(schema);
  // The footer's ARROW:schema is the dataset's schema, as pyarrow writes it (see arrow-schema.ts).
  const arrowSchema = encodeArrowSchema(schema);

  // Pass 2: write each split's shards.
  const splits: ConvertedSplit[] = [];
  for (const { split, readers, profiles } of profiled) {
    const rows = profiles.reduce((n, p) => n + p.rows, 0);
    const numBytes = profiles.reduce((n, p) => n + profileNbytes(p, features), 0);
    const count = options.numShards ?? shardCount(numBytes, options.maxShardSize);
    const settings = { compression: options.compression, rowGroupRows: rowGroupRows(rows, numBytes), metadata, arrowSchema };
    const shards: ShardFile[] = [];
    const place = async (i: number) => {
      const repoPath = shardPath(options.dataDir, split.name, i, count);
      const localPath = path.join(options.outputDir, ...repoPath.split("/"));
      await mkdir(path.dirname(localPath), { recursive: true });
      return { repoPath, localPath };
    };
    const wrote = (repoPath: string, file: { rows: number; bytes: number }, started: number, how: string) => {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      log.info(`${split.name}: wrote ${repoPath} — ${formatCount(file.rows)} rows, ${formatBytes(file.bytes)} (${seconds.toFixed(1)} s, ${how})`);
    };

    // Parquet inputs that already store the shard's columns: their row groups are copied, not re-encoded.
    let copy: Awaited<ReturnType<typeof parquetCopy>>;
    if (rows > 0 && readers.every((r) => r instanceof ParquetReader && r.storesAs(stored))) {
      const inputs = split.files.map((f, i) => ({ ...f, arrowBytesPerRow: profileNbytes(profiles[i]!, features) / Math.max(1, profiles[i]!.rows) }));
      const { localPath } = await place(0);
      copy = await parquetCopy(split, inputs, stored, settings, count, options, `${localPath}.template`);
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
      const source = new SplitRows(readers, features, (written) =>
        progress.update(written, rows, false, () => ` · ${formatBytes((numBytes * written) / Math.max(1, rows))} of ${formatBytes(numBytes)} (Arrow)`),
      );
      try {
        for (const [i, [start, end]] of shardRanges(rows, count).entries()) {
          const { repoPath, localPath } = await place(i);
          const started = Date.now();
          const shardBytes = rows > 0 ? (numBytes * (end - start)) / rows : 0;
          const written = await writeParquetFile(localPath, stored, source.batches(schema, stored, end - start), settings, shardBytes);
          if (written.rows !== end - start) throw new Error(`shard ${repoPath}: expected ${end - start} rows, wrote ${written.rows}`);
          shards.push({ repoPath, localPath, bytes: written.bytes, sha256: written.sha256, rows: written.rows });
          const encoders = written.encoderThreads;
          wrote(repoPath, written, started, encoders === 0 ? "encoded inline" : `${encoders} encoder thread${encoders > 1 ? "s" : ""}`);
        }
      } finally {
        await source.close();
      }
    }
    splits.push({ name: split.name, rows, numBytes, shards });
  }
  // Give the encoders' memory back before the upload starts.
  await stopEncoders();
  return { features, splits };
}

/**
 * The copier and the row group cuts for a split's Parquet inputs, when their
 * chunks can be used as they are and their row groups cut into `count`
 * shards close to Python's even ones (see rowGroupCuts); else undefined,
 * and the split is re-encoded.
 */
async function parquetCopy(
  split: SplitInput,
  inputs: CopyInput[],
  stored: arrow.Schema,
  settings: ParquetSettings,
  count: number,
  options: ConvertOptions,
  scratch: string,
): Promise<{ copier: RowGroupCopier; cuts: number[] } | undefined> {
  const opened = await openParquetCopier(inputs, stored, settings, scratch);
  if (!(opened instanceof RowGroupCopier)) {
    options.log.debug(`${split.name}: re-encoding the Parquet input (${opened.reason})`);
    return undefined;
  }
  const cuts = rowGroupCuts(opened.rowGroups.map((g) => g.rows), count);
  if (!cuts) {
    const n = opened.rowGroups.length;
    options.log.debug(`${split.name}: re-encoding the Parquet input (its ${n} row group${n === 1 ? "" : "s"} cannot be cut into ${count} even shards)`);
    return undefined;
  }
  return { copier: opened, cuts };
}

async function totalBytes(splits: SplitInput[]): Promise<number> {
  let total = 0;
  for (const f of splits.flatMap((s) => s.files)) total += await stat(f.localPath).then((s) => s.size, () => 0);
  return total;
}

const TEXT_FORMATS = new Set(["csv", "tsv", "json", "jsonl"]);

/** The overrides must name types the files' formats can produce (checked before reading anything). */
function checkOverrides(overrides: ReadonlyMap<string, Feature>, splits: SplitInput[]): void {
  const formats = new Set(splits.flatMap((s) => s.files.map((f) => f.format)));
  for (const [name, feature] of overrides) {
    if ([...formats].some((f) => TEXT_FORMATS.has(f))) {
      const reason = unsupportedReason(feature);
      if (reason !== undefined)
        throw new OverrideError(`column '${name}' cannot be ${featureToString(feature)} when read from CSV or JSON: ${reason}`);
    }
    if (formats.has("text") && name === "text" && !(feature.kind === "value" && (feature.dtype === "string" || feature.dtype === "large_string")))
      throw new OverrideError(`text files have one column 'text' of type string; it cannot be ${featureToString(feature)}`);
  }
}

/** Parquet cannot store a struct without fields: say which column, and where it comes from. */
function checkStorable(features: NamedFeature[], profiles: FileProfile[]): void {
  const empty = (f: Feature): boolean =>
    f.kind === "struct" ? f.fields.length === 0 || f.fields.some((g) => empty(g.feature)) : f.kind === "list" ? empty(f.item) : false;
  for (const f of features)
    if (empty(f.feature)) {
      const from = profiles.find((p) => p.columns.some((c) => c.name === f.name));
      throw new DataError(
        from?.file ?? "(no file)",
        undefined,
        `column '${f.name}' (${featureToString(f.feature)}) holds an object without fields, which Parquet cannot store; ` +
          `set its type with the 'features' input (for example dtype: json), or remove it`,
      );
    }
}

/** Arrow size of one file's rows in the final schema. */
function profileNbytes(profile: FileProfile, features: NamedFeature[]): number {
  let total = 0;
  for (const f of features) {
    const column = profile.columns.find((c) => c.name === f.name);
    total += estimateNbytes(f.feature, column?.stats, profile.rows);
  }
  return total;
}

/** The rows of a split across its files, in order, handed out in batches that never cross a shard boundary. */
class SplitRows {
  private index = 0;
  private cursor: BatchCursor | undefined;

  private written = 0;

  constructor(
    private readonly readers: TableReader[],
    private readonly features: NamedFeature[],
    /** Called with the rows handed out so far. */
    private readonly onRows: (written: number) => void = () => {},
  ) {}

  /** Batches of `schema` (the dataset's), converted to `stored` (what the shards store). */
  async *batches(schema: arrow.Schema, stored: arrow.Schema, rows: number): AsyncGenerator<arrow.RecordBatch> {
    let left = rows;
    while (left > 0) {
      if (!this.cursor) {
        const reader = this.readers[this.index];
        if (!reader) throw new Error("ran out of rows: a file changed between the two passes");
        this.cursor = await reader.open(this.features);
      }
      const batch = await this.cursor.next(Math.min(left, MAX_BATCH_ROWS));
      if (!batch) {
        await this.cursor.close();
        this.cursor = undefined;
        this.index++;
        continue;
      }
      if (batch.rows === 0) continue;
      left -= batch.rows;
      this.written += batch.rows;
      this.onRows(this.written);
      const record = new arrow.RecordBatch(
        schema,
        arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.rows, nullCount: 0, children: batch.columns }),
      );
      yield batchToStorage(record, schema, stored);
    }
  }

  async close(): Promise<void> {
    await this.cursor?.close();
    this.cursor = undefined;
  }
}

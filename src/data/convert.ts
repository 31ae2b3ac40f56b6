/**
 * Files → typed, deterministic Parquet shards, split by split: the data
 * layer's entry point, which runs its layers in order.
 *
 * Pass 1 profiles every file (types, sizes, and every data error) so nothing
 * is written for a bad dataset (read/profile.ts); the profiles are unified
 * into one schema for the whole config (read/unify.ts); pass 2 writes each
 * split's shards (write/split-writer.ts). Worker threads (workers/) encode
 * big shards, and read parts of big files in pass 1 while they would wait.
 */
import { statSync } from "node:fs";
import { realpath } from "node:fs/promises";
import type { Logger } from "../log.js";
import type { Conversion, ConvertedSplit } from "../model/conversion.js";
import type { Feature, NamedFeature } from "../model/features.js";
import { checkEveryFileNamed, isMediaFile, mediaReaders, workspaceOf } from "./read/media/plan.js";
import { checkOverrides, checkOverridesUsed } from "./read/overrides.js";
import { type ProfiledSplit, type SplitInput, type SplitPlan, logJsonMerges, measureJsonColumns, planSplit, profileSplits } from "./read/profile.js";
import type { DataFile } from "./read/discover.js";
import type { ReaderOptions } from "./read/reader.js";
import { unifyProfiles } from "./read/unify.js";
import { WorkerPool } from "./workers/pool.js";
import { ThreadedEncoder } from "./workers/threaded-encoder.js";
import { checkStorable, shardSchema } from "./write/shard-schema.js";
import { type Compression, INLINE_BELOW_BYTES } from "./write/shard-writer.js";
import { writeSplit } from "./write/split-writer.js";

export type { SplitInput } from "./read/profile.js";

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
  /** Minimum time between two progress lines while reading and writing (default 10 s). */
  progressIntervalMs?: number;
  /** Bytes read from a file at a time (default 1 MiB); tests make it small to cross buffer boundaries. */
  readChunkBytes?: number;
  /** JSON rows read with JSON.parse only (ReaderOptions.jsonParseAll; tests). */
  jsonParseAll?: boolean;
  /** Worker threads to use; by default the conversion starts its own and stops them when it ends. */
  workers?: WorkerPool;
  /** The folder the files were found in: media files must stay inside it (default: from the files' paths). */
  workspace?: string;
}

export async function convert(options: ConvertOptions): Promise<Conversion> {
  const { log } = options;
  const overrides = new Map<string, Feature>((options.overrides ?? []).map((f) => [f.name, f.feature]));
  checkOverrides(overrides, new Set(options.splits.flatMap((s) => s.files.map((f) => f.format))));
  const workers = options.workers ?? new WorkerPool();
  try {
    const readerOptions: ReaderOptions = { chunkBytes: options.readChunkBytes, jsonParseAll: options.jsonParseAll };
    const fileBytes = options.splits.map((s) => s.files.map(sizeOf));
    // Big inputs will use the worker threads: start them now; pass 1 may use them too (parts of big files).
    // Media files are copied into the shards, not encoded: they need no threads.
    const encodedBytes = options.splits.reduce((n, s, i) => s.files.reduce((m, f, k) => m + (isMediaFile(f) ? 0 : fileBytes[i]![k]!), n), 0);
    if (encodedBytes >= INLINE_BELOW_BYTES) {
      workers.prewarm();
      readerOptions.background = (job, args) => workers.run(job, args);
    }

    const first = options.splits.flatMap((s) => s.files)[0];
    const workspace = await realpath(options.workspace ?? (first ? workspaceOf(first) : process.cwd()));
    const planned = mediaReaders(options.splits, overrides, workspace, readerOptions);
    // The profiles are not bound here, so nothing holds them once settled.
    const { features, plans } = await settle(
      await profileSplits(options.splits, overrides, readerOptions, { log, fileBytes, progressIntervalMs: options.progressIntervalMs }, planned),
      overrides,
      log,
    );

    const shape = shardSchema(features);
    const encoder = new ThreadedEncoder(workers);
    const splits: ConvertedSplit[] = [];
    for (const plan of plans) splits.push(await writeSplit(plan, features, shape, { ...options, encoder }));
    return { features, splits };
  } finally {
    // Give the threads' memory back before the upload starts.
    if (!options.workers) await workers.close();
  }
}

/**
 * The schema of the config from the profiles of all its files, checked, and
 * what pass 2 needs of each split (the profiles are not kept past here).
 */
async function settle(profiled: ProfiledSplit[], overrides: ReadonlyMap<string, Feature>, log: Logger): Promise<{ features: NamedFeature[]; plans: SplitPlan[] }> {
  for (const split of profiled) checkEveryFileNamed(split, split.readers);
  const all = profiled.flatMap((p) => p.profiles);
  const { features, merged } = unifyProfiles(all);
  logJsonMerges(merged, log);
  checkOverridesUsed(overrides, features);
  checkStorable(features, all);
  await measureJsonColumns(profiled, features, overrides);
  return { features, plans: profiled.map((s) => planSplit(s, features)) };
}

/** A file's size (its piece's, for a piece), 0 when it cannot be read (pass 1 says why). Synchronous: thousands of small files cost milliseconds, not a thread-pool round trip each. */
export function sizeOf(file: DataFile): number {
  if (file.piece) return file.piece.end - file.piece.start;
  try {
    return statSync(file.localPath).size;
  } catch {
    return 0;
  }
}

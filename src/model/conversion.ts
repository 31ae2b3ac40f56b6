/**
 * What a conversion hands over to the Hub side: the dataset's features, and
 * per split its rows, its Arrow size (the card's `num_bytes`) and its shard
 * files — each known by its path in the repository and its path on disk.
 * The data layer produces it (data/convert.ts); the hub layer plans and
 * publishes it (hub/plan.ts).
 */
import type { NamedFeature } from "./features.js";

export interface ShardFile {
  /** Path in the repository, e.g. `data/train-00000-of-00001.parquet`. */
  repoPath: string;
  /** Where the shard was written on disk (under the run's output folder). */
  localPath: string;
  bytes: number;
  sha256: string;
  rows: number;
}

export interface ConvertedSplit {
  name: string;
  rows: number;
  /** Arrow in-memory size: the card's `num_bytes`. */
  numBytes: number;
  shards: ShardFile[];
  /** Media files embedded from disk (image and audio datasets), for the summary. */
  media?: SplitMedia;
}

export interface SplitMedia {
  /** Per media column: files embedded and their bytes. */
  columns: { name: string; files: number; bytes: number }[];
  /** A few file names (workspace-relative) per label; the label is "" when there are no labels. */
  examples: { label: string; files: string[] }[];
}

export interface Conversion {
  features: NamedFeature[];
  splits: ConvertedSplit[];
}

/**
 * The contract between the converter and the format readers. Conversion is
 * two passes over each file: `profile` learns the columns' types and sizes
 * (and finds every data error before anything is written), then `open`
 * streams the rows as Arrow column data in the final, unified schema.
 */
import type * as arrow from "apache-arrow";
import type { Feature, NamedFeature } from "../../model/features.js";
import type { SizeStats } from "../model/sizes.js";

/** Reading settings shared by the readers (tests use small chunks to exercise chunk boundaries). */
export interface ReaderOptions {
  /** Bytes read at a time (the buffer grows for a longer record). Default 1 MiB (DEFAULT_CHUNK_BYTES). */
  chunkBytes?: number;
  /**
   * Runs a job of ../workers/jobs.ts on another thread (the encoder
   * threads, idle during pass 1), so pass 1 can read parts of a big file on
   * two threads (./parts.ts). Without it, files are read in one piece.
   */
  background?: BackgroundRunner;
  /** Files from this size up are profiled in parts when `background` is given (default 32 MiB, SPLIT_FROM_BYTES). */
  splitFromBytes?: number;
  /**
   * JSON: read every row with JSON.parse, the reader's reference behaviour,
   * instead of from the bytes. Tests compare the two paths; nothing else sets it.
   */
  jsonParseAll?: boolean;
}

export type BackgroundRunner = (job: string, args: unknown) => Promise<unknown>;

export interface Batch {
  rows: number;
  /** One Arrow array per requested feature, in the requested order. */
  columns: arrow.Data[];
}

export interface BatchCursor {
  /** The next rows (at most `maxRows`), or undefined at the end of the file. */
  next(maxRows: number): Promise<Batch | undefined>;
  close(): Promise<void>;
}

export interface TableReader {
  /** Path shown to users: workspace-relative, `/`-separated. */
  readonly file: string;
  /** Pass 1. `overrides` are the types the user set with the `features` input, by column name. */
  profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile>;
  /** Pass 2: rows converted to `features` (same column set as the profile, possibly another order). */
  open(features: NamedFeature[]): Promise<BatchCursor>;
  /**
   * Whether the file's row groups can go into shards as they are: its columns
   * are exactly those of `stored` (what a shard stores), so pass 2 would
   * change no value (after profile()). Only Parquet files can say yes; the
   * footer-level checks are the copier's (../write/copy.ts).
   */
  storesAs?(stored: arrow.Schema): boolean;
  /** The 1-based line where data row `row` (0-based) starts, for messages about a row found after pass 1 (CSV, JSON). */
  lineOfRow?(row: number): Promise<number | undefined>;
  /**
   * Size counts of some columns in their final `features`, measured by
   * reading the file as pass 2 does: for columns that became Json after pass
   * 1 counted them as something else (in another file, say).
   */
  measure?(features: NamedFeature[]): Promise<SizeStats[]>;
}

export interface ColumnProfile {
  name: string;
  /** Inferred (or overridden) feature; undefined when the file only holds nulls in this column. */
  feature: Feature | undefined;
  /** Size counts: gathered while inferring, or measured from the built data for columns converted in pass 1 (overrides, Parquet). */
  stats: SizeStats;
}

export interface FileProfile {
  /** Path shown to users (workspace-relative, `/`-separated). */
  file: string;
  rows: number;
  columns: ColumnProfile[];
  /** What an all-null column becomes for this format (pandas gives float64 for CSV, pyarrow null for JSON). */
  nullFeature: Feature;
  /** Threads that read the file in pass 1, when more than one. */
  threads?: number;
  /** Readers of media files (read/media/): what pass 2 embeds. */
  media?: MediaProfile;
  /**
   * Whether a column whose values disagree across files becomes `Json`, as
   * datasets' JSON loader makes it (JSON Lines and arrays); otherwise the
   * files must agree (../read/unify.ts).
   */
  mixedToJson?: boolean;
  /** Places of the file's columns that became Json, and why (for the log). */
  jsonPlaces?: { path: string; line: number; why: string }[];
}

/** The media files a file's rows name (or a folder's files), as pass 1 found them. */
export interface MediaProfile {
  /** Bytes of media files each row embeds (all its media columns): shards and row groups are cut by them. */
  rowBytes: Float64Array;
  /** Per media column: files (non-null values) and their bytes. */
  columns: { name: string; files: number; bytes: number }[];
  /** A few file names (workspace-relative) per label, in path order; the label is "" without labels. */
  examples: { label: string; files: string[] }[];
}

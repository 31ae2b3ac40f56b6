/**
 * Pass 1 over a config: every file of every split profiled (column types,
 * size counts, and every data error) before anything is written, and the
 * Arrow size of a profiled file in the final schema.
 */
import type { Logger } from "../../log.js";
import type { Feature, NamedFeature } from "../../model/features.js";
import { formatBytes, formatCount } from "../../units.js";
import { estimateNbytes } from "../model/sizes.js";
import type { DataFile } from "./discover.js";
import type { FileProfile, ReaderOptions, TableReader } from "./reader.js";
import { readerFor } from "./readers.js";

export interface SplitInput {
  name: string;
  files: DataFile[];
}

/** A split after pass 1: its readers (pass 2 reads through them again) and their files' profiles. */
export interface ProfiledSplit extends SplitInput {
  readers: TableReader[];
  profiles: FileProfile[];
}

/**
 * Profiles the files of each split in order, logging a line per file.
 * `planned` gives the readers of each split when they are not one per file
 * (media datasets: media/plan.ts).
 */
export async function profileSplits(
  splits: SplitInput[],
  overrides: ReadonlyMap<string, Feature>,
  options: ReaderOptions,
  log: Logger,
  planned?: TableReader[][],
): Promise<ProfiledSplit[]> {
  const profiled: ProfiledSplit[] = [];
  for (const [s, split] of splits.entries()) {
    const readers = planned?.[s] ?? split.files.map((f) => readerFor(f, options));
    const profiles: FileProfile[] = [];
    for (const reader of readers) {
      const started = Date.now();
      const profile = await reader.profile(overrides);
      const threads = profile.threads ? `, ${profile.threads} threads` : "";
      const media = profile.media ? `, ${profile.media.columns.map((c) => `${formatCount(c.files)} ${c.name} files (${formatBytes(c.bytes)})`).join(", ")} checked` : "";
      log.info(`${split.name}: read ${reader.file} — ${formatCount(profile.rows)} rows, ${profile.columns.length} columns${media} (${Date.now() - started} ms${threads})`);
      profiles.push(profile);
    }
    profiled.push({ ...split, readers, profiles });
  }
  return profiled;
}

/** Arrow size of one file's rows in the final schema. */
export function profileNbytes(profile: FileProfile, features: NamedFeature[]): number {
  let total = 0;
  for (const f of features) {
    const column = profile.columns.find((c) => c.name === f.name);
    total += estimateNbytes(f.feature, column?.stats, profile.rows);
  }
  return total;
}

/**
 * Pass 1 over a config: every file of every split profiled (column types,
 * size counts, and every data error) before anything is written, and the
 * Arrow size of a profiled file in the final schema.
 */
import type { Logger } from "../../log.js";
import { type Feature, type NamedFeature, containsJson, featureToString } from "../../model/features.js";
import { formatBytes, formatCount } from "../../units.js";
import { estimateNbytes } from "../model/sizes.js";
import type { SplitSchema } from "./unify.js";
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
      for (const p of profile.jsonPlaces ?? [])
        log.info(`${split.name}: ${reader.file}: '${p.path}' holds ${p.why}: it is a Json feature (each value kept as JSON text), as datasets makes it`);
      profiles.push(profile);
    }
    profiled.push({ ...split, readers, profiles });
  }
  return profiled;
}

/** Logs the places that became Json because the files disagree there (each file alone would not make them Json). */
export function logJsonMerges(merged: SplitSchema["merged"], log: Logger): void {
  for (const m of merged)
    log.info(
      `'${m.path}' is ${featureToString(m.a)} in ${m.fileA} but ${featureToString(m.b)} in ${m.fileB}: ` +
        `it is a Json feature (each value kept as JSON text), as datasets makes values that disagree`,
    );
}

/**
 * The size counts of columns whose final type holds an inferred Json (not
 * set by `features`), measured again as pass 2 will write them: pass 1
 * counted their values as what each file alone made of them.
 */
export async function measureJsonColumns(splits: ProfiledSplit[], features: NamedFeature[], overrides: ReadonlyMap<string, Feature>): Promise<void> {
  const wanted = features.filter((f) => containsJson(f.feature) && !overrides.has(f.name));
  if (wanted.length === 0) return;
  for (const split of splits)
    for (const [i, reader] of split.readers.entries()) {
      const profile = split.profiles[i]!;
      if (!reader.measure) continue;
      const stats = await reader.measure(wanted);
      wanted.forEach((f, k) => {
        const column = profile.columns.find((c) => c.name === f.name);
        if (column) column.stats = stats[k]!;
      });
    }
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

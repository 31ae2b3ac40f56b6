/**
 * Pass 1 over a config: every file of every split profiled (column types,
 * size counts, and every data error) before anything is written, and the
 * Arrow size of a profiled file in the final schema.
 *
 * A file with bad data does not stop the pass: the other files are read
 * too, so one run reports the errors of every file (DataErrors).
 */
import type { Logger } from "../../log.js";
import { type Feature, type NamedFeature, containsJson, featureToString } from "../../model/features.js";
import { ProgressReporter } from "../../progress.js";
import { formatBytes, formatCount } from "../../units.js";
import { DataError, throwDataErrors } from "../errors.js";
import { estimateNbytes } from "../model/sizes.js";
import type { SplitSchema } from "./unify.js";
import type { DataFile } from "./discover.js";
import type { ColumnProfile, FileProfile, ReaderOptions, TableReader } from "./reader.js";
import { readerFor } from "./readers.js";
import { splitMedia } from "./media/summary.js";

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
 * What pass 2 needs of a split once the schema is known: its readers, and
 * each file's rows and Arrow size in that schema. The profiles themselves
 * are then let go: with thousands of files they are most of what the
 * conversion holds.
 */
export interface SplitPlan extends SplitInput {
  readers: TableReader[];
  fileRows: number[];
  fileNbytes: number[];
  /** Media datasets: the columns built from files (indexes into the features), the bytes of files each row embeds, the summary. */
  media?: { columns: number[]; rowBytes: Float64Array; summary: NonNullable<ReturnType<typeof splitMedia>> };
}

export function planSplit(split: ProfiledSplit, features: NamedFeature[]): SplitPlan {
  const { name, files, readers, profiles } = split;
  const plan: SplitPlan = { name, files, readers, fileRows: profiles.map((p) => p.rows), fileNbytes: profiles.map((p) => profileNbytes(p, features)) };
  const columns = features
    .map((f, i) => (profiles.some((p) => p.columns.some((c) => c.name === f.name && c.stats.embedded !== undefined)) ? i : -1))
    .filter((i) => i >= 0);
  const summary = splitMedia(profiles.map((p) => p.media));
  if (columns.length > 0 && summary) plan.media = { columns, rowBytes: fileBytesPerRow(profiles), summary };
  return plan;
}

/** The bytes of the media files each row of a split embeds (all its media columns). */
function fileBytesPerRow(profiles: FileProfile[]): Float64Array {
  const out = new Float64Array(profiles.reduce((n, p) => n + p.rows, 0));
  let at = 0;
  for (const p of profiles) {
    if (p.media) out.set(p.media.rowBytes.subarray(0, p.rows), at);
    at += p.rows;
  }
  return out;
}

export interface ProfileLog {
  log: Logger;
  /** Bytes of each split's files, in order (for progress lines). */
  fileBytes: number[][];
  /** Minimum time between two progress lines (default 10 s). */
  progressIntervalMs?: number;
}

/**
 * Profiles the files of each split in order. The log gets one line per
 * split (per file at debug level, or when the split has one file) and a
 * progress line at most every 10 s. `planned` gives the readers of each
 * split when they are not one per file (media datasets: media/plan.ts).
 */
export async function profileSplits(
  splits: SplitInput[],
  overrides: ReadonlyMap<string, Feature>,
  options: ReaderOptions,
  { log, fileBytes, progressIntervalMs }: ProfileLog,
  planned?: TableReader[][],
): Promise<ProfiledSplit[]> {
  const profiled: ProfiledSplit[] = [];
  const errors: DataError[] = [];
  const shared = new Shared();
  for (const [s, split] of splits.entries()) {
    const started = Date.now();
    const readers = planned?.[s] ?? split.files.map((f) => readerFor(f, options));
    const profiles: FileProfile[] = [];
    const bytes = fileBytes[s] ?? [];
    const total = bytes.reduce((a, b) => a + b, 0);
    // Media datasets have a reader per folder or metadata file: progress counts their files' bytes at the end.
    const perFile = readers.length === bytes.length;
    const progress = new ProgressReporter({ log, label: `Reading ${split.name}`, intervalMs: progressIntervalMs });
    const one = readers.length === 1;
    let done = 0;
    let rows = 0;
    let failed = 0;
    for (const [i, reader] of readers.entries()) {
      const fileStarted = Date.now();
      try {
        const profile = await reader.profile(overrides);
        const threads = profile.threads ? `, ${profile.threads} threads` : "";
        const media = profile.media ? `, ${profile.media.columns.map((c) => `${formatCount(c.files)} ${c.name} files (${formatBytes(c.bytes)})`).join(", ")} checked` : "";
        const line = `${split.name}: read ${reader.file} — ${formatCount(profile.rows)} rows, ${profile.columns.length} columns${media} (${Date.now() - fileStarted} ms${threads})`;
        if (one) log.info(line);
        else log.debug(line);
        for (const p of profile.jsonPlaces ?? [])
          log.info(`${split.name}: ${reader.file}: '${p.path}' holds ${p.why}: it is a Json feature (each value kept as JSON text), as datasets makes it`);
        profiles.push(shared.profile(profile));
        rows += profile.rows;
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        errors.push(e);
        failed++;
        log.debug(`${split.name}: ${e.message}`);
      }
      done = perFile ? done + (bytes[i] ?? 0) : i === readers.length - 1 ? total : done;
      if (!one) progress.update(done, total, false, () => ` · ${formatCount(i + 1)} of ${formatCount(readers.length)} files · ${formatCount(rows)} rows`);
    }
    if (!one) {
      const columns = profiles[0] ? `, ${profiles[0].columns.length} columns` : "";
      const bad = failed > 0 ? `; ${formatCount(failed)} with errors` : "";
      log.info(`${split.name}: read ${formatCount(readers.length)} files — ${formatCount(rows)} rows${columns}, ${formatBytes(total)} (${seconds(started)} s)${bad}`);
    }
    profiled.push({ ...split, readers, profiles });
  }
  throwDataErrors(errors);
  return profiled;
}

/**
 * One copy of each column name and plain type across the profiles: they are
 * kept until the end, and 30,000 files would otherwise hold 30,000 copies of
 * each (about a third of what a profile takes).
 */
class Shared {
  private readonly names = new Map<string, string>();
  private readonly values = new Map<string, Feature>();

  profile(p: FileProfile): FileProfile {
    const columns: ColumnProfile[] = p.columns.map((c) => ({ name: this.name(c.name), feature: c.feature && this.feature(c.feature), stats: c.stats }));
    return { ...p, columns, nullFeature: this.feature(p.nullFeature) };
  }

  private name(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    this.names.set(name, name);
    return name;
  }

  /** Plain types only (`value`): nested ones are rarer and costlier to key. */
  private feature(f: Feature): Feature {
    if (f.kind !== "value") return f;
    const known = this.values.get(f.dtype);
    if (known) return known;
    this.values.set(f.dtype, f);
    return f;
  }
}

function seconds(since: number): string {
  return (Math.max(1, Date.now() - since) / 1000).toFixed(1);
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

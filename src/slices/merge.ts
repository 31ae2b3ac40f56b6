/**
 * The commit job's view of the prepare jobs' manifests: checked (every slice
 * 1..n exactly once, the same settings, schemas one run could have made), then
 * put end to end in slice order as ONE conversion — the shards named as one
 * run names them (`{split}-{i:05d}-of-{N:05d}.parquet`, i counting across
 * slices), rows and `num_bytes` summed — that the usual planner and publisher
 * commit by reference (docs/slices.md#commit).
 */
import type { Conversion, ConvertedSplit, ShardFile } from "../model/conversion.js";
import { type NamedFeature, featureToString, featuresEqual } from "../model/features.js";
import { shardPath } from "../data/write/shards.js";
import { type Manifest, ManifestError, type ManifestPiece, type ManifestSettings, featuresFromManifest } from "./manifest.js";
import { sliceName } from "./slice.js";

export interface ManifestFile {
  /** Where it was read from, for messages. */
  file: string;
  manifest: Manifest;
}

export interface MergedSlices {
  settings: ManifestSettings;
  count: number;
  /** The shards by reference: `localPath` is empty, their content is in the repository's storage already. */
  conversion: Conversion;
  /** Source files per split, over all slices. */
  inputFiles: Map<string, number>;
}

/** Settings as users know them (the action inputs), for messages. */
const SETTING_NAMES: Record<keyof ManifestSettings, string> = {
  repo: "repo",
  config: "config",
  dataDir: "config (its folder)",
  splits: "split names (paths/split/splits)",
  replaceAllSplits: "paths or splits",
  format: "format",
  featuresInput: "features",
  maxShardSize: "max-shard-size",
  compression: "compression",
  inputFiles: "the matched files (paths/splits, or the checkout: every prepare job must see the same files)",
  endpoint: "endpoint",
  private: "private",
  dryRun: "dry-run",
  sourceCommit: "the commit checked out (GITHUB_SHA: manifests of another workflow run?)",
};

export function mergeManifests(files: ManifestFile[]): MergedSlices {
  if (files.length === 0) throw new ManifestError("no manifests to commit");
  const ordered = checkSlices(files);
  const settings = checkSettings(ordered);
  for (const name of settings.splits) checkPieces(ordered, name);
  const features = unifyFeatures(ordered);
  const splits: ConvertedSplit[] = settings.splits.map((name) => {
    const parts = ordered.map((m) => m.manifest.splits.find((s) => s.name === name)).filter((s) => s !== undefined);
    const count = parts.reduce((n, p) => n + p.shards.length, 0);
    let index = 0;
    const shards: ShardFile[] = parts.flatMap((p) =>
      p.shards.map((s) => ({ repoPath: shardPath(settings.dataDir, name, index++, count), localPath: "", bytes: s.size, sha256: s.sha256, rows: s.rows })),
    );
    if (shards.length === 0) throw new ManifestError(`no slice holds rows of split '${name}'`);
    return { name, rows: parts.reduce((n, p) => n + p.rows, 0), numBytes: parts.reduce((n, p) => n + p.numBytes, 0), shards };
  });
  // A file cut between slices counts once.
  const inputFiles = new Map(settings.splits.map((name) => [name, new Set(ordered.flatMap((m) => m.manifest.splits.find((s) => s.name === name)?.files ?? [])).size]));
  return { settings, count: ordered.length, conversion: { features, splits }, inputFiles };
}

/** The manifests in slice order, when every slice 1..n is there exactly once. */
function checkSlices(files: ManifestFile[]): ManifestFile[] {
  const counts = groupBy(files, (f) => f.manifest.slice.count);
  if (counts.size > 1)
    throw new ManifestError(
      `the manifests come from runs cut into different numbers of slices: ${[...counts].map(([n, fs]) => `${n} (${listNames(fs.map((f) => f.file))})`).join(", ")}; commit the manifests of one matrix`,
    );
  const count = files[0]!.manifest.slice.count;
  const byIndex = groupBy(files, (f) => f.manifest.slice.index);
  const twice = [...byIndex].filter(([, fs]) => fs.length > 1);
  if (twice.length > 0)
    throw new ManifestError(
      `${twice.map(([i, fs]) => `slice ${i}/${count} appears ${fs.length} times (${listNames(fs.map((f) => f.file))})`).join("; ")}: each slice's manifest must be given once (an artifact downloaded twice, or two matrices?)`,
    );
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new ManifestError(
      `${missing.length === 1 ? "slice" : "slices"} ${listNames(missing.map((i) => `${i}/${count}`))} of ${count} ${missing.length === 1 ? "is" : "are"} missing (${files.length} manifests found): re-run the failed prepare ${missing.length === 1 ? "job" : "jobs"}, then the commit; nothing was committed`,
    );
  return [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)![0]!);
}

function checkSettings(ordered: ManifestFile[]): ManifestSettings {
  const first = ordered[0]!.manifest.settings;
  for (const key of Object.keys(SETTING_NAMES) as (keyof ManifestSettings)[]) {
    const groups = groupBy(ordered, (m) => JSON.stringify(m.manifest.settings[key] ?? null));
    if (groups.size > 1) {
      const count = ordered.length;
      const what = [...groups].map(([value, ms]) => `${shorten(value)} in ${describeSlices(ms.map((m) => m.manifest.slice.index), count)}`).join(", ");
      throw new ManifestError(`the slices were prepared with different settings: ${SETTING_NAMES[key]} is ${what}; run every prepare job with the same inputs`);
    }
  }
  return first;
}

/**
 * The features of the whole dataset from the slices' own: the same columns in
 * the same order, each of one type. Unlike one run, the commit cannot unify
 * types: the shards are written and uploaded. Even a column all null in some
 * slices (typed `null` there) is refused: those shards would store a null
 * column, which pyarrow, pandas and DuckDB cannot read together with the
 * others' typed one. The error names the columns and slices, and the fix.
 */
function unifyFeatures(ordered: ManifestFile[]): NamedFeature[] {
  const count = ordered.length;
  const withRows = ordered.filter((m) => m.manifest.features !== null);
  if (withRows.length === 0) return [];
  const slices = withRows.map((m) => ({ index: m.manifest.slice.index, features: featuresFromManifest(m.manifest.features!, m.file) }));
  const names = slices[0]!.features.map((f) => f.name).join("\u0000");
  const columnsDiffer = slices.filter((s) => s.features.map((f) => f.name).join("\u0000") !== names);
  if (columnsDiffer.length > 0) {
    const columns = (s: (typeof slices)[number]) => s.features.map((f) => f.name).join(", ");
    const odd = columnsDiffer[0]!;
    throw new ManifestError(
      `the slices' files have different columns: slice ${slices[0]!.index}/${count} has [${columns(slices[0]!)}], slice ${odd.index}/${count} has [${columns(odd)}]; one run would fail the same way`,
    );
  }
  const problems: string[] = [];
  let example: { name: string; dtype: string } | undefined;
  const features = slices[0]!.features.map((column, c) => {
    const kinds: { feature: NamedFeature; slices: number[] }[] = [];
    for (const s of slices) {
      const f = s.features[c]!;
      const same = kinds.find((k) => featuresEqual(k.feature.feature, f.feature));
      if (same) same.slices.push(s.index);
      else kinds.push({ feature: f, slices: [s.index] });
    }
    if (kinds.length === 1) return kinds[0]!.feature;
    example ??= { name: column.name, dtype: typeHoldingAll(kinds.map((k) => k.feature)) };
    const describe = (k: (typeof kinds)[number]) => `${isNull(k.feature) ? "null (no value at all)" : featureToString(k.feature.feature)} in ${describeSlices(k.slices, count)}`;
    problems.push(`column '${column.name}' is ${kinds.map(describe).join(", ")}`);
    return column;
  });
  if (problems.length > 0)
    throw new ManifestError(
      `the slices' schemas differ and their shards cannot be rewritten by the commit: ${problems.join("; ")}. One run reads all files together and would have chosen one type${cutFilesNote(ordered)}; set the type of ${problems.length === 1 ? "this column" : "these columns"} in the 'features' input of every prepare job (e.g. '- name: ${example!.name}\\n  dtype: ${example!.dtype}'), and run the prepare jobs again`,
    );
  return features;
}

/** A type an example `features` entry can suggest for a column typed differently by the slices: float64 for numbers, else the first typed one's. */
function typeHoldingAll(features: NamedFeature[]): string {
  const typed = features.filter((f) => !isNull(f)).map((f) => f.feature);
  const dtypes = typed.map((f) => (f.kind === "value" ? f.dtype : undefined));
  if (dtypes.every((d) => d !== undefined && /^(u?int\d+|float\d+)$/.test(d))) return dtypes.length === 1 ? dtypes[0]! : "float64";
  return typed[0] ? featureToString(typed[0]) : "string";
}

/** When files were cut between slices, each piece was typed by its own job: say so (a column with a few empty cells in one piece, say). */
function cutFilesNote(ordered: ManifestFile[]): string {
  const cut = [...new Set(ordered.flatMap((m) => m.manifest.splits.flatMap((s) => (s.pieces ?? []).map((p) => p.file))))];
  if (cut.length === 0) return "";
  return ` (${cut.length === 1 ? `${cut[0]} was cut between slices, and each piece` : `${cut.slice(0, 3).join(", ")}${cut.length > 3 ? ", ..." : ""} were cut between slices, and each piece`} was typed by its own job)`;
}

/**
 * A file in more than one slice must be cut into pieces that follow each
 * other and cover it (the first from byte 0, each next from where the one
 * before ends, the last to its end): else the jobs disagreed on the cuts
 * (different versions of the action, or checkouts), and rows would be lost or
 * repeated.
 */
function checkPieces(ordered: ManifestFile[], split: string): void {
  const count = ordered.length;
  const seen = new Map<string, { slice: number; piece: ManifestPiece | undefined }[]>();
  for (const m of ordered) {
    const s = m.manifest.splits.find((x) => x.name === split);
    for (const file of s?.files ?? []) {
      const list = seen.get(file) ?? [];
      list.push({ slice: m.manifest.slice.index, piece: s!.pieces?.find((p) => p.file === file) });
      seen.set(file, list);
    }
  }
  for (const [file, list] of seen) {
    const at = (k: number) => sliceName({ index: list[k]!.slice, count });
    const fail = (what: string) => {
      throw new ManifestError(
        `the prepare jobs cut ${split} file ${file} differently: ${what}, so rows would be lost or repeated; run every prepare job with the same version of the action on the same checkout, then the commit`,
      );
    };
    if (list.length === 1 && !list[0]!.piece) continue;
    const whole = list.flatMap((x, k) => (x.piece ? [] : [at(k)]));
    if (whole.length > 1) fail(`slices ${whole.join(", ")} each hold all of it`);
    if (whole.length === 1) fail(`slice ${whole[0]} holds all of it, and ${list.filter((x) => x.piece).map((x) => sliceName({ index: x.slice, count })).join(", ")} hold pieces of it`);
    const pieces = list.map((x) => x.piece!);
    if (pieces[0]!.start !== 0) fail(`its first piece (slice ${at(0)}) starts at byte ${pieces[0]!.start}`);
    for (let k = 1; k < pieces.length; k++)
      if (pieces[k]!.start !== pieces[k - 1]!.end) fail(`slice ${at(k - 1)} ends its piece at byte ${pieces[k - 1]!.end}, slice ${at(k)} starts the next at byte ${pieces[k]!.start}`);
    const last = pieces[pieces.length - 1]!;
    if (last.end !== last.size) fail(`its last piece (slice ${at(pieces.length - 1)}) ends at byte ${last.end} of ${last.size}`);
  }
}

/** Items by key, in order of first appearance. */
function groupBy<K, V>(items: V[], key: (item: V) => K): Map<K, V[]> {
  const groups = new Map<K, V[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function isNull(f: NamedFeature): boolean {
  return f.feature.kind === "value" && f.feature.dtype === "null";
}

/** `slice 3/8` or `slices 1/8, 2/8, 5/8` (the first few when there are many). */
function describeSlices(indexes: number[], count: number): string {
  return `${indexes.length === 1 ? "slice" : "slices"} ${listNames(indexes.map((i) => sliceName({ index: i, count })))}`;
}

function listNames(names: string[]): string {
  return names.length <= 6 ? names.join(", ") : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
}

function shorten(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 77)}...`;
}

/**
 * One run of the action, start to end, as a plain function:
 * inputs → input files read → discover files → convert → plan → publish
 * (or dry run). Split over jobs (docs/slices.md), `prepare` stops after
 * converting its slice and uploading the shards, writing a manifest, and
 * `commit` starts from the manifests instead of the files. main.ts wraps it
 * with @actions/core (groups, outputs, summary, failures); tests and the
 * local CLI call it directly.
 *
 * It is also where the layers' errors about settings become errors on the
 * action input that holds the setting: the data layer knows globs and type
 * overrides, not inputs (FileSelectionError → `paths` or `splits`,
 * OverrideError → `features`).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { convert } from "./data/convert.js";
import type { Conversion } from "./model/conversion.js";
import { type DataFile, discoverFiles, normalizePattern } from "./data/read/discover.js";
import { inferSplits } from "./data/read/media/folders.js";
import { isMediaFile } from "./data/read/media/plan.js";
import { FileSelectionError, OverrideError } from "./data/errors.js";
import { InputError } from "./errors.js";
import type { HubContext } from "./hub/api.js";
import { createHubFetch } from "./hub/http.js";
import type { Operation, Plan } from "./hub/plan.js";
import { type PublishResult, type UploadProgress, type UploadReport, planOnly, publish, uploadOnly } from "./hub/publish.js";
import type { RetryPolicy } from "./hub/retry.js";
import type { Settings } from "./inputs.js";
import type { Logger } from "./log.js";
import { ProgressReporter } from "./progress.js";
import { formatBytes, formatCount } from "./units.js";
import { buildManifest, featuresToManifest, inputFilesDigest, ManifestError, type ManifestSettings } from "./slices/manifest.js";
import { readManifests, writeManifest } from "./slices/files.js";
import { mergeManifests } from "./slices/merge.js";
import { sliceName } from "./slices/slice.js";
import { jobFiles } from "./slices/job-files.js";

export interface PipelineDeps {
  log: Logger;
  /** Runs a phase; main.ts makes it a collapsible log group. */
  group: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  /** `owner/repo` on GitHub, for the generated card body. */
  source?: string;
  /** Default commit description (a link to the workflow run). */
  runDescription?: string;
  /** Minimum time between two progress lines (default 10 s). */
  progressIntervalMs?: number;
  /** Retries of Hub requests and commits (tests shorten the waits). */
  retryPolicy?: Partial<RetryPolicy>;
  /** The fetch Hub requests go out through (default: the global one; tests make it fail on cue). */
  fetch?: typeof fetch;
  /** Told of secrets the run receives from the Hub (Xet access tokens); main.ts masks them in the log. */
  maskSecret?: (value: string) => void;
  /** Most files per commit (default: the Hub's limit; tests make it small). */
  maxFilesPerCommit?: number;
}

export interface RunResult {
  settings: Settings;
  files: { split: string; files: DataFile[] }[];
  conversion: Conversion | undefined;
  plan: Plan | undefined;
  publish: PublishResult | undefined;
  /** Folder holding the shards and README.md of this run. */
  outputDir: string;
  repoUrl: string;
  /** Hub API requests sent. */
  requests: number;
  /** `prepare`: the manifest written, and what its shards' upload sent. */
  manifest?: string;
  sliceUpload?: UploadReport;
  /** `commit`: how many slices the commit gathered, and their source files per split. */
  slices?: number;
  sliceInputFiles?: Map<string, number>;
}

export async function runPipeline(settings: Settings, deps: PipelineDeps): Promise<RunResult> {
  const { log, group } = deps;
  const repoUrl = `${settings.endpoint}/datasets/${settings.repo}`;
  // A dry run only reads, to show the plan: if the Hub cannot be reached, say so soon and plan as new.
  const policy = settings.dryRun ? { maxAttempts: 2, requestTimeoutMs: 30_000, ...deps.retryPolicy } : deps.retryPolicy;
  const hubFetch = createHubFetch({ policy, log, baseFetch: deps.fetch });
  const hub: HubContext = { endpoint: settings.endpoint, token: settings.token, fetch: hubFetch.fetch, secret: deps.maskSecret };
  const result: RunResult = {
    settings,
    files: [],
    conversion: undefined,
    plan: undefined,
    publish: undefined,
    outputDir: settings.outputDir ?? "",
    repoUrl,
    requests: 0,
  };

  let operation: Operation;
  if (settings.operation === "delete-config") {
    operation = { kind: "delete-config", config: settings.config, dataDir: settings.dataDir };
  } else if (settings.operation === "commit") {
    const cardBody = settings.cardBody === undefined ? undefined : await readCardBody(settings.cardBody);
    const merged = await group("Gather the slices", () => gatherSlices(settings, log));
    result.conversion = merged.conversion;
    result.slices = merged.count;
    result.sliceInputFiles = merged.inputFiles;
    operation = { kind: "push", request: pushRequest(settings, merged.conversion, merged.replaceAllSplits, cardBody, deps.source) };
  } else {
    // Every input file is read now, so a bad one fails the run before minutes of conversion.
    const cardBody = settings.cardBody === undefined ? undefined : await readCardBody(settings.cardBody);
    result.files = await group("Find data files", () => findFiles(settings, log));
    if (result.files.every((s) => s.files.length === 0)) return result; // if-no-files-found said carry on
    if (settings.operation === "prepare") return prepareSlice(settings, result, deps, hub);
    result.outputDir = await prepareOutputDir(settings);
    const conversion = await group("Convert to Parquet", () => convertFiles(settings, result.files, result.outputDir, deps));
    result.conversion = conversion;
    operation = { kind: "push", request: pushRequest(settings, conversion, settings.replaceAllSplits, cardBody, deps.source) };
  }

  try {
    if (settings.dryRun) {
      result.plan = await group("Plan (dry run: nothing is sent)", () =>
        planOnly({ hub, repo: settings.repo, branch: settings.branch, operation, log }),
      );
      if (result.plan.readme !== undefined) {
        if (!result.outputDir) result.outputDir = await prepareOutputDir(settings);
        await writeFile(path.join(result.outputDir, "README.md"), result.plan.readme);
      }
    } else {
      result.publish = await group(settings.createPr ? "Publish (pull request)" : "Publish", () =>
        publish({
          hub,
          repo: settings.repo,
          branch: settings.branch,
          createPr: settings.createPr,
          private: settings.private,
          commitMessage: settings.commitMessage,
          commitDescription: settings.commitDescription ?? deps.runDescription,
          tag: settings.tag,
          operation,
          log,
          onUploadProgress: uploadProgress(deps),
          retryPolicy: policy,
          xet: settings.xet,
          uploadedElsewhere: settings.operation === "commit",
          maxFilesPerCommit: deps.maxFilesPerCommit,
        }),
      );
      result.plan = result.publish.plan;
    }
  } finally {
    result.requests = hubFetch.requests;
    log.info(`Hub API requests: ${hubFetch.requests} (the Hub allows about 1000 per 5 minutes).`);
  }
  return result;
}

function pushRequest(settings: Settings, conversion: Conversion, replaceAllSplits: boolean, cardBody: string | undefined, source: string | undefined) {
  return {
    repo: settings.repo,
    config: settings.config,
    dataDir: settings.dataDir,
    conversion,
    replaceAllSplits,
    setDefault: settings.setDefault,
    cardMetadata: settings.cardMetadata,
    cardBody,
    source,
  };
}

function convertFiles(settings: Settings, files: RunResult["files"], outputDir: string, deps: PipelineDeps): Promise<Conversion> {
  return onInput("features", OverrideError, () =>
    convert({
      splits: files.map((s) => ({ name: s.split, files: s.files })),
      dataDir: settings.dataDir,
      outputDir,
      overrides: settings.features,
      maxShardSize: settings.maxShardSize,
      numShards: settings.numShards,
      compression: settings.compression,
      log: deps.log,
      progressIntervalMs: deps.progressIntervalMs,
      workspace: settings.workspace,
    }),
  );
}

/**
 * `prepare`: this job's slice of the matched files, converted, its shards
 * uploaded (not committed) and its manifest written (docs/slices.md).
 */
async function prepareSlice(settings: Settings, result: RunResult, deps: PipelineDeps, hub: HubContext): Promise<RunResult> {
  const { log, group } = deps;
  const slice = settings.slice!;
  if (result.files.some((s) => s.files.some(isMediaFile)))
    throw new InputError(settings.replaceAllSplits ? "splits" : "paths", "image and audio folders cannot be prepared in slices yet (their metadata files and labels span the folder): publish them with operation 'push'");
  const { files, fileSize, lines } = await jobFiles(result.files, slice);
  for (const line of lines) log.info(line);
  const manifestSettings: ManifestSettings = {
    repo: settings.repo,
    config: settings.config,
    dataDir: settings.dataDir,
    splits: result.files.map((s) => s.split),
    replaceAllSplits: settings.replaceAllSplits,
    format: settings.format,
    featuresInput: settings.features ? featuresToManifest(settings.features) : null,
    maxShardSize: settings.maxShardSize,
    compression: settings.compression,
    inputFiles: inputFilesDigest(result.files.map((s) => ({ split: s.split, files: s.files.map((f) => ({ file: f.file, size: fileSize(f) })) }))),
    endpoint: settings.endpoint,
    private: settings.private,
    dryRun: settings.dryRun,
    sourceCommit: settings.sourceCommit ?? null,
  };
  result.outputDir = await prepareOutputDir(settings);
  if (files.length > 0) result.conversion = await group("Convert to Parquet", () => convertFiles(settings, files, result.outputDir, deps));
  else log.info("This slice has no files (more slices than files, or its boundaries met at the same place in a big file): its manifest says so.");

  const shards = result.conversion?.splits.flatMap((s) => s.shards) ?? [];
  if (shards.length > 0) log.info(`The shards' names here are this slice's own: the commit job names them across all slices.`);
  if (settings.dryRun) log.info(`Dry run: ${shards.length} shards written to ${result.outputDir}; nothing was sent to the Hub.`);
  else if (shards.length > 0) {
    result.sliceUpload = await group("Upload the slice's shards (no commit)", () =>
      uploadOnly(
        {
          hub,
          repo: settings.repo,
          branch: settings.branch,
          createPr: settings.createPr,
          private: settings.private,
          log,
          xet: settings.xet,
          onUploadProgress: uploadProgress(deps),
        },
        shards,
      ),
    );
  }
  const manifest = buildManifest(
    slice,
    manifestSettings,
    result.conversion,
    files.map((s) => ({
      split: s.split,
      files: s.files.map((f) => f.file),
      pieces: s.files.flatMap((f) => (f.piece ? [{ file: f.file, start: f.piece.start, end: f.piece.end, size: fileSize(f) }] : [])),
    })),
  );
  await writeManifest(settings.manifest!, manifest);
  result.manifest = settings.manifest;
  log.info(`Manifest of slice ${sliceName(slice)} written to ${settings.manifest}: upload it as an artifact for the commit job.`);
  return result;
}

/** `commit`: the prepare jobs' manifests, checked and put end to end; their repo and config must be this job's. */
async function gatherSlices(settings: Settings, log: Logger) {
  let merged;
  try {
    merged = mergeManifests(await readManifests(settings.manifests!, settings.workspace));
  } catch (e) {
    if (e instanceof ManifestError) throw new InputError("manifests", e.message);
    throw e;
  }
  const agree = [
    ["repo", settings.repo, merged.settings.repo],
    ["config", settings.config, merged.settings.config],
    ["endpoint", settings.endpoint, merged.settings.endpoint],
    ["private", settings.private, merged.settings.private],
  ] as const;
  for (const [input, mine, theirs] of agree)
    if (mine !== theirs) throw new InputError(input, `the slices were prepared with ${input} '${theirs}', this job has '${mine}': give the commit job and every prepare job the same ${input}`);
  if (merged.settings.dryRun && !settings.dryRun)
    throw new InputError("manifests", "the slices were prepared with dry-run: true, so nothing was uploaded and there is nothing to commit; run the prepare jobs without dry-run, then the commit");
  const c = merged.conversion;
  const rows = c.splits.reduce((n, s) => n + s.rows, 0);
  const shards = c.splits.reduce((n, s) => n + s.shards.length, 0);
  const total = c.splits.length > 1 ? ` (${formatCount(rows)} rows, ${formatCount(shards)} shards)` : "";
  log.info(`Gathered ${merged.count} slices: ${c.splits.map((s) => `${s.name} ${formatCount(s.rows)} rows in ${s.shards.length} shards`).join(", ")}${total}.`);
  log.info("The prepare jobs uploaded the shards: this job commits them by reference and uploads only the card.");
  return { conversion: c, count: merged.count, replaceAllSplits: merged.settings.replaceAllSplits, inputFiles: merged.inputFiles };
}

/** Progress lines of an upload: content dealt with of the total, and what went over the wire. */
function uploadProgress(deps: PipelineDeps): (p: UploadProgress) => void {
  const uploads = new ProgressReporter({ log: deps.log, label: "Uploading shards", intervalMs: deps.progressIntervalMs });
  return (p) => uploads.update(p.doneBytes, p.totalBytes, p.doneBytes === p.totalBytes, () => ` · ${formatBytes(p.sentBytes)} sent`);
}

async function findFiles(settings: Settings, log: Logger): Promise<RunResult["files"]> {
  let found: RunResult["files"] = [];
  const input = settings.replaceAllSplits ? "splits" : "paths";
  for (const split of settings.splits) {
    const ignored: string[] = [];
    const files = await onInput(input, FileSelectionError, () => discoverFiles(split.globs, settings.workspace, settings.format, ignored));
    if (ignored.length > 0) {
      const leftOut = ignored.length > LISTED_FILES ? `${formatCount(ignored.length)} files (${listFiles(ignored)})` : listFiles(ignored);
      log.info(`${split.name}: left out ${leftOut}: neither ${settings.format === "audiofolder" ? "audio" : "images or audio"} nor metadata files`);
    }
    found.push({ split: split.name, files });
  }
  const root = await mediaRoot(settings, found);
  if (root !== undefined) {
    found = await onInput(input, FileSelectionError, async () => inferSplits(found[0]!.files, root).map((s) => ({ split: s.name, files: s.files })));
    log.info(`Splits from the folder names under ${root}/: ${found.map((s) => `${s.split} (${s.files.length} files)`).join(", ")}`);
  }
  for (const { split, files } of found) {
    log.info(`${split}: ${describeFiles(files)}`);
    if (files.length > LISTED_FILES) for (const f of files) log.debug(`${split}: ${f.file}`);
  }
  const empty = found.filter((s) => s.files.length === 0);
  if (empty.length === 0) return found;
  const what = `no files match the globs of split${empty.length > 1 ? "s" : ""} ${empty.map((s) => `'${s.split}'`).join(", ")}`;
  if (empty.length < found.length)
    // Publishing the other splits alone would silently drop this one from the card: never guess.
    throw new InputError(input, `${what} (globs are relative to the repository root)`);
  if (settings.ifNoFilesFound === "error") throw new InputError(input, `${what} (globs are relative to the repository root; set if-no-files-found to warn or ignore to allow this)`);
  if (settings.ifNoFilesFound === "warn") log.warning(`${what}; nothing to publish.`);
  else log.info(`${what}; nothing to publish.`);
  return found;
}

/** Files named in a log line; past that, the first and last few, and every one at debug level. */
const LISTED_FILES = 10;

/** A list of file names for the log: the first and last few when there are many (media folders hold thousands). */
function listFiles(names: string[]): string {
  if (names.length <= LISTED_FILES) return names.join(", ");
  return `${names.slice(0, 3).join(", ")}, …, ${names.slice(-2).join(", ")}`;
}

function describeFiles(files: DataFile[]): string {
  if (files.length === 0) return "0 file(s)";
  if (files.length <= LISTED_FILES) return `${files.length} file(s): ${listFiles(files.map((f) => f.file))}`;
  return `${formatCount(files.length)} files: ${listFiles(files.map((f) => f.file))}`;
}

/**
 * The folder whose split folders name the splits, when Python would look for
 * them: `paths` is one folder of media files and `split` is not set.
 */
async function mediaRoot(settings: Settings, found: RunResult["files"]): Promise<string | undefined> {
  const globs = settings.splits[0]?.globs ?? [];
  if (!settings.inferSplits || globs.length !== 1 || !found[0]?.files.some(isMediaFile)) return undefined;
  const folder = normalizePattern(globs[0]!.trim()).replace(/\/+$/, "");
  const isFolder = await stat(path.join(settings.workspace, folder)).then((s) => s.isDirectory(), () => false);
  return isFolder ? folder : undefined;
}

const SHARD_NAME = /^[\w.]+-\d{5}-of-\d{5}\.parquet$/;

/**
 * A fresh folder per run by default; a folder the user named is reused, with
 * only the shards and card an earlier run of this config left there removed.
 */
async function prepareOutputDir(settings: Settings): Promise<string> {
  const explicit = settings.outputDir;
  if (explicit === undefined) {
    await mkdir(settings.tempDir, { recursive: true });
    return mkdtemp(path.join(settings.tempDir, "hf-dataset-publish-"));
  }
  await mkdir(explicit, { recursive: true });
  const configDir = path.join(explicit, ...settings.dataDir.split("/"));
  const old = await readdir(configDir).catch(() => [] as string[]);
  await Promise.all(old.filter((n) => SHARD_NAME.test(n)).map((n) => rm(path.join(configDir, n))));
  await rm(path.join(explicit, "README.md"), { force: true });
  return explicit;
}

/** Runs `step`; an error of type `kind` (a data-layer error about a setting) becomes an error on `input`, with the same words. */
async function onInput<T>(input: string, kind: new (message: string) => Error, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof kind) throw new InputError(input, e.message);
    throw e;
  }
}

async function readCardBody(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw new InputError("card-body", `cannot read ${file}: ${(e as Error).message}`);
  }
}

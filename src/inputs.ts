/**
 * Action inputs (strings, as GitHub passes them) → a typed, validated
 * Settings object. Every problem throws an InputError naming the input;
 * nothing here talks to @actions/core, so it is tested with plain maps.
 */
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { FOLDER_FORMATS, FORMATS, type FormatSetting } from "./data/read/discover.js";
import { type NamedFeature, featuresFromYaml } from "./model/features.js";
import type { Compression } from "./data/write/shard-writer.js";
import { parseSize } from "./data/write/shards.js";
import { InputError } from "./errors.js";
import { type SliceId, parseSlice } from "./slices/slice.js";

export interface SplitGlobs {
  name: string;
  globs: string[];
}

export interface Settings {
  repo: string;
  token: string | undefined;
  /** `prepare` and `commit`: a matrix of jobs converts and uploads slices, one job commits them (docs/slices.md). */
  operation: "push" | "delete-config" | "prepare" | "commit";
  /** `prepare`: which slice of the matched files this job converts. */
  slice: SliceId | undefined;
  /** `prepare`: where the manifest is written. */
  manifest: string | undefined;
  /** `commit`: glob (workspace-relative) of the prepare jobs' manifests. */
  manifests: string | undefined;
  splits: SplitGlobs[];
  /** `splits` input given: the run publishes the whole config. */
  replaceAllSplits: boolean;
  /** `paths` given without `split`: a media folder named alone gets its splits from its folder names. */
  inferSplits: boolean;
  config: string;
  dataDir: string;
  setDefault: boolean;
  format: FormatSetting;
  features: NamedFeature[] | undefined;
  maxShardSize: number;
  numShards: number | undefined;
  compression: Compression;
  private: boolean;
  branch: string;
  createPr: boolean;
  commitMessage: string;
  commitDescription: string | undefined;
  tag: string | undefined;
  cardMetadata: Record<string, unknown> | undefined;
  /** Path of the Markdown file to use as the card body. */
  cardBody: string | undefined;
  ifNoFilesFound: "error" | "warn" | "ignore";
  dryRun: boolean;
  /** Where shards and the card go; undefined means a fresh folder under `tempDir`. */
  outputDir: string | undefined;
  tempDir: string;
  endpoint: string;
  /** Upload through Xet when the Hub offers it: yes unless HF_HUB_DISABLE_XET is set, as in Python's huggingface_hub. */
  xet: boolean;
  workspace: string;
  /** The commit the workflow runs on (GITHUB_SHA): the slices of one dataset must all come from it. */
  sourceCommit?: string;
}

export type InputReader = (name: string) => string;

export const DEFAULTS = {
  split: "train",
  config: "default",
  format: "auto",
  maxShardSize: "500MB",
  compression: "snappy",
  branch: "main",
  commitMessage: "Upload dataset",
  operation: "push",
  ifNoFilesFound: "error",
  endpoint: "https://huggingface.co",
} as const;

const SPLIT_NAME = /^\w+(\.\w+)*$/;
const REPO_PART = /^(?!.*(--|\.\.))[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;
const CONFIG_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const REF_NAME = /^(?!.*\.\.)(?!\/)(?!.*\/$)(?!.*\/\/)[^\s~^:?*[\\]+$/;
const COMPRESSIONS: Compression[] = ["snappy", "zstd", "gzip", "none"];

export function readSettings(input: InputReader, env: NodeJS.ProcessEnv = process.env): Settings {
  const get = (name: string) => input(name).trim();
  const workspace = env.GITHUB_WORKSPACE || process.cwd();

  const repo = parseRepo(get("repo"));
  const dryRun = parseBool(get("dry-run"), "dry-run", false);
  const token = get("token") || env.HF_TOKEN?.trim() || undefined;
  if (!token && !dryRun)
    throw new InputError("token", "a Hugging Face token with write access is required: pass `token: ${{ secrets.HF_TOKEN }}` or set the HF_TOKEN environment variable");

  const operation = oneOf(get("operation") || DEFAULTS.operation, ["push", "delete-config", "prepare", "commit"] as const, "operation");
  const config = get("config") || DEFAULTS.config;
  if (config === "data") throw new InputError("config", "'data' is reserved: it is the folder of the 'default' config");
  if (!CONFIG_NAME.test(config))
    throw new InputError("config", `'${config}' is not a valid config name: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'`);

  const pathsText = input("paths");
  const splitsText = input("splits");
  const hasPaths = pathsText.trim() !== "";
  const hasSplits = splitsText.trim() !== "";
  if (hasPaths && hasSplits) throw new InputError("splits", "give either 'paths' (one split) or 'splits' (several), not both");
  let splits: SplitGlobs[] = [];
  if (operation === "push" || operation === "prepare") {
    if (!hasPaths && !hasSplits) throw new InputError("paths", "say which files to publish, with 'paths' (globs, one per line) or 'splits'");
    if (hasPaths) {
      const split = get("split") || DEFAULTS.split;
      if (!SPLIT_NAME.test(split))
        throw new InputError("split", `'${split}' is not a valid split name: use letters, digits and '_', optionally dot-separated (no '-')`);
      splits = [{ name: split, globs: parseGlobLines(pathsText) }];
    } else splits = parseSplits(splitsText);
  }

  const maxShardSizeText = get("max-shard-size") || DEFAULTS.maxShardSize;
  const numShardsText = get("num-shards");
  let numShards: number | undefined;
  if (numShardsText) {
    numShards = Number(numShardsText);
    if (!Number.isInteger(numShards) || numShards < 1) throw new InputError("num-shards", `'${numShardsText}' is not a positive whole number`);
    if (maxShardSizeText !== DEFAULTS.maxShardSize)
      throw new InputError("num-shards", "give either 'num-shards' or 'max-shard-size', not both");
  }
  if (numShards !== undefined && operation === "prepare")
    throw new InputError("num-shards", "cannot be used with operation 'prepare': each slice counts its own shards; use 'max-shard-size'");
  let maxShardSize: number;
  try {
    maxShardSize = parseSize(maxShardSizeText);
  } catch (e) {
    throw new InputError("max-shard-size", (e as Error).message);
  }
  if (maxShardSize < 1) throw new InputError("max-shard-size", "must be at least 1 byte");

  const commitMessage = get("commit-message") || DEFAULTS.commitMessage;
  const branch = get("branch") || DEFAULTS.branch;
  if (!REF_NAME.test(branch) || branch.startsWith("refs/")) throw new InputError("branch", `'${branch}' is not a valid branch name`);
  const tag = get("tag") || undefined;
  if (tag !== undefined && (!REF_NAME.test(tag) || tag.startsWith("refs/")))
    throw new InputError("tag", `'${tag}' is not a valid tag name (no spaces, '..', '~', '^', ':' or '\\')`);

  const endpoint = (get("endpoint") || env.HF_ENDPOINT?.trim() || DEFAULTS.endpoint).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/\s]+/.test(endpoint)) throw new InputError("endpoint", `'${endpoint}' is not an http(s) URL`);

  const tempDir = env.RUNNER_TEMP || os.tmpdir();
  const sliced = parseSliceInputs(operation, input, workspace, tempDir);

  return {
    repo,
    token,
    operation,
    ...sliced,
    splits,
    replaceAllSplits: hasSplits,
    inferSplits: hasPaths && get("split") === "",
    config,
    dataDir: config === "default" ? "data" : config,
    setDefault: parseBool(get("set-default"), "set-default", false),
    format: oneOf(get("format") || DEFAULTS.format, ["auto", ...FORMATS, ...FOLDER_FORMATS] as const, "format"),
    features: parseFeatures(input("features")),
    maxShardSize,
    numShards,
    compression: oneOf(get("compression") || DEFAULTS.compression, COMPRESSIONS, "compression"),
    private: parseBool(get("private"), "private", false),
    branch,
    createPr: parseBool(get("create-pr"), "create-pr", false),
    commitMessage:
      operation === "delete-config" && commitMessage === DEFAULTS.commitMessage ? `Delete '${config}' config` : commitMessage,
    commitDescription: input("commit-description").trim() || undefined,
    tag,
    cardMetadata: parseCardMetadata(input("card-metadata")),
    cardBody: parseWorkspacePath(get("card-body"), workspace, "card-body"),
    ifNoFilesFound: oneOf(get("if-no-files-found") || DEFAULTS.ifNoFilesFound, ["error", "warn", "ignore"] as const, "if-no-files-found"),
    dryRun,
    outputDir: get("output-dir") ? path.resolve(workspace, get("output-dir")) : undefined,
    tempDir,
    endpoint,
    xet: !["1", "ON", "YES", "TRUE"].includes((env.HF_HUB_DISABLE_XET ?? "").trim().toUpperCase()),
    workspace,
    sourceCommit: env.GITHUB_SHA?.trim() || undefined,
  };
}

/** `slice` and `manifest` (prepare), `manifests` (commit); refused with other operations, where they would do nothing. */
function parseSliceInputs(
  operation: Settings["operation"],
  input: InputReader,
  workspace: string,
  tempDir: string,
): Pick<Settings, "slice" | "manifest" | "manifests"> {
  const get = (name: string) => input(name).trim();
  for (const [name, wanted] of [["slice", "prepare"], ["manifest", "prepare"], ["manifests", "commit"]] as const)
    if (get(name) && operation !== wanted) throw new InputError(name, `only used with operation '${wanted}'`);
  // Inputs the other kind of job uses: given here they would do nothing, silently (docs/slices.md).
  const given = (name: string, fallback = "") => get(name) !== "" && get(name) !== fallback;
  const misplaced = (names: [string, string?][], users: string) => {
    const found = names.find(([name, fallback]) => given(name, fallback));
    if (found) throw new InputError(found[0], `only ${users} use it; with operation '${operation}' it would do nothing: leave it out here`);
  };
  if (operation === "commit")
    misplaced(
      [["paths"], ["splits"], ["split", DEFAULTS.split], ["features"], ["format", DEFAULTS.format], ["max-shard-size", DEFAULTS.maxShardSize], ["num-shards"], ["compression", DEFAULTS.compression]],
      "the prepare jobs (operation 'prepare')",
    );
  if (operation === "prepare")
    misplaced([["tag"], ["commit-message", DEFAULTS.commitMessage], ["commit-description"], ["card-metadata"], ["card-body"], ["set-default", "false"]], "the commit job (operation 'commit') and one-job pushes");
  if (operation === "prepare" && given("if-no-files-found", DEFAULTS.ifNoFilesFound))
    throw new InputError("if-no-files-found", "must be 'error' with operation 'prepare': a prepare job that found no files would write no manifest, and the commit job would fail on the missing slices");
  if (operation === "prepare") {
    if (!get("slice")) throw new InputError("slice", "required with operation 'prepare': which slice this job prepares, as i/n (e.g. `${{ matrix.slice }}/16`)");
    let slice: SliceId;
    try {
      slice = parseSlice(get("slice"));
    } catch (e) {
      throw new InputError("slice", (e as Error).message);
    }
    const manifest = get("manifest")
      ? path.resolve(workspace, get("manifest"))
      : // The config in the name: two prepare steps of one job (two configs) must not overwrite each other's manifest.
        path.join(tempDir, `hf-dataset-manifest-${(get("config") || "default").replace(/[^\w.-]/g, "_")}-${String(slice.index).padStart(5, "0")}-of-${String(slice.count).padStart(5, "0")}.json`);
    return { slice, manifest, manifests: undefined };
  }
  if (operation === "commit") {
    if (!get("manifests")) throw new InputError("manifests", "required with operation 'commit': a glob of the prepare jobs' manifests, e.g. `manifests/*.json`");
    return { slice: undefined, manifest: undefined, manifests: get("manifests") };
  }
  return { slice: undefined, manifest: undefined, manifests: undefined };
}

function parseRepo(text: string): string {
  if (!text) throw new InputError("repo", "required: the dataset repository id, e.g. my-org/my-dataset");
  const id = text.replace(/^https?:\/\/[^/]+\//, "").replace(/^datasets\//, "");
  const parts = id.split("/");
  if (parts.length !== 2 || !parts.every((p) => REPO_PART.test(p)))
    throw new InputError("repo", `'${text}' is not a dataset repository id of the form namespace/name (letters, digits, '-', '_', '.')`);
  return id;
}

/** The YAML 1.2 booleans GitHub documents for boolean inputs. */
export function parseBool(text: string, name: string, fallback: boolean): boolean {
  if (text === "") return fallback;
  if (["true", "True", "TRUE"].includes(text)) return true;
  if (["false", "False", "FALSE"].includes(text)) return false;
  throw new InputError(name, `'${text}' is not a boolean: use true or false`);
}

function oneOf<T extends string>(text: string, allowed: readonly T[], name: string): T {
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new InputError(name, `'${text}' is not one of ${allowed.join(", ")}`);
}

/** One glob per line; blank lines and `#` comments skipped. Commas stay: they belong to brace globs. */
export function parseGlobLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * `splits`: a YAML mapping of split → glob or list of globs. A glob that
 * starts with `*` is not valid YAML unquoted, so plain `split: glob` lines
 * are accepted too.
 */
export function parseSplits(text: string): SplitGlobs[] {
  let entries: [string, unknown][];
  try {
    const parsed: unknown = parseYaml(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a mapping");
    entries = Object.entries(parsed);
  } catch {
    entries = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((line) => {
        const m = /^([^:\s]+)\s*:\s*(.+)$/.exec(line);
        if (!m) throw new InputError("splits", `cannot read '${line}': write one 'split: glob' per line, or a YAML mapping`);
        return [m[1]!, m[2]!.trim()];
      });
  }
  if (entries.length === 0) throw new InputError("splits", "name at least one split");
  return entries.map(([name, value]) => {
    if (!SPLIT_NAME.test(name))
      throw new InputError("splits", `'${name}' is not a valid split name: use letters, digits and '_', optionally dot-separated (no '-')`);
    const globs = typeof value === "string" ? [value] : Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
    if (!globs || globs.length === 0) throw new InputError("splits", `split '${name}' needs a glob or a list of globs`);
    return { name, globs: globs.map((g) => g.trim()) };
  });
}

function parseFeatures(text: string): NamedFeature[] | undefined {
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    throw new InputError("features", `invalid YAML: ${(e as Error).message}`);
  }
  try {
    return featuresFromYaml(parsed, "features");
  } catch (e) {
    throw new InputError("features", (e as Error).message.replace(/^features:?\s*/, ""));
  }
}

function parseCardMetadata(text: string): Record<string, unknown> | undefined {
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { version: "1.1" });
  } catch (e) {
    throw new InputError("card-metadata", `invalid YAML: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new InputError("card-metadata", "must be a YAML mapping, e.g. `license: mit`");
  for (const key of ["configs", "dataset_info"])
    if (key in parsed) throw new InputError("card-metadata", `'${key}' is written by the action from the data; remove it`);
  return parsed as Record<string, unknown>;
}

function parseWorkspacePath(text: string, workspace: string, name: string): string | undefined {
  if (!text) return undefined;
  const resolved = path.resolve(workspace, text);
  const relative = path.relative(workspace, resolved);
  if (relative.startsWith("..") || path.isAbsolute(relative)) throw new InputError(name, `'${text}' is outside the workspace`);
  return resolved;
}

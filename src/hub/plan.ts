/**
 * Publishing, step 3: what an operation must change on the Hub, computed
 * against one snapshot of the branch (its head, files and card): which
 * shards to upload, which stale files to delete, and the new card. Pure: the
 * publisher re-plans against a fresh snapshot whenever another writer moved
 * the branch.
 */
import type { Conversion, ShardFile } from "../model/conversion.js";
import type { RemoteFile } from "./api.js";
import { type Card, CardError, parseCard, renderCard, setKey } from "./card/card.js";
import { type BodyFacts, newBody, refreshBody } from "./card/body.js";
import { applyConfigDeletion, applyConfigUpdate, defaultConfigName, readConfigs, readInfos } from "./card/metadata.js";
import { matchesAny } from "./repo-glob.js";
import type { RemoteSnapshot } from "./snapshot.js";

export interface PushRequest {
  repo: string;
  config: string;
  dataDir: string;
  conversion: Conversion;
  /** `splits` input: the run publishes the whole config. */
  replaceAllSplits: boolean;
  setDefault: boolean;
  /** Extra front-matter keys (the `card-metadata` input). */
  cardMetadata?: Record<string, unknown>;
  /** Card body replacing the existing one (the `card-body` input). */
  cardBody?: string;
  /** `owner/repo` on GitHub, mentioned in a generated body. */
  source?: string;
}

/** What a run does to a config: publish its splits, or delete it. */
export type Operation = { kind: "push"; request: PushRequest } | { kind: "delete-config"; config: string; dataDir: string };

export type FileChange = "added" | "updated" | "unchanged" | "deleted";

export interface Plan {
  uploads: ShardFile[];
  unchanged: ShardFile[];
  deletions: string[];
  /** The new README.md text, when it differs from the Hub's. */
  readme: string | undefined;
  readmeChange: FileChange;
  /** What happens to each repo path this run touches. */
  changes: { path: string; change: FileChange }[];
  changed: boolean;
}

/**
 * The plan of `operation` against `snapshot` (a CardError when the card
 * cannot be read or updated). `mayHaveLanded`: an earlier commit of this
 * operation may have landed, so a config already gone is deleted, not missing.
 */
export function plan(operation: Operation, snapshot: RemoteSnapshot, mayHaveLanded = false): Plan {
  return operation.kind === "push"
    ? planPush(operation.request, snapshot)
    : planDeleteConfig(operation.config, operation.dataDir, snapshot, mayHaveLanded);
}

const LEGACY_SHARD = /^data\/([\w.]+)-\d{5}-of-\d{5}[^/]*\.parquet$/;

export function planPush(request: PushRequest, remote: RemoteSnapshot): Plan {
  const remoteByPath = new Map(remote.files.map((f) => [f.path, f]));
  const shards = request.conversion.splits.flatMap((s) => s.shards);
  const newPaths = new Set(shards.map((s) => s.repoPath));

  const uploads: ShardFile[] = [];
  const unchanged: ShardFile[] = [];
  for (const shard of shards) {
    const there = remoteByPath.get(shard.repoPath);
    if (there?.lfsOid === shard.sha256 && there.size === shard.bytes) unchanged.push(shard);
    else uploads.push(shard);
  }

  const pushedSplits = request.conversion.splits.map((s) => s.name);
  const stale = (path: string): boolean => {
    if (newPaths.has(path) || !path.startsWith(`${request.dataDir}/`)) return false;
    if (request.replaceAllSplits) return true; // the whole config folder is rewritten
    const rest = path.slice(request.dataDir.length + 1);
    return !rest.includes("/") && pushedSplits.some((split) => rest.startsWith(`${split}-`));
  };
  const deletions = remote.files.map((f) => f.path).filter(stale).sort();

  // The file set once the commit lands, for the config's download size.
  const finalSizes = new Map<string, number>(remote.files.filter((f) => !deletions.includes(f.path)).map((f) => [f.path, f.size]));
  for (const s of shards) finalSizes.set(s.repoPath, s.bytes);

  const card = remote.readme !== undefined ? parseCard(remote.readme, "README.md on the Hub") : parseCard("");
  mergeMetadata(card, request.cardMetadata);
  const legacySplits = readConfigs(card).length === 0 ? legacySplitsOf(remote.files) : [];
  applyConfigUpdate(
    card,
    {
      config: request.config,
      dataDir: request.dataDir,
      features: request.conversion.features,
      splits: request.conversion.splits.map((s) => ({ name: s.name, numBytes: s.numBytes, numExamples: s.rows })),
      replaceAllSplits: request.replaceAllSplits,
      downloadSize: 0,
      setDefault: request.setDefault,
    },
    legacySplits,
  );
  // Now that the config's data_files are known, measure what they match.
  const entry = readConfigs(card).find((c) => c.config_name === request.config)!;
  const patterns = entry.data_files.flatMap((d) => (Array.isArray(d.path) ? d.path : [d.path]));
  const downloadSize = [...finalSizes].filter(([p]) => matchesAny(p, patterns)).reduce((n, [, size]) => n + size, 0);
  setDownloadSize(card, request.config, downloadSize);

  const facts = bodyFacts(card, request);
  if (request.cardBody !== undefined) card.body = request.cardBody;
  else if (remote.readme === undefined) card.body = newBody(facts);
  else card.body = refreshBody(card.body, facts);

  const readme = renderCard(card);
  const readmeChange: FileChange = remote.readme === undefined ? "added" : readme === remote.readme ? "unchanged" : "updated";
  const changes = [
    ...shards.map((s) => ({ path: s.repoPath, change: (unchanged.includes(s) ? "unchanged" : remoteByPath.has(s.repoPath) ? "updated" : "added") as FileChange })),
    ...deletions.map((path) => ({ path, change: "deleted" as FileChange })),
    { path: "README.md", change: readmeChange },
  ];
  return {
    uploads,
    unchanged,
    deletions,
    readme: readmeChange === "unchanged" ? undefined : readme,
    readmeChange,
    changes,
    changed: uploads.length > 0 || deletions.length > 0 || readmeChange !== "unchanged",
  };
}

/** Removing a config (docs/dataset-layout.md#deleting-a-config): its data files and its card entries, in one commit. */
export function planDeleteConfig(config: string, dataDir: string, remote: RemoteSnapshot, alreadyGoneIsDone = false): Plan {
  const gone = (reason: string): Plan => {
    if (alreadyGoneIsDone) return { uploads: [], unchanged: [], deletions: [], readme: undefined, readmeChange: "unchanged", changes: [], changed: false };
    throw new CardError(`config '${config}' does not exist${reason}`);
  };
  if (remote.readme === undefined && !remote.files.some((f) => f.path.startsWith(`${dataDir}/`)))
    return gone(`: the repository has no card and no ${dataDir}/ folder`);
  const card = remote.readme !== undefined ? parseCard(remote.readme, "README.md on the Hub") : parseCard("");
  const entry = readConfigs(card).find((c) => c.config_name === config);
  const patterns = entry ? entry.data_files.flatMap((d) => (Array.isArray(d.path) ? d.path : [d.path])) : [`${dataDir}/**`];
  const deletions = remote.files.map((f) => f.path).filter((p) => p !== "README.md" && matchesAny(p, patterns)).sort();
  const known = entry !== undefined || readInfos(card).some((i) => i.config_name === config);
  if (!known && deletions.length === 0) return gone(` in the card, and no files match ${dataDir}/`);
  applyConfigDeletion(card, config);
  const readme = remote.readme !== undefined ? renderCard(card) : undefined;
  const readmeChange: FileChange = readme === undefined || readme === remote.readme ? "unchanged" : "updated";
  return {
    uploads: [],
    unchanged: [],
    deletions,
    readme: readmeChange === "unchanged" ? undefined : readme,
    readmeChange,
    changes: [...deletions.map((path) => ({ path, change: "deleted" as FileChange })), { path: "README.md", change: readmeChange }],
    changed: deletions.length > 0 || readmeChange !== "unchanged",
  };
}

function mergeMetadata(card: Card, metadata: Record<string, unknown> | undefined): void {
  if (!metadata) return;
  for (const [key, value] of Object.entries(metadata)) {
    if (key === "configs" || key === "dataset_info")
      throw new CardError(`card-metadata may not set '${key}': the action writes it from the data`);
    setKey(card, key, value);
  }
}

/** Splits of an older Python push (`data/{split}-NNNNN-of-NNNNN.parquet` without `configs`). */
function legacySplitsOf(files: RemoteFile[]): string[] {
  const splits = new Set<string>();
  for (const f of files) {
    const m = LEGACY_SHARD.exec(f.path);
    if (m) splits.add(m[1]!);
  }
  return [...splits].sort();
}

function setDownloadSize(card: Card, config: string, size: number): void {
  const infos = readInfos(card);
  const info = infos.find((i) => i.config_name === config);
  if (!info) return;
  const path = infos.length === 1 ? ["dataset_info", "download_size"] : ["dataset_info", infos.indexOf(info), "download_size"];
  card.doc.setIn(path, size);
}

function bodyFacts(card: Card, request: PushRequest): BodyFacts {
  const splits = readInfos(card).flatMap((info) =>
    (info.splits ?? []).map((s) => ({ config: info.config_name, name: s.name, rows: Number(s.num_examples) || 0, numBytes: Number(s.num_bytes) || 0 })),
  );
  return {
    repo: request.repo,
    config: request.config,
    splits,
    features: request.conversion.features,
    source: request.source,
    isDefaultConfig: defaultConfigName(readConfigs(card)) === request.config,
  };
}

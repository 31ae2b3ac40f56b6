/**
 * The two card keys the action owns, `configs` and `dataset_info`, updated
 * by the rules Python's `push_to_hub` follows (docs/dataset-layout.md#card-keys,
 * docs/dataset-layout.md#deleting-a-config), with two deliberate fixes: a re-pushed split's `features` are
 * updated (Python keeps stale ones, bug #8608) and `default: true` survives
 * a re-push. A re-pushed split keeps its place in `splits` so an unchanged
 * re-run renders the same card.
 */
import { type NamedFeature, featuresFromYaml, featuresToJson, featuresToYaml } from "../../model/features.js";
import { type Card, CardError, cardData, deleteKey, setKey } from "./card.js";

export interface SplitInfo {
  name: string;
  numBytes: number;
  numExamples: number;
}

export interface ConfigUpdate {
  config: string;
  dataDir: string;
  features: NamedFeature[];
  /** The splits written by this run. */
  splits: SplitInfo[];
  /** True when the run publishes the whole config (`splits` input): other splits are dropped. */
  replaceAllSplits: boolean;
  /** Parquet bytes of all the config's files once the commit lands. */
  downloadSize: number;
  setDefault: boolean;
}

interface DataFilesEntry {
  split: string;
  path: string | string[];
}

interface ConfigEntry {
  config_name: string;
  data_files: DataFilesEntry[];
  [key: string]: unknown;
}

interface InfoEntry {
  config_name: string;
  features?: unknown;
  splits?: { name: string; num_bytes: number; num_examples: number }[];
  download_size?: number;
  dataset_size?: number;
  [key: string]: unknown;
}

export function splitGlob(dataDir: string, split: string): string {
  return `${dataDir}/${split}-*`;
}

/** The configs of a card, normalised to lists of `{split, path}`. */
export function readConfigs(card: Card): ConfigEntry[] {
  const raw = cardData(card).configs;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new CardError("README.md: 'configs' must be a list");
  return raw.map((entry, i) => {
    if (typeof entry !== "object" || entry === null || typeof (entry as ConfigEntry).config_name !== "string")
      throw new CardError(`README.md: configs[${i}] needs a 'config_name'`);
    const e = entry as Record<string, unknown>;
    return { ...e, config_name: String(e.config_name), data_files: normaliseDataFiles(e.data_files, String(e.config_name)) };
  });
}

function normaliseDataFiles(value: unknown, config: string): DataFilesEntry[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [{ split: "train", path: value }];
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "string")) return [{ split: "train", path: value as string[] }];
    return value.map((v) => {
      if (typeof v !== "object" || v === null || typeof (v as DataFilesEntry).split !== "string")
        throw new CardError(`README.md: config '${config}' has a data_files entry without 'split'`);
      const d = v as DataFilesEntry;
      return { split: d.split, path: d.path };
    });
  }
  if (typeof value === "object")
    // {train: glob, test: [globs]} form
    return Object.entries(value as Record<string, string | string[]>).map(([split, path]) => ({ split, path }));
  throw new CardError(`README.md: config '${config}' has unreadable data_files`);
}

export function readInfos(card: Card): InfoEntry[] {
  const raw = cardData(card).dataset_info;
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((entry, i) => {
    if (typeof entry !== "object" || entry === null) throw new CardError(`README.md: dataset_info[${i}] must be a mapping`);
    const e = entry as InfoEntry;
    return { ...e, config_name: typeof e.config_name === "string" ? e.config_name : "default" };
  });
}

/** The config `load_dataset(repo)` picks: the only one, else `default`, else the one marked `default: true`. */
export function defaultConfigName(configs: ConfigEntry[]): string | undefined {
  if (configs.length === 1) return configs[0]!.config_name;
  if (configs.some((c) => c.config_name === "default")) return "default";
  return configs.find((c) => c.default === true)?.config_name;
}

export function applyConfigUpdate(card: Card, update: ConfigUpdate, legacySplits: string[] = []): void {
  let configs = readConfigs(card);
  if (configs.length === 0 && legacySplits.length > 0 && update.config !== "default")
    // An older Python push left data/{split}-NNNNN-of-NNNNN files without configs: keep them reachable.
    configs = [{ config_name: "default", data_files: legacySplits.map((s) => ({ split: s, path: splitGlob("data", s) })) }];

  // configs
  const existing = configs.find((c) => c.config_name === update.config);
  const pushed = update.splits.map((s) => s.name);
  let dataFiles: DataFilesEntry[];
  if (existing && !update.replaceAllSplits) {
    dataFiles = existing.data_files.map((d) =>
      pushed.includes(d.split) ? { split: d.split, path: Array.isArray(d.path) ? [splitGlob(update.dataDir, d.split)] : splitGlob(update.dataDir, d.split) } : d,
    );
    for (const s of pushed) if (!dataFiles.some((d) => d.split === s)) dataFiles.push({ split: s, path: splitGlob(update.dataDir, s) });
  } else {
    dataFiles = pushed.map((s) => ({ split: s, path: splitGlob(update.dataDir, s) }));
  }
  if (update.setDefault) {
    if (update.config !== "default" && configs.some((c) => c.config_name === "default"))
      throw new CardError(
        "set-default: the card has a config named 'default', which load_dataset always picks first; rename it before making another config the default",
      );
    for (const c of configs) delete c.default;
  }
  const entry: ConfigEntry = { ...(existing ?? {}), config_name: update.config, data_files: dataFiles };
  delete entry.default;
  if (update.setDefault || existing?.default === true) entry.default = true;
  configs = configs.filter((c) => c.config_name !== update.config);
  configs.push(orderConfigEntry(entry));

  // dataset_info
  const infos = readInfos(card);
  const old = infos.find((i) => i.config_name === update.config);
  const newSplits = update.splits.map((s) => ({ name: s.name, num_bytes: s.numBytes, num_examples: s.numExamples }));
  let splits = newSplits;
  if (old && !update.replaceAllSplits && Array.isArray(old.splits)) {
    const others = old.splits.filter((s) => !pushed.includes(s.name));
    if (others.length > 0 && !sameFeatures(old.features, update.features))
      throw new CardError(
        `the new data's features differ from those of config '${update.config}' (splits ${others.map((s) => s.name).join(", ")}); ` +
          "publish all of its splits together with the 'splits' input to change its schema",
      );
    splits = old.splits.map((s) => newSplits.find((n) => n.name === s.name) ?? s);
    for (const s of newSplits) if (!splits.some((x) => x.name === s.name)) splits.push(s);
  }
  const info: InfoEntry = {
    config_name: update.config,
    features: featuresToYaml(update.features),
    splits,
    download_size: update.downloadSize,
    dataset_size: splits.reduce((n, s) => n + (Number(s.num_bytes) || 0), 0),
  };
  // Python appends new keys in this order: dataset_info, then configs.
  writeInfos(card, [...infos.filter((i) => i.config_name !== update.config), info]);
  writeConfigs(card, configs);
}

/** Removes a config's entries (docs/dataset-layout.md#deleting-a-config): `configs`, `dataset_info`, and the legacy `config_names`. */
export function applyConfigDeletion(card: Card, config: string): void {
  writeConfigs(card, readConfigs(card).filter((c) => c.config_name !== config));
  writeInfos(card, readInfos(card).filter((i) => i.config_name !== config));
  const names = cardData(card).config_names;
  if (Array.isArray(names)) {
    const kept = names.filter((n) => n !== config);
    if (kept.length > 0) setKey(card, "config_names", kept);
    else deleteKey(card, "config_names");
  }
}

function sameFeatures(yaml: unknown, features: NamedFeature[]): boolean {
  try {
    return JSON.stringify(featuresToJson(featuresFromYaml(yaml, "features"))) === JSON.stringify(featuresToJson(features));
  } catch {
    return false;
  }
}

function orderConfigEntry(entry: ConfigEntry): ConfigEntry {
  const { config_name, data_files, default: isDefault, ...rest } = entry;
  const out: ConfigEntry = { config_name, data_files, ...rest };
  if (isDefault === true) out.default = true;
  return out;
}

function byName<T extends { config_name: string }>(a: T, b: T): number {
  return a.config_name < b.config_name ? -1 : a.config_name > b.config_name ? 1 : 0;
}

function writeConfigs(card: Card, configs: ConfigEntry[]): void {
  if (configs.length === 0) return deleteKey(card, "configs");
  setKey(card, "configs", [...configs].sort(byName));
}

/** A mapping for one config (without `config_name` when it is `default`), else a list sorted by name. */
function writeInfos(card: Card, infos: InfoEntry[]): void {
  if (infos.length === 0) return deleteKey(card, "dataset_info");
  const ordered = [...infos].sort(byName).map(orderInfoEntry);
  if (ordered.length === 1) {
    const only = ordered[0]!;
    if (only.config_name === "default") {
      const { config_name: _omit, ...rest } = only;
      return setKey(card, "dataset_info", rest);
    }
    return setKey(card, "dataset_info", only);
  }
  setKey(card, "dataset_info", ordered);
}

function orderInfoEntry(info: InfoEntry): InfoEntry {
  const { config_name, features, splits, download_size, dataset_size, ...rest } = info;
  const out: InfoEntry = { config_name };
  if (features !== undefined) out.features = features;
  if (splits !== undefined) out.splits = splits;
  if (download_size !== undefined) out.download_size = download_size;
  if (dataset_size !== undefined) out.dataset_size = dataset_size;
  return { ...out, ...rest };
}

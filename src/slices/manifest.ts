/**
 * The manifest a prepare job writes (docs/slices.md#manifest): which slice it
 * converted, the settings that shaped its shards, its features, and per split
 * its rows, Arrow bytes, source files and shards — each shard known by its
 * content (sha256 and size), already in the repository's storage. The commit
 * job reads every slice's manifest (./merge.ts) and commits the shards by
 * reference, under the names one run would give them.
 */
import { createHash } from "node:crypto";
import { type NamedFeature, featureFromJson, featureToJson } from "../model/features.js";
import type { Conversion } from "../model/conversion.js";
import type { SliceId } from "./slice.js";

/** 2: splits may list `pieces` (files cut between slices); a version-1 commit job would ignore them, so it must refuse these. */
export const MANIFEST_VERSION = 2;
/** What the manifest's `kind` says, so a stray JSON file in the glob is not mistaken for one. */
export const MANIFEST_KIND = "hf-dataset-publish/slice-manifest";

/** The settings that shape the shards or the card's config: every slice must have the same. */
export interface ManifestSettings {
  repo: string;
  config: string;
  dataDir: string;
  /** The split names, in the order one run publishes them. */
  splits: string[];
  /** `splits` input given: the commit replaces the whole config. */
  replaceAllSplits: boolean;
  format: string;
  /** The `features` input (datasets' JSON form per column), or null. */
  featuresInput: ManifestFeature[] | null;
  maxShardSize: number;
  compression: string;
  /** sha256 of the list of every matched file (split, path, size): all slices must have cut the same files. */
  inputFiles: string;
  /** The Hub the shards went to. */
  endpoint: string;
  /** The `private` input: the prepare jobs create the repository, so they decide; the commit job must agree. */
  private: boolean;
  /** Prepared with `dry-run`: nothing was uploaded, so there is nothing to commit. */
  dryRun: boolean;
  /** GITHUB_SHA of the prepare job (null outside Actions): manifests of another run of another commit are refused. */
  sourceCommit: string | null;
}

export interface ManifestFeature {
  name: string;
  /** datasets' JSON form (`{"dtype": "int64", "_type": "Value"}`). */
  feature: unknown;
}

export interface ManifestShard {
  sha256: string;
  size: number;
  rows: number;
}

export interface ManifestSplit {
  name: string;
  rows: number;
  /** Arrow bytes of the slice's rows (the card's `num_bytes` is the sum over slices). */
  numBytes: number;
  /** The source files the rows come from, in order: the rows of the shards are theirs, in this order. */
  files: string[];
  /** The files of `files` this slice holds a piece of (a file bigger than its share, cut between slices). */
  pieces?: ManifestPiece[];
  shards: ManifestShard[];
}

/** Bytes [start, end) of a file of `size` bytes: the slices' pieces of one file must follow each other and cover it. */
export interface ManifestPiece {
  file: string;
  start: number;
  end: number;
  size: number;
}

export interface Manifest {
  kind: typeof MANIFEST_KIND;
  version: typeof MANIFEST_VERSION;
  slice: SliceId;
  settings: ManifestSettings;
  /** The slice's own features (its files' types); null when the slice has no rows. */
  features: ManifestFeature[] | null;
  splits: ManifestSplit[];
}

/** A manifest that cannot be read or does not fit with the others: the message names the file(s) or slice(s). */
export class ManifestError extends Error {
  override name = "ManifestError";
}

export function featuresToManifest(features: NamedFeature[]): ManifestFeature[] {
  return features.map((f) => ({ name: f.name, feature: featureToJson(f.feature) }));
}

export function featuresFromManifest(features: ManifestFeature[], where: string): NamedFeature[] {
  return features.map((f) => ({ name: f.name, feature: featureFromJson(f.feature, `${where}: column '${f.name}'`) }));
}

/** A fingerprint of the matched files: slices that disagree on it were run over different checkouts or globs. */
export function inputFilesDigest(splits: { split: string; files: { file: string; size: number }[] }[]): string {
  const hash = createHash("sha256");
  for (const s of splits) for (const f of s.files) hash.update(`${JSON.stringify([s.split, f.file, f.size])}\n`);
  return hash.digest("hex");
}

/** The manifest of one prepare job's conversion (undefined: the slice has no files). */
export function buildManifest(
  slice: SliceId,
  settings: ManifestSettings,
  conversion: Conversion | undefined,
  files: { split: string; files: string[]; pieces?: ManifestPiece[] }[],
): Manifest {
  return {
    kind: MANIFEST_KIND,
    version: MANIFEST_VERSION,
    slice,
    settings,
    features: conversion ? featuresToManifest(conversion.features) : null,
    splits: (conversion?.splits ?? []).map((s) => {
      const mine = files.find((f) => f.split === s.name);
      return {
        name: s.name,
        rows: s.rows,
        numBytes: s.numBytes,
        files: mine?.files ?? [],
        ...(mine?.pieces?.length ? { pieces: mine.pieces } : {}),
        shards: s.shards.map((shard) => ({ sha256: shard.sha256, size: shard.bytes, rows: shard.rows })),
      };
    }),
  };
}

/** Reads a manifest's JSON text, checking its shape; errors name `file`. */
export function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const bad = (what: string) => new ManifestError(`${file} is not a slice manifest of this action: ${what}`);
  if (!isRecord(json) || json.kind !== MANIFEST_KIND) throw bad(`no "kind": "${MANIFEST_KIND}"`);
  if (json.version !== MANIFEST_VERSION)
    throw new ManifestError(`${file} is a version ${String(json.version)} manifest; this version of the action reads version ${MANIFEST_VERSION}: run the prepare and commit jobs with the same version of the action`);
  const slice = json.slice;
  if (!isRecord(slice) || !isCount(slice.index) || !isCount(slice.count) || slice.index > slice.count) throw bad("its slice is not i/n");
  const settings = json.settings;
  if (!isRecord(settings) || typeof settings.repo !== "string" || typeof settings.dataDir !== "string" || !Array.isArray(settings.splits))
    throw bad("its settings are incomplete");
  if (json.features !== null && !isFeatureList(json.features)) throw bad("its features are not a list of {name, feature}");
  if (!Array.isArray(json.splits) || !json.splits.every(isSplit)) throw bad("its splits are not a list of {name, rows, numBytes, files, shards}");
  return json as unknown as Manifest;
}

function isSplit(v: unknown): boolean {
  if (!isRecord(v) || typeof v.name !== "string" || !isWhole(v.rows) || !isWhole(v.numBytes) || !Array.isArray(v.files) || !Array.isArray(v.shards)) return false;
  if (v.pieces !== undefined && !(Array.isArray(v.pieces) && v.pieces.every((p) => isRecord(p) && typeof p.file === "string" && isWhole(p.start) && isWhole(p.end) && isWhole(p.size))))
    return false;
  return v.shards.every((s) => isRecord(s) && typeof s.sha256 === "string" && /^[0-9a-f]{64}$/.test(s.sha256) && isWhole(s.size) && isWhole(s.rows));
}

function isFeatureList(v: unknown): boolean {
  return Array.isArray(v) && v.every((f) => isRecord(f) && typeof f.name === "string" && "feature" in f);
}

function isWhole(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function isCount(v: unknown): v is number {
  return isWhole(v) && v >= 1;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

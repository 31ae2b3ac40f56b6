/**
 * Shared helpers of the conversion-engine tests: temporary folders, writing
 * inputs, running convert() quietly, and reading shards back with DuckDB.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type ConvertOptions, convert } from "../../src/data/convert.js";
import type { Conversion } from "../../src/model/conversion.js";
import { type DataFile, formatOf } from "../../src/data/read/discover.js";
import { type NamedFeature, featureToString } from "../../src/model/features.js";
import type { Logger } from "../../src/log.js";
import { query } from "../helpers/duckdb.js";

export const silent: Logger = { info() {}, warning() {}, debug() {} };

const made: string[] = [];

/** A fresh temporary folder (removed by `removeTempDirs`). */
export async function tempDir(prefix = "data-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Writes `files` (name → content) under `dir`, creating folders. */
export async function writeFiles(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(dir, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

/** A DataFile for `dir/name`, its format from the extension unless given. */
export function dataFile(dir: string, name: string, format?: DataFile["format"]): DataFile {
  const f = format ?? formatOf(name);
  if (!f) throw new Error(`no format for ${name}`);
  return { localPath: path.join(dir, name), file: name, format: f };
}

export interface Converted {
  conversion: Conversion;
  outputDir: string;
}

/** convert() with quiet logging and big shards unless told otherwise; `files` for one split 'train', or split → files. */
export async function convertFiles(
  files: DataFile[] | Record<string, DataFile[]>,
  options: Partial<Omit<ConvertOptions, "splits">> = {},
): Promise<Converted> {
  const splits = Array.isArray(files)
    ? [{ name: "train", files }]
    : Object.entries(files).map(([name, fs]) => ({ name, files: fs }));
  const outputDir = options.outputDir ?? (await tempDir("data-out-"));
  const conversion = await convert({
    splits,
    dataDir: "data",
    maxShardSize: 500_000_000,
    compression: "snappy",
    log: silent,
    ...options,
    outputDir,
  });
  return { conversion, outputDir };
}

/** Features as `name → dtype string` (featureToString), for compact assertions. */
export function featureMap(features: NamedFeature[]): Record<string, string> {
  return Object.fromEntries(features.map((f) => [f.name, featureToString(f.feature)]));
}

/** All rows of a split, shard after shard, as DuckDB's JSON form (BIGINT as strings). */
export async function readRows(conversion: Conversion, split = "train"): Promise<Record<string, unknown>[]> {
  const s = conversion.splits.find((x) => x.name === split);
  if (!s) throw new Error(`no split ${split}`);
  const rows: Record<string, unknown>[] = [];
  // One by one: a spread of 100,000s of rows overflows the call stack.
  for (const shard of s.shards) for (const row of await query(`select * from read_parquet('${shard.localPath}')`)) rows.push(row);
  return rows;
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

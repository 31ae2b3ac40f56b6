/**
 * The interop corpus: real data files named in corpus.json, laid out in a folder by the Python
 * helper (it reads them out of node_modules, the installed Python packages and downloaded wheels).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../../scripts/action-runner.js";
import { WHEEL_DIR, runPython } from "./python.js";

export const MANIFEST = path.join(PROJECT_ROOT, "__tests__", "interop", "corpus.json");

export interface ManifestEntry {
  name: string;
  source?: string;
  path?: string;
  derive?: string;
  from?: string;
}

export interface Manifest {
  sources: Record<string, { kind: string; package: string; licence: string }>;
  files: ManifestEntry[];
}

export interface CorpusFile {
  /** path under the corpus folder, e.g. "vega/cars.json" */
  name: string;
  path: string;
  format: "csv" | "tsv" | "json" | "jsonl" | "parquet" | "text";
  bytes: number;
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(MANIFEST, "utf8")) as Manifest;
}

export async function materializeCorpus(python: string, out: string, env: Record<string, string>): Promise<CorpusFile[]> {
  const answer = await runPython<{ files: CorpusFile[] }>(
    python,
    "materialize",
    { manifest: MANIFEST, projectRoot: PROJECT_ROOT, wheelDir: process.env.INTEROP_WHEELS || WHEEL_DIR, out },
    env,
  );
  return answer.files;
}

/** A repo name for a corpus file: "vega/cars.json" → "vega-cars-json". */
export function slug(name: string): string {
  return name
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
}

/**
 * Manifests on disk: the prepare job writes its own, the commit job reads
 * all that a glob matches (the artifacts the matrix uploaded, downloaded
 * into one folder).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { type Manifest, ManifestError, parseManifest } from "./manifest.js";
import type { ManifestFile } from "./merge.js";

/** Written whole or not at all (a temporary file renamed), so an artifact never holds half a manifest. */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  await writeFile(partial, `${JSON.stringify(manifest, null, 1)}\n`);
  await rename(partial, file);
}

/** Every manifest `pattern` (relative to `workspace`) matches, sorted by path; errors name the file. */
export async function readManifests(pattern: string, workspace: string): Promise<ManifestFile[]> {
  const files = (await glob(pattern, { cwd: workspace, absolute: false, onlyFiles: true, dot: true, expandDirectories: false })).sort();
  if (files.length === 0) throw new ManifestError(`no files match '${pattern}' (relative to ${workspace}): download the prepare jobs' manifest artifacts first`);
  return Promise.all(files.map(async (file) => ({ file, manifest: parseManifest(await readFile(path.join(workspace, file), "utf8"), file) })));
}

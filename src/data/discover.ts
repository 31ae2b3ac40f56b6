/**
 * Finds the data files a split's globs name, inside the workspace only, in a
 * stable order (sorted by path), and decides each file's format.
 */
import { realpath } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { InputError } from "../errors.js";

export const FORMATS = ["csv", "tsv", "json", "jsonl", "parquet", "text"] as const;
export type Format = (typeof FORMATS)[number];

export interface DataFile {
  /** Absolute path on disk. */
  path: string;
  /** Workspace-relative, `/`-separated: what users see in messages. */
  file: string;
  format: Format;
}

const EXTENSIONS: Record<string, Format> = {
  ".csv": "csv",
  ".tsv": "tsv",
  ".json": "json",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".parquet": "parquet",
  ".txt": "text",
};

/** Format from the extension (`.gz` looked through), or undefined. */
export function formatOf(file: string): Format | undefined {
  const name = file.toLowerCase().replace(/\.gz$/, "");
  const ext = path.extname(name);
  return EXTENSIONS[ext];
}

export function toPosix(p: string): string {
  return p.split(path.sep).join("/");
}

/**
 * Resolves globs (one per entry; `!` excludes) against the workspace.
 * `input` names the action input the globs came from, for messages.
 */
export async function discoverFiles(
  globs: string[],
  workspace: string,
  format: Format | "auto",
  input: string,
): Promise<DataFile[]> {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of globs) {
    const negated = raw.startsWith("!");
    const pattern = toPosix(negated ? raw.slice(1).trim() : raw.trim()).replace(/^\.\//, "");
    if (pattern === "") continue;
    if (path.isAbsolute(pattern) || /^[a-zA-Z]:/.test(pattern) || pattern.split("/").includes(".."))
      throw new InputError(input, `'${raw}' points outside the workspace; use a path relative to the repository root`);
    (negated ? exclude : include).push(pattern);
  }
  if (include.length === 0) return [];
  const matches = await glob(include, {
    cwd: workspace,
    ignore: exclude,
    onlyFiles: true,
    dot: false,
    followSymbolicLinks: true,
    expandDirectories: true,
  });
  const root = await realpath(workspace);
  const files: DataFile[] = [];
  for (const match of matches.map(toPosix).sort(byPath)) {
    const absolute = path.join(workspace, match);
    const real = await realpath(absolute);
    if (real !== root && !real.startsWith(root + path.sep))
      throw new InputError(input, `'${match}' resolves (through a symbolic link) outside the workspace`);
    const fileFormat = format === "auto" ? formatOf(match) : format;
    if (!fileFormat)
      throw new InputError(
        input,
        `cannot tell the format of '${match}' from its extension; use .csv, .tsv, .json, .jsonl, .ndjson, .parquet or .txt (optionally .gz), or set 'format'`,
      );
    files.push({ path: absolute, file: match, format: fileFormat });
  }
  return files;
}

/** Byte-wise order, the same on every OS and locale. */
function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

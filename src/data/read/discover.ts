/**
 * Finds the data files a split's globs name, inside the workspace only, in a
 * stable order (sorted by path), and decides each file's format.
 */
import { realpathSync } from "node:fs";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { FileSelectionError } from "../errors.js";

export const FORMATS = ["csv", "tsv", "json", "jsonl", "parquet", "text"] as const;
export type Format = (typeof FORMATS)[number];

export interface DataFile {
  /** Absolute path on disk. */
  localPath: string;
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

/** Characters a backslash may escape in a glob (anything else after a backslash is a Windows path separator). */
const GLOB_SPECIAL = new Set(["*", "?", "[", "]", "{", "}", "(", ")", "!", "+", "@", "\\", ","]);

/**
 * A user's glob with `/` separators: on Windows every backslash is a
 * separator; elsewhere a backslash before a glob character stays an escape
 * (`\*`), and any other backslash (`data\train.csv`) is read as a separator.
 */
export function normalizePattern(raw: string, platform: NodeJS.Platform = process.platform): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== "\\") out += c;
    else if (platform !== "win32" && i + 1 < raw.length && GLOB_SPECIAL.has(raw[i + 1]!)) {
      out += c + raw[i + 1];
      i++;
    } else out += "/";
  }
  return out.replace(/^(\.\/)+/, "");
}

/**
 * Resolves globs (one per entry; `!` excludes) against the workspace.
 * A glob leaving it, or a file outside it or of an unknown format, is a
 * FileSelectionError.
 */
export async function discoverFiles(globs: string[], workspace: string, format: Format | "auto"): Promise<DataFile[]> {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of globs) {
    const trimmed = raw.trim();
    const negated = trimmed.startsWith("!");
    const pattern = normalizePattern(negated ? trimmed.slice(1).trim() : trimmed);
    if (pattern === "") continue;
    if (path.isAbsolute(pattern) || /^[a-zA-Z]:/.test(pattern) || pattern.split("/").includes(".."))
      throw new FileSelectionError(`'${raw}' points outside the workspace; use a path relative to the repository root`);
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
    let real: string;
    try {
      // Synchronous: one call per file, thousands of files, nothing else to do meanwhile.
      real = realpathSync.native(absolute);
    } catch {
      throw new FileSelectionError(`'${match}' cannot be read (a broken symbolic link?)`);
    }
    if (real !== root && !real.startsWith(root + path.sep))
      throw new FileSelectionError(`'${match}' resolves (through a symbolic link) outside the workspace`);
    const fileFormat = format === "auto" ? formatOf(match) : format;
    if (!fileFormat)
      throw new FileSelectionError(
        `cannot tell the format of '${match}' from its extension; use .csv, .tsv, .json, .jsonl, .ndjson, .parquet or .txt (optionally .gz), or set 'format'`,
      );
    files.push({ localPath: absolute, file: match, format: fileFormat });
  }
  return files;
}

/** Byte-wise order, the same on every OS and locale. */
function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

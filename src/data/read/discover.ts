/**
 * Finds the data files a split's globs name, inside the workspace only, in a
 * stable order (sorted by path), and decides each file's format. When they
 * include images or audio, the split is a media folder, read as Python's
 * imagefolder / audiofolder read one (docs/dataset-layout.md#image-and-audio-folders): its
 * media files and metadata files are kept, every other file is left out.
 */
import { realpathSync } from "node:fs";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { FileSelectionError } from "../errors.js";
import type { FilePiece } from "./pieces.js";
import { type MediaKind, SUPPORTED_EXTENSIONS, isMetadataFile, mediaTypeOf, unsupportedMediaKind } from "./media/kinds.js";

/** Table formats: the values of the `format` setting that name one reader. */
export const FORMATS = ["csv", "tsv", "json", "jsonl", "parquet", "text"] as const;
export type Format = (typeof FORMATS)[number];
/** Media folders, as Python's builders are named. */
export const FOLDER_FORMATS = ["imagefolder", "audiofolder"] as const;
export type FormatSetting = Format | (typeof FOLDER_FORMATS)[number] | "auto";

export interface DataFile {
  /** Absolute path on disk. */
  localPath: string;
  /** Workspace-relative, `/`-separated: what users see in messages. */
  file: string;
  /** A table's format, or the kind of a media file. */
  format: Format | MediaKind;
  /** Only these bytes of the file are this run's (a prepare job's slice: ./pieces.ts). */
  piece?: FilePiece;
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
 * FileSelectionError. Files a media folder leaves out are added to `ignored`.
 */
export async function discoverFiles(globs: string[], workspace: string, format: FormatSetting, ignored: string[] = []): Promise<DataFile[]> {
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
  const matched: DataFile[] = [];
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
    matched.push({ localPath: absolute, file: match, format: "text" });
  }
  const media = mediaFolderKind(matched, format);
  if (media !== undefined) return mediaFolderFiles(matched, media, ignored);
  for (const f of matched) {
    const fileFormat = format === "auto" ? formatOf(f.file) : (format as Format);
    if (!fileFormat) {
      const kind = unsupportedMediaKind(f.file);
      throw new FileSelectionError(
        kind
          ? `'${f.file}' is ${kind === "image" ? "an image" : "an audio"} format the action cannot embed; it embeds ${SUPPORTED_EXTENSIONS[kind].join(" ")}`
          : `cannot tell the format of '${f.file}' from its extension; use .csv, .tsv, .json, .jsonl, .ndjson, .parquet or .txt (optionally .gz), or set 'format'`,
      );
    }
    f.format = fileFormat;
  }
  return matched;
}

/** The media kind when the files are a media folder: `format` names one, or (auto) some files are images or audio. */
function mediaFolderKind(files: DataFile[], format: FormatSetting): MediaKind | "auto" | undefined {
  if (format === "imagefolder") return "image";
  if (format === "audiofolder") return "audio";
  if (format === "auto" && files.some((f) => mediaTypeOf(f.file) !== undefined)) return "auto";
  return undefined;
}

/**
 * A media folder's files: its images or audio (both kinds when `kind` is
 * auto: the reader refuses a mix) and its metadata files. As Python's data
 * file patterns do, files in folders whose name starts with `__` are left
 * out (hidden ones already are); so is any other file. A file of a media
 * format the action cannot check (`.ico`, `.aiff`) is an error, since
 * Python would load it.
 */
function mediaFolderFiles(files: DataFile[], kind: MediaKind | "auto", ignored: string[]): DataFile[] {
  const out: DataFile[] = [];
  for (const f of files) {
    if (f.file.split("/").slice(0, -1).some((d) => d.startsWith("__"))) {
      ignored.push(f.file);
      continue;
    }
    const media = mediaTypeOf(f.file);
    const unsupported = unsupportedMediaKind(f.file);
    if (media && (kind === "auto" || media.kind === kind)) out.push({ ...f, format: media.kind });
    else if (isMetadataFile(f.file)) out.push({ ...f, format: formatOf(f.file)! });
    else if (unsupported && (kind === "auto" || unsupported === kind))
      throw new FileSelectionError(
        `'${f.file}' is ${unsupported === "image" ? "an image" : "an audio"} format the action cannot embed (Python's ${unsupported}folder would load it); it embeds ${SUPPORTED_EXTENSIONS[unsupported].join(" ")}`,
      );
    else ignored.push(f.file);
  }
  return out;
}

/** Byte-wise order, the same on every OS and locale. */
function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

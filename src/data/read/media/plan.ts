/**
 * The readers of a dataset whose files include images or audio: per split,
 * a FolderReader over its media files (labels from the folders), or, when
 * the folders hold metadata files, one MediaTableReader per metadata file;
 * and for tables whose columns the `features` input types image or audio, a
 * MediaTableReader around the table's own reader. After pass 1, every media
 * file of a split with metadata must be named by it (Python leaves the
 * others out silently; here it is an error naming the file).
 */
import path from "node:path";
import type { Feature } from "../../../model/features.js";
import { DataError, FileSelectionError } from "../../errors.js";
import type { DataFile } from "../discover.js";
import type { ReaderOptions, TableReader } from "../reader.js";
import { readerFor } from "../readers.js";
import { FolderReader } from "./folder-reader.js";
import { inferLabels } from "./folders.js";
import type { MediaKind } from "./kinds.js";
import { MediaTableReader, isMediaFeature } from "./media-columns.js";

export interface SplitFiles {
  name: string;
  files: DataFile[];
}

export function isMediaFile(file: DataFile): file is DataFile & { format: MediaKind } {
  return file.format === "image" || file.format === "audio";
}

/** The workspace the files were found in (DataFile.localPath is the workspace joined with DataFile.file). */
export function workspaceOf(file: DataFile): string {
  const parts = file.file.split("/").length;
  let dir = file.localPath;
  for (let i = 0; i < parts; i++) dir = path.dirname(dir);
  return dir;
}

/**
 * The readers of each split, or undefined when the dataset has no media
 * (neither media files nor columns typed image/audio): then each file is
 * read by its format's reader.
 */
export function mediaReaders(
  splits: SplitFiles[],
  overrides: ReadonlyMap<string, Feature>,
  workspace: string,
  options: ReaderOptions,
): TableReader[][] | undefined {
  const all = splits.flatMap((s) => s.files);
  const media = all.filter(isMediaFile);
  if (media.length === 0) {
    const columns = new Map([...overrides].filter(([, f]) => isMediaFeature(f)));
    if (columns.size === 0) return undefined;
    return splits.map((s) => s.files.map((f) => new MediaTableReader(readerFor(f, options), f.localPath, { from: "features", columns }, workspace)));
  }
  const kinds = new Set(media.map((f) => f.format));
  if (kinds.size > 1) {
    const example = (k: MediaKind) => media.find((f) => f.format === k)!.file;
    throw new FileSelectionError(
      `found both image files ('${example("image")}') and audio files ('${example("audio")}'); a folder dataset holds one kind: set 'format' to imagefolder or audiofolder, or narrow the globs`,
    );
  }
  const kind = media[0]!.format;
  const metadata = all.filter((f) => !isMediaFile(f));
  if (metadata.length === 0) {
    const labels = inferLabels(media);
    return splits.map((s) => [new FolderReader(s.files, kind, labels, workspace)]);
  }
  const extensions = [...new Set(metadata.map((f) => path.posix.extname(f.file)))].sort();
  if (extensions.length > 1)
    throw new FileSelectionError(`found metadata files with different extensions (${extensions.join(", ")}): use one format for all of them`);
  return splits.map((s) => {
    const tables = s.files.filter((f) => !isMediaFile(f));
    if (tables.length === 0)
      throw new FileSelectionError(`split '${s.name}' has no metadata file while other splits have one: give every split its own metadata file, or none`);
    return tables.map((f) => new MediaTableReader(readerFor(f, options), f.localPath, { from: "metadata", kind }, workspace));
  });
}

/** After pass 1: every media file of a split with metadata is named by one of the split's metadata files. */
export function checkEveryFileNamed(split: SplitFiles, readers: TableReader[]): void {
  const tables = readers.filter((r): r is MediaTableReader => r instanceof MediaTableReader);
  if (tables.length === 0 || !tables.every((t) => t.isMetadata)) return;
  const named = new Set(tables.flatMap((t) => [...t.named]));
  const missing = split.files.filter(isMediaFile).find((f) => !named.has(f.localPath));
  if (missing)
    throw new DataError(
      missing.file,
      undefined,
      `no row of ${tables.map((t) => t.file).join(", ")} names this file: every file needs a row in the metadata ` +
        `(Python's loader would leave the file out); add one, or move the file out of the folder`,
    );
}

/**
 * One media file as pass 1 checks it: where a path written in a table points
 * (relative, inside its folder or the workspace), that it is a readable
 * regular file inside the workspace, its size, and a header its decoder can
 * open (./sniff.ts). Pass 2 only reads what passed.
 */
import { type FileHandle, open, realpath } from "node:fs/promises";
import path from "node:path";
import type { MediaKind } from "./kinds.js";
import { MediaFormatError, sniffMedia } from "./sniff.js";

/** Why a media reference cannot be used; the caller adds the file (and line) it comes from. */
export class MediaFileError extends Error {
  override name = "MediaFileError";
}

/** Largest file a Parquet page (and an Arrow binary value) can hold, less room for the page's own bytes. */
export const MAX_MEDIA_FILE_BYTES = 2 ** 31 - 1 - 64;

/**
 * The absolute path a relative media path names. `within` is the folder it
 * must stay in: the metadata file's folder (Python's rule for `file_name`)
 * or the workspace (path columns of tables).
 */
export function resolveMediaPath(value: string, baseDir: string, within: { dir: string; what: string }): string {
  if (value.includes("://")) throw new MediaFileError(`'${value}' is a URL; only files of the repository can be published`);
  if (path.isAbsolute(value) || /^[a-zA-Z]:[\\/]/.test(value))
    throw new MediaFileError(`'${value}' is an absolute path; write it relative to ${within.what}`);
  const resolved = path.resolve(baseDir, path.normalize(value));
  if (!isInside(within.dir, resolved)) throw new MediaFileError(`'${value}' points outside ${within.what}`);
  return resolved;
}

/** Whether `target` is `dir` or under it (both absolute). */
export function isInside(dir: string, target: string): boolean {
  const relative = path.relative(dir, target);
  return relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

export interface CheckedMedia {
  size: number;
  /** The format the bytes hold ("PNG", "WAV", ...). */
  format: string;
}

/**
 * Opens `localPath`, checks it is a regular file inside `workspace` (after
 * symbolic links), of a size Parquet can store, with a header a decoder of
 * `kind` can open. A MediaFileError's message is the reason, to follow the
 * file's name (`photos/a.png: no such file`).
 */
export async function checkMediaFile(localPath: string, kind: MediaKind, workspace: string): Promise<CheckedMedia> {
  const failed = (e: unknown) => new MediaFileError(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  let real: string;
  try {
    real = await realpath(localPath);
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === "ENOENT" ? new MediaFileError("no such file") : failed(e);
  }
  if (!isInside(workspace, real)) throw new MediaFileError("resolves (through a symbolic link) outside the workspace");
  let handle: FileHandle;
  try {
    handle = await open(real, "r");
  } catch (e) {
    throw failed(e);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new MediaFileError("not a regular file");
    if (info.size > MAX_MEDIA_FILE_BYTES) throw new MediaFileError(`${info.size} bytes: a file over 2 GiB cannot be stored in one Parquet value`);
    const reader = {
      size: info.size,
      async read(offset: number, length: number) {
        const n = Math.max(0, Math.min(length, info.size - offset));
        const out = new Uint8Array(n);
        let done = 0;
        while (done < n) {
          const { bytesRead } = await handle.read(out, done, n - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return out.subarray(0, done);
      },
    };
    try {
      return { size: info.size, format: await sniffMedia(kind, reader) };
    } catch (e) {
      if (e instanceof MediaFormatError) throw new MediaFileError(e.message);
      throw failed(e);
    }
  } finally {
    await handle.close();
  }
}

/** Runs `task` over `items`, at most `limit` at a time; the first failure (in item order) is thrown once all have settled. */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  const errors: { index: number; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length && errors.length === 0) {
      const i = next++;
      try {
        await task(items[i]!, i);
      } catch (error) {
        errors.push({ index: i, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors.sort((a, b) => a.index - b.index)[0]!.error;
}

/** Files checked at once in pass 1: enough to keep a disk (or the page cache) busy, few enough to leave file handles. */
export const CHECK_CONCURRENCY = 16;

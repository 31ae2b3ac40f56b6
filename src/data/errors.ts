/**
 * Errors of the data layer, in its own terms: files, lines, columns and
 * globs. None of them knows the action's inputs; src/pipeline.ts names the
 * input at fault (OverrideError → `features`, FileSelectionError → `paths`
 * or `splits`) and main.ts turns a DataError into an annotation on the file.
 */

/** Bad data in a user's file: the message names the file and, when known, the line. */
export class DataError extends Error {
  override name = "DataError";
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(line === undefined ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
  }
}

/** Type overrides that cannot apply to these files: a type their format cannot produce, or a column none of them has. */
export class OverrideError extends Error {
  override name = "OverrideError";
}

/** Globs that cannot be used, or files they find that cannot be: outside the workspace, unreadable, of an unknown format. */
export class FileSelectionError extends Error {
  override name = "FileSelectionError";
}

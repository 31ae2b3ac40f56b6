/**
 * Errors of the data layer, in its own terms: files, lines, columns and
 * globs. None of them knows the action's inputs; src/pipeline.ts names the
 * input at fault (OverrideError → `features`, FileSelectionError → `paths`
 * or `splits`) and main.ts turns a DataError into an annotation on the file.
 * Pass 1 reads every file before it reports: the errors of all files come
 * together, as DataErrors when there are several.
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

/** The data errors of a run, when there are two or more: every file is read before any error is reported. */
export class DataErrors extends Error {
  override name = "DataErrors";
  constructor(readonly errors: DataError[]) {
    const files = new Set(errors.map((e) => e.file)).size;
    super(`${errors.length} data errors in ${files} file${files === 1 ? "" : "s"}; the first: ${errors[0]!.message}`);
  }
}

/** Throws what `errors` hold, if anything: one DataError as it is, several as DataErrors. */
export function throwDataErrors(errors: DataError[]): void {
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new DataErrors(errors);
}

/** Type overrides that cannot apply to these files: a type their format cannot produce, or a column none of them has. */
export class OverrideError extends Error {
  override name = "OverrideError";
}

/** Globs that cannot be used, or files they find that cannot be: outside the workspace, unreadable, of an unknown format. */
export class FileSelectionError extends Error {
  override name = "FileSelectionError";
}

/**
 * Errors the action reports to users. Each kind carries what the report needs
 * (the input at fault, or the file and line), so main.ts can print a clear
 * message and an annotation without ever showing a stack trace.
 */

/** A bad action input: the message names the input. */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`Input '${input}': ${message}`);
  }
}

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

/** A failure talking to the Hub, already explained for humans (what happened, what to do). */
export class HubError extends Error {
  override name = "HubError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Anything the user can act on; other errors are bugs and keep their stack. */
export function isUserFacing(error: unknown): error is InputError | DataError | HubError {
  return error instanceof InputError || error instanceof DataError || error instanceof HubError;
}

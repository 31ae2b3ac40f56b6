/**
 * The errors the action reports to users. Each layer throws its own: data/
 * (DataError: file and line, DataErrors: several of them; OverrideError, FileSelectionError: settings),
 * hub/ (HubError, already explained); the edge adds InputError, naming the
 * action input at fault, and src/pipeline.ts translates the data layer's
 * setting errors into it. main.ts prints them without a stack trace.
 */
import { DataError, DataErrors } from "./data/errors.js";
import { HubError } from "./hub/errors.js";

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

/** Anything the user can act on; other errors are bugs and keep their stack. */
export function isUserFacing(error: unknown): error is InputError | DataError | DataErrors | HubError {
  return error instanceof InputError || error instanceof DataError || error instanceof DataErrors || error instanceof HubError;
}

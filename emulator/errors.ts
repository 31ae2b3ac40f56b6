// One error type for every failure a handler reports. The dispatcher turns it
// into the Hub's JSON error shape ({"error": msg} + X-Error-* headers).

export type HubErrorCode = "RepoNotFound" | "RevisionNotFound" | "EntryNotFound" | "GatedRepo";

export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly options: {
      /** Sent as X-Error-Code (the JS client only reads EntryNotFound on resolve). */
      code?: HubErrorCode;
      headers?: Record<string, string>;
      /** Extra JSON fields merged into the body next to "error". */
      extra?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
  }
}

export const repoNotFound = () => new HubError(404, "Repository not found", { code: "RepoNotFound" });
export const revisionNotFound = (rev: string) =>
  new HubError(404, `Invalid rev id: ${rev}`, { code: "RevisionNotFound" });
export const entryNotFound = (message = "Entry not found") => new HubError(404, message, { code: "EntryNotFound" });
export const badRequest = (message: string) => new HubError(400, message);

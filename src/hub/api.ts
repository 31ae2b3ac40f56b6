/**
 * The Hub reads and repo operations the publisher needs, over
 * `@huggingface/hub` where it has them and plain HTTP where it does not
 * (tags, refs); uploads and commits are ./upload.ts's and ./commit.ts's.
 * Every call goes through the retrying fetch of ./http.ts.
 */
import {
  HubApiError,
  createBranch as hubCreateBranch,
  createRepo as hubCreateRepo,
  datasetInfo,
  downloadFile,
  listFiles,
} from "@huggingface/hub";

export interface HubContext {
  /** Base URL without a trailing slash. */
  endpoint: string;
  /** Absent on dry runs without a token: only public repos can be read then. */
  token: string | undefined;
  fetch: typeof fetch;
  /** Told of every other secret the run receives (Xet access tokens), so that logs mask it. */
  secret?: (value: string) => void;
}

/** The Hub token's Authorization header, when the run has a token. */
export function authHeaders(hub: HubContext): Record<string, string> {
  return hub.token ? { Authorization: `Bearer ${hub.token}` } : {};
}

export interface RemoteFile {
  path: string;
  size: number;
  /** sha256 of LFS files. */
  lfsOid?: string;
}

const repoOf = (name: string) => ({ type: "dataset" as const, name });

/** Writes need a token; settings make sure there is one unless it is a dry run. */
function writeCreds(hub: HubContext) {
  if (!hub.token) throw new Error("a token is required to write to the Hub");
  return { hubUrl: hub.endpoint, accessToken: hub.token, fetch: hub.fetch };
}

function creds(hub: HubContext) {
  return { hubUrl: hub.endpoint, accessToken: hub.token, fetch: hub.fetch };
}

/** Head commit of `revision`, or undefined when the repo (or the revision) does not exist. */
export async function revisionSha(hub: HubContext, repo: string, revision: string): Promise<string | undefined> {
  try {
    const info = await datasetInfo({ name: repo, revision, additionalFields: ["sha"], ...creds(hub) });
    return (info as { sha?: string }).sha;
  } catch (e) {
    if (e instanceof HubApiError && e.statusCode === 404) return undefined;
    throw e;
  }
}

export async function repoExists(hub: HubContext, repo: string): Promise<boolean> {
  const response = await hub.fetch(`${hub.endpoint}/api/datasets/${repo}`, {
    headers: authHeaders(hub),
  });
  if (response.ok || response.status === 404) {
    await response.body?.cancel();
    return response.ok;
  }
  throw await apiError(response, "Could not read the repository");
}

/** Creates the dataset repo; a concurrent creation (409) counts as success. */
export async function createDatasetRepo(hub: HubContext, repo: string, isPrivate: boolean): Promise<boolean> {
  try {
    await hubCreateRepo({ repo: repoOf(repo), private: isPrivate, ...writeCreds(hub) });
    return true;
  } catch (e) {
    if (e instanceof HubApiError && e.statusCode === 409) return false;
    throw e;
  }
}

export async function createBranch(hub: HubContext, repo: string, branch: string, from?: string): Promise<void> {
  try {
    await hubCreateBranch({ repo: repoOf(repo), branch, revision: from, ...writeCreds(hub) });
  } catch (e) {
    if (e instanceof HubApiError && e.statusCode === 409) return; // created meanwhile by another run
    throw e;
  }
}

export async function listRepoFiles(hub: HubContext, repo: string, revision: string): Promise<RemoteFile[]> {
  const files: RemoteFile[] = [];
  for await (const entry of listFiles({ repo: repoOf(repo), revision, recursive: true, ...creds(hub) })) {
    if (entry.type !== "file") continue;
    files.push({ path: entry.path, size: entry.size, lfsOid: entry.lfs?.oid });
  }
  return files;
}

export async function readTextFile(hub: HubContext, repo: string, revision: string, path: string): Promise<string | undefined> {
  const blob = await downloadFile({ repo: repoOf(repo), revision, path, xet: false, ...creds(hub) } as Parameters<typeof downloadFile>[0]);
  return blob ? await blob.text() : undefined;
}

export interface RefInfo {
  name: string;
  targetCommit: string;
}

export async function listTags(hub: HubContext, repo: string): Promise<RefInfo[]> {
  const response = await hub.fetch(`${hub.endpoint}/api/datasets/${repo}/refs`, {
    headers: { ...authHeaders(hub), Accept: "application/json" },
  });
  if (!response.ok) throw await apiError(response, "Could not list the repository's tags");
  const json = (await response.json()) as { tags?: RefInfo[] };
  return json.tags ?? [];
}

/** Creates `tag` on `revision` (the JS client has no tag API: docs/hub-api.md#tags). */
export async function createTag(hub: HubContext, repo: string, tag: string, revision: string, message?: string): Promise<void> {
  const response = await hub.fetch(`${hub.endpoint}/api/datasets/${repo}/tag/${encodeURIComponent(revision)}`, {
    method: "POST",
    headers: { ...authHeaders(hub), "Content-Type": "application/json" },
    body: JSON.stringify({ tag, ...(message ? { message } : {}) }),
  });
  if (!response.ok) throw await apiError(response, `Could not create tag '${tag}'`);
  await response.body?.cancel();
}

/** A failed answer as a HubApiError: `what (HTTP n): what the Hub said`. */
async function apiError(response: Response, what: string): Promise<HubApiError> {
  const said = await errorText(response);
  return new HubApiError(response.url, response.status, requestIdOf(response), `${what} (HTTP ${response.status})${said ? `: ${said}` : ""}`);
}

/**
 * A failed answer as a HubApiError whose message is the Hub's own words (as
 * hub.js makes them: errors.ts explains them by status and text), or `what
 * (HTTP n)` when it said nothing.
 */
export async function hubError(response: Response, what: string): Promise<HubApiError> {
  const said = await errorText(response);
  return new HubApiError(response.url, response.status, requestIdOf(response), said || `${what} (HTTP ${response.status})`);
}

function requestIdOf(response: Response): string | undefined {
  return response.headers.get("x-request-id") ?? undefined;
}

/** The `error` (or `message`) of a JSON answer, or the start of a text one. */
async function errorText(response: Response): Promise<string> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return "";
  }
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    const said = json.error ?? json.message;
    if (typeof said === "string") return said;
  } catch {
    // not JSON
  }
  text = text.trim();
  return text.startsWith("<") ? "" : text.slice(0, 300); // an HTML error page says nothing useful
}

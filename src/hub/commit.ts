/**
 * Publishing, step 4b: one commit that takes the branch from the snapshot's
 * head to the plan — the shards (uploaded before, by ./upload.ts, and added
 * here as LFS pointers: sha256 and size), README.md and the deletions —
 * guarded by `parentCommit`, so it fails (412) rather than overwrite another
 * writer's commit (docs/hub-api.md#commit).
 *
 * The NDJSON call is ours, not hub.js's `commit()`: that one only commits
 * what it uploads itself (hashing every file again first), while here the
 * content may have been uploaded earlier — by an earlier attempt, or by
 * another job.
 */
import { HubApiError } from "@huggingface/hub";
import { type HubContext, authHeaders, hubError } from "./api.js";
import type { Plan } from "./plan.js";

export interface CommitRequest {
  repo: string;
  branch: string;
  /** Open a pull request instead of committing to `branch`. */
  createPr: boolean;
  message: string;
  description?: string;
}

/** A file whose content is in the repository's storage already (LFS or Xet), added by reference. */
export interface StoredFile {
  path: string;
  sha256: string;
  size: number;
}

export interface CommitChanges {
  storedFiles: StoredFile[];
  /** Small text files sent inline (README.md). */
  textFiles: { path: string; content: string }[];
  deletions: string[];
}

export interface CommitResult {
  oid: string;
  url: string;
  pullRequestUrl?: string;
}

/** What a plan commits. */
export function changesOf(planned: Plan): CommitChanges {
  return {
    storedFiles: planned.uploads.map((s) => ({ path: s.repoPath, sha256: s.sha256, size: s.bytes })),
    textFiles: planned.readme === undefined ? [] : [{ path: "README.md", content: planned.readme }],
    deletions: planned.deletions,
  };
}

export async function createCommit(hub: HubContext, request: CommitRequest, parentCommit: string, changes: CommitChanges): Promise<CommitResult> {
  const lines: unknown[] = [
    { key: "header", value: { summary: request.message, description: request.description, parentCommit } },
    ...changes.textFiles.map((f) => ({ key: "file", value: { path: f.path, content: Buffer.from(f.content).toString("base64"), encoding: "base64" } })),
    ...changes.storedFiles.map((f) => ({ key: "lfsFile", value: { path: f.path, algo: "sha256", oid: f.sha256, size: f.size } })),
    ...changes.deletions.map((path) => ({ key: "deletedFile", value: { path } })),
  ];
  const url = `${hub.endpoint}/api/datasets/${request.repo}/commit/${encodeURIComponent(request.branch)}${request.createPr ? "?create_pr=1" : ""}`;
  const response = await hub.fetch(url, {
    method: "POST",
    headers: { ...authHeaders(hub), "Content-Type": "application/x-ndjson" },
    body: lines.map((l) => JSON.stringify(l)).join("\n"),
  });
  if (!response.ok) throw await hubError(response, "The commit failed");
  const json = (await response.json()) as { commitOid?: string; commitUrl?: string; pullRequestUrl?: string };
  if (!json.commitOid) throw new HubApiError(url, 500, undefined, "The Hub's answer to the commit names no commit");
  return { oid: json.commitOid, url: json.commitUrl ?? `${hub.endpoint}/datasets/${request.repo}/commit/${json.commitOid}`, pullRequestUrl: json.pullRequestUrl };
}

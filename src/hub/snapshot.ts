/**
 * Publishing, step 2: the branch as it is now — its head commit, its files
 * (with their LFS oids) and its card — read as one consistent snapshot, all
 * reads pinned to the head. Plans are made against it (./plan.ts) and the
 * commit is guarded by its head.
 */
import { type HubContext, type RemoteFile, listRepoFiles, readTextFile, revisionSha } from "./api.js";

export interface RemoteSnapshot {
  /** Head commit of the branch; undefined for a repo (or branch) that does not exist yet. */
  head: string | undefined;
  files: RemoteFile[];
  /** README.md text, if the branch has one. */
  readme: string | undefined;
}

/** The snapshot of a repository that does not exist yet. */
export function emptySnapshot(): RemoteSnapshot {
  return { head: undefined, files: [], readme: undefined };
}

export async function readSnapshot(hub: HubContext, repo: string, revision: string): Promise<RemoteSnapshot> {
  const head = await revisionSha(hub, repo, revision);
  if (!head) return emptySnapshot();
  const files = await listRepoFiles(hub, repo, head);
  const readme = files.some((f) => f.path === "README.md") ? await readTextFile(hub, repo, head, "README.md") : undefined;
  return { head, files, readme };
}

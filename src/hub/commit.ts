/**
 * Publishing, step 4: one commit that takes the branch from the snapshot's
 * head to the plan — the shards uploaded (LFS; files the Hub already holds
 * are not sent again), README.md and the deletions — guarded by
 * `parentCommit`, so it fails (412) rather than overwrite another writer's
 * commit. Reports upload progress as it goes.
 */
import { openAsBlob } from "node:fs";
import type { CommitOperation, CommitOutput } from "@huggingface/hub";
import { type HubContext, commitWithProgress } from "./api.js";
import type { Plan } from "./plan.js";

export interface CommitRequest {
  repo: string;
  branch: string;
  /** Open a pull request instead of committing to `branch`. */
  createPr: boolean;
  message: string;
  description?: string;
  useXet?: boolean;
}

export interface UploadProgress {
  uploadedBytes: number;
  totalBytes: number;
}

export async function commitPlan(
  hub: HubContext,
  request: CommitRequest,
  planned: Plan,
  parentCommit: string,
  onUploadProgress?: (progress: UploadProgress) => void,
): Promise<CommitOutput | undefined> {
  const operations: CommitOperation[] = [];
  for (const shard of planned.uploads)
    operations.push({ operation: "addOrUpdate", path: shard.repoPath, content: await openAsBlob(shard.localPath) });
  if (planned.readme !== undefined) operations.push({ operation: "addOrUpdate", path: "README.md", content: new Blob([planned.readme]) });
  for (const path of planned.deletions) operations.push({ operation: "delete", path });

  const sizes = new Map(planned.uploads.map((s) => [s.repoPath, s.bytes]));
  const totalBytes = planned.uploads.reduce((n, s) => n + s.bytes, 0);
  const uploaded = new Map<string, number>();
  const iterator = commitWithProgress(hub, {
    repo: request.repo,
    branch: request.branch,
    title: request.message,
    description: request.description,
    operations,
    parentCommit,
    isPullRequest: request.createPr,
    useXet: request.useXet ?? false,
  });
  for (;;) {
    const step = await iterator.next();
    if (step.done) return step.value;
    const event = step.value;
    if (event.event === "fileProgress" && event.state === "uploading" && sizes.has(event.path)) {
      uploaded.set(event.path, event.progress * sizes.get(event.path)!);
      onUploadProgress?.({ uploadedBytes: [...uploaded.values()].reduce((a, b) => a + b, 0), totalBytes });
    }
  }
}

/**
 * Publishing: one commit that takes the branch from its current state to the
 * planned one, or nothing when the Hub already holds exactly this data and
 * card.
 *
 * The commit is guarded by `parentCommit`, so readers never see a
 * half-updated dataset and concurrent writers cannot overwrite each other:
 * when another commit lands first (HTTP 412), the branch is read again, the
 * card re-merged, the plan redone, and the commit retried, at most
 * `maxCommitAttempts` times with jittered backoff. Shards already uploaded
 * by an earlier attempt are not sent again (the LFS batch reports them
 * present).
 */
import { openAsBlob } from "node:fs";
import { type CommitOperation, HubApiError } from "@huggingface/hub";
import type { Logger } from "../log.js";
import {
  type HubContext,
  commitWithProgress,
  createBranch,
  createDatasetRepo,
  createTag,
  listRepoFiles,
  listTags,
  readTextFile,
  repoExists,
  revisionSha,
} from "./api.js";
import { CardError } from "./card/card.js";
import { HubError, explainHubError, hubMessage } from "./errors.js";
import { type Plan, type PushRequest, type RemoteSnapshot, planDeleteConfig, planPush } from "./plan.js";

export type Operation =
  | { kind: "push"; request: PushRequest }
  | { kind: "delete-config"; config: string; dataDir: string };

export interface PublishOptions {
  hub: HubContext;
  repo: string;
  branch: string;
  createPr: boolean;
  private: boolean;
  commitMessage: string;
  commitDescription?: string;
  tag?: string;
  operation: Operation;
  log: Logger;
  /** Called as bytes are hashed and uploaded. */
  onUploadProgress?: (progress: UploadProgress) => void;
  maxCommitAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Upload through Xet when the Hub offers it. Off by default: plain Git LFS
   * uploads are what the tests exercise, and the Hub accepts them on Xet-backed
   * repos too (it migrates the files in the background).
   */
  useXet?: boolean;
}

export interface UploadProgress {
  uploadedBytes: number;
  totalBytes: number;
}

export interface PublishResult {
  changed: boolean;
  plan: Plan;
  commit?: { oid: string; url: string };
  pullRequestUrl?: string;
  tag?: { name: string; created: boolean; commit: string };
  repoCreated: boolean;
  attempts: number;
}

export const DEFAULT_MAX_COMMIT_ATTEMPTS = 8;

export async function readSnapshot(hub: HubContext, repo: string, revision: string): Promise<RemoteSnapshot> {
  const head = await revisionSha(hub, repo, revision);
  if (!head) return { head: undefined, files: [], readme: undefined };
  // Pin every read to the head commit, so files and card are one consistent snapshot.
  const files = await listRepoFiles(hub, repo, head);
  const readme = files.some((f) => f.path === "README.md") ? await readTextFile(hub, repo, head, "README.md") : undefined;
  return { head, files, readme };
}

export function plan(operation: Operation, snapshot: RemoteSnapshot): Plan {
  return operation.kind === "push"
    ? planPush(operation.request, snapshot)
    : planDeleteConfig(operation.config, operation.dataDir, snapshot);
}

/** Plans against the Hub without writing anything (dry runs). A repo that cannot be read is planned as new. */
export async function planOnly(options: Pick<PublishOptions, "hub" | "repo" | "branch" | "operation" | "log">): Promise<Plan> {
  let snapshot: RemoteSnapshot = { head: undefined, files: [], readme: undefined };
  try {
    snapshot = await readSnapshot(options.hub, options.repo, options.branch);
    if (!snapshot.head) options.log.info(`datasets/${options.repo}@${options.branch} does not exist yet: planning a new dataset.`);
  } catch (e) {
    options.log.warning(`Could not read datasets/${options.repo} (${explainHubError(e, { repo: options.repo, endpoint: options.hub.endpoint, action: "reading the repository" }).message}); planning as if it were new.`);
  }
  return guardCard(() => plan(options.operation, snapshot));
}

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { hub, repo, log } = options;
  const ctx = (action: string) => ({ repo, endpoint: hub.endpoint, action, createPr: options.createPr });
  const attemptsAllowed = options.maxCommitAttempts ?? DEFAULT_MAX_COMMIT_ATTEMPTS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  let repoCreated = false;
  try {
    if (!(await repoExists(hub, repo))) {
      if (options.operation.kind === "delete-config") throw new HubError(`datasets/${repo} does not exist: there is no config to delete.`, 404);
      repoCreated = await createDatasetRepo(hub, repo, options.private);
      if (repoCreated) log.info(`Created ${options.private ? "private" : "public"} dataset repository datasets/${repo}.`);
    }
    if (!(await revisionSha(hub, repo, options.branch))) {
      log.info(`Branch '${options.branch}' does not exist: creating it from the default branch.`);
      await createBranch(hub, repo, options.branch);
    }
  } catch (e) {
    throw explainHubError(e, ctx("preparing the repository"));
  }

  let uncertain = false; // a commit attempt failed in a way that may still have landed
  for (let attempt = 1; ; attempt++) {
    let snapshot: RemoteSnapshot;
    try {
      snapshot = await readSnapshot(hub, repo, options.branch);
    } catch (e) {
      throw explainHubError(e, ctx("reading the branch"));
    }
    if (!snapshot.head) throw new HubError(`Branch '${options.branch}' of datasets/${repo} disappeared while publishing.`);
    const planned = guardCard(() => plan(options.operation, snapshot));

    if (!planned.changed) {
      if (uncertain) {
        // The earlier attempt did land: the branch already holds exactly what we sent.
        log.info("The earlier commit attempt was applied by the Hub.");
        const commit = { oid: snapshot.head, url: `${hub.endpoint}/datasets/${repo}/commit/${snapshot.head}` };
        return { changed: true, plan: planned, commit, repoCreated, attempts: attempt, tag: await tagCommit(options, snapshot.head) };
      }
      log.info("Nothing changed: the Hub already holds exactly this data and card. No commit made.");
      return { changed: false, plan: planned, repoCreated, attempts: attempt, tag: await tagCommit(options, snapshot.head) };
    }

    try {
      const output = await commitPlan(options, planned, snapshot.head);
      if (!output) throw new Error("the Hub did not return a commit");
      const commit = { oid: output.commit.oid, url: output.commit.url };
      log.info(`Committed ${commit.oid}${output.pullRequestUrl ? ` and opened ${output.pullRequestUrl}` : ""}.`);
      return {
        changed: true,
        plan: planned,
        commit,
        pullRequestUrl: output.pullRequestUrl,
        repoCreated,
        attempts: attempt,
        tag: await tagCommit(options, commit.oid),
      };
    } catch (e) {
      const status = e instanceof HubApiError ? e.statusCode : undefined;
      const moved = status === 412 || status === 409;
      const maybeLanded = !moved && (status === undefined || status >= 500) && !(e instanceof TypeError);
      if ((moved || (maybeLanded && isNetworkOrServer(e))) && attempt < attemptsAllowed) {
        uncertain ||= maybeLanded;
        const wait = Math.round(Math.min(options.retryMaxMs ?? 15_000, (options.retryBaseMs ?? 1000) * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
        log.warning(
          moved
            ? `Another commit landed on '${options.branch}' first (HTTP ${status}); re-reading the branch and merging again in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${attemptsAllowed}).`
            : `The commit failed (${describeFailure(e)}); checking whether it landed and retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${attemptsAllowed}).`,
        );
        await sleep(wait);
        continue;
      }
      throw explainHubError(e, ctx(moved ? "committing" : "uploading and committing"));
    }
  }
}

function describeFailure(e: unknown): string {
  if (e instanceof HubApiError) return `HTTP ${e.statusCode}: ${hubMessage(e)}`;
  return e instanceof Error ? e.message : String(e);
}

function isNetworkOrServer(e: unknown): boolean {
  if (e instanceof HubApiError) return e.statusCode >= 500;
  return e instanceof Error && (e as Error & { network?: boolean }).network === true;
}

/** Card problems (ours or the Hub's card) are user-facing. */
function guardCard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CardError) throw new HubError(e.message);
    throw e;
  }
}

async function commitPlan(options: PublishOptions, planned: Plan, parentCommit: string) {
  const operations: CommitOperation[] = [];
  for (const shard of planned.uploads)
    operations.push({ operation: "addOrUpdate", path: shard.repoPath, content: await openAsBlob(shard.localPath) });
  if (planned.readme !== undefined)
    operations.push({ operation: "addOrUpdate", path: "README.md", content: new Blob([planned.readme]) });
  for (const path of planned.deletions) operations.push({ operation: "delete", path });

  const sizes = new Map(planned.uploads.map((s) => [s.repoPath, s.bytes]));
  const totalBytes = planned.uploads.reduce((n, s) => n + s.bytes, 0);
  const uploaded = new Map<string, number>();
  const iterator = commitWithProgress(options.hub, {
    repo: options.repo,
    branch: options.branch,
    title: options.commitMessage,
    description: options.commitDescription,
    operations,
    parentCommit,
    isPullRequest: options.createPr,
    useXet: options.useXet ?? false,
  });
  for (;;) {
    const step = await iterator.next();
    if (step.done) return step.value;
    const event = step.value;
    if (event.event === "fileProgress" && event.state === "uploading" && sizes.has(event.path)) {
      uploaded.set(event.path, event.progress * sizes.get(event.path)!);
      options.onUploadProgress?.({ uploadedBytes: [...uploaded.values()].reduce((a, b) => a + b, 0), totalBytes });
    }
  }
}

/** Creates the release tag on `commit`; an existing tag on the same commit is fine, on another one an error. */
async function tagCommit(options: PublishOptions, commit: string): Promise<PublishResult["tag"]> {
  const { tag, hub, repo, log } = options;
  if (!tag) return undefined;
  const ctx = { repo, endpoint: hub.endpoint, action: `creating tag '${tag}'` };
  try {
    const existing = (await listTags(hub, repo)).find((t) => t.name === tag);
    if (existing) {
      if (existing.targetCommit === commit) {
        log.info(`Tag '${tag}' already points at ${commit}.`);
        return { name: tag, created: false, commit };
      }
      throw new HubError(
        `Tag '${tag}' already exists on datasets/${repo} and points at ${existing.targetCommit}, not at ${commit}. ` +
          "Tags are not moved: pick a new tag name, or delete the old tag on the Hub first.",
        409,
      );
    }
    await createTag(hub, repo, tag, commit);
    log.info(`Tagged ${commit} as '${tag}'.`);
    return { name: tag, created: true, commit };
  } catch (e) {
    throw explainHubError(e, ctx);
  }
}

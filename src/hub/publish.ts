/**
 * Publishing: the steps in order — the repository and branch exist
 * (./repo.ts), the branch is read (./snapshot.ts), the operation planned
 * against it (./plan.ts), one commit takes the branch to the plan
 * (./commit.ts), the release tag is set (./tag.ts) — or nothing is
 * committed when the Hub already holds exactly this data and card.
 *
 * The commit is guarded by `parentCommit`, so readers never see a
 * half-updated dataset and concurrent writers cannot overwrite each other.
 * A failed commit is never simply sent again (the rule is ./retry.ts's):
 * when another commit landed first the branch is read again, the card
 * re-merged, the plan redone and the commit retried; when it failed in a way
 * that may have landed, the branch is read again, and a plan with nothing
 * left to do means it did. Shards already uploaded by an earlier attempt are
 * not sent again (the LFS batch reports them present).
 */
import type { Logger } from "../log.js";
import type { HubContext } from "./api.js";
import { CardError } from "./card/card.js";
import { type CommitRequest, type UploadProgress, commitPlan } from "./commit.js";
import { HubError, explainHubError, hubMessage } from "./errors.js";
import { HubApiError } from "@huggingface/hub";
import { type Operation, type Plan, plan } from "./plan.js";
import { prepareRepo } from "./repo.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, backoffMs, commitFailure } from "./retry.js";
import { type RemoteSnapshot, emptySnapshot, readSnapshot } from "./snapshot.js";
import { type TagResult, tagCommit } from "./tag.js";

export type { UploadProgress } from "./commit.js";

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
  /** The retry policy (its commit attempts and waits; the requests' own retries are the Hub fetch's). */
  retryPolicy?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Upload through Xet when the Hub offers it. Off by default: plain Git LFS
   * uploads are what the tests exercise, and the Hub accepts them on Xet-backed
   * repos too (it migrates the files in the background).
   */
  useXet?: boolean;
}

export interface PublishResult {
  changed: boolean;
  plan: Plan;
  commit?: { oid: string; url: string };
  pullRequestUrl?: string;
  tag?: TagResult;
  repoCreated: boolean;
  attempts: number;
}

/** Plans against the Hub without writing anything (dry runs). A repo that cannot be read is planned as new. */
export async function planOnly(options: Pick<PublishOptions, "hub" | "repo" | "branch" | "operation" | "log">): Promise<Plan> {
  let snapshot: RemoteSnapshot = emptySnapshot();
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
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const commit: CommitRequest = {
    repo,
    branch: options.branch,
    createPr: options.createPr,
    message: options.commitMessage,
    description: options.commitDescription,
    useXet: options.useXet,
  };
  const tagged = async (oid: string) => (options.tag ? await tagCommit(hub, repo, options.tag, oid, log) : undefined);

  let repoCreated: boolean;
  try {
    repoCreated = await prepareRepo(hub, repo, { branch: options.branch, private: options.private, deletingConfig: options.operation.kind === "delete-config" }, log);
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
    const planned = guardCard(() => plan(options.operation, snapshot, uncertain));

    if (!planned.changed) {
      if (uncertain) {
        // The earlier attempt did land: the branch already holds exactly what we sent.
        log.info("The earlier commit attempt was applied by the Hub.");
        const landed = { oid: snapshot.head, url: `${hub.endpoint}/datasets/${repo}/commit/${snapshot.head}` };
        return { changed: true, plan: planned, commit: landed, repoCreated, attempts: attempt, tag: await tagged(snapshot.head) };
      }
      log.info("Nothing changed: the Hub already holds exactly this data and card. No commit made.");
      return { changed: false, plan: planned, repoCreated, attempts: attempt, tag: await tagged(snapshot.head) };
    }

    try {
      const output = await commitPlan(hub, commit, planned, snapshot.head, options.onUploadProgress);
      if (!output) throw new Error("the Hub did not return a commit");
      const made = { oid: output.commit.oid, url: output.commit.url };
      log.info(`Committed ${made.oid}${output.pullRequestUrl ? ` and opened ${output.pullRequestUrl}` : ""}.`);
      return { changed: true, plan: planned, commit: made, pullRequestUrl: output.pullRequestUrl, repoCreated, attempts: attempt, tag: await tagged(made.oid) };
    } catch (e) {
      const failure = commitFailure(e);
      if (failure === "final" || attempt >= policy.maxCommitAttempts)
        throw explainHubError(e, ctx(failure === "moved" ? "committing" : "uploading and committing"));
      uncertain ||= failure === "uncertain";
      const wait = backoffMs(policy, attempt, policy.maxCommitDelayMs, random);
      const next = `(attempt ${attempt + 1} of ${policy.maxCommitAttempts})`;
      log.warning(
        failure === "moved"
          ? `Another commit landed on '${options.branch}' first (HTTP ${(e as HubApiError).statusCode}); re-reading the branch and merging again in ${(wait / 1000).toFixed(1)} s ${next}.`
          : `The commit failed (${describeFailure(e)}); checking whether it landed and retrying in ${(wait / 1000).toFixed(1)} s ${next}.`,
      );
      await sleep(wait);
    }
  }
}

function describeFailure(e: unknown): string {
  if (e instanceof HubApiError) return `HTTP ${e.statusCode}: ${hubMessage(e)}`;
  return e instanceof Error ? e.message : String(e);
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

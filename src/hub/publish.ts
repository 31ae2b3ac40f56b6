/**
 * Publishing: the steps in order — the repository and branch exist
 * (./repo.ts), the branch is read (./snapshot.ts), the operation planned
 * against it (./plan.ts), one commit takes the branch to the plan
 * (./upload.ts sends the shards the Hub lacks, through Xet or LFS, then
 * ./commit.ts adds them), the release tag is set (./tag.ts) — or nothing is
 * committed when the Hub already holds exactly this data and card.
 *
 * The commit is guarded by `parentCommit`, so readers never see a
 * half-updated dataset and concurrent writers cannot overwrite each other.
 * A failed commit is never simply sent again (the rule is ./retry.ts's):
 * when another commit landed first the branch is read again, the card
 * re-merged, the plan redone and the commit retried; when it failed in a way
 * that may have landed, the branch is read again, and a plan with nothing
 * left to do means it did. Shards already uploaded by an earlier attempt are
 * not sent again: this run remembers them (and the LFS batch would report
 * them present).
 */
import type { Logger } from "../log.js";
import type { ShardFile } from "../model/conversion.js";
import type { HubContext } from "./api.js";
import { CardError } from "./card/card.js";
import { type CommitRequest, changesOf, createCommit } from "./commit.js";
import { HubError, explainHubError, hubMessage } from "./errors.js";
import { HubApiError } from "@huggingface/hub";
import { type Operation, type Plan, plan } from "./plan.js";
import { prepareRepo } from "./repo.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, backoffMs, commitFailure } from "./retry.js";
import { type RemoteSnapshot, emptySnapshot, readSnapshot } from "./snapshot.js";
import { type TagResult, tagCommit } from "./tag.js";
import { type UploadProgress, type UploadReport, describeUpload, emptyUploadReport, uploadFiles } from "./upload.js";

export type { UploadProgress, UploadReport } from "./upload.js";

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
  /** Called as shards are uploaded (or found on the Hub already). */
  onUploadProgress?: (progress: UploadProgress) => void;
  /** The retry policy (its commit attempts and waits; the requests' own retries are the Hub fetch's). */
  retryPolicy?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Upload through Xet when the Hub offers it (default true); else, and on Hubs without Xet, through Git LFS. */
  xet?: boolean;
  /** The shards are in the repository's storage already (prepare jobs uploaded them): commit them by reference, send none. */
  uploadedElsewhere?: boolean;
  /** Most files one commit adds or deletes (default MAX_FILES_PER_COMMIT; tests make it small). */
  maxFilesPerCommit?: number;
}

/**
 * Files one commit may add: `create_commit` "is limited to 25k LFS files"
 * (huggingface_hub `HfApi.create_commit` docstring, docs/hub-api.md#commit).
 * A plan over it goes in several commits of shards, the card and deletions last.
 */
export const MAX_FILES_PER_COMMIT = 25_000;

export interface PublishResult {
  changed: boolean;
  plan: Plan;
  commit?: { oid: string; url: string };
  pullRequestUrl?: string;
  tag?: TagResult;
  repoCreated: boolean;
  attempts: number;
  /** What the uploads sent and found on the Hub, over all attempts. */
  upload: UploadReport;
  /** Commits made before the last one, each adding part of the shards (plans over maxFilesPerCommit files). */
  partCommits: number;
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
  };
  const upload = emptyUploadReport();
  const maxFiles = options.maxFilesPerCommit ?? MAX_FILES_PER_COMMIT;
  let partCommits = 0;
  const uploaded = new Set<string>(); // sha256 of shards sent (or found) by earlier attempts
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
        return { changed: true, plan: planned, commit: landed, repoCreated, attempts: attempt, upload, partCommits, tag: await tagged(snapshot.head) };
      }
      log.info("Nothing changed: the Hub already holds exactly this data and card. No commit made.");
      return { changed: false, plan: planned, repoCreated, attempts: attempt, upload, partCommits, tag: await tagged(snapshot.head) };
    }

    const toSend = options.uploadedElsewhere ? [] : planned.uploads.filter((s) => !uploaded.has(s.sha256));
    if (toSend.length > 0) {
      addUpload(upload, await sendShards(options, toSend));
      for (const s of toSend) uploaded.add(s.sha256);
    }

    // Too many files for one commit: shards to add, then files to delete, in parts of at most maxFiles, each part
    // followed by a new plan (what a part did is no longer a change); the card goes in the last commit.
    const changes = changesOf(planned);
    const part = changes.storedFiles.length + changes.deletions.length + changes.textFiles.length > maxFiles;
    if (part && options.createPr)
      throw new HubError(`This commit would add or delete ${changes.storedFiles.length + changes.deletions.length} files; a pull request is one commit, and a commit takes at most ${maxFiles}: publish to a branch instead.`);
    try {
      if (part) {
        const storedFiles = changes.storedFiles.slice(0, maxFiles);
        const deletions = changes.deletions.slice(0, maxFiles - storedFiles.length);
        // A part always moves the repo towards the plan; an empty one would be committed again and again.
        if (storedFiles.length + deletions.length === 0) throw new Error(`a commit part holds no file (${changes.textFiles.length} text files over the limit of ${maxFiles})`);
        const made = await createCommit(hub, { ...commit, message: `${commit.message} (part ${partCommits + 1})` }, snapshot.head, { storedFiles, textFiles: [], deletions });
        partCommits++;
        log.info(
          `Committed ${made.oid}: ${storedFiles.length} of the ${changes.storedFiles.length} shards still to add and ${deletions.length} of the ` +
            `${changes.deletions.length} files still to delete (a commit takes at most ${maxFiles} files); the rest and the card follow.`,
        );
        attempt = 0;
        uncertain = false;
        continue;
      }
      const made = await createCommit(hub, commit, snapshot.head, changes);
      log.info(`Committed ${made.oid}${made.pullRequestUrl ? ` and opened ${made.pullRequestUrl}` : ""}.`);
      const result = { oid: made.oid, url: made.url };
      return { changed: true, plan: planned, commit: result, pullRequestUrl: made.pullRequestUrl, repoCreated, attempts: attempt, upload, partCommits, tag: await tagged(made.oid) };
    } catch (e) {
      const failure = commitFailure(e);
      if (failure === "final" || attempt >= policy.maxCommitAttempts) {
        const explained = explainHubError(e, ctx("committing"));
        throw options.uploadedElsewhere ? explainMissingObjects(explained) : explained;
      }
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

function addUpload(total: UploadReport, more: UploadReport): void {
  if (more.transfer !== "none") total.transfer = more.transfer;
  for (const key of ["files", "bytes", "sentBytes", "presentBytes", "repeatedBytes", "filesPresent"] as const) total[key] += more[key];
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

/**
 * A prepare job's publishing: the repository and branch exist, then the
 * shards are sent to its storage (those it has already are not), and nothing
 * is committed — the commit job adds them by reference.
 */
export async function uploadOnly(
  options: Pick<PublishOptions, "hub" | "repo" | "branch" | "createPr" | "private" | "log" | "onUploadProgress" | "xet">,
  shards: ShardFile[],
): Promise<UploadReport> {
  const { hub, repo, log } = options;
  try {
    await prepareRepo(hub, repo, { branch: options.branch, private: options.private, deletingConfig: false }, log);
  } catch (e) {
    throw explainHubError(e, { repo, endpoint: hub.endpoint, action: "preparing the repository", createPr: options.createPr });
  }
  return sendShards(options, shards);
}

/** Sends the shards' content the Hub lacks (no commit), and logs what went. */
async function sendShards(
  options: Pick<PublishOptions, "hub" | "repo" | "branch" | "createPr" | "log" | "onUploadProgress" | "xet">,
  shards: ShardFile[],
): Promise<UploadReport> {
  const { hub, repo } = options;
  let sent: UploadReport;
  try {
    const files = shards.map((s) => ({ path: s.repoPath, localPath: s.localPath, sha256: s.sha256, size: s.bytes }));
    sent = await uploadFiles(hub, { repo, branch: options.branch, createPr: options.createPr }, files, { xet: options.xet, onProgress: options.onUploadProgress });
  } catch (e) {
    // Each request was already retried (./http.ts): what is left is final.
    throw explainHubError(e, { repo, endpoint: hub.endpoint, action: "uploading the shards", createPr: options.createPr });
  }
  options.log.info(describeUpload(sent));
  return sent;
}

/**
 * A commit by reference that the Hub refuses because an object is not in the
 * repository's storage: the prepare jobs' uploads never happened or were
 * dropped, uncommitted, after a while.
 */
function explainMissingObjects(e: Error): Error {
  if (!(e instanceof HubError) || (e.status !== 400 && e.status !== 404 && e.status !== 422) || !/lfs|does not exist|not found/i.test(e.message)) return e;
  return new HubError(
    `${e.message} The commit adds the shards the prepare jobs uploaded; the Hub does not have one of them: re-run the prepare jobs ` +
      "(they upload only what the Hub lacks), then the commit. Uploads stay uncommitted for a limited time (huggingface_hub assumes 20 hours): run the commit soon after the prepare jobs.",
    e.status,
  );
}

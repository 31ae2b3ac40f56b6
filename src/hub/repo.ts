/**
 * Publishing, step 1: the repository and the branch exist. A missing dataset
 * repository is created (with the requested visibility), a missing branch is
 * created from the default branch; both tolerate another run doing the same
 * at the same time.
 */
import type { Logger } from "../log.js";
import { type HubContext, createBranch, createDatasetRepo, repoExists, revisionSha } from "./api.js";
import { HubError } from "./errors.js";

/** Makes sure `repo` and `branch` exist; returns whether this run created the repository. */
export async function prepareRepo(
  hub: HubContext,
  repo: string,
  options: { branch: string; private: boolean; deletingConfig: boolean },
  log: Logger,
): Promise<boolean> {
  let created = false;
  if (!(await repoExists(hub, repo))) {
    if (options.deletingConfig) throw new HubError(`datasets/${repo} does not exist: there is no config to delete.`, 404);
    created = await createDatasetRepo(hub, repo, options.private);
    if (created) log.info(`Created ${options.private ? "private" : "public"} dataset repository datasets/${repo}.`);
  }
  if (!(await revisionSha(hub, repo, options.branch))) {
    log.info(`Branch '${options.branch}' does not exist: creating it from the default branch.`);
    await createBranch(hub, repo, options.branch);
  }
  return created;
}

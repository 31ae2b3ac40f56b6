/**
 * Publishing, last step: the release tag on the commit that holds the data
 * (the new one, or the current head when nothing changed). A tag that
 * already points there is fine; one that points elsewhere is never moved.
 */
import type { Logger } from "../log.js";
import { type HubContext, createTag, listTags } from "./api.js";
import { HubError, explainHubError } from "./errors.js";

export interface TagResult {
  name: string;
  created: boolean;
  commit: string;
}

export async function tagCommit(hub: HubContext, repo: string, tag: string, commit: string, log: Logger): Promise<TagResult> {
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

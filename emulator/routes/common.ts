// Helpers shared by the route handlers: repo lookup with the Hub's
// visibility and permission rules, revision parsing, URL building.
import { type Principal, invalidCredentials, requireWriteToken } from "../auth.js";
import { HubError, repoNotFound, revisionNotFound } from "../errors.js";
import type { Ctx, Req, RouteMatch } from "../http.js";
import type { Commit, Repo, RepoType } from "../store.js";

/** Look a repo up for reading: private repos are invisible (404) to non-members. */
export function readableRepo(ctx: Ctx, req: Req, m: RouteMatch): Repo {
  if (req.identity.kind === "invalid") throw invalidCredentials();
  const repo = ctx.store.getRepo(m.type!, m.id!);
  if (!repo) throw repoNotFound();
  if (repo.isPrivate && !ctx.auth.canSeePrivate(req.identity, repo.namespace)) throw repoNotFound();
  return repo;
}

/** Look a repo up for writing: 401/403 token checks, 404 if invisible, 403 outside your namespaces. */
export function writableRepo(ctx: Ctx, req: Req, m: RouteMatch, action: string): { repo: Repo; principal: Principal } {
  const what = `${action} ${typeLabel(m.type!)} ${m.id}`;
  const principal = requireWriteToken(req.identity, what);
  const repo = readableRepo(ctx, req, m);
  if (!ctx.auth.canWriteNamespace(principal, repo.namespace)) {
    throw new HubError(403, `You don't have the rights to ${what}: it belongs to "${repo.namespace}"`);
  }
  return { repo, principal };
}

export function typeLabel(type: RepoType): string {
  return type === "model" ? "model" : type;
}

/** URL prefix of "git-ish" pages: datasets/ and spaces/, none for models. */
export function webPrefix(type: RepoType): string {
  return type === "model" ? "" : `${type}s/`;
}

export function repoWebUrl(base: string, repo: Repo): string {
  return `${base}/${webPrefix(repo.type)}${repo.id}`;
}

export function resolveOrThrow(repo: Repo, rev: string): Commit {
  const oid = repo.resolve(rev);
  if (!oid) throw revisionNotFound(rev);
  return repo.commit(oid);
}

/**
 * Split "rev/path..." segments. The revision is either one (decoded) segment,
 * an unencoded "refs/pr/N"-style ref, or the shortest prefix that names an
 * existing ref (for unencoded branch names containing "/").
 */
export function splitRevAndPath(repo: Repo, rest: string[], needPath: boolean): { rev: string; path: string } {
  if (rest.length === 0) return { rev: "main", path: "" };
  if (rest[0] === "refs" && ["pr", "heads", "tags", "convert"].includes(rest[1] ?? "") && rest.length >= 3) {
    return { rev: rest.slice(0, 3).join("/"), path: rest.slice(3).join("/") };
  }
  if (!rest[0].includes("/")) {
    const maxK = needPath ? rest.length - 1 : rest.length;
    for (let k = 1; k <= maxK; k++) {
      const candidate = rest.slice(0, k).join("/");
      if (repo.resolve(candidate)) return { rev: candidate, path: rest.slice(k).join("/") };
    }
  }
  return { rev: rest[0], path: rest.slice(1).join("/") };
}

/** Commit targets: a branch or an existing refs/pr/N. */
export function commitTarget(repo: Repo, rev: string): { kind: "branch" | "pr"; name: string; head: string } {
  const pr = /^refs\/pr\/(\d+)$/.exec(rev);
  if (pr) {
    const found = repo.prs.get(Number(pr[1]));
    if (found) return { kind: "pr", name: rev, head: found.head };
  } else {
    const name = rev.replace(/^refs\/heads\//, "");
    const head = repo.branches.get(name);
    if (head) return { kind: "branch", name, head };
  }
  throw revisionNotFound(rev);
}

export function queryFlag(req: Req, name: string): boolean {
  const v = req.query.get(name);
  return v !== null && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

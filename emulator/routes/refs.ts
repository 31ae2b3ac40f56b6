// Branches, tags and the refs listing.
import { HubError, badRequest, revisionNotFound } from "../errors.js";
import { HEX40 } from "../git.js";
import { type Ctx, type Reply, type Req, type RouteMatch, json, parseJsonBody } from "../http.js";
import { DEFAULT_BRANCH, type Repo } from "../store.js";
import { queryFlag, readableRepo, writableRepo } from "./common.js";

/** git check-ref-format rules, plus names that would shadow Hub refs or oids. */
function validRefName(name: string): boolean {
  if (name === "" || name.length > 255 || name === "HEAD" || HEX40.test(name)) return false;
  if (name.startsWith("refs/") || name.startsWith("/") || name.endsWith("/") || name.endsWith(".")) return false;
  if (name.startsWith("-") || name.includes("..") || name.includes("//") || name.includes("@{")) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split("/").every((c) => !c.startsWith(".") && !c.endsWith(".lock"));
}

/** POST|DELETE /api/{type}s/{id}/branch/{branch} */
export function branch(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const name = m.rest.join("/");
  if (req.method === "DELETE") {
    const { repo } = writableRepo(ctx, req, m, "delete a branch of");
    if (name === DEFAULT_BRANCH) throw new HubError(403, `Cannot delete refs/heads/${DEFAULT_BRANCH}: it is the default branch`);
    if (!repo.branches.delete(name)) throw revisionNotFound(name);
    return json({});
  }
  const { repo, principal } = writableRepo(ctx, req, m, "create a branch in");
  const body = parseJsonBody(req);
  if (!validRefName(name)) throw badRequest(`Invalid reference for a branch: ${name}`);
  if (repo.branches.has(name) && body.overwrite !== true) {
    throw new HubError(409, `Reference refs/heads/${name} already exists`);
  }
  let target: string;
  if (body.emptyBranch === true) {
    // An orphan commit with an empty tree: a branch needs a commit to point to.
    target = ctx.store.createCommit(repo, { parents: [], tree: new Map(), title: "Initial commit", description: "", author: principal.user.name }).oid;
  } else {
    const start = typeof body.startingPoint === "string" && body.startingPoint !== "" ? body.startingPoint : DEFAULT_BRANCH;
    const resolved = repo.resolve(start);
    if (!resolved) throw revisionNotFound(start);
    target = resolved;
  }
  repo.branches.set(name, target);
  return json({});
}

/** POST /api/{type}s/{id}/tag/{rev} {tag, message?}; DELETE /api/{type}s/{id}/tag/{tag} */
export function tag(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const last = m.rest.join("/");
  if (req.method === "DELETE") {
    const { repo } = writableRepo(ctx, req, m, "delete a tag of");
    const name = last.replace(/^refs\/tags\//, "");
    if (!repo.tags.delete(name)) throw revisionNotFound(name);
    return json({});
  }
  const { repo } = writableRepo(ctx, req, m, "create a tag in");
  const body = parseJsonBody(req);
  if (typeof body.tag !== "string" || !validRefName(body.tag)) {
    throw badRequest(`Invalid reference for a tag: ${typeof body.tag === "string" ? body.tag : "\"tag\" is required"}`);
  }
  if (repo.tags.has(body.tag)) throw new HubError(409, `Tag reference refs/tags/${body.tag} already exists`);
  const rev = last || DEFAULT_BRANCH;
  const target = repo.resolve(rev);
  if (!target) throw revisionNotFound(rev);
  repo.tags.set(body.tag, { name: body.tag, target, ...(typeof body.message === "string" ? { message: body.message } : {}) });
  return json({});
}

export function refsJson(repo: Repo, includePrs: boolean): Record<string, unknown> {
  const branches = [...repo.branches.entries()]
    .sort(([a], [b]) => (a === DEFAULT_BRANCH ? -1 : b === DEFAULT_BRANCH ? 1 : a < b ? -1 : 1))
    .map(([name, target]) => ({ name, ref: `refs/heads/${name}`, targetCommit: target }));
  const tags = [...repo.tags.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((t) => ({ name: t.name, ref: `refs/tags/${t.name}`, targetCommit: t.target }));
  const out: Record<string, unknown> = { tags, branches, converts: [] };
  if (includePrs) {
    out.pullRequests = [...repo.prs.values()].map((pr) => ({ name: String(pr.num), ref: pr.ref, targetCommit: pr.head }));
  }
  return out;
}

/** GET /api/{type}s/{id}/refs[?include_prs=1] */
export function refs(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const repo = readableRepo(ctx, req, m);
  return json(refsJson(repo, queryFlag(req, "include_prs")));
}

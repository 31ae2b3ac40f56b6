// Identity and repository lifecycle: whoami-v2, repos/create, repos/delete,
// repo info, and the card validator endpoint.
import { fakeId, INVALID_CREDENTIALS, invalidCredentials, requireWriteToken } from "../auth.js";
import { validateCard } from "../card.js";
import { HubError, badRequest, repoNotFound } from "../errors.js";
import { type Ctx, type Reply, type Req, type RouteMatch, json, parseJsonBody } from "../http.js";
import type { RepoType, TreeEntry } from "../store.js";
import { queryFlag, readableRepo, repoWebUrl, resolveOrThrow, typeLabel } from "./common.js";

export function whoami(_ctx: Ctx, req: Req): Reply {
  const identity = req.identity;
  if (identity.kind !== "user") throw new HubError(401, INVALID_CREDENTIALS);
  const { user, role, displayName, createdAt } = identity.principal;
  return json({
    type: "user",
    id: fakeId(`user:${user.name}`),
    name: user.name,
    fullname: user.fullname ?? user.name,
    email: user.email ?? `${user.name}@example.com`,
    emailVerified: true,
    canPay: false,
    isPro: false,
    periodEnd: null,
    avatarUrl: `/avatars/${user.name}.svg`,
    billingMode: "postpaid",
    orgs: (user.orgs ?? []).map((org) => ({
      id: fakeId(`org:${org}`),
      type: "org",
      name: org,
      fullname: org,
      email: null,
      canPay: false,
      avatarUrl: `/avatars/${org}.svg`,
      periodEnd: null,
      roleInOrg: "write",
    })),
    auth: { type: "access_token", accessToken: { displayName, role, createdAt: createdAt.toISOString() } },
  });
}

const REPO_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?$/;

function checkRepoName(name: string): void {
  if (!REPO_NAME.test(name) || name.length > 96 || name.includes("--") || name.includes("..") || name.endsWith(".git")) {
    throw badRequest(
      `Invalid repo name "${name}": use letters, digits, "-", "_" and ".", without "--" or "..", at most 96 characters`,
    );
  }
}

function parseType(value: unknown): RepoType {
  if (value === undefined || value === null || value === "model") return "model";
  if (value === "dataset" || value === "space") return value;
  throw badRequest(`Invalid repo type "${String(value)}"`);
}

export function createRepo(ctx: Ctx, req: Req): Reply {
  const body = parseJsonBody(req);
  const type = parseType(body.type);
  const principal = requireWriteToken(req.identity, `create a ${typeLabel(type)}`);
  if (typeof body.name !== "string") throw badRequest(`"name" is required`);
  const namespace = typeof body.organization === "string" && body.organization ? body.organization : principal.user.name;
  checkRepoName(body.name);
  if (!ctx.auth.canWriteNamespace(principal, namespace)) {
    throw new HubError(403, `You don't have the rights to create a ${typeLabel(type)} under the namespace "${namespace}"`);
  }
  const id = `${namespace}/${body.name}`;
  const existing = ctx.store.getRepo(type, id);
  if (existing) throw new HubError(409, `You already created this ${typeLabel(type)} repo`, { extra: { url: repoWebUrl(req.base, existing) } });
  const isPrivate = body.visibility === "private" || body.visibility === "protected" || body.private === true;
  const files = Array.isArray(body.files)
    ? body.files.map((f: { path?: unknown; content?: unknown; encoding?: unknown }) => {
        if (typeof f?.path !== "string" || typeof f.content !== "string") throw badRequest(`"files" entries need a path and a content`);
        return { path: f.path, content: Buffer.from(f.content, f.encoding === "base64" ? "base64" : "utf8") };
      })
    : undefined;
  const repo = ctx.store.createRepo({
    type,
    id,
    isPrivate,
    author: principal.user.name,
    license: typeof body.license === "string" ? body.license : undefined,
    files,
  });
  return json({ url: repoWebUrl(req.base, repo), name: id, id: repo._id });
}

export function deleteRepo(ctx: Ctx, req: Req): Reply {
  const body = parseJsonBody(req);
  const type = parseType(body.type);
  const principal = requireWriteToken(req.identity, `delete a ${typeLabel(type)}`);
  if (typeof body.name !== "string") throw badRequest(`"name" is required`);
  const namespace = typeof body.organization === "string" && body.organization ? body.organization : principal.user.name;
  const id = `${namespace}/${body.name}`;
  const repo = ctx.store.getRepo(type, id);
  if (!repo || (repo.isPrivate && !ctx.auth.canWriteNamespace(principal, namespace))) throw repoNotFound();
  if (!ctx.auth.canWriteNamespace(principal, namespace)) {
    throw new HubError(403, `You don't have the rights to delete ${typeLabel(type)} ${id}`);
  }
  ctx.store.deleteRepo(type, id);
  return json({});
}

/** GET /api/{type}s/{ns}/{name}[/revision/{rev}] */
export function repoInfo(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const repo = readableRepo(ctx, req, m);
  const rev = m.rest.length > 0 ? m.rest.join("/") : "main";
  const commit = resolveOrThrow(repo, rev);
  // ?blobs=true (huggingface_hub's files_metadata): each sibling's size, git oid and LFS pointer.
  const blobs = queryFlag(req, "blobs");
  const readme = commit.tree.get("README.md");
  const card = readme?.content && !readme.lfs ? validateCard(readme.content.toString("utf8")) : undefined;
  const full: Record<string, unknown> = {
    _id: repo._id,
    id: repo.id,
    author: repo.namespace,
    sha: commit.oid,
    private: repo.isPrivate,
    gated: false,
    disabled: false,
    lastModified: repo.lastModified.toISOString(),
    createdAt: repo.createdAt.toISOString(),
    tags: [],
    ...(card?.ok && card.metadata ? { cardData: card.metadata } : {}),
    siblings: [...commit.tree.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([rfilename, entry]) => (blobs ? { rfilename, ...blobInfo(entry) } : { rfilename })),
    downloads: 0,
    likes: 0,
  };
  // Like the Hub: with expand, only the requested fields (plus _id and id) come back.
  const expand = [...req.query.getAll("expand"), ...req.query.getAll("expand[]")];
  if (expand.length === 0) return json(full);
  return json(Object.fromEntries(Object.entries(full).filter(([k]) => k === "_id" || k === "id" || expand.includes(k))));
}

function blobInfo(entry: TreeEntry): Record<string, unknown> {
  return {
    size: entry.size,
    blobId: entry.gitOid,
    ...(entry.lfs ? { lfs: { sha256: entry.lfs.oid, size: entry.lfs.size, pointerSize: entry.lfs.pointerSize } } : {}),
  };
}

/** POST /api/validate-yaml {content, repoType} */
export function validateYaml(_ctx: Ctx, req: Req): Reply {
  if (req.identity.kind === "invalid") throw invalidCredentials();
  const body = parseJsonBody(req);
  if (typeof body.content !== "string") throw badRequest(`"content" must be a string`);
  const result = validateCard(body.content);
  if (!result.ok) return json({ error: result.message, errors: [{ message: result.message }] }, 400);
  return json({ warnings: [] });
}

// The write path of the commit flow: preupload (which files go through LFS)
// and the NDJSON commit endpoint itself.
import { validateCard } from "../card.js";
import { HubError, badRequest, revisionNotFound } from "../errors.js";
import { HEX64 } from "../git.js";
import { type Ctx, type Reply, type Req, type RouteMatch, json, parseJsonBody } from "../http.js";
import { type Repo, type TreeOp, editTree, lfsEntry, regularEntry, shouldUseLfs } from "../store.js";
import { xetFileFor } from "../xet/routes.js";
import { commitTarget, queryFlag, repoWebUrl, writableRepo } from "./common.js";

/** Repo paths the Hub refuses (422): absolute, backslashes, "."/".." segments, empty segments, .git. */
export function checkRepoPath(path: unknown, opts: { folder?: boolean } = {}): string {
  if (typeof path !== "string" || path === "") throw new HubError(422, "Invalid path: a non-empty string is required");
  const reason = path.startsWith("/")
    ? "it must be relative to the repo root (no leading /)"
    : path.includes("\\")
      ? "backslashes are not allowed"
      : undefined;
  const body = opts.folder ? path.replace(/\/+$/, "") : path;
  const segments = body.split("/");
  const badSegment = segments.find((s) => s === "" || s === "." || s === ".." || s === ".git");
  const why =
    reason ??
    (badSegment === undefined
      ? undefined
      : badSegment === ""
        ? "empty path segment"
        : `"${badSegment}" segments are not allowed`);
  if (why) throw new HubError(422, `Invalid path "${path}": ${why}`);
  return body;
}

/** POST /api/{type}s/{id}/preupload/{rev} */
export function preupload(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const { repo } = writableRepo(ctx, req, m, "upload files to");
  const target = commitTarget(repo, m.rest.join("/"));
  const body = parseJsonBody(req);
  if (!Array.isArray(body.files)) throw badRequest(`"files" must be an array`);
  const head = repo.commit(target.head);
  const attributes =
    typeof body.gitAttributes === "string" ? body.gitAttributes : (head.tree.get(".gitattributes")?.content?.toString("utf8") ?? "");
  const files = body.files.map((f: { path?: unknown; size?: unknown; sample?: unknown }) => {
    const path = checkRepoPath(f?.path);
    if (typeof f.size !== "number" || !Number.isInteger(f.size) || f.size < 0) {
      throw badRequest(`"size" of "${path}" must be a non-negative integer`);
    }
    const sample = Buffer.from(typeof f.sample === "string" ? f.sample : "", "base64");
    const lfs = shouldUseLfs(path, f.size, sample, attributes, ctx.config.regularFileMaxBytes);
    const existing = head.tree.get(path);
    // For an existing file the Hub returns its oid: sha256 for LFS files, git blob oid otherwise.
    const oid = existing ? (existing.lfs ? existing.lfs.oid : existing.gitOid) : undefined;
    return { path, uploadMode: lfs ? "lfs" : "regular", shouldIgnore: false, ...(oid ? { oid } : {}) };
  });
  return json({ files, commitOid: head.oid });
}

interface CommitHeader {
  summary: string;
  description: string;
  parentCommit?: string;
}

function parseNdjson(req: Req): Array<{ key: string; value: Record<string, unknown> }> {
  const lines = req.body
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  return lines.map((line, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw badRequest(`Invalid NDJSON at line ${i + 1}: ${(e as Error).message}`);
    }
    const obj = parsed as { key?: unknown; value?: unknown };
    if (typeof obj?.key !== "string" || typeof obj.value !== "object" || obj.value === null) {
      throw badRequest(`Invalid NDJSON at line ${i + 1}: expected {"key": string, "value": object}`);
    }
    return { key: obj.key, value: obj.value as Record<string, unknown> };
  });
}

function decodeContent(path: string, value: Record<string, unknown>): Buffer {
  if (typeof value.content !== "string") throw badRequest(`file "${path}": "content" must be a string`);
  const encoding = value.encoding ?? "utf-8";
  if (encoding === "base64") {
    const clean = value.content.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
      throw badRequest(`file "${path}": content is not valid base64`);
    }
    return Buffer.from(clean, "base64");
  }
  if (encoding === "utf-8" || encoding === "utf8") return Buffer.from(value.content, "utf8");
  throw badRequest(`file "${path}": unsupported encoding "${String(encoding)}" (use "base64" or "utf-8")`);
}

/** Exact oid, or an unambiguous prefix of at least 5 hex chars (the Python client allows shorthand). */
function findCommit(repo: Repo, oid: string): string | undefined {
  if (repo.commits.has(oid)) return oid;
  if (!/^[0-9a-f]{5,39}$/.test(oid)) return undefined;
  const found = [...repo.commits.keys()].filter((k) => k.startsWith(oid));
  return found.length === 1 ? found[0] : undefined;
}

const sameCommit = (head: string, parent: string) =>
  head === parent || (/^[0-9a-f]{5,39}$/.test(parent) && head.startsWith(parent));

/** POST /api/{type}s/{id}/commit/{rev}[?create_pr=1] with an NDJSON body. */
export function commit(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const { repo, principal } = writableRepo(ctx, req, m, "push to");
  const rev = m.rest.join("/");
  const createPr = queryFlag(req, "create_pr");
  const target = commitTarget(repo, rev);
  if (createPr && target.kind !== "branch") throw revisionNotFound(rev);

  const lines = parseNdjson(req);
  if (lines.length === 0 || lines[0].key !== "header") throw badRequest(`The first NDJSON line must be {"key":"header",...}`);
  const h = lines[0].value;
  if (typeof h.summary !== "string" || h.summary.trim() === "") throw badRequest(`The commit summary cannot be empty`);
  const header: CommitHeader = {
    summary: h.summary,
    description: typeof h.description === "string" ? h.description : "",
    parentCommit: typeof h.parentCommit === "string" && h.parentCommit !== "" ? h.parentCommit.toLowerCase() : undefined,
  };

  const ops: TreeOp[] = [];
  let readme: string | undefined;
  for (const { key, value } of lines.slice(1)) {
    switch (key) {
      case "file": {
        const path = checkRepoPath(value.path);
        const content = decodeContent(path, value);
        const max = ctx.config.regularFileMaxBytes;
        if (content.length > max) {
          throw badRequest(
            `Your push was rejected because it contains files larger than ${formatBytes(max)} ("${path}", ${content.length} bytes). ` +
              `Please use https://git-lfs.github.com/ to store large files (preupload marks them "lfs").`,
          );
        }
        if (path === "README.md") readme = content.toString("utf8");
        ops.push({ kind: "put", path, entry: regularEntry(content) });
        break;
      }
      case "lfsFile": {
        const path = checkRepoPath(value.path);
        if (value.algo !== undefined && value.algo !== "sha256") {
          throw badRequest(`lfsFile "${path}": unsupported algo "${String(value.algo)}" (only sha256)`);
        }
        const oid = typeof value.oid === "string" ? value.oid.toLowerCase() : "";
        if (!HEX64.test(oid)) throw badRequest(`lfsFile "${path}": "oid" must be a sha256 (64 hex chars)`);
        const object = repo.lfsOids.has(oid) ? ctx.store.lfs.objects.get(oid) : undefined;
        // Uploaded through Xet: a shard for this repo linked the sha256 to a xet file.
        const xetFile = object ? undefined : xetFileFor(ctx, repo, oid);
        if (!object && !xetFile) {
          throw badRequest(
            `Your push was rejected because an LFS pointer pointed to a file that does not exist: lfsFile "${path}" ` +
              `references sha256:${oid}, which was never uploaded to LFS storage`,
          );
        }
        const size = object?.length ?? xetFile!.size;
        if (value.size !== undefined && value.size !== size) {
          throw badRequest(
            `lfsFile "${path}": size ${String(value.size)} does not match the uploaded LFS object sha256:${oid} (${size} bytes)`,
          );
        }
        ops.push({ kind: "put", path, entry: lfsEntry(oid, size, xetFile?.hash) });
        break;
      }
      case "deletedFile":
        ops.push({ kind: "delete", path: checkRepoPath(value.path, { folder: true }) });
        break;
      case "deletedFolder":
        ops.push({ kind: "delete", path: checkRepoPath(value.path, { folder: true }), folder: true });
        break;
      default:
        throw badRequest(`Unknown NDJSON key "${key}" (expected file, lfsFile, deletedFile or deletedFolder)`);
    }
  }
  if (readme !== undefined) {
    const card = validateCard(readme);
    if (!card.ok) throw badRequest(card.message);
  }

  // From here to the ref update: read head, build, write head, with no await
  // in between (the whole handler is synchronous), so concurrent commits on
  // the same parent resolve to one winner and 412s, as on the Hub.
  let parentOid: string;
  if (createPr) {
    parentOid = target.head;
    if (header.parentCommit) {
      const found = findCommit(repo, header.parentCommit);
      if (!found) throw revisionNotFound(header.parentCommit);
      parentOid = found;
    }
  } else {
    if (header.parentCommit && !sameCommit(target.head, header.parentCommit)) {
      throw new HubError(412, "A commit has happened since. Please refresh and try again.");
    }
    parentOid = target.head;
  }
  const tree = editTree(repo.commit(parentOid).tree, ops);
  // A commit whose tree equals its parent's is accepted: the Hub creates empty commits too.
  const created = ctx.store.createCommit(repo, {
    parents: [parentOid],
    tree,
    title: header.summary,
    description: header.description,
    author: principal.user.name,
  });

  const webUrl = repoWebUrl(req.base, repo);
  let pullRequestUrl: string | undefined;
  if (createPr) {
    const num = repo.nextDiscussion++;
    repo.prs.set(num, {
      num,
      ref: `refs/pr/${num}`,
      head: created.oid,
      baseBranch: target.name,
      title: header.summary,
      description: header.description,
      author: principal.user.name,
      status: "open",
      createdAt: created.date,
    });
    pullRequestUrl = `${webUrl}/discussions/${num}`;
  } else if (target.kind === "branch") {
    repo.branches.set(target.name, created.oid);
  } else {
    repo.prs.get(Number(target.name.split("/")[2]))!.head = created.oid;
  }
  return json({
    success: true,
    commitOid: created.oid,
    commitUrl: `${webUrl}/commit/${created.oid}`,
    hookOutput: "",
    ...(pullRequestUrl ? { pullRequestUrl } : {}),
  });
}

function formatBytes(n: number): string {
  return n % 1048576 === 0 ? `${n / 1048576} MiB` : `${n} bytes`;
}

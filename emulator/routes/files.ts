// Read side of repo contents: tree listing (paginated), paths-info,
// resolve/raw downloads (with Range), and the commit history listing.
import { entryNotFound } from "../errors.js";
import { type Ctx, type Reply, type Req, type RouteMatch, json, parseJsonBody } from "../http.js";
import { type Commit, type Repo, type TreeEntry, dirsOf } from "../store.js";
import { xetResolve } from "../xet/routes.js";
import { queryFlag, readableRepo, resolveOrThrow, splitRevAndPath } from "./common.js";

interface TreeJson {
  type: "file" | "directory";
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  xetHash?: string;
  lastCommit?: { id: string; title: string; date: string };
  securityFileStatus?: SecurityFileStatus;
}

/** The Hub's scan report; huggingface_hub reads avScan and pickleImportScan as required keys. */
interface SecurityFileStatus {
  status: string;
  avScan: { status: string };
  pickleImportScan: { status: string };
}

const UNSCANNED: SecurityFileStatus = {
  status: "unscanned",
  avScan: { status: "unscanned" },
  pickleImportScan: { status: "unscanned" },
};

function fileJson(path: string, entry: TreeEntry): TreeJson {
  return {
    type: "file",
    oid: entry.gitOid,
    size: entry.size,
    path,
    ...(entry.lfs ? { lfs: { ...entry.lfs } } : {}),
    ...(entry.xetHash ? { xetHash: entry.xetHash } : {}),
  };
}

function dirJson(path: string, oid: string): TreeJson {
  return { type: "directory", oid, size: 0, path };
}

/** Oldest commit on the first-parent chain since which `path` has had its current oid. */
function lastCommitFor(repo: Repo, commit: Commit, path: string): Commit {
  const oidAt = (c: Commit) => c.tree.get(path)?.gitOid ?? dirsOf(c).get(path)?.oid;
  const current = oidAt(commit);
  let last = commit;
  for (const c of repo.history(commit.oid).slice(1)) {
    if (oidAt(c) !== current) break;
    last = c;
  }
  return last;
}

function expandEntry(repo: Repo, commit: Commit, entry: TreeJson): TreeJson {
  const last = lastCommitFor(repo, commit, entry.path);
  return {
    ...entry,
    lastCommit: { id: last.oid, title: last.title, date: last.date.toISOString() },
    // Folders get no scan report on the Hub.
    ...(entry.type === "file" ? { securityFileStatus: structuredClone(UNSCANNED) } : {}),
  };
}

/** GET /api/{type}s/{id}/tree/{rev}[/{path}]?recursive=&expand=&cursor= */
export function tree(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const repo = readableRepo(ctx, req, m);
  const { rev, path: rawPath } = splitRevAndPath(repo, m.rest, false);
  const commit = resolveOrThrow(repo, rev);
  const path = rawPath.replace(/\/+$/, "");
  const dirs = dirsOf(commit);
  const dir = dirs.get(path);
  if (!dir) {
    throw entryNotFound(commit.tree.has(path) ? `"${path}" is a file, not a folder` : `Entry not found: ${path}`);
  }
  const recursive = queryFlag(req, "recursive");
  const expand = queryFlag(req, "expand");
  const prefix = path === "" ? "" : path + "/";

  let entries: TreeJson[];
  if (recursive) {
    const all: TreeJson[] = [];
    for (const [p, info] of dirs) if (p !== path && p.startsWith(prefix)) all.push(dirJson(p, info.oid));
    for (const [p, e] of commit.tree) if (p.startsWith(prefix)) all.push(fileJson(p, e));
    entries = all.sort((a, b) => (a.path < b.path ? -1 : 1));
  } else {
    // Folders first, then files, each sorted by name.
    const names = [...dir.children].sort();
    const full = (n: string) => prefix + n;
    entries = [
      ...names.filter((n) => !commit.tree.has(full(n))).map((n) => dirJson(full(n), dirs.get(full(n))!.oid)),
      ...names.filter((n) => commit.tree.has(full(n))).map((n) => fileJson(full(n), commit.tree.get(full(n))!)),
    ];
  }

  // Same page sizes as the Hub (50 with expand), capped by the configured size.
  const pageSize = expand ? Math.min(50, ctx.config.treePageSize) : ctx.config.treePageSize;
  const cursor = Math.max(0, Number.parseInt(req.query.get("cursor") ?? "0", 10) || 0);
  let page = entries.slice(cursor, cursor + pageSize);
  if (expand) page = page.map((e) => expandEntry(repo, commit, e));
  const headers: Record<string, string> = {};
  if (cursor + pageSize < entries.length) {
    const next = new URLSearchParams(req.query);
    next.set("cursor", String(cursor + pageSize));
    headers.Link = `<${req.base}${req.rawPath}?${next.toString()}>; rel="next"`;
  }
  return json(page, 200, headers);
}

/** POST /api/{type}s/{id}/paths-info/{rev}, JSON or form body {paths, expand} */
export function pathsInfo(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const repo = readableRepo(ctx, req, m);
  const commit = resolveOrThrow(repo, m.rest.length ? m.rest.join("/") : "main");
  let paths: string[];
  let expand: boolean;
  if (String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(req.body.toString("utf8"));
    paths = form.getAll("paths");
    expand = ["1", "true", "True"].includes(form.get("expand") ?? "");
  } else {
    const body = parseJsonBody(req);
    paths = Array.isArray(body.paths) ? body.paths.filter((p): p is string => typeof p === "string") : [];
    expand = body.expand === true;
  }
  const dirs = dirsOf(commit);
  const out: TreeJson[] = [];
  for (const raw of paths) {
    const path = raw.replace(/\/+$/, "");
    const file = commit.tree.get(path);
    const dir = path === "" ? undefined : dirs.get(path);
    const entry = file ? fileJson(path, file) : dir ? dirJson(path, dir.oid) : undefined;
    if (entry) out.push(expand ? expandEntry(repo, commit, entry) : entry);
  }
  return json(out);
}

/** GET/HEAD /{prefix}{id}/resolve|raw/{rev}/{path}: real bytes (resolve) or the LFS pointer (raw). */
export function serveFile(raw: boolean) {
  return (ctx: Ctx, req: Req, m: RouteMatch): Reply => {
    const repo = readableRepo(ctx, req, m);
    const { rev, path } = splitRevAndPath(repo, m.rest, true);
    const commit = resolveOrThrow(repo, rev);
    const entry = commit.tree.get(path);
    if (!entry) throw entryNotFound();
    const viaLfs = !raw && entry.lfs;
    const xetHeaders: Record<string, string> = {};
    if (!raw) {
      const fileInfo = xetResolve(ctx, req, repo, commit, entry, xetHeaders);
      if (fileInfo) return fileInfo;
    }
    const bytes = viaLfs ? ctx.store.contentOf(entry) : entry.content;
    if (!bytes) throw new Error(`emulator bug: no content for ${path}`);
    const etag = viaLfs ? `"${entry.lfs!.oid}"` : `"${entry.gitOid}"`;
    const headers: Record<string, string> = {
      "Content-Type": "application/octet-stream",
      ETag: etag,
      "X-Repo-Commit": commit.oid,
      "Accept-Ranges": "bytes",
      ...(viaLfs ? { "X-Linked-Size": String(bytes.length), "X-Linked-ETag": etag } : {}),
      ...xetHeaders,
    };
    if (!queryFlag(req, "noContentDisposition")) {
      const name = path.split("/").pop()!;
      headers["Content-Disposition"] =
        `inline; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name.replace(/[^\x20-\x7e]|"/g, "_")}";`;
    }
    const range = req.headers.range;
    if (typeof range !== "string") return { status: 200, headers, body: bytes };
    const size = bytes.length;
    // What the client accepts for empty files (a real 416 would make downloadFile throw).
    if (size === 0) return { status: 200, headers: { ...headers, "Content-Range": "bytes */0" }, body: bytes };
    const parsed = parseRange(range, size);
    if (parsed === "invalid") return { status: 200, headers, body: bytes };
    if (parsed === "unsatisfiable") {
      return json({ error: `Range Not Satisfiable: ${range}` }, 416, { "Content-Range": `bytes */${size}` });
    }
    const [start, end] = parsed;
    return {
      status: 206,
      headers: { ...headers, "Content-Range": `bytes ${start}-${end}/${size}` },
      body: bytes.subarray(start, end + 1),
    };
  };
}

/** First range of a "bytes=" header → inclusive [start, end]. */
function parseRange(header: string, size: number): [number, number] | "invalid" | "unsatisfiable" {
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*(?:,.*)?$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "invalid";
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return [start, end];
}

/** GET /api/{type}s/{id}/commits/{rev}?limit=&p= (listCommits), newest first. */
export function listCommits(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const repo = readableRepo(ctx, req, m);
  const commit = resolveOrThrow(repo, m.rest.length ? m.rest.join("/") : "main");
  const history = repo.history(commit.oid);
  const limit = Math.min(1000, Math.max(1, Number.parseInt(req.query.get("limit") ?? "50", 10) || 50));
  const p = Math.max(0, Number.parseInt(req.query.get("p") ?? "0", 10) || 0);
  const page = history.slice(p * limit, (p + 1) * limit).map((c) => ({
    id: c.oid,
    title: c.title,
    message: c.description,
    authors: [{ user: c.author, avatar: `/avatars/${c.author}.svg` }],
    date: c.date.toISOString(),
  }));
  const headers: Record<string, string> = { "X-Total-Count": String(history.length) };
  if ((p + 1) * limit < history.length) {
    const next = new URLSearchParams(req.query);
    next.set("p", String(p + 1));
    headers.Link = `<${req.base}${req.rawPath}?${next.toString()}>; rel="next"`;
  }
  return json(page, 200, headers);
}

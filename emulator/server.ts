// HTTP server, request dispatch (routing → faults → auth → handler), request
// accounting, and the state helpers tests use to set up and inspect repos.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthRegistry, DEFAULT_TOKENS, DEFAULT_USERS, type TokenConfig, type UserConfig } from "./auth.js";
import { HubError } from "./errors.js";
import {
  type FaultHandle,
  FaultInjector,
  type FaultSpec,
  type RequestLogEntry,
  type RouteName,
} from "./faults.js";
import { type Ctx, type EmulatorConfig, type Reply, type Req, type RouteMatch, errorReply, json, splitPath } from "./http.js";
import { matchRoute } from "./router.js";
import { type EmulatorStats, RepoStats } from "./stats.js";
import { DEFAULT_BRANCH, HubStore, type Repo, type RepoType, type TreeOp, dirsOf, editTree } from "./store.js";
import { XetService } from "./xet/service.js";

export type { FaultSpec, FaultHandle, RouteName, RequestLogEntry } from "./faults.js";
export { ROUTE_NAMES } from "./faults.js";
export type { UserConfig, TokenConfig } from "./auth.js";
export type { EmulatorStats } from "./stats.js";

const MiB = 1024 * 1024;

export interface EmulatorOptions {
  /** default 0: pick a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** replaces the default users (tester in test-org, stranger) */
  users?: UserConfig[];
  /** replaces the default tokens */
  tokens?: TokenConfig[];
  /** LFS objects larger than this use multipart upload (default 20 MiB) */
  lfsMultipartThreshold?: number;
  /** multipart part size (default 10 MiB; any positive value for tests) */
  lfsChunkSize?: number;
  /** tree listing page size before a Link "next" header (default 1000) */
  treePageSize?: number;
  /** preupload says "lfs" at or above this size, and /commit rejects bigger inline files (default 10 MiB) */
  regularFileMaxBytes?: number;
  /**
   * Serve the Xet protocol (default false): LFS batches answer `transfer: "xet"` to clients that
   * ask for it, plus the xet token endpoints and the CAS. Off, the emulator is an LFS-only Hub.
   */
  xet?: boolean;
  /** one line per request: method, path, status, duration */
  log?: (line: string) => void;
}

export interface CommitSummary {
  oid: string;
  title: string;
  description: string;
  parents: string[];
  author: string;
  date: Date;
}

export interface EntryInfo {
  path: string;
  gitOid: string;
  size: number;
  lfs?: { oid: string; size: number; pointerSize: number };
  /** set when the file was uploaded through Xet */
  xetHash?: string;
}

export interface RefInfo {
  name: string;
  target: string;
}

export interface PullRequestInfo {
  number: number;
  ref: string;
  head: string;
  baseBranch: string;
  title: string;
  description: string;
  author: string;
}

export interface HubEmulator {
  /** http://127.0.0.1:PORT, no trailing slash: pass as hubUrl */
  url: string;
  port: number;
  tokens: { write: string; read: string; strangerWrite: string };
  close(): Promise<void>;
  faults: { inject(spec: FaultSpec): FaultHandle; clear(): void };
  requestCounts(): Record<RouteName, number>;
  requestLog(): RequestLogEntry[];
  /** request-body bytes received per repo, LFS and Xet together (also served at GET /__emulator/stats) */
  stats(): EmulatorStats;
  /** resets counts and the request log */
  resetCounts(): void;
  // State helpers. `id` is "ns/name" for a dataset, or "datasets/ns/name", "models/ns/name", "spaces/ns/name".
  repoExists(id: string): boolean;
  headOf(id: string, ref?: string): string | undefined;
  /** first-parent history, newest first */
  commits(id: string, ref?: string): CommitSummary[];
  /** sorted file paths */
  files(id: string, ref?: string): string[];
  /** real bytes (LFS resolved) */
  readFile(id: string, path: string, ref?: string): Buffer | undefined;
  entry(id: string, path: string, ref?: string): EntryInfo | undefined;
  tags(id: string): Array<RefInfo & { message?: string }>;
  branches(id: string): RefInfo[];
  pullRequests(id: string): PullRequestInfo[];
  createRepoDirect(
    id: string,
    opts?: { private?: boolean; owner?: string; license?: string; files?: Record<string, string | Buffer> },
  ): void;
  /** LFS-eligible paths (per .gitattributes, binary or large) are stored through LFS. Returns the commit oid. */
  commitDirect(
    id: string,
    change: { files?: Record<string, string | Buffer>; deletes?: string[]; message: string; description?: string },
    ref?: string,
  ): string;
}

function parseId(id: string): { type: RepoType; id: string } {
  const parts = id.split("/");
  if (parts.length === 3) {
    const type = ({ datasets: "dataset", models: "model", spaces: "space" } as const)[parts[0]];
    if (type) return { type, id: `${parts[1]}/${parts[2]}` };
  }
  if (parts.length === 2 && parts[0] && parts[1]) return { type: "dataset", id };
  throw new Error(`Invalid repo id "${id}": use "ns/name" (dataset) or "datasets/ns/name", "models/ns/name"`);
}

/** The whole request body, or null if the client went away before sending it all. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", () => resolve(null));
    req.on("close", () => {
      if (!req.complete) resolve(null);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startHubEmulator(options: EmulatorOptions = {}): Promise<HubEmulator> {
  const config: EmulatorConfig = {
    lfsMultipartThreshold: options.lfsMultipartThreshold ?? 20 * MiB,
    lfsChunkSize: options.lfsChunkSize ?? 10 * MiB,
    treePageSize: options.treePageSize ?? 1000,
    regularFileMaxBytes: options.regularFileMaxBytes ?? 10 * MiB,
    xet: options.xet ?? false,
  };
  if (!(config.lfsChunkSize >= 1) || !(config.treePageSize >= 1)) throw new Error("lfsChunkSize and treePageSize must be >= 1");
  const users = options.users ?? DEFAULT_USERS;
  const tokens = options.tokens ?? DEFAULT_TOKENS;
  const ctx: Ctx = {
    store: new HubStore(config.regularFileMaxBytes),
    auth: new AuthRegistry(users, tokens),
    config,
    xet: await XetService.create(),
    stats: new RepoStats(),
  };
  ctx.store.xetReader = (hash) => ctx.xet.cas.readFile(hash);
  const faults = new FaultInjector();
  const host = options.host ?? "127.0.0.1";
  let url = "";
  let requestSeq = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = (req.method ?? "GET").toUpperCase();
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const requestId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${(++requestSeq).toString(16).padStart(24, "0")}`;
    let match: RouteMatch | undefined;
    let reply: Reply | undefined;
    let faulted = false;

    const finish = (status: number) => {
      const ms = Math.round(performance.now() - started);
      faults.record({
        method,
        path: rawPath,
        route: match?.name ?? null,
        status,
        auth: req.headers.authorization !== undefined,
        fault: faulted,
        requestId,
        ms,
      });
      options.log?.(`${method} ${rawPath} ${status === 0 ? (faulted ? "DROPPED" : "ABORTED") : status} ${ms}ms`);
    };

    try {
      match = matchRoute(method, splitPath(rawPath));
    } catch (e) {
      if (!(e instanceof HubError)) throw e;
      reply = errorReply(e, requestId);
    }
    // Always read the whole body first: answering before the upload is
    // consumed can make the client see a reset instead of our response.
    const body = await readBody(req);
    if (body === null) {
      // Aborted upload (e.g. the client cancelling parallel uploads after a failure).
      req.socket.destroy();
      finish(0);
      return;
    }
    if (match) ctx.stats.record(ctx, match, new URLSearchParams(q === -1 ? "" : rawUrl.slice(q + 1)), req.headers.authorization, body.length);

    if (match && !reply) {
      const action = faults.take(match.name, method);
      if (action) {
        if (action.delayMs > 0) await sleep(action.delayMs);
        if (action.kind === "drop") {
          faulted = true;
          req.socket.destroy();
          finish(0);
          return;
        }
        if (action.kind === "respond") {
          faulted = true;
          reply = json(action.body, action.status, action.headers);
        }
      }
    }

    if (!reply) {
      if (!match) {
        reply = errorReply(new HubError(404, "Not found"), requestId);
      } else {
        const hostHeader = req.headers.host;
        const request: Req = {
          method,
          rawPath,
          query: new URLSearchParams(q === -1 ? "" : rawUrl.slice(q + 1)),
          headers: req.headers,
          body,
          identity: ctx.auth.identify(req.headers.authorization),
          base: hostHeader && /^[A-Za-z0-9.\-:[\]]+$/.test(hostHeader) ? `http://${hostHeader}` : url,
          requestId,
        };
        try {
          reply = match.handler(ctx, request, match);
        } catch (e) {
          if (e instanceof HubError) {
            reply = errorReply(e, requestId);
          } else {
            (options.log ?? console.error)(`emulator internal error on ${method} ${rawPath}: ${(e as Error).stack}`);
            reply = errorReply(new HubError(500, `Internal emulator error: ${(e as Error).message}`), requestId);
          }
        }
      }
    }

    const payload =
      reply.body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(reply.body)
          ? reply.body
          : Buffer.from(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
    res.statusCode = reply.status;
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    res.setHeader("X-Request-Id", requestId);
    res.setHeader("Content-Length", payload.length);
    res.end(method === "HEAD" ? undefined : payload);
    finish(reply.status);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      (options.log ?? console.error)(`emulator: ${(e as Error).stack}`);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      }
    });
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  url = `http://${urlHost}:${port}`;

  // ---------------------------------------------------------------- state helpers
  const store = ctx.store;
  const repoOf = (id: string): Repo => {
    const { type, id: name } = parseId(id);
    const repo = store.getRepo(type, name);
    if (!repo) throw new Error(`emulator: no repo ${id}`);
    return repo;
  };
  const commitAt = (id: string, ref: string) => {
    const repo = repoOf(id);
    const oid = repo.resolve(ref);
    if (!oid) throw new Error(`emulator: no revision ${ref} in ${id}`);
    return repo.commit(oid);
  };
  const toBuffer = (v: string | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(v, "utf8"));
  const tokenOf = (pred: (t: TokenConfig) => boolean) => tokens.find(pred)?.token ?? "";
  const write = tokenOf((t) => t.role === "write");
  const writeUser = tokens.find((t) => t.token === write)?.user;

  return {
    url,
    port,
    tokens: {
      write,
      read: tokenOf((t) => t.role === "read" && t.user === writeUser),
      strangerWrite: tokenOf((t) => t.role === "write" && t.user !== writeUser),
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    faults: { inject: (spec) => faults.inject(spec), clear: () => faults.clear() },
    requestCounts: () => faults.requestCounts(),
    requestLog: () => faults.requestLog(),
    stats: () => ctx.stats.snapshot(),
    resetCounts: () => faults.resetCounts(),

    repoExists(id) {
      const { type, id: name } = parseId(id);
      return store.getRepo(type, name) !== undefined;
    },
    headOf(id, ref = DEFAULT_BRANCH) {
      return repoOf(id).resolve(ref);
    },
    commits(id, ref = DEFAULT_BRANCH) {
      const repo = repoOf(id);
      return repo.history(commitAt(id, ref).oid).map((c) => ({
        oid: c.oid,
        title: c.title,
        description: c.description,
        parents: [...c.parents],
        author: c.author,
        date: c.date,
      }));
    },
    files(id, ref = DEFAULT_BRANCH) {
      return [...commitAt(id, ref).tree.keys()].sort();
    },
    readFile(id, path, ref = DEFAULT_BRANCH) {
      const entry = commitAt(id, ref).tree.get(path);
      const content = entry ? store.contentOf(entry) : undefined;
      return content ? Buffer.from(content) : undefined;
    },
    entry(id, path, ref = DEFAULT_BRANCH) {
      const commit = commitAt(id, ref);
      const e = commit.tree.get(path);
      if (e) return { path, gitOid: e.gitOid, size: e.size, ...(e.lfs ? { lfs: { ...e.lfs } } : {}), ...(e.xetHash ? { xetHash: e.xetHash } : {}) };
      const dir = dirsOf(commit).get(path);
      return dir && path !== "" ? { path, gitOid: dir.oid, size: 0 } : undefined;
    },
    tags(id) {
      return [...repoOf(id).tags.values()].map((t) => ({ name: t.name, target: t.target, ...(t.message ? { message: t.message } : {}) }));
    },
    branches(id) {
      return [...repoOf(id).branches.entries()].map(([name, target]) => ({ name, target }));
    },
    pullRequests(id) {
      return [...repoOf(id).prs.values()].map((pr) => ({
        number: pr.num,
        ref: pr.ref,
        head: pr.head,
        baseBranch: pr.baseBranch,
        title: pr.title,
        description: pr.description,
        author: pr.author,
      }));
    },
    createRepoDirect(id, opts = {}) {
      const { type, id: name } = parseId(id);
      if (store.getRepo(type, name)) throw new Error(`emulator: repo ${id} already exists`);
      store.createRepo({
        type,
        id: name,
        isPrivate: opts.private ?? false,
        author: opts.owner ?? name.split("/")[0],
        license: opts.license,
        files: Object.entries(opts.files ?? {}).map(([path, content]) => ({ path, content: toBuffer(content) })),
      });
    },
    commitDirect(id, change, ref = DEFAULT_BRANCH) {
      const repo = repoOf(id);
      const head = repo.branches.get(ref);
      if (!head) throw new Error(`emulator: commitDirect needs an existing branch, got ${ref}`);
      const base = repo.commit(head).tree;
      // .gitattributes first so that LFS routing of the other files follows it.
      const entries = Object.entries(change.files ?? {}).sort(([a], [b]) => (a === ".gitattributes" ? -1 : b === ".gitattributes" ? 1 : 0));
      let tree = base;
      for (const [path, content] of entries) tree = editTree(tree, [store.putOp(tree, path, toBuffer(content), repo)]);
      const deletes: TreeOp[] = (change.deletes ?? []).map((path) => ({ kind: "delete", path }));
      tree = editTree(tree, deletes);
      const commit = store.createCommit(repo, {
        parents: [head],
        tree,
        title: change.message,
        description: change.description ?? "",
        author: repo.creator,
      });
      repo.branches.set(ref, commit.oid);
      return commit.oid;
    },
  };
}

// In-memory repository state: repos, commits with full trees, refs, and the
// content-addressed LFS object store. Everything here is synchronous on
// purpose: a commit reads the branch head and writes the new one without an
// `await` in between, so concurrent commits race the way they do on the Hub.
import { randomBytes } from "node:crypto";
import { HubError, entryNotFound } from "./errors.js";
import { defaultGitAttributes, matchesLfs, parseLfsRules } from "./gitattributes.js";
import { HEX40, gitBlobOid, gitTreeOid, lfsPointer, sha1Hex, sha256Hex } from "./git.js";

export type RepoType = "model" | "dataset" | "space";

export interface LfsInfo {
  oid: string; // sha256 of the real content
  size: number;
  pointerSize: number;
}

export interface TreeEntry {
  /** git blob oid of what git stores: the content, or the pointer file for LFS */
  gitOid: string;
  /** real content size (for LFS files too, as the Hub reports it) */
  size: number;
  /** git blob bytes: the file content, or the pointer file for LFS */
  content?: Buffer;
  lfs?: LfsInfo;
  /** Xet file hash, for LFS files uploaded through Xet (the content then lives in the Xet CAS) */
  xetHash?: string;
}

export type Tree = Map<string, TreeEntry>;

export interface Commit {
  oid: string;
  parents: string[];
  title: string;
  description: string;
  author: string;
  date: Date;
  tree: Tree;
}

export interface TagRef {
  name: string;
  target: string;
  message?: string;
}

export interface PullRequest {
  num: number;
  ref: string; // refs/pr/N
  head: string;
  baseBranch: string;
  title: string;
  description: string;
  author: string;
  status: "open";
  createdAt: Date;
}

export interface DirInfo {
  oid: string;
  /** direct children names, directories included */
  children: Set<string>;
}

export const DEFAULT_BRANCH = "main";

// ---------------------------------------------------------------- tree helpers

export function regularEntry(content: Buffer): TreeEntry {
  return { gitOid: gitBlobOid(content), size: content.length, content };
}

export function lfsEntry(oid: string, size: number, xetHash?: string): TreeEntry {
  const pointer = lfsPointer(oid, size);
  const entry: TreeEntry = { gitOid: gitBlobOid(pointer), size, content: pointer, lfs: { oid, size, pointerSize: pointer.length } };
  if (xetHash) entry.xetHash = xetHash;
  return entry;
}

export type TreeOp =
  | { kind: "put"; path: string; entry: TreeEntry }
  | { kind: "delete"; path: string; folder?: boolean };

/**
 * Apply operations in order to a copy of `base`. A delete of a folder path
 * removes everything under it; a delete of nothing is EntryNotFound.
 */
export function editTree(base: Tree, ops: TreeOp[]): Tree {
  const tree: Tree = new Map(base);
  for (const op of ops) {
    if (op.kind === "put") {
      const segments = op.path.split("/");
      for (let i = 1; i < segments.length; i++) {
        const prefix = segments.slice(0, i).join("/");
        if (tree.has(prefix)) {
          throw new HubError(400, `Cannot add "${op.path}": "${prefix}" is a file, not a folder`);
        }
      }
      const asDir = op.path + "/";
      for (const key of tree.keys()) {
        if (key.startsWith(asDir)) throw new HubError(400, `Cannot add "${op.path}": a folder with this name exists`);
      }
      tree.set(op.path, op.entry);
    } else {
      const path = op.path.replace(/\/+$/, "");
      if (!op.folder && tree.delete(path)) continue;
      const prefix = path === "" ? "" : path + "/";
      let removed = 0;
      for (const key of [...tree.keys()]) {
        if (key.startsWith(prefix)) {
          tree.delete(key);
          removed++;
        }
      }
      if (removed === 0) {
        throw entryNotFound(
          op.folder ? `A folder with this name doesn't exist: ${path}` : `A file with this name doesn't exist: ${path}`,
        );
      }
    }
  }
  return tree;
}

const dirCache = new WeakMap<Commit, Map<string, DirInfo>>();

/** Directory index of a commit ("" is the root), with git tree oids. Cached: trees never change. */
export function dirsOf(commit: Commit): Map<string, DirInfo> {
  const cached = dirCache.get(commit);
  if (cached) return cached;
  const dirs = new Map<string, DirInfo>([["", { oid: "", children: new Set() }]]);
  for (const path of commit.tree.keys()) {
    const segments = path.split("/");
    for (let i = 0; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      let info = dirs.get(parent);
      if (!info) dirs.set(parent, (info = { oid: "", children: new Set() }));
      info.children.add(segments[i]);
    }
  }
  // Compute oids bottom-up (longest paths first).
  const order = [...dirs.keys()].sort((a, b) => b.split("/").length - a.split("/").length || b.length - a.length);
  for (const dir of order) {
    const info = dirs.get(dir)!;
    const children = [...info.children].map((name) => {
      const full = dir === "" ? name : `${dir}/${name}`;
      const file = commit.tree.get(full);
      return file
        ? { name, isDir: false, oid: file.gitOid }
        : { name, isDir: true, oid: dirs.get(full)!.oid };
    });
    info.oid = gitTreeOid(children);
  }
  dirCache.set(commit, dirs);
  return dirs;
}

// ---------------------------------------------------------------- repos

export class Repo {
  readonly _id = randomBytes(12).toString("hex");
  readonly createdAt = new Date();
  lastModified = new Date();
  readonly commits = new Map<string, Commit>();
  readonly branches = new Map<string, string>();
  readonly tags = new Map<string, TagRef>();
  readonly prs = new Map<number, PullRequest>();
  /** Discussion numbers are per repo, starting at 1 (PRs are discussions). */
  nextDiscussion = 1;
  /**
   * LFS objects this repo has: like Git LFS servers, the Hub scopes objects to a
   * repo, so content uploaded to another repo must be uploaded again here.
   */
  readonly lfsOids = new Set<string>();

  constructor(
    readonly type: RepoType,
    readonly id: string,
    public isPrivate: boolean,
    readonly creator: string,
  ) {}

  get namespace(): string {
    return this.id.split("/")[0];
  }

  /** Branch, refs/heads/x, tag, refs/tags/x, refs/pr/N, HEAD or a full commit oid → commit oid. */
  resolve(rev: string): string | undefined {
    if (rev === "HEAD") return this.branches.get(DEFAULT_BRANCH);
    const branch = this.branches.get(rev.replace(/^refs\/heads\//, ""));
    if (branch) return branch;
    const tag = this.tags.get(rev.replace(/^refs\/tags\//, ""));
    if (tag) return tag.target;
    const pr = /^refs\/pr\/(\d+)$/.exec(rev);
    if (pr) return this.prs.get(Number(pr[1]))?.head;
    if (HEX40.test(rev) && this.commits.has(rev)) return rev;
    return undefined;
  }

  commit(oid: string): Commit {
    const commit = this.commits.get(oid);
    if (!commit) throw new Error(`emulator bug: unknown commit ${oid}`);
    return commit;
  }

  /** First-parent history, newest first. */
  history(oid: string): Commit[] {
    const out: Commit[] = [];
    for (let c: Commit | undefined = this.commits.get(oid); c; c = c.parents[0] ? this.commits.get(c.parents[0]) : undefined) {
      out.push(c);
    }
    return out;
  }
}

export class LfsStore {
  readonly objects = new Map<string, Buffer>();
  /** oid → size announced in a batch call, and the repos that asked; uploads of anything else are refused. */
  readonly announced = new Map<string, { size: number; repos: Set<Repo> }>();
  /** multipart uploads in progress: oid → part number → {data, etag} */
  readonly parts = new Map<string, Map<number, { data: Buffer; etag: string }>>();

  put(data: Buffer): string {
    const oid = sha256Hex(data);
    this.objects.set(oid, data);
    return oid;
  }

  /** Stores an uploaded object and gives it to every repo whose batch announced it. */
  complete(oid: string, data: Buffer): void {
    this.objects.set(oid, data);
    for (const repo of this.announced.get(oid)?.repos ?? []) repo.lfsOids.add(oid);
  }
}

export class HubStore {
  readonly repos = new Map<string, Repo>();
  readonly lfs = new LfsStore();
  /** Reads Xet-stored content (set by the server, which owns the Xet CAS). */
  xetReader?: (xetHash: string) => Buffer | undefined;
  private seq = 0;

  constructor(readonly regularFileMaxBytes: number) {}

  private key(type: RepoType, id: string): string {
    return `${type}:${id}`;
  }

  getRepo(type: RepoType, id: string): Repo | undefined {
    return this.repos.get(this.key(type, id));
  }

  deleteRepo(type: RepoType, id: string): boolean {
    return this.repos.delete(this.key(type, id));
  }

  createRepo(opts: {
    type: RepoType;
    id: string;
    isPrivate: boolean;
    author: string;
    license?: string;
    files?: Array<{ path: string; content: Buffer }>;
  }): Repo {
    const repo = new Repo(opts.type, opts.id, opts.isPrivate, opts.author);
    const ops: TreeOp[] = [{ kind: "put", path: ".gitattributes", entry: regularEntry(Buffer.from(defaultGitAttributes(opts.type))) }];
    if (opts.license) {
      ops.push({ kind: "put", path: "README.md", entry: regularEntry(Buffer.from(`---\nlicense: ${opts.license}\n---\n`)) });
    }
    let tree = editTree(new Map(), ops);
    if (opts.files?.length) tree = editTree(tree, opts.files.map((f) => this.putOp(tree, f.path, f.content, repo)));
    const commit = this.createCommit(repo, { parents: [], tree, title: "initial commit", description: "", author: opts.author });
    repo.branches.set(DEFAULT_BRANCH, commit.oid);
    this.repos.set(this.key(opts.type, opts.id), repo);
    return repo;
  }

  /**
   * Store a commit object (not yet referenced by any ref). The oid hashes the
   * git-like serialization plus a counter, so it is unique even for
   * identical trees and messages.
   */
  createCommit(
    repo: Repo,
    c: { parents: string[]; tree: Tree; title: string; description: string; author: string },
  ): Commit {
    const date = new Date();
    const commit: Commit = { oid: "", ...c, date };
    const rootTree = dirsOf(commit).get("")!.oid;
    const stamp = `${Math.floor(date.getTime() / 1000)} +0000`;
    const body =
      `tree ${rootTree}\n` +
      c.parents.map((p) => `parent ${p}\n`).join("") +
      `author ${c.author} <${c.author}@users.noreply.huggingface.co> ${stamp}\n` +
      `committer ${c.author} <${c.author}@users.noreply.huggingface.co> ${stamp}\n` +
      `x-emulator-seq ${++this.seq}\n\n` +
      c.title +
      (c.description ? `\n\n${c.description}` : "") +
      "\n";
    commit.oid = sha1Hex(`commit ${Buffer.byteLength(body)}\0${body}`);
    // The dir cache was keyed on the object before its oid was set; still valid.
    repo.commits.set(commit.oid, commit);
    repo.lastModified = date;
    return commit;
  }

  /**
   * A put operation for content written directly (repo creation files, test
   * setup): LFS when the tree's .gitattributes says so, or the content is
   * binary or large, like the Hub's preupload would decide.
   */
  putOp(tree: Tree, path: string, content: Buffer, repo: Repo): TreeOp {
    const attributes = tree.get(".gitattributes")?.content?.toString("utf8") ?? "";
    if (shouldUseLfs(path, content.length, content.subarray(0, 512), attributes, this.regularFileMaxBytes)) {
      const oid = this.lfs.put(content);
      repo.lfsOids.add(oid);
      return { kind: "put", path, entry: lfsEntry(oid, content.length) };
    }
    return { kind: "put", path, entry: regularEntry(content) };
  }

  /** The real bytes of a tree entry (resolved through the LFS store or the Xet CAS). */
  contentOf(entry: TreeEntry): Buffer | undefined {
    if (entry.xetHash) return this.xetReader?.(entry.xetHash);
    return entry.lfs ? this.lfs.objects.get(entry.lfs.oid) : entry.content;
  }
}

/** The Hub's preupload decision. */
export function shouldUseLfs(
  path: string,
  size: number,
  sample: Buffer,
  gitAttributes: string,
  regularFileMaxBytes: number,
): boolean {
  if (size === 0) return false; // S3 refuses empty objects; the Hub keeps them in git
  if (matchesLfs(parseLfsRules(gitAttributes), path)) return true;
  if (sample.includes(0)) return true; // binary
  return size >= regularFileMaxBytes;
}

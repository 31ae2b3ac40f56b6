// HTTP side of the emulator's Xet support (docs/xet.md): the Hub's token
// endpoints, the CAS API (xorbs, shards, global dedup, reconstructions), the
// xorb download URLs, and the pieces the Hub's own routes need (LFS batch
// answer, resolve headers). Everything answers 404 when Xet is switched off.
import { randomBytes } from "node:crypto";
import { HubError, badRequest } from "../errors.js";
import { type Ctx, type Reply, type Req, type RouteMatch, json } from "../http.js";
import { repoKey } from "../stats.js";
import type { Commit, Repo, TreeEntry } from "../store.js";
import { commitTarget, readableRepo, resolveOrThrow, writableRepo } from "../routes/common.js";
import { XetVerificationError, type XetFile } from "./cas.js";
import { HASH_HEX, hexToHash } from "./hash.js";
import { parseByteRanges } from "./service.js";
import { ShardFormatError } from "./shard.js";
import { XorbFormatError } from "./xorb.js";

function requireXet(ctx: Ctx): void {
  if (!ctx.config.xet) throw new HubError(404, "Not found (Xet is switched off in this emulator)");
}

/** Client data that fails verification is a 400 with the verifier's message. */
function verified<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof XorbFormatError || e instanceof ShardFormatError || e instanceof XetVerificationError) throw badRequest(e.message);
    throw e;
  }
}

function hashParam(value: string | undefined, what: string): string {
  if (!value || !HASH_HEX.test(value)) throw badRequest(`Invalid ${what} "${value ?? ""}": expected 64 lowercase hex characters`);
  return value;
}

// ---------------------------------------------------------------- Hub token endpoints

function tokenReply(ctx: Ctx, req: Req, repo: Repo, scope: "read" | "write"): Reply {
  const { accessToken, exp } = ctx.xet.tokens.issue(repo, repoKey(repo.type, repo.id), scope);
  const casUrl = ctx.xet.casUrl(req.base);
  // hf_xet reads the JSON body, huggingface_hub's own refresh reads the headers: the Hub sends both.
  return json({ accessToken, exp, casUrl }, 200, {
    "X-Xet-Cas-Url": casUrl,
    "X-Xet-Access-Token": accessToken,
    "X-Xet-Token-Expiration": String(exp),
  });
}

/** GET /api/{type}s/{id}/xet-write-token/{rev}[?create_pr=1] */
export function xetWriteToken(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  requireXet(ctx);
  const { repo } = writableRepo(ctx, req, m, "upload files to");
  const rev = m.rest.join("/");
  // huggingface_hub asks for ".../None" when the target ref is not known yet (a PR to be created).
  if (rev !== "" && rev !== "None" && req.query.get("create_pr") !== "1") commitTarget(repo, rev);
  return tokenReply(ctx, req, repo, "write");
}

/** GET /api/{type}s/{id}/xet-read-token/{rev} */
export function xetReadToken(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  requireXet(ctx);
  const repo = readableRepo(ctx, req, m);
  if (m.rest.length > 0) resolveOrThrow(repo, m.rest.join("/"));
  return tokenReply(ctx, req, repo, "read");
}

// ---------------------------------------------------------------- Hub routes' Xet parts

/**
 * The Xet flavour of the LFS batch answer, for clients that list "xet" in
 * `transfers`: objects to upload point at the write-token endpoint and carry
 * a first token in their headers, as the Hub's do.
 */
export function xetBatchTransfer(ctx: Ctx, req: Req, repo: Repo, body: Record<string, unknown>) {
  if (!ctx.config.xet || !Array.isArray(body.transfers) || !body.transfers.includes("xet")) return undefined;
  const ref = (body.ref as { name?: unknown } | undefined)?.name;
  const rev = typeof ref === "string" ? ref : "main";
  const { accessToken, exp } = ctx.xet.tokens.issue(repo, repoKey(repo.type, repo.id), "write");
  const upload = {
    href: `${req.base}/api/${repo.type}s/${repo.id}/xet-write-token/${encodeURIComponent(rev)}`,
    header: {
      "X-Xet-Cas-Url": ctx.xet.casUrl(req.base),
      "X-Xet-Access-Token": accessToken,
      "X-Xet-Token-Expiration": String(exp),
      "X-Xet-Session-Id": randomBytes(8).toString("hex"),
    },
  };
  return {
    /** an upload already done through Xet for this repo needs no action */
    stored: (oid: string, size: number) => ctx.xet.cas.linkedFile(repo, oid)?.size === size,
    action: { upload },
  };
}

/** A tree entry for a file stored in Xet: the LFS pointer as usual, plus the xet file hash. */
export function xetFileFor(ctx: Ctx, repo: Repo, sha256: string): XetFile | undefined {
  return ctx.config.xet ? ctx.xet.cas.linkedFile(repo, sha256) : undefined;
}

/**
 * Resolve of a Xet-stored file: adds the Hub's Xet headers to `headers`, and
 * answers with the file info JSON instead of content when the client asks
 * for it (Accept: application/vnd.xet-fileinfo+json, as @huggingface/hub does).
 */
export function xetResolve(ctx: Ctx, req: Req, repo: Repo, commit: Commit, entry: TreeEntry, headers: Record<string, string>): Reply | undefined {
  if (!ctx.config.xet || !entry.xetHash || !entry.lfs) return undefined;
  const refreshUrl = `${req.base}/api/${repo.type}s/${repo.id}/xet-read-token/${commit.oid}`;
  const reconstructionUrl = `${ctx.xet.casUrl(req.base)}/v1/reconstructions/${entry.xetHash}`;
  const etag = `"${entry.lfs.oid}"`;
  Object.assign(headers, {
    "X-Xet-Hash": entry.xetHash,
    "X-Linked-Size": String(entry.lfs.size),
    "X-Linked-ETag": etag,
    ETag: etag,
    "X-Repo-Commit": commit.oid,
    Link: `<${refreshUrl}>; rel="xet-auth", <${reconstructionUrl}>; rel="xet-reconstruction-info"`,
  });
  if (!String(req.headers.accept ?? "").includes("application/vnd.xet-fileinfo+json")) return undefined;
  const info = { hash: entry.xetHash, size: entry.lfs.size, etag, refreshUrl, reconstructionUrl, casUrl: ctx.xet.casUrl(req.base) };
  return json(info, 200, { ...headers, "Content-Type": "application/vnd.xet-fileinfo+json" });
}

// ---------------------------------------------------------------- CAS API

/** POST {cas}/v1/xorbs/default/{hash} */
function uploadXorb(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  requireXet(ctx);
  ctx.xet.tokens.require(req.headers.authorization, "write");
  const [prefix, hash] = m.rest;
  if (prefix !== "default") throw badRequest(`Invalid xorb prefix "${prefix}": only "default" is accepted`);
  const hex = hashParam(hash, "xorb hash");
  const inserted = verified(() => ctx.xet.cas.putXorb(hex, hexToHash(hex), req.body));
  return json({ was_inserted: inserted });
}

/** POST {cas}/v1/shards (JSON answer) and /v2/shards (NDJSON progress stream). */
function uploadShard(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  requireXet(ctx);
  const token = ctx.xet.tokens.require(req.headers.authorization, "write");
  const { filesRegistered, alreadyKnown } = verified(() => ctx.xet.cas.putShard(token.repo, req.body));
  const result = alreadyKnown ? 0 : 1;
  if (m.rest[0] === "v1") return json({ result });
  const events = [
    { type: "validating", verified: filesRegistered, total: filesRegistered },
    { type: "committing", stage: "uploading" },
    { type: "committing", stage: "syncing" },
    { type: "result", result },
  ];
  return { status: 200, headers: { "Content-Type": "application/x-ndjson", "Cache-Control": "no-cache" }, body: events.map((e) => JSON.stringify(e) + "\n").join("") };
}

/** GET {cas}/v1/chunks/{default-merkledb|default}/{hash}: global dedup. */
function queryChunk(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  requireXet(ctx);
  ctx.xet.tokens.require(req.headers.authorization, "read");
  const [prefix, hash] = m.rest;
  // The spec names "default-merkledb"; @huggingface/hub asks with "default".
  if (prefix !== "default-merkledb" && prefix !== "default") throw badRequest(`Invalid dedup prefix "${prefix}"`);
  const shard = ctx.xet.cas.dedupShard(hashParam(hash, "chunk hash"));
  if (!shard) throw new HubError(404, "Chunk not found");
  return { status: 200, headers: { "Content-Type": "application/octet-stream" }, body: Buffer.from(shard.buffer, shard.byteOffset, shard.byteLength) };
}

/** GET {cas}/v1|v2/reconstructions/{file_hash} with an optional Range (inclusive bytes of the file). */
function reconstruction(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  requireXet(ctx);
  const token = ctx.xet.tokens.require(req.headers.authorization, "read");
  const version = m.rest[0];
  const hex = hashParam(m.rest[1], "file hash");
  const file = ctx.xet.cas.files.get(hex);
  if (!file || !ctx.xet.cas.repoHasFile(token.repo, hex)) throw new HubError(404, `File ${hex} not found`);
  let [start, end] = [0, file.size - 1];
  const range = req.headers.range;
  if (typeof range === "string") {
    const m2 = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
    if (!m2) throw badRequest(`Invalid Range "${range}": expected bytes=start-end`);
    start = Number(m2[1]);
    if (m2[2] !== "") end = Math.min(end, Number(m2[2]));
    if (start >= file.size || end < start) throw new HubError(416, `Range ${range} is not satisfiable for a file of ${file.size} bytes`);
  }
  if (file.size === 0) return json(version === "v1" ? { offset_into_first_range: 0, terms: [], fetch_info: {} } : { offset_into_first_range: 0, terms: [], xorbs: {} });
  const { offsetIntoFirst, terms } = ctx.xet.cas.reconstruct(file, start, end);

  // Per xorb, the chunk ranges the terms need, merged, with their serialized byte ranges.
  const needed = new Map<string, Array<[number, number]>>();
  for (const t of terms) needed.set(t.xorb, [...(needed.get(t.xorb) ?? []), [t.chunkStart, t.chunkEnd]]);
  const fetches = [...needed].map(([xorb, list]) => {
    const chunks = ctx.xet.cas.xorbs.get(xorb)!.chunks;
    list.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const [s, e] of list) {
      const last = merged[merged.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else merged.push([s, e]);
    }
    return { xorb, ranges: merged.map(([s, e]) => ({ chunks: { start: s, end: e }, bytes: { start: chunks[s].start, end: chunks[e - 1].end - 1 } })) };
  });

  const termsJson = terms.map((t) => ({ hash: t.xorb, unpacked_length: t.unpackedBytes, range: { start: t.chunkStart, end: t.chunkEnd } }));
  const sign = (xorb: string, ranges: Array<{ bytes: { start: number; end: number } }>) =>
    ctx.xet.signedXorbUrl(req.base, xorb, ranges.map((r) => [r.bytes.start, r.bytes.end]));
  if (version === "v1") {
    const fetchInfo = Object.fromEntries(
      fetches.map((f) => [f.xorb, f.ranges.map((r) => ({ range: r.chunks, url: sign(f.xorb, [r]), url_range: r.bytes }))]),
    );
    return json({ offset_into_first_range: offsetIntoFirst, terms: termsJson, fetch_info: fetchInfo });
  }
  const xorbs = Object.fromEntries(fetches.map((f) => [f.xorb, [{ url: sign(f.xorb, f.ranges), ranges: f.ranges }]]));
  return json({ offset_into_first_range: offsetIntoFirst, terms: termsJson, xorbs });
}

/** GET /__xet/transfer/{xorb}?X-Xet-Signed-Range=…&Expires=…&Signature=…, with a Range inside the signed set. */
function transfer(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  requireXet(ctx);
  const hex = hashParam(m.rest[0], "xorb hash");
  const xorb = ctx.xet.cas.xorbs.get(hex);
  if (!xorb) throw new HubError(404, `Xorb ${hex} not found`);
  const signed = ctx.xet.checkSignedUrl(hex, req.query);
  if (!signed) throw new HubError(403, "Invalid or expired signature");
  const requested = parseByteRanges(String(req.headers.range ?? ""));
  if (!requested || !requested.every(([s, e]) => signed.some(([ss, se]) => s >= ss && e <= se))) {
    throw new HubError(403, "The Range header must ask for bytes within the URL's signed ranges");
  }
  const size = xorb.body.length;
  if (requested.some(([, e]) => e >= size)) throw new HubError(416, `Range beyond the xorb's ${size} bytes`);
  const slice = ([s, e]: [number, number]) => Buffer.from(xorb.body.buffer, xorb.body.byteOffset + s, e - s + 1);
  if (requested.length === 1) {
    const [s, e] = requested[0];
    return { status: 206, headers: { "Content-Type": "application/octet-stream", "Content-Range": `bytes ${s}-${e}/${size}` }, body: slice(requested[0]) };
  }
  const boundary = `xet-emulator-${randomBytes(8).toString("hex")}`;
  const parts: Buffer[] = [];
  for (const r of requested) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${r[0]}-${r[1]}/${size}\r\n\r\n`), slice(r), Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { status: 206, headers: { "Content-Type": `multipart/byteranges; boundary=${boundary}` }, body: Buffer.concat(parts) };
}

/** Routes under /__xet: the CAS API at /__xet/cas, xorb downloads at /__xet/transfer. */
export function matchXetRoute(method: string, segs: string[]): RouteMatch | undefined {
  const [, area, version, kind, ...rest] = segs;
  const r = (name: RouteMatch["name"], handler: RouteMatch["handler"], args: string[]): RouteMatch => ({ name, handler, rest: args });
  if (area === "transfer" && segs.length === 3 && method === "GET") return r("xet-transfer", transfer, [segs[2]]);
  if (area !== "cas") return undefined;
  if (version === "v1" && kind === "xorbs" && rest.length === 2 && method === "POST") return r("cas-xorb", uploadXorb, rest);
  if ((version === "v1" || version === "v2") && kind === "shards" && rest.length === 0 && method === "POST") return r("cas-shard", uploadShard, [version]);
  if (version === "v1" && kind === "chunks" && rest.length === 2 && method === "GET") return r("cas-chunk", queryChunk, rest);
  if ((version === "v1" || version === "v2") && kind === "reconstructions" && rest.length === 1 && method === "GET") {
    return r("cas-reconstruction", reconstruction, [version, rest[0]]);
  }
  return undefined;
}

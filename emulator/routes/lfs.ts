// Git LFS: the batch API ("basic", or "xet" when enabled and asked for), and the
// emulator's stand-ins for presigned S3 URLs (basic PUT, multipart parts,
// multipart completion). Upload URLs need no auth, like presigned URLs, but
// only accept oids announced by a batch call.
import { HubError, badRequest } from "../errors.js";
import { HEX64, md5Hex, sha256Hex } from "../git.js";
import { type Ctx, type Reply, type Req, type RouteMatch, json, parseJsonBody } from "../http.js";
import { repoKey } from "../stats.js";
import { xetBatchTransfer } from "../xet/routes.js";
import { commitTarget, writableRepo } from "./common.js";

const LFS_JSON = "application/vnd.git-lfs+json";

/** POST /{prefix}{id}.git/info/lfs/objects/batch */
export function batch(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const { repo } = writableRepo(ctx, req, m, "upload LFS files to");
  const body = parseJsonBody(req);
  if (body.operation !== "upload") {
    throw new HubError(422, `Unsupported LFS operation "${String(body.operation)}": the emulator only implements "upload"`);
  }
  if (body.hash_algo !== undefined && body.hash_algo !== "sha256" && body.hash_algo !== "sha_256") {
    throw new HubError(409, `Unsupported hash algorithm "${String(body.hash_algo)}"`);
  }
  const ref = body.ref as { name?: unknown } | null | undefined;
  if (ref && typeof ref.name === "string") commitTarget(repo, ref.name); // 404 for an unknown branch, early
  if (!Array.isArray(body.objects)) throw badRequest(`"objects" must be an array`);

  const { lfsMultipartThreshold: threshold, lfsChunkSize: chunk } = ctx.config;
  const lfs = ctx.store.lfs;
  const xet = xetBatchTransfer(ctx, req, repo, body);
  // Upload URLs name the repo, like a presigned URL names its bucket: the stats count their bytes for it.
  const tag = `?repo=${repoKey(repo.type, repo.id)}`;
  const objects = body.objects.map((o: { oid?: unknown; size?: unknown }) => {
    const oid = typeof o?.oid === "string" ? o.oid.toLowerCase() : String(o?.oid);
    const size = o?.size;
    if (!HEX64.test(oid)) return { oid: o?.oid, size, error: { code: 422, message: `Invalid oid "${String(o?.oid)}": expected a sha256 (64 hex chars)` } };
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
      return { oid, size, error: { code: 422, message: `Invalid size ${JSON.stringify(size)}: expected a non-negative integer` } };
    }
    const stored = repo.lfsOids.has(oid) ? lfs.objects.get(oid) : undefined;
    if (stored) {
      if (stored.length !== size) {
        return { oid, size, error: { code: 422, message: `Object ${oid} is already stored with size ${stored.length}, not ${size}` } };
      }
      return { oid, size, authenticated: true }; // already uploaded: no actions
    }
    if (xet) return xet.stored(oid, size) ? { oid, size, authenticated: true } : { oid, size, authenticated: true, actions: xet.action };
    const announced = lfs.announced.get(oid) ?? { size, repos: new Set() };
    announced.repos.add(repo);
    lfs.announced.set(oid, announced);
    if (size <= threshold) {
      return { oid, size, authenticated: true, actions: { upload: { href: `${req.base}/__lfs/upload/${oid}${tag}`, header: {} } } };
    }
    const parts = Math.ceil(size / chunk);
    const header: Record<string, string> = { chunk_size: String(chunk) };
    for (let n = 1; n <= parts; n++) header[String(n).padStart(5, "0")] = `${req.base}/__lfs/part/${oid}/${n}${tag}`;
    lfs.parts.set(oid, new Map());
    return { oid, size, authenticated: true, actions: { upload: { href: `${req.base}/__lfs/complete/${oid}${tag}`, header } } };
  });
  const reply = json({ transfer: xet ? "xet" : "basic", objects }, 200);
  reply.headers!["Content-Type"] = LFS_JSON;
  return reply;
}

function announcedSize(ctx: Ctx, oid: string): number {
  const size = HEX64.test(oid) ? ctx.store.lfs.announced.get(oid)?.size : undefined;
  if (size === undefined) throw new HubError(403, `LFS object ${oid} was not announced by a batch call: request an upload URL first`);
  return size;
}

/** PUT /__lfs/upload/{oid}: a whole object. Checked before storing; nothing is kept on mismatch. */
export function uploadBasic(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const oid = m.rest[0] ?? "";
  const size = announcedSize(ctx, oid);
  if (req.body.length !== size) {
    throw badRequest(`Uploaded ${req.body.length} bytes for LFS object ${oid}, but the batch call announced ${size}`);
  }
  const actual = sha256Hex(req.body);
  if (actual !== oid) throw badRequest(`sha256 mismatch for LFS object ${oid}: the uploaded bytes hash to ${actual}`);
  ctx.store.lfs.complete(oid, req.body);
  return { status: 200, headers: { ETag: `"${md5Hex(req.body)}"` } };
}

/** PUT /__lfs/part/{oid}/{n}: one part of a multipart upload; the ETag is needed for completion. */
export function uploadPart(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const [oid = "", n = ""] = m.rest;
  announcedSize(ctx, oid);
  const parts = ctx.store.lfs.parts.get(oid);
  if (!parts) throw new HubError(404, `No multipart upload in progress for LFS object ${oid}`);
  const partNumber = Number(n);
  if (!/^\d+$/.test(n) || partNumber < 1) throw badRequest(`Invalid part number "${n}"`);
  const etag = `"${md5Hex(req.body)}"`;
  parts.set(partNumber, { data: req.body, etag });
  return { status: 200, headers: { ETag: etag } };
}

/** POST /__lfs/complete/{oid} {oid, parts:[{partNumber, etag}]}: assemble, verify, store. */
export function completeMultipart(ctx: Ctx, req: Req, m: RouteMatch): Reply {
  const oid = m.rest[0] ?? "";
  const size = announcedSize(ctx, oid);
  const uploaded = ctx.store.lfs.parts.get(oid);
  if (!uploaded) throw new HubError(404, `No multipart upload in progress for LFS object ${oid}`);
  const body = parseJsonBody(req);
  if (body.oid !== undefined && body.oid !== oid) throw badRequest(`Completion body oid ${String(body.oid)} does not match ${oid}`);
  if (!Array.isArray(body.parts) || body.parts.length === 0) throw badRequest(`"parts" must be a non-empty array`);
  const listed = [...body.parts] as Array<{ partNumber?: unknown; etag?: unknown }>;
  listed.sort((a, b) => Number(a.partNumber) - Number(b.partNumber));
  const chunks: Buffer[] = [];
  for (const p of listed) {
    const part = uploaded.get(Number(p.partNumber));
    if (!part) throw badRequest(`Part ${String(p.partNumber)} of LFS object ${oid} was never uploaded`);
    if (p.etag !== part.etag) throw badRequest(`ETag mismatch for part ${String(p.partNumber)} of LFS object ${oid}`);
    chunks.push(part.data);
  }
  const data = Buffer.concat(chunks);
  if (data.length !== size) {
    throw badRequest(`Assembled ${data.length} bytes for LFS object ${oid}, but the batch call announced ${size}`);
  }
  const actual = sha256Hex(data);
  if (actual !== oid) throw badRequest(`sha256 mismatch for LFS object ${oid}: the assembled parts hash to ${actual}`);
  ctx.store.lfs.complete(oid, data);
  ctx.store.lfs.parts.delete(oid);
  return json({});
}

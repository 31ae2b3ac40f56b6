/**
 * Git LFS uploads, for a Hub that does not offer Xet
 * (docs/hub-api.md#basic-and-multipart-upload): a basic `PUT` of the file, or
 * a multipart upload — the parts the batch answer lists, each `PUT` to its
 * own URL, then the completion call with their ETags — and the `verify`
 * call when the answer asks for one. Bodies are slices of the file on disk,
 * streamed (and sent again on a retry); the URLs are presigned, so no
 * Authorization goes with them and their query strings are never logged.
 */
import { openAsBlob } from "node:fs";
import { HubApiError } from "@huggingface/hub";
import { type HubContext, hubError } from "./api.js";
import type { LocalFile } from "./local-file.js";
import { TaskPool } from "./task-pool.js";

export interface LfsAction {
  href: string;
  header?: Record<string, string>;
}

export interface LfsObject extends LocalFile {
  upload: LfsAction;
  verify?: LfsAction;
}

export interface LfsUploadOptions {
  /** Content bytes sent so far, as parts and files complete. */
  onProgress?: (sentBytes: number) => void;
  /** Requests in flight (default 4). */
  parallelUploads?: number;
}

const LFS_JSON = "application/vnd.git-lfs+json";

/** Uploads the objects; returns the bytes sent. */
export async function uploadThroughLfs(hub: HubContext, objects: LfsObject[], options: LfsUploadOptions = {}): Promise<number> {
  const pool = new TaskPool(options.parallelUploads ?? 4);
  let sent = 0;
  const put = (what: string, url: string, body: Blob) =>
    pool.add(async () => {
      const response = await hub.fetch(url, { method: "PUT", body });
      if (!response.ok) throw await refused(response, what);
      etags.set(url, response.headers.get("etag") ?? "");
      await response.body?.cancel();
      sent += body.size;
      options.onProgress?.(sent);
    });
  const etags = new Map<string, string>();

  const multipart: { object: LfsObject; parts: [number, string][] }[] = [];
  for (const object of objects) {
    const file = await openAsBlob(object.localPath);
    if (file.size !== object.size) throw new Error(`${object.path}: ${object.localPath} has ${file.size} bytes, not the ${object.size} planned`);
    const header = object.upload.header ?? {};
    if (header.chunk_size === undefined) {
      await put(object.path, object.upload.href, file);
      continue;
    }
    const partSize = Number(header.chunk_size);
    const parts = Object.keys(header)
      .filter((k) => /^\d+$/.test(k))
      .map((k) => [Number(k), header[k]!] as [number, string])
      .sort((a, b) => a[0] - b[0]);
    if (!(partSize > 0) || parts.length !== Math.ceil(object.size / partSize))
      throw new HubApiError(object.upload.href, 500, undefined, `The Hub's multipart upload plan for ${object.path} does not cover its ${object.size} bytes`);
    for (const [n, url] of parts) await put(`part ${n} of ${object.path}`, url, file.slice((n - 1) * partSize, n * partSize));
    multipart.push({ object, parts });
  }
  await pool.drain();

  for (const { object, parts } of multipart) {
    const missing = parts.find(([, url]) => !etags.get(url));
    if (missing) throw new Error(`The storage gave no ETag for part ${missing[0]} of ${object.path}: the upload cannot be completed`);
    const completion = { oid: object.sha256, parts: parts.map(([n, url]) => ({ partNumber: n, etag: etags.get(url) })) };
    await postJson(hub, object.upload.href, completion, `completing the upload of ${object.path}`);
  }
  for (const object of objects) {
    if (object.verify) await postJson(hub, object.verify.href, { oid: object.sha256, size: object.size }, `verifying the upload of ${object.path}`, object.verify.header);
  }
  return sent;
}

async function postJson(hub: HubContext, url: string, body: unknown, what: string, header: Record<string, string> = {}): Promise<void> {
  const response = await hub.fetch(url, {
    method: "POST",
    headers: { ...header, Accept: LFS_JSON, "Content-Type": LFS_JSON },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await refused(response, what);
  await response.body?.cancel();
}

async function refused(response: Response, what: string): Promise<HubApiError> {
  const error = await hubError(response, "no reason given");
  error.message = `LFS storage refused ${what}: ${error.message}`;
  return error;
}

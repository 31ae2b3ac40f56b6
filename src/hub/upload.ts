/**
 * Uploading local files to a repository's storage, without committing them:
 * the LFS batch call (docs/hub-api.md#lfs-batch) says which files the Hub
 * lacks and how it takes them — through Xet (./xet/upload.ts) when it offers
 * it and we ask for it, else Git LFS (./lfs.ts). Files it already has are not
 * sent. Afterwards a commit (./commit.ts) can add the files by sha256 and
 * size — from this process or another one: upload and commit are separate
 * steps on purpose.
 */
import { HubApiError } from "@huggingface/hub";
import { formatBytes } from "../units.js";
import { type HubContext, authHeaders, hubError } from "./api.js";
import { type LfsAction, type LfsObject, uploadThroughLfs } from "./lfs.js";
import type { LocalFile } from "./local-file.js";
import { CasClient, type XetWriteToken, tokenFromBatchAction } from "./xet/cas.js";
import { type XetUploadStats, uploadThroughXet } from "./xet/upload.js";

export type { LocalFile } from "./local-file.js";

export interface UploadTarget {
  repo: string;
  /** The branch the files are for (the batch call checks it exists); unused for pull requests. */
  branch: string;
  createPr: boolean;
}

export interface UploadOptions {
  /** Ask for Xet (default true); without it, or when the Hub does not offer it, files go through Git LFS. */
  xet?: boolean;
  /** `doneBytes` of `totalBytes` of content dealt with (sent, or found on the Hub); `sentBytes` on the wire. */
  onProgress?: (progress: UploadProgress) => void;
}

export interface UploadProgress {
  doneBytes: number;
  totalBytes: number;
  sentBytes: number;
}

export interface UploadReport {
  /** How the Hub took the files: `xet`, `lfs`, or `none` when there was nothing to ask about. */
  transfer: "xet" | "lfs" | "none";
  files: number;
  /** Content bytes of the files. */
  bytes: number;
  /** Request bodies sent with the content: LFS objects and parts, or Xet xorbs and shards. */
  sentBytes: number;
  /** Content the Hub already had: whole files, and (Xet) the chunks it already stores. */
  presentBytes: number;
  /** Xet: content repeated within the upload, sent once. */
  repeatedBytes: number;
  /** Files the Hub already had whole. */
  filesPresent: number;
  xet?: XetUploadStats;
}

const BATCH_OBJECTS = 100;

export function emptyUploadReport(): UploadReport {
  return { transfer: "none", files: 0, bytes: 0, sentBytes: 0, presentBytes: 0, repeatedBytes: 0, filesPresent: 0 };
}

/** One line for the log and the summary: how much was sent, and how much of it the Hub already had. */
export function describeUpload(r: UploadReport): string {
  const how = r.transfer === "xet" ? " through Xet" : r.transfer === "lfs" ? " through Git LFS" : "";
  const had = r.presentBytes > 0 ? `; the Hub already had ${formatBytes(r.presentBytes)} of it` : "";
  const repeated = r.repeatedBytes > 0 ? ` (and ${formatBytes(r.repeatedBytes)} repeated within the upload went once)` : "";
  return `Uploaded ${r.files} shard${r.files === 1 ? "" : "s"} (${formatBytes(r.bytes)})${how}: sent ${formatBytes(r.sentBytes)}${had}${repeated}.`;
}

/** Sends the content of `files` the Hub lacks. Files with the same content are sent once. */
export async function uploadFiles(hub: HubContext, target: UploadTarget, files: LocalFile[], options: UploadOptions = {}): Promise<UploadReport> {
  const unique = [...new Map(files.map((f) => [f.sha256, f])).values()];
  const report: UploadReport = { ...emptyUploadReport(), files: unique.length, bytes: unique.reduce((n, f) => n + f.size, 0) };
  if (unique.length === 0) return report;
  const useXet = options.xet ?? true;

  let doneBytes = 0;
  let sentBefore = 0; // by the steps already finished
  const progress = (done: number, sent: number) => options.onProgress?.({ doneBytes: done, totalBytes: report.bytes, sentBytes: sent });

  const toXet: LocalFile[] = [];
  const toLfs: LfsObject[] = [];
  let token: XetWriteToken | undefined;
  for (let i = 0; i < unique.length; i += BATCH_OBJECTS) {
    const batch = unique.slice(i, i + BATCH_OBJECTS);
    const answer = await lfsBatch(hub, target, batch, useXet);
    const xet = useXet && answer.transfer === "xet";
    report.transfer = xet || report.transfer === "xet" ? "xet" : "lfs";
    for (const object of answer.objects) {
      const file = batch.find((f) => f.sha256 === object.oid);
      if (!file) throw new HubApiError(answer.url, 500, undefined, `The LFS batch answer lists an object that was not asked about (${object.oid})`);
      if (object.error) throw new HubApiError(answer.url, object.error.code, undefined, `${file.path}: ${object.error.message}`);
      const upload = object.actions?.upload;
      if (!upload) {
        report.filesPresent++;
        report.presentBytes += file.size;
        doneBytes += file.size;
      } else if (xet) {
        // Without a token in the answer, the action's href (the write-token URL) gets one.
        token = tokenFromBatchAction(upload) ?? token ?? { casUrl: "", accessToken: "", expiresAt: 0, refreshUrl: upload.href };
        toXet.push(file);
      } else toLfs.push({ ...file, upload, verify: object.actions?.verify });
    }
    if (answer.objects.length !== batch.length) throw new HubApiError(answer.url, 500, undefined, "The LFS batch answer leaves out some of the files asked about");
  }
  progress(doneBytes, 0);

  if (toXet.length > 0 && token) {
    const cas = new CasClient(hub, token);
    const base = doneBytes;
    const stats = await uploadThroughXet(cas, toXet, { onProgress: (p) => progress(base + p.doneBytes, p.sentBytes) });
    report.xet = stats;
    report.sentBytes += stats.sentBytes;
    report.presentBytes += stats.storedBytes;
    report.repeatedBytes += stats.repeatedBytes;
    doneBytes += stats.bytes;
    sentBefore = stats.sentBytes;
  }
  if (toLfs.length > 0) {
    const base = doneBytes;
    const sent = await uploadThroughLfs(hub, toLfs, { onProgress: (s) => progress(base + s, sentBefore + s) });
    report.sentBytes += sent;
  }
  return report;
}

interface BatchAnswer {
  url: string;
  transfer?: string;
  objects: {
    oid: string;
    size: number;
    error?: { code: number; message: string };
    actions?: { upload?: LfsAction; verify?: LfsAction };
  }[];
}

async function lfsBatch(hub: HubContext, target: UploadTarget, files: LocalFile[], xet: boolean): Promise<BatchAnswer> {
  const url = `${hub.endpoint}/datasets/${target.repo}.git/info/lfs/objects/batch`;
  const response = await hub.fetch(url, {
    method: "POST",
    headers: {
      ...authHeaders(hub),
      Accept: "application/vnd.git-lfs+json",
      "Content-Type": "application/vnd.git-lfs+json",
    },
    body: JSON.stringify({
      operation: "upload",
      transfers: ["basic", "multipart", ...(xet ? ["xet"] : [])],
      hash_algo: "sha_256",
      ...(target.createPr ? {} : { ref: { name: target.branch } }),
      objects: files.map((f) => ({ oid: f.sha256, size: f.size })),
    }),
  });
  if (!response.ok) throw await hubError(response, "The LFS batch call failed");
  const json = (await response.json()) as Omit<BatchAnswer, "url">;
  if (!Array.isArray(json.objects)) throw new HubApiError(url, 500, undefined, "The LFS batch answer has no objects");
  return { ...json, url };
}

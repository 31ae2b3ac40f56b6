/**
 * Uploading files through Xet (docs/xet.md#the-flows): each file is cut into
 * chunks; the chunks the CAS already has (global dedup answers) or that this
 * upload already packed are referenced where they are; the others are packed
 * into new xorbs, sent as soon as one is full (a few at a time); once every
 * xorb is in, shards register the files — their terms, verification hashes
 * and sha256 — so that a commit can add them by sha256.
 *
 * Memory does not grow with the data: a file is read once, in blocks, to be
 * chunked, and xorb bodies are slices of the files on disk (./xorb.ts), but
 * for the chunks LZ4 shrinks — at most 128 MiB of those in flight. What is
 * kept is ~100 bytes per 64 KiB chunk.
 *
 * Dedup answers are awaited before chunks are placed, with a look-ahead: a
 * chunk is placed once the file has been chunked `LOOKAHEAD_BYTES` past it,
 * so an answer about a later chunk (which lists the xorbs around it) can
 * still spare the chunks before it.
 */
import { openAsBlob } from "node:fs";
import type { LocalFile } from "../local-file.js";
import { TaskPool } from "../task-pool.js";
import type { CasClient } from "./cas.js";
import { type FileChunk, chunkFile } from "./chunk-file.js";
import { fileHash, hashKey, isDedupEligible, verificationHash, xetHex } from "./hashes.js";
import { type ChunkRef, KnownChunks, type XorbRef } from "./known-chunks.js";
import { Lz4 } from "./lz4.js";
import { MAX_SHARD_BYTES, type ShardFileInfo, type ShardXorbInfo, parseDedupAnswer, serializeShard, shardBytes } from "./shard.js";
import { OpenXorb, type SealedXorb } from "./xorb.js";


export interface XetUploadStats {
  files: number;
  /** Content bytes of the files. */
  bytes: number;
  /** Request bodies sent to the CAS: xorbs and shards. */
  sentBytes: number;
  /** Content the CAS already had (global dedup). */
  storedBytes: number;
  /** Content repeated within this upload, sent once. */
  repeatedBytes: number;
  chunks: number;
  xorbs: number;
  shards: number;
  dedupQueries: number;
}

export interface XetUploadOptions {
  /** Content bytes dealt with (sent, or found already stored) and request bytes sent so far. */
  onProgress?: (progress: { doneBytes: number; sentBytes: number }) => void;
  /** Xorb uploads in flight (default 4). */
  parallelUploads?: number;
  /** LZ4-compress the chunks that shrink (default true). */
  compress?: boolean;
}

const LOOKAHEAD_BYTES = 64 * 1024 * 1024;
/** Compressed chunks of the xorbs in flight are held in memory: at most this many bytes of them. */
const HELD_BYTES = 128 * 1024 * 1024;
const PARALLEL_QUERIES = 4;

interface Term {
  xorb: XorbRef;
  start: number;
  end: number;
  bytes: number;
  hashes: Uint8Array[];
}

export async function uploadThroughXet(cas: CasClient, files: LocalFile[], options: XetUploadOptions = {}): Promise<XetUploadStats> {
  const stats: XetUploadStats = {
    files: files.length,
    bytes: files.reduce((n, f) => n + f.size, 0),
    sentBytes: 0,
    storedBytes: 0,
    repeatedBytes: 0,
    chunks: 0,
    xorbs: 0,
    shards: 0,
    dedupQueries: 0,
  };
  let doneBytes = 0;
  const progress = (bytes: number, sent: number) => {
    doneBytes += bytes;
    stats.sentBytes += sent;
    options.onProgress?.({ doneBytes, sentBytes: stats.sentBytes });
  };

  const known = new KnownChunks();
  const xorbUploads = new TaskPool(options.parallelUploads ?? 4, HELD_BYTES);
  const lz4 = options.compress === false ? undefined : new Lz4();
  const queries = new TaskPool(PARALLEL_QUERIES);
  const queried = new Set<string>();
  const sealed: SealedXorb[] = [];
  let open = new OpenXorb();

  const sendXorb = async (xorb: OpenXorb) => {
    const body = await xorb.seal(lz4);
    sealed.push(body);
    await xorbUploads.add(async () => {
      await cas.uploadXorb(body.hex, body.body);
      stats.xorbs++;
      progress(body.unpackedBytes, body.body.size);
    }, body.heldBytes);
  };

  const ask = async (hash: Uint8Array) => {
    const key = hashKey(hash);
    if (queried.has(key)) return;
    queried.add(key);
    stats.dedupQueries++;
    await queries.add(async () => {
      const answer = await cas.queryChunk(xetHex(hash));
      if (answer) known.learn(parseDedupAnswer(answer));
    });
  };

  /** Puts a chunk where it will be read from: an existing xorb, or the open one. */
  const place = async (chunk: FileChunk, source: Blob, terms: Term[]) => {
    const found = known.find(chunk.hash, chunk.length);
    let ref: ChunkRef;
    if (found) {
      ref = found.ref;
      if (found.stored) stats.storedBytes += chunk.length;
      else stats.repeatedBytes += chunk.length;
      progress(chunk.length, 0);
    } else {
      if (!open.fits(chunk.length)) {
        await sendXorb(open);
        open = new OpenXorb();
      }
      ref = { xorb: open, index: open.add({ hash: chunk.hash, length: chunk.length, source, offset: chunk.offset, mightShrink: chunk.flagged }) };
      known.remember(chunk.hash, ref);
    }
    const last = terms.at(-1);
    if (last && sameXorb(last.xorb, ref.xorb) && last.end === ref.index) {
      last.end++;
      last.bytes += chunk.length;
      last.hashes.push(chunk.hash);
    } else terms.push({ xorb: ref.xorb, start: ref.index, end: ref.index + 1, bytes: chunk.length, hashes: [chunk.hash] });
  };

  const described: { file: LocalFile; fileHash: Uint8Array; terms: Term[] }[] = [];
  for (const file of files) {
    const source = await openAsBlob(file.localPath);
    if (source.size !== file.size) throw new Error(`${file.path}: ${file.localPath} has ${source.size} bytes, not the ${file.size} planned`);
    const all: { hash: Uint8Array; length: number }[] = [];
    const terms: Term[] = [];
    const pending: FileChunk[] = [];
    let chunked = 0;
    const placeUpTo = async (limit: number) => {
      await queries.drain();
      let n = 0;
      while (n < pending.length && pending[n]!.offset + pending[n]!.length <= limit) await place(pending[n++]!, source, terms);
      pending.splice(0, n);
    };
    for await (const block of chunkFile(file.localPath, undefined, lz4 && ((bytes) => lz4.mightShrink(bytes)))) {
      for (const chunk of block) {
        all.push({ hash: chunk.hash, length: chunk.length });
        pending.push(chunk);
        if (chunk.offset === 0 || isDedupEligible(chunk.hash)) await ask(chunk.hash);
      }
      chunked = block.at(-1)!.offset + block.at(-1)!.length;
      if (chunked >= LOOKAHEAD_BYTES) await placeUpTo(chunked - LOOKAHEAD_BYTES);
    }
    await placeUpTo(Number.POSITIVE_INFINITY);
    if (chunked !== file.size) throw new Error(`${file.path}: ${file.localPath} changed while it was uploaded`);
    stats.chunks += all.length;
    described.push({ file, fileHash: fileHash(all), terms });
  }
  if (open.chunks.length > 0) await sendXorb(open);
  await xorbUploads.drain();

  // Every xorb is in the CAS: the shards may now reference them.
  const xorbHash = (ref: XorbRef) => (ref instanceof OpenXorb ? ref.sealed!.hash : ref);
  const shardFiles: ShardFileInfo[] = described.map((d) => ({
    fileHash: d.fileHash,
    sha256: d.file.sha256,
    terms: d.terms.map((t) => ({ xorb: xorbHash(t.xorb), chunkStart: t.start, chunkEnd: t.end, unpackedBytes: t.bytes, rangeHash: verificationHash(t.hashes) })),
  }));
  const shardXorbs: ShardXorbInfo[] = sealed.map((x) => ({ hash: x.hash, chunks: x.chunks, unpackedBytes: x.unpackedBytes, serializedBytes: x.body.size }));
  for (const shard of packShards(shardFiles, shardXorbs)) {
    const body = serializeShard(shard.files, shard.xorbs);
    await cas.uploadShard(body);
    stats.shards++;
    progress(0, body.length);
  }
  return stats;
}

function sameXorb(a: XorbRef, b: XorbRef): boolean {
  if (a instanceof OpenXorb || b instanceof OpenXorb) return a === b;
  return hashKey(a) === hashKey(b);
}

/** Files and new xorbs in as few shards as the CAS's size limit allows. */
function packShards(files: ShardFileInfo[], xorbs: ShardXorbInfo[]): { files: ShardFileInfo[]; xorbs: ShardXorbInfo[] }[] {
  const empty = shardBytes([], []);
  const shards = [{ files: [] as ShardFileInfo[], xorbs: [] as ShardXorbInfo[] }];
  let size = empty;
  const add = (bytes: number, put: (shard: (typeof shards)[number]) => void) => {
    const current = shards.at(-1)!;
    if (size + bytes > MAX_SHARD_BYTES && current.files.length + current.xorbs.length > 0) {
      shards.push({ files: [], xorbs: [] });
      size = empty;
    }
    put(shards.at(-1)!);
    size += bytes;
  };
  for (const x of xorbs) add(shardBytes([], [x]) - empty, (s) => s.xorbs.push(x));
  for (const f of files) add(shardBytes([f], []) - empty, (s) => s.files.push(f));
  return shards.filter((s) => s.files.length + s.xorbs.length > 0);
}

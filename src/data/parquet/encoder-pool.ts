/**
 * Encodes shards on worker threads, so Parquet encoding (parquet-wasm, the
 * costliest step) runs beside the parsing on the main thread and on both
 * cores of a runner.
 *
 * A shard is cut into its row groups; row group k goes to worker k mod N as
 * Arrow IPC batches (transferred, not copied) and comes back as a one-row-
 * group Parquet part on disk; the parts are then joined into the shard
 * (./merge.ts). The result is byte for byte what one writer would produce,
 * whatever the timing. At most two batches per part are in flight, so memory
 * stays bounded by a row group per worker.
 */
import { createHash } from "node:crypto";
import { open, rm } from "node:fs/promises";
import os from "node:os";
import { Worker } from "node:worker_threads";
import * as arrow from "apache-arrow";
import "../arrow-null-fix.js";
import { ENCODER_ROLE, type EncoderReply, type EncoderRequest, encodeParquetFile } from "./encode-worker.js";
import { fileSource, mergeParquet } from "./merge.js";
import type { ThriftStruct } from "./thrift.js";
import type { EncoderSettings } from "./properties.js";

export interface EncodedShard {
  bytes: number;
  /** Lowercase hex sha256: the LFS oid the Hub will show for this file. */
  sha256: string;
  rows: number;
}

/**
 * One encoder per core beyond the one that parses, at most two (each holds a
 * row group in memory). On a 2-core runner that is one encoder beside the
 * parser: measured faster than two, which fight the parser for the cores.
 */
export const DEFAULT_ENCODERS = Math.max(1, Math.min(2, os.availableParallelism() - 1));
const MAX_IN_FLIGHT = 2;
/** Idle encoder threads are stopped after this long, to give their memory back (e.g. during uploads). */
const IDLE_MS = 2_000;

interface PendingPart {
  inFlight: number;
  wake: (() => void) | undefined;
  done: Promise<number>;
  resolve: (bytes: number) => void;
  reject: (e: Error) => void;
}

/** How to start an encoder: the bundle re-enters itself; from source, an entry that registers tsx first. */
function workerEntry(): URL {
  const self = new URL(import.meta.url);
  return self.pathname.endsWith(".ts") ? new URL("./encode-worker-source.mjs", self) : self;
}

class EncoderThread {
  readonly worker: Worker;
  private readonly parts = new Map<number, PendingPart>();
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(workerEntry(), { workerData: { role: ENCODER_ROLE } });
    this.worker.on("message", (m: EncoderReply) => this.onMessage(m));
    this.worker.on("error", (e) => this.fail(e));
    this.worker.on("exit", (code) => {
      if (code !== 0) this.fail(new Error(`the Parquet encoder thread exited with code ${code}`));
    });
    // After the listeners (adding one refs the thread again): an idle encoder never keeps the process alive.
    this.worker.unref();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const part of this.parts.values()) {
      part.reject(e);
      part.wake?.();
    }
    this.parts.clear();
  }

  private onMessage(m: EncoderReply): void {
    const part = this.parts.get(m.id);
    if (!part) return;
    if (m.op === "ack") {
      part.inFlight--;
      part.wake?.();
    } else if (m.op === "done") {
      this.parts.delete(m.id);
      part.resolve(m.bytes);
    } else {
      this.parts.delete(m.id);
      part.reject(new Error(`Parquet encoding failed: ${m.message}`));
    }
  }

  private post(request: EncoderRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  open(id: number, path: string, settings: EncoderSettings): PendingPart {
    if (this.failure) throw this.failure;
    let resolve!: (bytes: number) => void;
    let reject!: (e: Error) => void;
    const done = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined); // awaited later; avoid an unhandled rejection in between
    const part: PendingPart = { inFlight: 0, wake: undefined, done, resolve, reject };
    this.parts.set(id, part);
    this.post({ op: "open", id, path, settings });
    return part;
  }

  async send(id: number, part: PendingPart, batch: arrow.RecordBatch): Promise<void> {
    while (part.inFlight >= MAX_IN_FLIGHT) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (part.wake = resolve));
      part.wake = undefined;
    }
    if (this.failure) throw this.failure;
    const ipc = arrow.tableToIPC(new arrow.Table([batch]), "stream");
    part.inFlight++;
    this.post({ op: "batch", id, ipc }, [ipc.buffer as ArrayBuffer]);
  }

  close(id: number): void {
    this.post({ op: "close", id });
  }
}

export class EncoderPool {
  private threads: EncoderThread[] = [];
  private nextId = 1;
  private active = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly size = DEFAULT_ENCODERS) {}

  private thread(k: number): EncoderThread {
    while (this.threads.length < this.size) {
      const thread = new EncoderThread();
      if (this.active > 0) thread.worker.ref();
      this.threads.push(thread);
    }
    return this.threads[k % this.size]!;
  }

  /** Starts the threads ahead of need (their start-up then overlaps the first pass over the data). */
  prewarm(): void {
    this.thread(0);
    if (this.active === 0) {
      for (const t of this.threads) t.worker.unref();
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => void this.close(), IDLE_MS * 30);
      this.idleTimer.unref();
    }
  }

  /** While a shard is being encoded the threads keep the process alive (we await them); idle, they do not. */
  private busy(): void {
    if (this.active++ === 0) for (const t of this.threads) t.worker.ref();
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private idle(): void {
    if (--this.active > 0) return;
    for (const t of this.threads) t.worker.unref();
    this.idleTimer = setTimeout(() => void this.close(), IDLE_MS);
    this.idleTimer.unref();
  }

  /**
   * Writes one shard file from `batches`; row groups of `settings.rowGroupRows`
   * rows are encoded in parallel. `editFooter` may change the joined footer.
   */
  async encodeShard(
    path: string,
    schema: arrow.Schema,
    batches: AsyncIterable<arrow.RecordBatch>,
    settings: EncoderSettings,
    editFooter?: (meta: ThriftStruct) => void,
  ): Promise<EncodedShard> {
    const perGroup = Math.max(1, settings.rowGroupRows);
    const partPaths: string[] = [];
    const pending: Promise<number>[] = [];
    let current: { thread: EncoderThread; id: number; part: PendingPart; rows: number } | undefined;
    let rows = 0;
    this.busy();

    const startPart = () => {
      const k = partPaths.length;
      const partPath = `${path}.part${String(k).padStart(5, "0")}`;
      partPaths.push(partPath);
      const thread = this.thread(k);
      const id = this.nextId++;
      const part = thread.open(id, partPath, settings);
      pending.push(part.done);
      current = { thread, id, part, rows: 0 };
      return current;
    };
    const endPart = () => {
      if (current) current.thread.close(current.id);
      current = undefined;
    };

    try {
      for await (const batch of batches) {
        let offset = 0;
        while (offset < batch.numRows) {
          const target = current ?? startPart();
          const take = Math.min(batch.numRows - offset, perGroup - target.rows);
          const piece = offset === 0 && take === batch.numRows ? batch : batch.slice(offset, offset + take);
          await target.thread.send(target.id, target.part, piece);
          target.rows += take;
          rows += take;
          offset += take;
          if (target.rows === perGroup) endPart();
        }
      }
      if (partPaths.length === 0) {
        // An empty shard is still a valid Parquet file with the schema.
        const target = startPart();
        await target.thread.send(target.id, target.part, emptyBatch(schema));
      }
      endPart();
      await Promise.all(pending);
      const { bytes, sha256 } = await joinParts(partPaths, path, editFooter);
      return { bytes, sha256, rows };
    } finally {
      endPart();
      await Promise.allSettled(pending);
      await Promise.all(partPaths.map((p) => rm(p, { force: true })));
      this.idle();
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

let shared: EncoderPool | undefined;

/** The process's encoder threads, started on first use and stopped when idle. */
export function sharedEncoderPool(): EncoderPool {
  shared ??= new EncoderPool();
  return shared;
}

/** Stops the shared encoder threads now (they restart on demand). */
export async function stopEncoders(): Promise<void> {
  await shared?.close();
}

/**
 * Encodes a small shard on this thread: starting worker threads (and a
 * parquet-wasm instance in each) costs more than it saves below a few MB.
 * The bytes are the same as the pool's.
 */
export async function encodeShardInline(
  path: string,
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch>,
  settings: EncoderSettings,
  editFooter?: (meta: ThriftStruct) => void,
): Promise<EncodedShard> {
  const iterator = batches[Symbol.asyncIterator]();
  let rows = 0;
  let sent = 0;
  const partPath = `${path}.part00000`;
  try {
    await encodeParquetFile(partPath, settings, async () => {
      const next = await iterator.next();
      if (next.done) {
        if (sent++ > 0) return null;
        return arrow.tableToIPC(new arrow.Table([emptyBatch(schema)]), "stream");
      }
      sent++;
      rows += next.value.numRows;
      return arrow.tableToIPC(new arrow.Table([next.value]), "stream");
    });
    const { bytes, sha256 } = await joinParts([partPath], path, editFooter);
    return { bytes, sha256, rows };
  } finally {
    await rm(partPath, { force: true });
  }
}

async function joinParts(partPaths: string[], path: string, editFooter?: (meta: ThriftStruct) => void): Promise<{ bytes: number; sha256: string }> {
  const sources = await Promise.all(partPaths.map(fileSource));
  const hash = createHash("sha256");
  const out = await open(path, "w");
  try {
    const { bytes } = await mergeParquet(sources, {
      async write(chunk) {
        hash.update(chunk);
        await out.write(chunk);
      },
    }, editFooter);
    return { bytes, sha256: hash.digest("hex") };
  } finally {
    await out.close();
    await Promise.all(sources.map((s) => s.close()));
  }
}

function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: 0,
      nullCount: 0,
      children: schema.fields.map((f) => arrow.makeBuilder({ type: f.type }).flush()),
    }),
  );
}

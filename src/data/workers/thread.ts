/**
 * One worker thread, seen from the main thread: it encodes parts of shards
 * (open, batches, close; at most two batches in flight per part, so memory
 * stays bounded by a row group) and runs one-shot jobs. Messages are those
 * of ./worker.ts. A thread that fails fails everything waiting on it.
 */
import { Worker } from "node:worker_threads";
import type * as arrow from "apache-arrow";
import { batchToIPC } from "../write/ipc.js";
import type { EncoderSettings } from "../write/properties.js";
import { WORKER_ROLE, type WorkerReply, type WorkerRequest } from "./worker.js";

const MAX_IN_FLIGHT = 2;

/** A part being encoded on a thread. */
export interface PendingPart {
  inFlight: number;
  wake: (() => void) | undefined;
  /** Resolves with the part's size in bytes once it is written. */
  done: Promise<number>;
  resolve: (bytes: number) => void;
  reject: (e: Error) => void;
}

/** How to start a worker: the bundle re-enters itself; from source, an entry that registers tsx first. */
function workerEntry(): URL {
  const self = new URL(import.meta.url);
  return self.pathname.endsWith(".ts") ? new URL("./worker-source.mjs", self) : self;
}

export class WorkerThread {
  readonly worker: Worker;
  private readonly parts = new Map<number, PendingPart>();
  private readonly jobs = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(workerEntry(), { workerData: { role: WORKER_ROLE } });
    this.worker.on("message", (m: WorkerReply) => this.onMessage(m));
    this.worker.on("error", (e) => this.fail(e));
    this.worker.on("exit", (code) => {
      if (code !== 0) this.fail(new Error(`the Parquet encoder thread exited with code ${code}`));
    });
    // After the listeners (adding one refs the thread again): an idle thread never keeps the process alive.
    this.worker.unref();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const part of this.parts.values()) {
      part.reject(e);
      part.wake?.();
    }
    this.parts.clear();
    for (const job of this.jobs.values()) job.reject(e);
    this.jobs.clear();
  }

  private onMessage(m: WorkerReply): void {
    const job = this.jobs.get(m.id);
    if (job) {
      this.jobs.delete(m.id);
      if (m.op === "result") job.resolve(m.value);
      else if (m.op === "error") job.reject(new Error(m.message));
      else job.reject(new Error(`unexpected reply '${m.op}' to a job`));
      return;
    }
    const part = this.parts.get(m.id);
    if (!part) return;
    if (m.op === "ack") {
      part.inFlight--;
      part.wake?.();
    } else if (m.op === "done") {
      this.parts.delete(m.id);
      part.resolve(m.bytes);
    } else if (m.op === "error") {
      this.parts.delete(m.id);
      part.reject(new Error(`Parquet encoding failed: ${m.message}`));
    }
  }

  private post(request: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  /** Starts encoding a part into the file `path`. */
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

  /** Sends a batch of the part (waits while two are in flight). */
  async send(id: number, part: PendingPart, batch: arrow.RecordBatch): Promise<void> {
    while (part.inFlight >= MAX_IN_FLIGHT) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (part.wake = resolve));
      part.wake = undefined;
    }
    if (this.failure) throw this.failure;
    const ipc = batchToIPC(batch);
    part.inFlight++;
    this.post({ op: "batch", id, ipc }, [ipc.buffer as ArrayBuffer]);
  }

  /** Ends the part: the thread finishes its file. */
  close(id: number): void {
    this.post({ op: "close", id });
  }

  /** Runs a one-shot job (see jobs.ts) on this thread. */
  run(id: number, name: string, args: unknown): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.post({ op: "job", id, name, args });
    });
  }
}

/**
 * The worker threads of one conversion: started on demand (or ahead of need,
 * prewarm), kept alive while work is under way, stopped when idle for a
 * while or when the conversion closes the pool. Two kinds of work use them:
 * encoding shards (./threaded-encoder.ts) and one-shot jobs (`run`: pass 1
 * on two threads, ../read/parts.ts), which use the threads while they would
 * otherwise wait for pass 2.
 */
import os from "node:os";
import { WorkerThread } from "./thread.js";

/**
 * One thread per core beyond the one that parses, at most two (each holds a
 * row group in memory while encoding). On a 2-core runner that is one
 * encoder beside the parser: measured faster than two, which fight the
 * parser for the cores.
 */
export const DEFAULT_THREADS = Math.max(1, Math.min(2, os.availableParallelism() - 1));
/** Idle threads are stopped after this long, to give their memory back (e.g. during uploads). */
export const IDLE_MS = 2_000;
/** After a one-shot job or a prewarm the threads wait longer: encoding follows pass 1. */
const WARM_MS = 30 * IDLE_MS;

export class WorkerPool {
  private threads: WorkerThread[] = [];
  private nextId = 1;
  /** Pieces of work under way (shards being encoded, jobs): the threads keep the process alive meanwhile. */
  private holds = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(readonly size = DEFAULT_THREADS) {}

  /** A message id no other message of the pool uses. */
  nextMessageId(): number {
    return this.nextId++;
  }

  /** Thread k (mod size), starting all of them on first use. */
  thread(k: number): WorkerThread {
    while (this.threads.length < this.size) {
      const thread = new WorkerThread();
      if (this.holds > 0) thread.worker.ref();
      this.threads.push(thread);
    }
    return this.threads[k % this.size]!;
  }

  /** Starts the threads ahead of need (their start-up then overlaps the first pass over the data). */
  prewarm(): void {
    this.thread(0);
    if (this.holds === 0) this.idleAfter(WARM_MS);
  }

  /** Marks work under way: we await it, so the threads keep the process alive. */
  hold(): void {
    if (this.holds++ === 0) for (const t of this.threads) t.worker.ref();
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Marks work done; once none is left, the threads stop after `idleMs` unless new work comes. */
  release(idleMs = IDLE_MS): void {
    if (--this.holds === 0) this.idleAfter(idleMs);
  }

  private idleAfter(ms: number): void {
    for (const t of this.threads) t.worker.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.close(), ms);
    this.idleTimer.unref();
  }

  /** Runs a one-shot job of ./jobs.ts on a thread (a ReaderOptions.background runner). */
  async run(name: string, args: unknown): Promise<unknown> {
    const thread = this.thread(0);
    this.hold();
    try {
      return await thread.run(this.nextMessageId(), name, args);
    } finally {
      this.release(WARM_MS);
    }
  }

  /** Stops the threads now (they start again on demand). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

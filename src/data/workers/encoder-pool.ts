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
import { rm } from "node:fs/promises";
import os from "node:os";
import { Worker } from "node:worker_threads";
import * as arrow from "apache-arrow";
import "../write/arrow-null-fix.js";
import { ENCODER_ROLE, type EncoderReply, type EncoderRequest, encodeParquetFile } from "./worker.js";
import { type RowGroupPlan, assembleFile, fileSource, openPart, readFooter } from "../write/merge.js";
import type { ThriftStruct } from "../model/thrift.js";
import type { EncoderSettings } from "../write/properties.js";

export interface EncodedShard {
  bytes: number;
  /** Lowercase hex sha256: the LFS oid the Hub will show for this file. */
  sha256: string;
  rows: number;
  /** Worker threads that encoded it (0: encoded on the calling thread). */
  encoderThreads: number;
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
  return self.pathname.endsWith(".ts") ? new URL("./worker-source.mjs", self) : self;
}

class EncoderThread {
  readonly worker: Worker;
  private readonly parts = new Map<number, PendingPart>();
  private readonly jobs = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
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
    for (const job of this.jobs.values()) job.reject(e);
    this.jobs.clear();
  }

  private onMessage(m: EncoderReply): void {
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

  /** Runs a one-shot job (see background-jobs.ts) on this thread. */
  run(id: number, name: string, args: unknown): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.post({ op: "job", id, name, args });
    });
  }
}

export class EncoderPool {
  private threads: EncoderThread[] = [];
  private nextId = 1;
  private active = 0;
  private jobs = 0;
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
    if (this.active === 0 && this.jobs === 0) {
      for (const t of this.threads) t.worker.unref();
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => void this.close(), IDLE_MS * 30);
      this.idleTimer.unref();
    }
  }

  /**
   * Runs a one-shot job on an encoder thread (they are idle during pass 1;
   * prewarm them first). The thread keeps the process alive meanwhile.
   */
  async run(name: string, args: unknown): Promise<unknown> {
    const thread = this.thread(0);
    this.jobs++;
    thread.worker.ref();
    clearTimeout(this.idleTimer);
    try {
      return await thread.run(this.nextId++, name, args);
    } finally {
      // Still prewarmed for the encoding that follows pass 1.
      if (--this.jobs === 0 && this.active === 0) this.prewarm();
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
   * Writes one shard file from `batches`. With one encoder thread, row
   * groups of `settings.rowGroupRows` rows go to it in turn; with several,
   * each thread takes a share of the columns of every row group (balanced by
   * their Arrow sizes), so all threads work from the first batch on.
   * `editFooter` may change the joined footer.
   */
  async encodeShard(
    path: string,
    schema: arrow.Schema,
    batches: AsyncIterable<arrow.RecordBatch>,
    settings: EncoderSettings,
    editFooter?: (meta: ThriftStruct) => void,
  ): Promise<EncodedShard> {
    const perGroup = Math.max(1, settings.rowGroupRows);
    const grid: { path: string; done: Promise<number> }[][] = [];
    let columnGroups: number[][] | undefined;
    let current: { cells: { thread: EncoderThread; id: number; part: PendingPart }[]; rows: number } | undefined;
    let rows = 0;
    this.busy();

    const startRowGroup = () => {
      const k = grid.length;
      const groups = columnGroups!;
      const row: { path: string; done: Promise<number> }[] = [];
      const cells = groups.map((_, g) => {
        const partPath = `${path}.part${String(k).padStart(5, "0")}-${g}`;
        const thread = this.thread(groups.length > 1 ? g : k);
        const id = this.nextId++;
        const part = thread.open(id, partPath, settings);
        row.push({ path: partPath, done: part.done });
        return { thread, id, part };
      });
      grid.push(row);
      current = { cells, rows: 0 };
      return current;
    };
    const endRowGroup = () => {
      for (const c of current?.cells ?? []) c.thread.close(c.id);
      current = undefined;
    };
    const send = async (target: NonNullable<typeof current>, piece: arrow.RecordBatch) => {
      const groups = columnGroups!;
      for (const [g, cell] of target.cells.entries())
        await cell.thread.send(cell.id, cell.part, groups.length === 1 ? piece : piece.selectAt(groups[g]!));
    };

    try {
      for await (const batch of batches) {
        columnGroups ??= this.columnGroups(schema, batch);
        let offset = 0;
        while (offset < batch.numRows) {
          const target = current ?? startRowGroup();
          const take = Math.min(batch.numRows - offset, perGroup - target.rows);
          await send(target, offset === 0 && take === batch.numRows ? batch : batch.slice(offset, offset + take));
          target.rows += take;
          rows += take;
          offset += take;
          if (target.rows === perGroup) endRowGroup();
        }
      }
      if (grid.length === 0) {
        // An empty shard is still a valid Parquet file with the schema.
        columnGroups ??= [schema.fields.map((_, i) => i)];
        await send(startRowGroup(), emptyBatch(schema));
      }
      endRowGroup();
      await Promise.all(grid.flat().map((c) => c.done));
      const { bytes, sha256 } = await assembleParts(grid.map((row) => row.map((c) => c.path)), columnGroups!, schema, settings, path, editFooter);
      const groups = columnGroups!.length;
      return { bytes, sha256, rows, encoderThreads: groups > 1 ? groups : Math.min(this.size, grid.length) };
    } finally {
      endRowGroup();
      await Promise.allSettled(grid.flat().map((c) => c.done));
      await Promise.all(grid.flat().map((c) => removeScratch(c.path)));
      this.idle();
    }
  }

  /**
   * Splits the columns between the threads, by their Arrow size in the first
   * batch (largest first, to the least loaded thread). Which thread encodes a
   * column never changes the bytes written.
   */
  private columnGroups(schema: arrow.Schema, batch: arrow.RecordBatch): number[][] {
    const count = Math.min(this.size, schema.fields.length);
    if (count <= 1) return [schema.fields.map((_, i) => i)];
    const sizes = schema.fields.map((_, i) => dataBytes(batch.data.children[i]!));
    const order = sizes.map((size, i) => [size, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const groups: number[][] = Array.from({ length: count }, () => []);
    const load = new Array<number>(count).fill(0);
    for (const [size, i] of order) {
      const g = load.indexOf(Math.min(...load));
      groups[g]!.push(i);
      load[g]! += size;
    }
    return groups.filter((g) => g.length > 0).map((g) => g.sort((a, b) => a - b));
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
    const { bytes, sha256 } = await assembleParts([[partPath]], [schema.fields.map((_, i) => i)], schema, settings, path, editFooter);
    return { bytes, sha256, rows, encoderThreads: 0 };
  } finally {
    await removeScratch(partPath);
  }
}

/** Joins the parts of a shard ([row group][column group]) into `path`, hashing as it writes. */
async function assembleParts(
  grid: string[][],
  columnGroups: number[][],
  schema: arrow.Schema,
  settings: EncoderSettings,
  path: string,
  editFooter?: (meta: ThriftStruct) => void,
): Promise<{ bytes: number; sha256: string }> {
  const sources = await Promise.all(grid.flat().map(fileSource));
  try {
    const parts = await Promise.all(sources.map((s) => openPart(s)));
    const owner = new Array<number>(schema.fields.length);
    columnGroups.forEach((fields, g) => fields.forEach((f) => (owner[f] = g)));
    const groups = columnGroups.length;
    // A part holds the row groups its encoder made: one on the threads (they cut the shard at row group
    // edges), as many as rowGroupRows gives for a shard encoded inline, none for an empty shard.
    const plans: RowGroupPlan[] = [];
    for (const [k, row] of grid.entries()) {
      const cells = row.map((_, g) => parts[k * groups + g]!);
      const count = cells[0]!.rowGroups.length;
      if (cells.some((part) => part.rowGroups.length !== count)) throw new Error(`the parts of row group ${k} of ${path} hold different row groups`);
      for (let r = 0; r < count; r++) plans.push({ cells: cells.map((part) => ({ part, rowGroup: r })), owner });
    }
    // With one column group the parts' own footer is the whole file's; otherwise one with every column.
    const template = groups === 1 ? parts[0]!.meta : await fullSchemaFooter(schema, settings, `${path}.template`);
    return await assembleFile(path, template, plans, editFooter);
  } finally {
    await Promise.all(sources.map((s) => s.close()));
  }
}

/** The footer a writer gives a file of `schema` with these settings (from an empty one; `scratch` is a temporary file). */
export async function fullSchemaFooter(schema: arrow.Schema, settings: EncoderSettings, scratch: string): Promise<ThriftStruct> {
  let sent = false;
  try {
    await encodeParquetFile(scratch, settings, async () => {
      if (sent) return null;
      sent = true;
      return arrow.tableToIPC(new arrow.Table([emptyBatch(schema)]), "stream");
    });
    const source = await fileSource(scratch);
    try {
      return await readFooter(source);
    } finally {
      await source.close();
    }
  } finally {
    await removeScratch(scratch);
  }
}

/** Removes a temporary file; a failure here must not hide the error that ended the work (finally blocks). */
async function removeScratch(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

/** Bytes of Arrow buffers under `data` (to balance columns between threads). */
function dataBytes(data: arrow.Data): number {
  let n = (data.values as { byteLength?: number } | undefined)?.byteLength ?? 0;
  n += data.valueOffsets?.byteLength ?? 0;
  for (const child of data.children) n += dataBytes(child);
  return n;
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

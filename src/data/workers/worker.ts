/**
 * What a worker thread does (both entries, the bundle and ./worker-main.ts,
 * call serveWorker). Two kinds of work, on one message port:
 * - encoding parts of shards: a part (a row group, or some of its columns)
 *   arrives as Arrow IPC batches, is encoded by this thread's own page
 *   writer (../write/part-encoder.ts) and written to a file; the main
 *   thread keeps parsing meanwhile, and joins the parts
 *   (./threaded-encoder.ts);
 * - one-shot jobs (./jobs.ts), such as profiling part of a big file in pass 1.
 *
 * Messages in:  {op:"open", id, path, settings} · {op:"batch", id, ipc} · {op:"close", id}
 *                · {op:"job", id, name, args} (a one-shot job of `jobs`, e.g. profiling part of a file)
 * Messages out: {op:"ack", id} when a batch was taken · {op:"done", id, bytes} · {op:"result", id, value}
 *                · {op:"error", id, message}
 */
import { type MessagePort, parentPort } from "node:worker_threads";
import * as arrow from "apache-arrow";
import { type PageWriterContext, encodePart as encodePartFile } from "../write/part-encoder.js";
import type { EncoderSettings } from "../write/properties.js";
import { pageWriterContext } from "../write/shard-encoder.js";

/** workerData.role of our worker threads (the bundle starts itself as one). */
export const WORKER_ROLE = "hf-dataset-publish:parquet-encoder";

export type WorkerRequest =
  | { op: "open"; id: number; path: string; settings: EncoderSettings }
  | { op: "batch"; id: number; ipc: Uint8Array }
  | { op: "close"; id: number }
  | { op: "job"; id: number; name: string; args: unknown };

export type WorkerReply =
  | { op: "ack"; id: number }
  | { op: "done"; id: number; bytes: number }
  | { op: "result"; id: number; value: unknown }
  | { op: "error"; id: number; message: string };

export type Jobs = Record<string, (args: never) => Promise<unknown>>;

interface OpenPart {
  queue: (Uint8Array | null)[];
  wake: (() => void) | undefined;
}

/** Serves encode requests and `jobs` on `port` until the port closes. */
export function serveWorker(port: MessagePort | null = parentPort, jobs: Jobs = {}): void {
  if (!port) throw new Error("serveWorker must run in a worker thread");
  const parts = new Map<number, OpenPart>();
  let context: PageWriterContext | undefined; // made on first use, kept for the thread's life
  const reply = (message: WorkerReply) => port.postMessage(message);

  port.on("message", (request: WorkerRequest) => {
    if (request.op === "job") {
      const job = jobs[request.name];
      (job ? job(request.args as never) : Promise.reject(new Error(`no job '${request.name}'`))).then(
        (value) => reply({ op: "result", id: request.id, value }),
        (e: unknown) => reply({ op: "error", id: request.id, message: e instanceof Error ? e.message : String(e) }),
      );
      return;
    }
    if (request.op === "open") {
      const part: OpenPart = { queue: [], wake: undefined };
      parts.set(request.id, part);
      context ??= pageWriterContext();
      encodePart(request.path, request.settings, part, context, () => reply({ op: "ack", id: request.id })).then(
        (bytes) => {
          parts.delete(request.id);
          reply({ op: "done", id: request.id, bytes });
        },
        (e: unknown) => {
          parts.delete(request.id);
          reply({ op: "error", id: request.id, message: e instanceof Error ? e.message : String(e) });
        },
      );
      return;
    }
    const part = parts.get(request.id);
    if (!part) return;
    part.queue.push(request.op === "batch" ? request.ipc : null);
    part.wake?.();
  });
}

async function encodePart(path: string, settings: EncoderSettings, part: OpenPart, context: PageWriterContext, ack: () => void): Promise<number> {
  // An IPC message may hold several record batches: hand them out one by one.
  const decoded: arrow.RecordBatch[] = [];
  const next = async (): Promise<arrow.RecordBatch | null> => {
    while (decoded.length === 0) {
      while (part.queue.length === 0) await new Promise<void>((resolve) => (part.wake = resolve));
      part.wake = undefined;
      const ipc = part.queue.shift()!;
      if (ipc === null) return null;
      ack();
      decoded.push(...arrow.tableFromIPC(ipc).batches);
    }
    return decoded.shift()!;
  };
  return encodePartFile(path, settings, next, context);
}

/**
 * The Parquet encoder that runs in a worker thread: it receives one part
 * (a run of whole row groups) as Arrow IPC batches, streams them through its
 * own parquet-wasm instance, and writes the encoded part to a file. The main
 * thread keeps parsing meanwhile, and merges the parts (./merge.ts).
 *
 * Messages in:  {op:"open", id, path, settings} · {op:"batch", id, ipc} · {op:"close", id}
 *                · {op:"job", id, name, args} (a one-shot job of `jobs`, e.g. profiling part of a file)
 * Messages out: {op:"ack", id} when a batch was taken · {op:"done", id, bytes} · {op:"result", id, value}
 *                · {op:"error", id, message}
 */
import { open } from "node:fs/promises";
import { type MessagePort, parentPort } from "node:worker_threads";
import * as parquet from "parquet-wasm/node";
import { type EncoderSettings, writerProperties } from "../write/properties.js";

export const ENCODER_ROLE = "hf-dataset-publish:parquet-encoder";

export type EncoderRequest =
  | { op: "open"; id: number; path: string; settings: EncoderSettings }
  | { op: "batch"; id: number; ipc: Uint8Array }
  | { op: "close"; id: number }
  | { op: "job"; id: number; name: string; args: unknown };

export type EncoderReply =
  | { op: "ack"; id: number }
  | { op: "done"; id: number; bytes: number }
  | { op: "result"; id: number; value: unknown }
  | { op: "error"; id: number; message: string };

export type Jobs = Record<string, (args: never) => Promise<unknown>>;

interface OpenPart {
  queue: (Uint8Array | null)[];
  wake: (() => void) | undefined;
}

/** Serves encode requests (and `jobs`) on `port` until the port closes. */
export function serveParquetEncoder(port: MessagePort | null = parentPort, jobs: Jobs = {}): void {
  if (!port) throw new Error("serveParquetEncoder must run in a worker thread");
  const parts = new Map<number, OpenPart>();
  const reply = (message: EncoderReply) => port.postMessage(message);

  port.on("message", (request: EncoderRequest) => {
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
      encodePart(request.path, request.settings, part, () => reply({ op: "ack", id: request.id })).then(
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

async function encodePart(path: string, settings: EncoderSettings, part: OpenPart, ack: () => void): Promise<number> {
  const next = async (): Promise<Uint8Array | null> => {
    while (part.queue.length === 0) await new Promise<void>((resolve) => (part.wake = resolve));
    part.wake = undefined;
    const ipc = part.queue.shift()!;
    if (ipc !== null) ack();
    return ipc;
  };
  return encodeParquetFile(path, settings, next);
}

/**
 * Encodes Arrow IPC stream messages, pulled one at a time from `next` (null
 * ends the file), into a Parquet file at `path`; returns its size. Used by
 * the worker threads and, for small shards, on the main thread.
 */
export async function encodeParquetFile(path: string, settings: EncoderSettings, next: () => Promise<Uint8Array | null>): Promise<number> {
  // An error of the batch source is kept: parquet-wasm would report none, or an unrelated one.
  let sourceError: unknown;
  const input = new ReadableStream<parquet.RecordBatch>(
    {
      async pull(controller) {
        let ipc: Uint8Array | null;
        try {
          ipc = await next();
        } catch (e) {
          sourceError = e;
          throw e;
        }
        if (ipc === null) return controller.close();
        const table = parquet.Table.fromIPCStream(ipc);
        release(ipc); // copied into wasm memory: give the bytes back now, not at the next GC
        try {
          for (const batch of table.recordBatches()) controller.enqueue(batch);
        } finally {
          table.free();
        }
      },
    },
    { highWaterMark: 0 },
  );
  try {
    const output = (await parquet.transformParquetStream(input, writerProperties(settings))) as ReadableStream<Uint8Array>;
    const file = await open(path, "w");
    let bytes = 0;
    try {
      for await (const chunk of output) {
        await file.write(chunk);
        bytes += chunk.byteLength;
        release(chunk); // a whole row group at a time: tens of MB
      }
    } finally {
      await file.close();
    }
    // parquet-wasm ends its output normally when the input stream fails: never take that file as complete.
    if (sourceError !== undefined) throw sourceError;
    return bytes;
  } catch (e) {
    throw sourceError ?? e;
  }
}

/**
 * Frees the memory of a byte array we own entirely at once
 * (ArrayBuffer.prototype.transfer, Node 21+; nothing happens before).
 */
function release(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; resizable?: boolean };
  if (typeof buffer.transfer !== "function" || !(buffer instanceof ArrayBuffer)) return;
  if (bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return; // a view into something larger
  try {
    buffer.transfer(0);
  } catch {
    // not detachable (e.g. WebAssembly memory): leave it to the GC
  }
}

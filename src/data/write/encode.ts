/**
 * parquet-wasm (arrow-rs) turning a stream of Arrow IPC batches into a
 * Parquet file, with the writer settings of ./properties.ts: how the
 * columns our page writer does not write yet (lists, structs) are encoded
 * (./part-encoder.ts).
 */
import { open } from "node:fs/promises";
import * as parquet from "parquet-wasm/node";
import { type ArrowRsSettings, writerProperties } from "./properties.js";

/**
 * Encodes Arrow IPC stream messages, pulled one at a time from `next` (null
 * ends the file), into a Parquet file at `path`; returns its size.
 */
export async function encodeParquetFile(path: string, settings: ArrowRsSettings, next: () => Promise<Uint8Array | null>): Promise<number> {
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

/**
 * Entry point of the bundled action (dist/index.js). The same file also
 * serves as the Parquet encoder worker thread, so the bundle needs no
 * second entry: a worker started with the encoder role only encodes.
 */
import { isMainThread, workerData } from "node:worker_threads";
import { ENCODER_ROLE, serveParquetEncoder } from "./data/parquet/encode-worker.js";
import { run } from "./main.js";

if (!isMainThread && (workerData as { role?: string } | null)?.role === ENCODER_ROLE) serveParquetEncoder();
else {
  // Stack traces of unexpected errors point into src/ (Node's own, lazy source-map support).
  process.setSourceMapsEnabled(true);
  await run();
}

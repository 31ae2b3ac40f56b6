/**
 * Entry point of the bundled action (dist/index.js). The same file also
 * serves as the Parquet encoder worker thread, so the bundle needs no
 * second entry: a worker started with the encoder role only encodes (and
 * runs the main thread's one-shot background jobs).
 */
import { isMainThread, workerData } from "node:worker_threads";
import { BACKGROUND_JOBS } from "./data/workers/jobs.js";
import { WORKER_ROLE, serveWorker } from "./data/workers/worker.js";
import { run } from "./main.js";

if (!isMainThread && (workerData as { role?: string } | null)?.role === WORKER_ROLE) serveWorker(undefined, BACKGROUND_JOBS);
else {
  // Stack traces of unexpected errors point into src/ (Node's own, lazy source-map support).
  process.setSourceMapsEnabled(true);
  await run();
}

/**
 * One-shot jobs the main thread can hand to the encoder threads, which are
 * idle during pass 1 (ReaderOptions.background). Both worker entries (the
 * bundle, and worker-main.ts from source) serve these.
 */
import { profileCsvRange } from "../read/csv/csv.js";
import { profileParquetRange } from "../read/parquet/parquet.js";
import type { Jobs } from "./worker.js";

export const BACKGROUND_JOBS: Jobs = {
  /** Answers once the thread is up (its start-up overlaps the caller's own work). */
  ready: async () => true,
  "csv-range": profileCsvRange,
  "parquet-range": profileParquetRange,
};

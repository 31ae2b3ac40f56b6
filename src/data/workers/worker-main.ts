/** Worker entry when running from source (tests, tsx); the bundle re-enters dist/index.js instead. */
import { BACKGROUND_JOBS } from "./jobs.js";
import { serveParquetEncoder } from "./worker.js";

serveParquetEncoder(undefined, BACKGROUND_JOBS);

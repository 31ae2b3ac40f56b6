/** Worker entry when running from source (tests, tsx); the bundle re-enters dist/index.js instead. */
import { serveParquetEncoder } from "./encode-worker.js";

serveParquetEncoder();

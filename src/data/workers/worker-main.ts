/** Worker entry when running from source (tests, tsx); the bundle re-enters dist/index.js instead. */
import { BACKGROUND_JOBS } from "./jobs.js";
import { serveWorker } from "./worker.js";

serveWorker(undefined, BACKGROUND_JOBS);

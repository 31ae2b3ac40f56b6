// Worker entry when running from TypeScript sources (tests, tsx): worker
// threads do not inherit the parent's loader, so register tsx here, then load
// the encoder. The bundled action never uses this file: dist/index.js
// re-enters itself as the worker.
import { register } from "tsx/esm/api";

register();
await import("./worker-main.ts");

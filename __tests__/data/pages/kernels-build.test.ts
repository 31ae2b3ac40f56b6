/**
 * The committed WebAssembly kernels (src/data/write/pages/kernels-wasm.ts)
 * are what `npm run build:wasm` makes of wasm/*.ts: the build is
 * reproducible, and nobody changed one without the other.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { GENERATED, buildKernels, generatedSource } from "../../../scripts/build-wasm.js";

describe("the WebAssembly kernels", () => {
  it("are a fresh build of their AssemblyScript sources, byte for byte", async () => {
    const fresh = generatedSource(await buildKernels());
    const again = generatedSource(await buildKernels());
    expect(again).toBe(fresh);
    expect(await readFile(GENERATED, "utf8")).toBe(fresh);
  });
});

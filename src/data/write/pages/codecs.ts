/**
 * Page compression for the codecs the action offers: zstd (level 1, as
 * arrow-rs and pyarrow default to) and gzip (level 6) from Node's own zlib,
 * snappy of our own (wasm/snappy.ts, through ./kernels.ts), or none. Fixed parameters: the same page
 * gives the same bytes, run after run.
 */
import zlib from "node:zlib";
import { Codec } from "./format.js";
import type { Kernels } from "./kernels.js";

export type CompressionName = "snappy" | "zstd" | "gzip" | "none";

/** Byte 9 of a gzip member: the operating system, which zlib sets from the platform; fixed so every platform writes the same bytes. */
const GZIP_OS = 9;
const GZIP_OS_UNKNOWN = 255;

export interface PageCompressor {
  readonly codec: number;
  /** The compressed page (valid until the next call). */
  compress(page: Uint8Array): Uint8Array;
}

export function pageCompressor(name: CompressionName, kernels: Kernels): PageCompressor {
  switch (name) {
    case "none":
      return { codec: Codec.UNCOMPRESSED, compress: (page) => page };
    case "snappy":
      return { codec: Codec.SNAPPY, compress: (page) => kernels.snappy(page) };
    case "zstd": {
      if (typeof zlib.zstdCompressSync !== "function") throw new Error(`zstd needs Node 22.15 or later (this is ${process.version})`);
      const options = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } };
      return { codec: Codec.ZSTD, compress: (page) => zlib.zstdCompressSync(page, options) };
    }
    case "gzip":
      return {
        codec: Codec.GZIP,
        compress(page) {
          const out = zlib.gzipSync(page, { level: 6 });
          out[GZIP_OS] = GZIP_OS_UNKNOWN;
          return out;
        },
      };
  }
}

// LZ4 frames of chunks, decoded by two decoders written apart from ours:
// the emulator's and the one vendored in @huggingface/hub (lz4js), which also
// checks the frame header's checksum. (hf_xet's own, lz4_flex, reads them in
// python.test.ts.)
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decompress } from "../../../node_modules/@huggingface/hub/src/vendor/lz4js/index.js";
import { lz4DecodeFrames } from "../../../emulator/xet/lz4.js";
import { Lz4 } from "../../../src/hub/xet/lz4.js";

/** Bytes of `n` little-endian int64s counting up from `start`: what snappy leaves very compressible. */
function sequential(n: number, start = 0): Uint8Array {
  const out = new Uint8Array(8 * n);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) view.setBigInt64(8 * i, BigInt(start + i), true);
  return out;
}

/** Random pieces and copies of earlier pieces (near and far, short and long), as a fuzzer would make them. */
function patchwork(length: number, seed: number): Uint8Array {
  let x = seed;
  const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
  const out = new Uint8Array(length);
  let p = 0;
  while (p < length) {
    const n = Math.min(length - p, 1 + rnd(rnd(4) === 0 ? 600 : 40));
    if (p > 8 && rnd(3) > 0) {
      const back = 1 + rnd(Math.min(p, rnd(2) ? 70_000 : 300));
      for (let i = 0; i < n; i++, p++) out[p] = out[p - back]!;
    } else {
      out.set(randomBytes(n), p);
      p += n;
    }
  }
  return out;
}

describe("LZ4 frames of chunks", () => {
  const lz4 = new Lz4();
  const inputs: [string, Uint8Array][] = [
    ["sequential integers", sequential(16_000)],
    ["zeros", new Uint8Array(131_072)],
    ["text", new TextEncoder().encode("row 1, with a comma, and some words; ".repeat(3000))],
    ["one byte repeated after 13 random", Uint8Array.from([...randomBytes(13), ...new Uint8Array(5000).fill(7)])],
    ...Array.from({ length: 12 }, (_, i): [string, Uint8Array] => [`patchwork ${i}`, patchwork(20_000 + i * 9_000, i + 1)]),
  ];

  it.each(inputs)("%s: decode to the chunk, with both decoders", (_name, chunk) => {
    const frame = lz4.compressChunk(chunk);
    expect(frame).toBeDefined();
    expect(frame!.length).toBeLessThan(chunk.length);
    expect(Buffer.from(lz4DecodeFrames(frame!, chunk.length)).equals(Buffer.from(chunk))).toBe(true);
    expect(Buffer.from(decompress(frame!, chunk.length)).equals(Buffer.from(chunk))).toBe(true);
  });

  it("tells chunks worth trying from compressed data by three samples", () => {
    expect(lz4.mightShrink(randomBytes(65_536))).toBe(false);
    expect(lz4.mightShrink(sequential(8192))).toBe(true);
    // A compressible page that starts in the middle of the chunk, or ends it.
    expect(lz4.mightShrink(Buffer.concat([randomBytes(40_000), sequential(3000)]))).toBe(true);
    expect(lz4.mightShrink(Buffer.concat([randomBytes(20_000), new Uint8Array(30_000), randomBytes(20_000)]))).toBe(true);
    expect(lz4.mightShrink(randomBytes(5000))).toBe(true); // small: worth the one try
  });

  it("gives up on chunks it cannot shrink, and on tiny ones", () => {
    expect(lz4.compressChunk(randomBytes(65_536))).toBeUndefined();
    expect(lz4.compressChunk(new Uint8Array(12))).toBeUndefined();
    expect(lz4.compressChunk(new Uint8Array(0))).toBeUndefined();
  });
});

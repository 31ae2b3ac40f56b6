/**
 * Deterministic media folders for the memory test and the benchmark: valid
 * PNG images (RGB, stored deflate blocks, so any size is cheap to make and
 * decodes with Pillow) and WAV files (16-bit PCM), with pseudo-random
 * content so that no two files are the same, in class folders.
 */
import { createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { deflateSync } from "node:zlib";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, c = 0xffffffff): number {
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return c;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(data, crc32(head.subarray(4))) ^ 0xffffffff) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** Pseudo-random bytes from a seed (xorshift32): deterministic, incompressible enough. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 1;
  for (let i = 0; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeInt32LE(x | 0, i);
  }
  return out;
}

/** A valid RGB PNG of about `bytes` bytes (square-ish), its pixels from `seed`. */
export function pngOf(bytes: number, seed: number): Buffer {
  const width = Math.max(1, Math.floor(Math.sqrt(bytes / 3)));
  const height = Math.max(1, Math.ceil(bytes / (3 * width + 1)));
  const raw = noise(height * (3 * width + 1), seed);
  for (let y = 0; y < height; y++) raw[y * (3 * width + 1)] = 0; // filter type None
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 0 })), chunk("IEND", new Uint8Array(0))]);
}

/** A 16-bit mono PCM WAV of about `bytes` bytes at 16 kHz. */
export function wavOf(bytes: number, seed: number): Buffer {
  const data = noise(Math.max(2, bytes - 44) & ~1, seed);
  const head = Buffer.alloc(44);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(36 + data.length, 4);
  head.write("WAVEfmt ", 8, "latin1");
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(16000, 24);
  head.writeUInt32LE(32000, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write("data", 36, "latin1");
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

export interface FolderSpec {
  /** File sizes in bytes; file i goes to class folder `classes[i % classes.length]`. */
  sizes: number[];
  classes: string[];
  kind: "image" | "audio";
}

/** Writes the folder under `dir` (skipped when it is there with the same total size); returns its bytes. */
export async function makeMediaFolder(dir: string, spec: FolderSpec): Promise<number> {
  let total = 0;
  for (const [i, size] of spec.sizes.entries()) {
    const name = path.join(dir, spec.classes[i % spec.classes.length]!, `${spec.kind === "image" ? "img" : "clip"}-${String(i).padStart(6, "0")}.${spec.kind === "image" ? "png" : "wav"}`);
    const exists = await stat(name).then((s) => s.size, () => -1);
    if (exists > 0) {
      total += exists;
      continue;
    }
    await mkdir(path.dirname(name), { recursive: true });
    const bytes = spec.kind === "image" ? pngOf(size, i + 1) : wavOf(size, i + 1);
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(name);
      out.on("error", reject);
      out.end(bytes, () => resolve());
    });
    total += bytes.length;
  }
  return total;
}

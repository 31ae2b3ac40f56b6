/**
 * Reads a data file as a sequence of byte chunks, transparently gunzipping
 * `.gz` files. Chunks are filled completely (except the last), so chunk
 * boundaries depend only on the file's content, which keeps batches, and
 * therefore the Parquet bytes, deterministic.
 */
import { open, type FileHandle } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

export interface ByteSource {
  /** Fills `target[offset..]` as far as possible; returns the bytes written (0 at the end). */
  read(target: Uint8Array, offset: number): Promise<number>;
  close(): Promise<void>;
}

export function isGzip(path: string): boolean {
  return path.toLowerCase().endsWith(".gz");
}

export async function openByteSource(path: string): Promise<ByteSource> {
  return isGzip(path) ? openGzip(path) : openPlain(path);
}

async function openPlain(path: string): Promise<ByteSource> {
  const handle: FileHandle = await open(path, "r");
  return {
    async read(target, offset) {
      let total = 0;
      while (offset + total < target.length) {
        const { bytesRead } = await handle.read(target, offset + total, target.length - offset - total, null);
        if (bytesRead === 0) break;
        total += bytesRead;
      }
      return total;
    },
    close: () => handle.close(),
  };
}

function openGzip(path: string): ByteSource {
  const stream = createReadStream(path).pipe(createGunzip());
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer | undefined;
  let done = false;
  return {
    async read(target, offset) {
      let total = 0;
      while (offset + total < target.length) {
        if (!pending || pending.length === 0) {
          if (done) break;
          const next = await iterator.next();
          if (next.done) {
            done = true;
            break;
          }
          pending = next.value;
        }
        const n = Math.min(pending.length, target.length - offset - total);
        target.set(pending.subarray(0, n), offset + total);
        pending = pending.subarray(n);
        total += n;
      }
      return total;
    },
    async close() {
      stream.destroy();
    },
  };
}

/**
 * Buffered reading of records that must not be split: the caller consumes a
 * prefix of the buffer and the rest is carried into the next fill.
 */
export class ChunkBuffer {
  buffer: Buffer;
  /** Valid bytes in `buffer`. */
  end = 0;
  /** True once the source is exhausted: `buffer[0..end)` is all that is left. */
  eof = false;
  /** Bytes consumed from the source before `buffer[0]` (for byte offsets in messages). */
  base = 0;

  constructor(
    private readonly source: ByteSource,
    size = DEFAULT_CHUNK_BYTES,
  ) {
    this.buffer = Buffer.alloc(size);
  }

  /** Drops `consumed` bytes from the front and reads more. Returns false when nothing is left. */
  async refill(consumed: number): Promise<boolean> {
    if (consumed > 0) {
      this.buffer.copyWithin(0, consumed, this.end);
      this.end -= consumed;
      this.base += consumed;
    } else if (this.end === this.buffer.length) {
      // A single record larger than the buffer: grow instead of failing.
      const grown = Buffer.alloc(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    if (!this.eof) {
      const n = await this.source.read(this.buffer, this.end);
      this.end += n;
      if (this.end < this.buffer.length) this.eof = true;
    }
    return this.end > 0;
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

/**
 * A file cut into Xet chunks (./chunker.ts), each with its hash and place in
 * the file. The file is read once, in blocks through one reused
 * buffer, so memory does not grow with its size; the bytes are not kept
 * (xorb bodies read them again from disk when they are sent).
 */
import { open } from "node:fs/promises";
import { Chunker, type ProbedChunk } from "./chunker.js";

export interface FileChunk {
  hash: Uint8Array;
  /** Where the chunk starts in the file. */
  offset: number;
  length: number;
  /** What `probe` said of its bytes. */
  flagged: boolean;
}

const READ_BYTES = 8 * 1024 * 1024;

/** The chunks of the file at `path`, a block's worth at a time; `probe` sees each chunk's bytes (./chunker.ts). */
export async function* chunkFile(path: string, readBytes = READ_BYTES, probe?: (bytes: Uint8Array) => boolean): AsyncGenerator<FileChunk[]> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(readBytes);
    const chunker = new Chunker(probe);
    let offset = 0;
    const place = (chunk: ProbedChunk): FileChunk => {
      const placed = { hash: chunk.hash, offset, length: chunk.length, flagged: chunk.flagged };
      offset += chunk.length;
      return placed;
    };
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, readBytes, null);
      if (bytesRead === 0) break;
      // The chunker hashes complete chunks straight from `buffer` and copies any partial tail, so the buffer can be reused.
      const chunks = chunker.push(buffer.subarray(0, bytesRead)).map(place);
      if (chunks.length > 0) yield chunks;
    }
    const last = chunker.finish();
    if (last) yield [place(last)];
  } finally {
    await handle.close();
  }
}

/**
 * Splits a file into lines, chunk by chunk, as tokenized cells (one field per
 * line) so the text and JSON Lines readers share the cell machinery. LF, CRLF
 * and lone CR end a line (Python's universal newlines, as `datasets`' text
 * loader reads files); the last line needs no line break; a UTF-8 BOM at the
 * start of the file is dropped.
 */
import { isUtf8 } from "node:buffer";
import { DataError } from "../../errors.js";
import { INVALID_UTF8, ChunkBuffer, openByteSource, hasBom } from "../source.js";
import type { Cells } from "../csv/cells.js";
import type { FilePiece } from "../pieces.js";

export interface LineChunk extends Cells {
  buf: Buffer;
  records: number;
  /** The file's byte at `buf[0]` (past the piece's start, for a piece). */
  base: number;
}

const LF = 10;
const CR = 13;

/** The lines of a file, or of a piece of it (../pieces.ts: bytes starting at a line start, on line `piece.line`). */
export async function* lineChunks(path: string, file: string, validateUtf8: boolean, chunkBytes?: number, piece?: FilePiece): AsyncGenerator<LineChunk> {
  const input = new ChunkBuffer(await openByteSource(path, file, piece), chunkBytes);
  let capacity = 1 << 14;
  let pos = new Int32Array(capacity * 2);
  let recordStart = new Int32Array(capacity + 1);
  let recordLine = new Float64Array(capacity);
  let flags = new Uint8Array(capacity);
  let line = piece?.line ?? 1;
  let consumed = 0;
  let atStart = !piece || piece.start === 0;
  try {
    while (await input.refill(consumed)) {
      const buf = input.buffer;
      const end = input.end;
      let p = 0;
      if (atStart) {
        if (hasBom(buf, end)) p = 3;
        atStart = false;
      }
      let records = 0;
      let cr = -2; // position of the next CR at or after p (-1: none before `end`)
      for (;;) {
        if (p >= end) break;
        let nl = buf.indexOf(LF, p);
        if (nl >= end) nl = -1;
        if (cr !== -1 && cr < p) {
          cr = buf.indexOf(CR, p);
          if (cr >= end) cr = -1;
        }
        let lineEnd: number;
        let next: number;
        if (cr !== -1 && (nl === -1 || cr < nl)) {
          // A CR ends the line; CRLF counts as one break.
          if (cr + 1 >= end && !input.eof) break; // the LF may follow in the next read
          lineEnd = cr;
          next = cr + 1 < end && buf[cr + 1] === LF ? cr + 2 : cr + 1;
        } else if (nl !== -1) {
          lineEnd = nl;
          next = nl + 1;
        } else {
          if (!input.eof) break;
          lineEnd = end; // last line without a line break
          next = end;
        }
        if (records === capacity) {
          capacity *= 2;
          const grownPos = new Int32Array(capacity * 2);
          grownPos.set(pos);
          pos = grownPos;
          recordStart = new Int32Array(capacity + 1);
          const grownLines = new Float64Array(capacity);
          grownLines.set(recordLine);
          recordLine = grownLines;
          flags = new Uint8Array(capacity);
        }
        pos[records * 2] = p;
        pos[records * 2 + 1] = lineEnd;
        recordLine[records] = line++;
        records++;
        p = next;
      }
      consumed = p;
      if (records === 0 && input.eof) break;
      if (validateUtf8 && !isUtf8(buf.subarray(0, consumed))) {
        for (let r = 0; r < records; r++)
          if (!isUtf8(buf.subarray(pos[r * 2], pos[r * 2 + 1])))
            throw new DataError(file, recordLine[r], INVALID_UTF8);
      }
      for (let r = 0; r <= records; r++) recordStart[r] = r;
      yield { buf, pos, flags, recordStart, recordLine, records, base: (piece?.start ?? 0) + input.base };
      if (input.eof && consumed >= end) break;
    }
  } finally {
    await input.close();
  }
}

/** Whether a file (after gunzip) holds no bytes at all, apart from a BOM. */
export async function isEmptyFile(path: string, file: string): Promise<boolean> {
  const source = await openByteSource(path, file);
  try {
    const head = Buffer.alloc(4);
    const n = await source.read(head, 0);
    return n === 0 || (n === 3 && hasBom(head, n));
  } finally {
    await source.close();
  }
}

/**
 * Splits a file into lines, chunk by chunk, as tokenized cells (one field per
 * line) so the text and JSON Lines readers share the CSV cell machinery.
 * LF and CRLF line ends; the last line needs no line break.
 */
import { isUtf8 } from "node:buffer";
import { DataError } from "../../errors.js";
import { ChunkBuffer, openByteSource } from "../source.js";
import type { Cells } from "./cells.js";

export interface LineChunk extends Cells {
  buf: Buffer;
  records: number;
}

const LF = 10;
const CR = 13;

export async function* lineChunks(path: string, file: string, validateUtf8: boolean): AsyncGenerator<LineChunk> {
  const input = new ChunkBuffer(await openByteSource(path));
  let capacity = 1 << 14;
  let pos = new Int32Array(capacity * 2);
  let recordStart = new Int32Array(capacity + 1);
  let recordLine = new Float64Array(capacity);
  let flags = new Uint8Array(capacity);
  let line = 1;
  let consumed = 0;
  let atStart = true;
  try {
    while (await input.refill(consumed)) {
      const buf = input.buffer;
      let p = 0;
      if (atStart && input.end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      atStart = false;
      let records = 0;
      for (;;) {
        let nl = buf.indexOf(LF, p);
        if (nl === -1 || nl >= input.end) {
          if (!input.eof || p >= input.end) break;
          nl = input.end; // last line without a line break
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
        const end = nl > p && buf[nl - 1] === CR ? nl - 1 : nl;
        pos[records * 2] = p;
        pos[records * 2 + 1] = end;
        recordLine[records] = line++;
        records++;
        p = nl + 1;
      }
      consumed = Math.min(p, input.end);
      if (records === 0 && input.eof) break;
      if (validateUtf8 && !isUtf8(buf.subarray(0, consumed))) {
        for (let r = 0; r < records; r++)
          if (!isUtf8(buf.subarray(pos[r * 2], pos[r * 2 + 1])))
            throw new DataError(file, recordLine[r], "invalid UTF-8; save the file as UTF-8");
      }
      for (let r = 0; r <= records; r++) recordStart[r] = r;
      yield { buf, pos, flags, recordStart, recordLine, records };
      if (input.eof && consumed >= input.end) break;
    }
  } finally {
    await input.close();
  }
}

/**
 * The rows of a JSON file, one read chunk at a time: JSON Lines (LineSource)
 * or the elements of one top-level array (ArraySource, arraySpans), each
 * scanned by the byte scanner or left to JSON.parse.
 */
import { isUtf8 } from "node:buffer";
import { DataError } from "../../errors.js";
import { INVALID_UTF8, ChunkBuffer, openByteSource, readAhead, hasBom } from "../source.js";
import { RowScanner } from "./scan.js";
import type { FilePiece } from "../pieces.js";


/**
 * What a row source's `next()` found: a row the scanner read (its tape is
 * ready), a row for JSON.parse, a plain value (an element of an array of
 * values: the row's `text`), or the end of the read chunk.
 */
export const ROW_SCANNED = 0;
export const ROW_TO_PARSE = 1;
export const CHUNK_END = 2;
export const ROW_VALUE = 3;

/**
 * The rows of a file, one read chunk at a time: `refill()` reads the next
 * chunk (false at the end of the file), then `next()` steps through its rows,
 * scanning each with the scanner. The current row spans `buf[start..stop)`
 * and starts on `line`.
 */
export interface RowSource {
  buf: Buffer;
  start: number;
  stop: number;
  line: number;
  /** The current row starts a new table of Python's loader (PYTHON_CHUNK_BYTES): its record batches start afresh. */
  newTable: boolean;
  refill(): Promise<boolean>;
  next(): number;
  close(): Promise<void>;
}

const LF = 10;
const CR = 13;

/**
 * Bytes Python's JSON loader reads per table (`JsonConfig.chunksize`, 10 MiB):
 * a table holds the lines starting at most this far past its first byte
 * (`f.read(chunksize)` and the rest of the line). Its record batches, and so
 * `num_bytes`, start afresh with each table.
 */
export const PYTHON_CHUNK_BYTES = 10 << 20;

/**
 * Where Python's JSON loader starts its tables, line by line: at the first
 * line starting more than PYTHON_CHUNK_BYTES past the current table's first
 * byte, and only after an LF (Python ends each read with a binary readline,
 * which stops at LF alone: a lone CR ends a row, not a table). Used by
 * LineSource and by the cut finder (../pieces.ts), which must agree.
 */
export class PythonTables {
  private limit: number;

  /** `start`: where the first table starts (a piece of a file starts at a table). */
  constructor(start = 0) {
    this.limit = start + PYTHON_CHUNK_BYTES;
  }

  /** A line starts at byte `at` of the file, after an LF or not: whether it starts a table. */
  startsAt(at: number, afterLf: boolean): boolean {
    if (!afterLf || at <= this.limit) return false;
    this.limit = at + PYTHON_CHUNK_BYTES;
    return true;
  }
}

/**
 * JSON Lines. Lines end at LF, CRLF or a lone CR (as ../text/lines.ts splits them:
 * a chunk holds the complete lines of its bytes, and a CR at its end waits
 * for the next read); blank lines are skipped; a UTF-8 BOM is dropped. The
 * scanner finds where a row's object ends, so the line break is usually
 * found without searching for it.
 */
export class LineSource implements RowSource {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  stop = 0;
  line = 0;
  private input: ChunkBuffer | undefined;
  private end = 0;
  private eof = false;
  private p = 0;
  /** Where the next CR at or after some earlier position is (-1: none in the chunk; -2: not searched yet). */
  private cr = -2;
  private nextLine = 1;
  private atStart = true;
  newTable = false;
  private tables: PythonTables;
  private tablePending = false;
  /** Whether the bytes consumed before the chunk end with an LF (for lineAt at the chunk's start). */
  private endsWithLf = false;

  constructor(
    private readonly path: string,
    private readonly file: string,
    private readonly validate: boolean,
    private readonly chunkBytes: number | undefined,
    private readonly scanner: RowScanner,
    /** Only these bytes (../pieces.ts): they start where one of Python's tables starts, on line `piece.line`. */
    private readonly piece?: FilePiece,
  ) {
    this.tables = new PythonTables(piece?.start);
    if (piece) {
      this.nextLine = piece.line ?? 1;
      this.atStart = piece.start === 0;
    }
  }

  async refill(): Promise<boolean> {
    this.input ??= new ChunkBuffer(readAhead(await openByteSource(this.path, this.file, this.piece)), this.chunkBytes);
    const input = this.input;
    if (this.eof && this.p >= this.end) return false;
    if (this.p > 0) this.endsWithLf = this.buf[this.p - 1] === LF;
    if (!(await input.refill(this.p))) return false;
    this.buf = input.buffer;
    this.end = input.end;
    this.eof = input.eof;
    this.p = 0;
    this.cr = -2;
    if (this.atStart) {
      const buf = this.buf;
      if (hasBom(buf, this.end)) this.p = 3;
      this.atStart = false;
    }
    if (this.validate && !isUtf8(this.buf.subarray(this.p, this.end))) {
      this.checkUtf8();
      this.cr = -2; // checkUtf8 looked ahead of this.p
    }
    return true;
  }

  /** Some bytes of the chunk are not UTF-8: an error on the first complete line holding them (a cut-off tail is read again with the next chunk). */
  private checkUtf8(): void {
    let p = this.p;
    let line = this.nextLine;
    for (;;) {
      const found = this.lineEnd(p);
      if (found < 0) return;
      if (!isUtf8(this.buf.subarray(p, this.stop))) throw new DataError(this.file, line, INVALID_UTF8);
      p = found;
      line++;
    }
  }

  /**
   * The line starting at `p`, as ../text/lines.ts delimits it: sets `stop` (where its
   * line break is) and returns where the next line starts, or -1 when the
   * line is not complete in this chunk.
   */
  private lineEnd(p: number): number {
    const { buf, end } = this;
    if (p >= end) return -1;
    let nl = buf.indexOf(LF, p);
    if (nl >= end) nl = -1;
    // The next CR is searched again only once passed: LF-only files would otherwise scan to the chunk's end on every line.
    let cr = this.cr;
    if (cr !== -1 && cr < p) {
      cr = buf.indexOf(CR, p);
      if (cr >= end) cr = -1;
      this.cr = cr;
    }
    if (cr !== -1 && (nl === -1 || cr < nl)) {
      if (cr + 1 >= end && !this.eof) return -1; // the LF may follow in the next read
      this.stop = cr;
      return cr + 1 < end && buf[cr + 1] === LF ? cr + 2 : cr + 1;
    }
    if (nl !== -1) {
      this.stop = nl;
      return nl + 1;
    }
    if (!this.eof) return -1;
    this.stop = end;
    return end;
  }

  /** Notes a line starting at `p` (blank lines too: they count in Python's tables). */
  private lineAt(p: number): void {
    const at = (this.piece?.start ?? 0) + this.input!.base + p;
    if (this.tables.startsAt(at, p > 0 ? this.buf[p - 1] === LF : this.endsWithLf)) this.tablePending = true;
  }

  /** The row just found: whether it starts a table. */
  private rowFound(): void {
    this.newTable = this.tablePending;
    this.tablePending = false;
  }

  next(): number {
    const { buf, end } = this;
    for (;;) {
      const p = this.p;
      if (p >= end) return CHUNK_END;
      this.lineAt(p);
      const q = this.scanner.scan(buf, p, end);
      if (q >= 0) {
        // The object ends at q (after trailing blanks): a line break, or the end of the file, must follow.
        let next = -1;
        if (q < end) {
          const b = buf[q]!;
          if (b === LF) next = q + 1;
          else if (b === CR) {
            if (q + 1 < end) next = buf[q + 1] === LF ? q + 2 : q + 1;
            else if (this.eof) next = q + 1;
            else return CHUNK_END; // the LF may follow in the next read
          }
        } else if (this.eof) next = end;
        else return CHUNK_END;
        if (next >= 0) {
          this.start = p;
          this.stop = q;
          this.line = this.nextLine++;
          this.p = next;
          this.rowFound();
          return ROW_SCANNED;
        }
      }
      const next = this.lineEnd(p);
      if (next < 0) return CHUNK_END;
      this.line = this.nextLine++;
      this.p = next;
      let i = p;
      const stop = this.stop;
      while (i < stop && (buf[i] === 32 || buf[i] === 9 || buf[i] === CR)) i++;
      if (i === stop) continue; // a blank line
      this.start = p;
      this.rowFound();
      return ROW_TO_PARSE;
    }
  }

  async close(): Promise<void> {
    await this.input?.close();
  }
}

/**
 * The elements of one top-level JSON array (`values`: an array of plain
 * values, each the row's `text`), or (`stream`) JSON objects one after
 * another, such as one object spread over several lines: as arraySpans
 * splits them.
 */
export class ArraySource implements RowSource {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  stop = 0;
  line = 0;
  /** Python reads a top-level array whole: one table. */
  readonly newTable = false;
  private spans: RowSpans | undefined;
  private r = 0;
  private readonly chunks: AsyncGenerator<RowSpans>;

  constructor(
    path: string,
    file: string,
    validate: boolean,
    chunkBytes: number | undefined,
    private readonly scanner: RowScanner,
    private readonly shape: "objects" | "values" | "stream",
  ) {
    this.chunks = arraySpans(path, file, validate, chunkBytes, shape === "stream");
  }

  async refill(): Promise<boolean> {
    const n = await this.chunks.next();
    if (n.done) return false;
    this.spans = n.value;
    this.buf = n.value.buf;
    this.r = 0;
    return true;
  }

  next(): number {
    const spans = this.spans!;
    if (this.r >= spans.count) return CHUNK_END;
    const r = this.r++;
    const s = spans.pos[r * 2]!;
    const e = spans.pos[r * 2 + 1]!;
    this.start = s;
    this.stop = e;
    this.line = spans.line[r]!;
    if (this.shape === "values") return ROW_VALUE;
    return this.scanner.scan(this.buf, s, e) === e ? ROW_SCANNED : ROW_TO_PARSE;
  }

  async close(): Promise<void> {
    await this.chunks.return(undefined);
  }
}

/** The rows of one read chunk of a JSON array: row r spans `buf[pos[2r]..pos[2r+1])` and starts on line `line[r]`. */
class RowSpans {
  buf: Buffer = Buffer.alloc(0);
  pos = new Int32Array(2048);
  line = new Float64Array(1024);
  count = 0;

  reset(buf: Buffer): void {
    this.buf = buf;
    this.count = 0;
  }

  push(s: number, e: number, line: number): void {
    const r = this.count++;
    if (r === this.line.length) {
      const pos = new Int32Array(this.pos.length * 2);
      pos.set(this.pos);
      this.pos = pos;
      const lines = new Float64Array(this.line.length * 2);
      lines.set(this.line);
      this.line = lines;
    }
    this.pos[r * 2] = s;
    this.pos[r * 2 + 1] = e;
    this.line[r] = line;
  }
}

/**
 * How a JSON file holds its rows, as Python's JSON loader reads them
 * (docs/dataset-layout.md#json-and-json-lines):
 * - `array`: one top-level array (its first non-blank byte is `[`). Its
 *   elements are objects (`objects`) when a `{` comes before the first `"`
 *   in its first 100 bytes, else plain values (`values`) that become one
 *   column `text` (datasets' rule, json.py);
 * - `lines`: JSON Lines, one object per line (the first line holds exactly one JSON value);
 * - `stream`: objects one after another, across lines (one object spread over
 *   several lines, say), which pyarrow's reader takes too;
 * - `empty`: no bytes but a BOM and whitespace.
 */
export type Layout = { kind: "lines" | "stream" | "empty" } | { kind: "array"; shape: "objects" | "values" };

export async function detectLayout(path: string, file: string): Promise<Layout> {
  const source = await openByteSource(path, file);
  try {
    let head = Buffer.alloc(64 * 1024);
    let end = 0;
    let first = -1; // the first non-blank byte
    for (;;) {
      if (end === head.length) {
        const grown = Buffer.alloc(head.length * 2);
        grown.set(head);
        head = grown;
      }
      const n = await source.read(head, end);
      const eof = n === 0 || end + n < head.length;
      end += n;
      let i = first >= 0 ? first : hasBom(head, end) ? 3 : 0;
      if (first < 0) {
        while (i < end && (head[i] === 32 || head[i] === 9 || head[i] === 10 || head[i] === 13)) i++;
        if (i < end) first = i;
      }
      if (first < 0) {
        if (eof) return { kind: "empty" };
        end = 0; // only blanks so far
        continue;
      }
      const b = head[first]!;
      if (b === 91 /* [ */) {
        const window = head.subarray(first, Math.min(end, first + 100));
        const quote = window.indexOf(34);
        const objects = (quote < 0 ? window : window.subarray(0, quote)).includes(123);
        if (!objects && window.length < 100 && !eof) continue;
        return { kind: "array", shape: objects ? "objects" : "values" };
      }
      if (b !== 123 /* { */) return { kind: "lines" }; // not an object: the row's error comes later
      const value = elementEnd(head, first, end);
      if (value.end === -1) {
        if (eof) return { kind: "lines" }; // not closed: JSON.parse says why
        continue;
      }
      if (value.newlines > 0) return { kind: "stream" };
      // Another value after it on the same line: objects one after another, too.
      let j = value.end;
      while (j < end && (head[j] === 32 || head[j] === 9)) j++;
      if (j === end && !eof) continue;
      return { kind: j === end || head[j] === 10 || head[j] === 13 ? "lines" : "stream" };
    }
  } finally {
    await source.close();
  }
}

/**
 * Streams the elements of a top-level JSON array (or, with `stream`, JSON
 * values one after another) without holding the file: a byte scanner finds
 * where each element ends (tracking nesting and strings). Each row's line is
 * where its element starts. An error found while splitting is thrown after
 * the elements before it are handed out (they are read first).
 */
async function* arraySpans(path: string, file: string, validate: boolean, chunkBytes: number | undefined, stream: boolean): AsyncGenerator<RowSpans> {
  const input = new ChunkBuffer(readAhead(await openByteSource(path, file)), chunkBytes);
  const spans = new RowSpans();
  let consumed = 0;
  let line = 1;
  let state: "open" | "first" | "element" | "separator" | "closed" = stream ? "element" : "open";
  let atStart = true;
  try {
    while (await input.refill(consumed)) {
      const buf = input.buffer;
      const end = input.end;
      spans.reset(buf);
      let p = 0;
      if (atStart) {
        if (hasBom(buf, end)) p = 3;
        atStart = false;
      }
      let incomplete = false;
      let error: DataError | undefined;
      while (p < end) {
        const b = buf[p]!;
        if (b === 10 || b === 32 || b === 9 || b === 13) {
          if (b === 10) line++;
          p++;
          continue;
        }
        if (state === "open") {
          if (b !== 91) {
            error = new DataError(file, line, "expected a JSON array");
            break;
          }
          state = "first";
          p++;
        } else if (stream && b !== 123) {
          error = new DataError(file, line, `each row must be a JSON object ({...}), found '${String.fromCharCode(b)}' between objects`);
          break;
        } else if (state === "separator" || (state === "first" && b === 93)) {
          if (b === 93) state = "closed";
          else if (b === 44) state = "element";
          else {
            error = new DataError(file, line, `invalid JSON: expected ',' or ']' after an array element, found '${String.fromCharCode(b)}'`);
            break;
          }
          p++;
        } else if (state === "closed") {
          error = new DataError(file, line, "invalid JSON: unexpected content after the closing ']' of the array");
          break;
        } else {
          const stop = elementEnd(buf, p, end);
          if (stop.end === -1) {
            if (input.eof) error = new DataError(file, line, stream ? "invalid JSON: the object is not closed" : "invalid JSON: the array (or this element) is not closed");
            else incomplete = true; // the element continues in the next chunk
            break;
          }
          if (validate && !isUtf8(buf.subarray(p, stop.end))) {
            error = new DataError(file, line, INVALID_UTF8);
            break;
          }
          spans.push(p, stop.end, line);
          line += stop.newlines;
          p = stop.end;
          if (!stream) state = "separator";
        }
      }
      consumed = p;
      yield spans;
      if (error) throw error;
      if (input.eof && !incomplete) break;
    }
    if (!stream && state !== "closed") throw new DataError(file, line, "invalid JSON: the array is not closed (no final ']')");
  } finally {
    await input.close();
  }
}

/** End offset of the JSON value starting at `p`, or -1 when it continues past `end`. */
function elementEnd(buf: Uint8Array, p: number, end: number): { end: number; newlines: number } {
  let depth = 0;
  let newlines = 0;
  let i = p;
  const first = buf[i]!;
  if (first !== 123 && first !== 91 && first !== 34) {
    // A scalar: runs to the next separator.
    while (i < end && buf[i] !== 44 && buf[i] !== 93 && buf[i] !== 10 && buf[i] !== 32 && buf[i] !== 13 && buf[i] !== 9) i++;
    return { end: i < end ? i : -1, newlines };
  }
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === 34) {
      // string: skip to the closing quote, honouring backslash escapes
      for (i++; i < end; i++) {
        const c = buf[i]!;
        if (c === 92) i++;
        else if (c === 34) break;
        else if (c === 10) newlines++;
      }
      if (i >= end) return { end: -1, newlines };
      if (depth === 0) return { end: i + 1, newlines };
    } else if (b === 123 || b === 91) depth++;
    else if (b === 125 || b === 93) {
      depth--;
      if (depth === 0) return { end: i + 1, newlines };
    } else if (b === 10) newlines++;
  }
  return { end: -1, newlines };
}

/**
 * Pieces of one big file, for prepare jobs (docs/slices.md#a-file-bigger-than-its-share):
 * where a file can be cut so that the pieces, read one after another, give
 * exactly the rows of the whole file, in order, with the same `num_bytes`.
 *
 * A cut is at a byte where a record starts, found by reading the file from
 * its start (every job finds the same cuts), and aligned where Python's
 * loader starts a new record batch anyway, so the pieces' size counts add up
 * to the whole file's (src/data/model/sizes.ts):
 * - CSV/TSV: the start of a data row whose index is a multiple of
 *   PYTHON_BATCH_ROWS, found by the reader's own tokenizer (quoted fields
 *   may hold line breaks, so a line start is not always a record start);
 * - JSON Lines: the start of one of Python's 10 MiB tables (json/rows.ts);
 * - text: any line start (its column never holds a null);
 * - Parquet: the start of a row group (the first page of its column chunks,
 *   from the footer), where Python's record batches restart too; a reader
 *   of a piece reads the row groups starting in its bytes.
 * gzip files (no way in but from the start) and JSON arrays or objects
 * spread over lines (one value) are never cut.
 */
import { open } from "node:fs/promises";
import { DataError } from "../errors.js";
import { CsvReader } from "./csv/csv.js";
import type { DataFile } from "./discover.js";
import { PythonTables, detectLayout } from "./json/rows.js";
import { ParquetReader } from "./parquet/parquet.js";
import { ioError, isGzipName, startsWithGzip } from "./source.js";

/**
 * Bytes [start, end) of a file, `start` the first byte of a record on line
 * `line` (1-based; undefined: line 1, or a Parquet file, which has no lines)
 * or of row group `rowGroup` (Parquet, for messages).
 */
export interface FilePiece {
  start: number;
  end: number;
  line?: number;
  rowGroup?: number;
}

/** Where a piece may start: the byte, and its line (1-based; text formats) or its row group (Parquet). */
export interface Cut {
  byte: number;
  line?: number;
  rowGroup?: number;
}

/** Whether `file` can be cut into pieces (a table format read from its bytes, not gzip-compressed, JSON only as lines). */
export async function canCut(file: DataFile): Promise<boolean> {
  if (!["csv", "tsv", "jsonl", "json", "text", "parquet"].includes(file.format) || isGzipName(file.localPath)) return false;
  let gzip: boolean;
  try {
    const handle = await open(file.localPath, "r");
    try {
      gzip = await startsWithGzip(handle);
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw ioError(file.file, e);
  }
  if (gzip) return false;
  if (file.format === "json" || file.format === "jsonl") return (await detectLayout(file.localPath, file.file)).kind === "lines";
  return true;
}

/**
 * For each byte offset (ascending), the first cut at or after it, or
 * undefined when none is left before the end of the file. Reads the file
 * from its start up to the last cut found.
 */
export async function findCuts(file: DataFile, offsets: number[]): Promise<(Cut | undefined)[]> {
  switch (file.format) {
    case "csv":
    case "tsv":
      return new CsvReader(file.localPath, file.file, file.format).cutsAt(offsets);
    case "json":
    case "jsonl":
      return lineCuts(file, offsets, true);
    case "text":
      return lineCuts(file, offsets, false);
    case "parquet":
      return new ParquetReader(file.localPath, file.file).cutsAt(offsets);
    default:
      throw new Error(`${file.file}: a ${file.format} file is not cut into pieces`);
  }
}

const LF = 10;
const CR = 13;
/** Bytes read at a time while looking for line starts. */
const SCAN_BYTES = 4 << 20;

/**
 * Cuts at line starts (after LF, CRLF or a lone CR, as text/lines.ts and
 * json/rows.ts end lines); with `tables`, only where one of Python's JSON
 * tables starts (json/rows.ts, PythonTables, as LineSource finds them).
 */
async function lineCuts(file: DataFile, offsets: number[], tables: boolean): Promise<(Cut | undefined)[]> {
  const cuts: (Cut | undefined)[] = offsets.map(() => undefined);
  if (offsets.length === 0) return cuts;
  let handle;
  try {
    handle = await open(file.localPath, "r");
  } catch (e) {
    throw ioError(file.file, e);
  }
  try {
    const size = (await handle.stat()).size;
    const buf = Buffer.alloc(SCAN_BYTES);
    let next = 0; // the next offset without its cut
    let line = 1;
    const pythonTables = new PythonTables();
    /** A line starts at byte `at`, after an LF or not: a cut for the offsets at or before it, when it is one. Returns true when all are found. */
    const lineStart = (at: number, afterLf: boolean): boolean => {
      line++;
      if (at >= size) return false; // a final line break starts no line
      if (tables && !pythonTables.startsAt(at, afterLf)) return false;
      while (next < offsets.length && offsets[next]! <= at) cuts[next++] = { byte: at, line };
      return next === offsets.length;
    };
    let base = 0;
    let crPending = false; // the last block ended with a CR: an LF may follow
    while (base < size) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(SCAN_BYTES, size - base), base);
      if (bytesRead === 0) break;
      let p = 0;
      if (crPending) {
        crPending = false;
        if (buf[0] === LF) p = 1;
        if (lineStart(base + p, p === 1)) return cuts;
      }
      const block = buf.subarray(0, bytesRead);
      // The next CR at or after p (-1: none left in the block), searched again only once passed.
      let cr = block.indexOf(CR, p);
      for (;;) {
        const lf = block.indexOf(LF, p);
        const end = lf === -1 ? bytesRead : lf;
        // Lone CRs (and the CR of a CRLF) before the next LF.
        for (; cr !== -1 && cr < end; cr = block.indexOf(CR, cr + 1)) {
          if (cr + 1 === bytesRead) {
            crPending = true;
            break;
          }
          if (block[cr + 1] !== LF && lineStart(base + cr + 1, false)) return cuts;
        }
        if (end === bytesRead) break;
        if (lineStart(base + lf + 1, true)) return cuts;
        p = lf + 1;
        if (cr !== -1 && cr < p) cr = block.indexOf(CR, p);
      }
      base += bytesRead;
    }
    return cuts;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw ioError(file.file, e);
  } finally {
    await handle.close();
  }
}

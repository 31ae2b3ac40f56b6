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
import { CsvReader } from "./csv/csv.js";
import type { DataFile } from "./discover.js";
import { PythonTables, detectLayout } from "./json/rows.js";
import { ParquetReader } from "./parquet/parquet.js";
import { type ByteRange, ioError, isGzipName, startsWithGzip } from "./source.js";
import { lineChunks } from "./text/lines.js";

/**
 * Bytes [start, end) of a file, `start` the first byte of a record on line
 * `line` (1-based; undefined: line 1, or a Parquet file, which has no lines)
 * or of row group `rowGroup` (Parquet, for messages).
 */
export interface FilePiece extends ByteRange {
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

/**
 * Cuts at line starts, the lines as the text and JSON Lines readers split
 * them (../text/lines.ts: LF, CRLF or a lone CR); with `tables`, only where
 * one of Python's JSON tables starts (json/rows.ts, PythonTables, as
 * LineSource finds them).
 */
async function lineCuts(file: DataFile, offsets: number[], tables: boolean): Promise<(Cut | undefined)[]> {
  const cuts: (Cut | undefined)[] = offsets.map(() => undefined);
  if (offsets.length === 0) return cuts;
  const pythonTables = new PythonTables();
  let next = 0; // the next offset without its cut
  let first = true;
  // Where the line before ended (its line break's first byte), and that byte.
  let breakAt = 0;
  let breakByte = 0;
  const chunks = lineChunks(file.localPath, file.file, false);
  try {
    for await (const { buf, pos, recordLine, records, base } of chunks) {
      for (let r = 0; r < records; r++) {
        const at = base + pos[r * 2]!;
        // A line after a CRLF (two bytes) or an LF follows an LF; after a lone CR, not.
        if (first) first = false;
        else if (!tables || pythonTables.startsAt(at, at - breakAt === 2 || breakByte === LF)) {
          while (next < offsets.length && offsets[next]! <= at) cuts[next++] = { byte: at, line: recordLine[r]! };
          if (next === offsets.length) return cuts;
        }
        breakAt = base + pos[r * 2 + 1]!;
        breakByte = buf[pos[r * 2 + 1]!]!;
      }
    }
  } finally {
    await chunks.return(undefined);
  }
  return cuts;
}

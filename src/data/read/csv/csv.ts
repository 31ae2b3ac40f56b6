/**
 * CSV and TSV files: a header row, then records. Types are inferred as
 * pandas does for `datasets`' CSV loader (docs/dataset-layout.md#csv-and-tsv), but over the whole
 * column instead of per 10 000-row chunk: integers → int64, decimals (or
 * integers with empty cells) → float64, true/false → bool, big positive
 * integers → uint64, anything else → string; empty cells and pandas' NA
 * tokens are nulls. See ../parse.ts and README.md for the exact rules.
 */
import { isUtf8 } from "node:buffer";
import type * as arrow from "apache-arrow";
import { type FileHandle, open } from "node:fs/promises";
import { DataError } from "../../errors.js";
import { type Feature, type NamedFeature, value } from "../../../model/features.js";
import { Kind, classify, isNaToken } from "../parse.js";
import { PYTHON_BATCH_ROWS, type SizeStats, addData, addNullRow, appendRuns, batchedColumn, closeBatch, emptyStats, mergeStats } from "../../model/sizes.js";
import { type ByteRange, INVALID_UTF8, ChunkBuffer, openByteSource, startsWithGzip, hasBom } from "../source.js";
import { type CellColumn, type Cells, cellColumnFor, cellText } from "./cells.js";
import { INITIAL_CAPACITY } from "../columns.js";
import { CsvSyntaxError, CsvTokenizer, FIELD_ESCAPED, FIELD_QUOTED, QUOTE } from "./tokenizer.js";
import { PARTS, SPLIT_FROM_BYTES, inParts } from "../parts.js";
import type { Batch, BatchCursor, ColumnProfile, FileProfile, ReaderOptions, TableReader } from "../reader.js";
import type { Cut, FilePiece } from "../pieces.js";

const COMMA = 44;
const TAB = 9;

/** One tokenized buffer: records `[first, records)` are data rows (record 0 of a file is its header). */
interface Chunk extends Cells {
  first: number;
  records: number;
  /** The file's byte at `buf[0]`. */
  base: number;
}

interface Inference {
  mask: number;
  nulls: number;
  bytes: number;
  /** Rows holding a null (from the part's first row), for the validity of Python's record batches (addNullRow). */
  runs: number[];
}

/** What pass 1 learns from some of a file's rows; the parts of a file add up (addParts). */
export interface CsvPart {
  rows: number;
  /** Per column: the kinds of values seen, nulls, bytes (inferred columns). */
  inference: Inference[];
  /** Per column: size counts of the values converted to their `features` type (overridden columns). */
  measured: SizeStats[];
  /** Per column: rows whose converted value is null (overridden columns), as `Inference.runs`. */
  measuredRuns: number[][];
}

/** Bytes of a file: from 0 the header is read, past it `header` must be given. `line`: the line at `start`, when known. */
interface CsvRange extends ByteRange {
  header?: string[];
  line?: number;
}

/** The job a background thread runs for a part of a big file (see CsvReader.profileInParts). */
export interface CsvRangeJob {
  path: string;
  file: string;
  format: "csv" | "tsv";
  chunkBytes: number | undefined;
  overrides: [string, Feature][];
  start: number;
  end: number;
  header: string[];
}

/** Pass 1 over bytes [start, end) of a file (a background job). */
export async function profileCsvRange(job: CsvRangeJob): Promise<CsvPart> {
  const reader = new CsvReader(job.path, job.file, job.format, { chunkBytes: job.chunkBytes });
  return reader.profilePart(new Map(job.overrides), { start: job.start, end: job.end, header: job.header });
}

function addParts(a: CsvPart, b: CsvPart): CsvPart {
  return {
    rows: a.rows + b.rows,
    inference: a.inference.map((x, c) => {
      const y = b.inference[c]!;
      return { mask: x.mask | y.mask, nulls: x.nulls + y.nulls, bytes: x.bytes + y.bytes, runs: appendRuns(x.runs, y.runs, a.rows) };
    }),
    measured: a.measured.map((x, c) => mergeStats(x, b.measured[c]!)),
    measuredRuns: a.measuredRuns.map((x, c) => appendRuns(x, b.measuredRuns[c]!, a.rows)),
  };
}


/**
 * pandas' column names (pandas/_libs/parsers.pyx, `TextReader._get_header`):
 * a blank cell is `Unnamed: <index>`; a repeated name becomes `a.1`, `a.2`,
 * ... numbered from its first spelling, skipping names found anywhere in the
 * header (`a,a,a.1` → `a, a.2, a.1`); named columns are renamed before the
 * unnamed ones.
 */
export function dedupeHeader(raw: string[]): string[] {
  const header = raw.map((name, c) => (name === "" ? `Unnamed: ${c}` : name));
  const unnamed = raw.flatMap((name, c) => (name === "" ? [c] : []));
  const order = [...raw.keys()].filter((c) => raw[c] !== "").concat(unnamed);
  const counts = new Map<string, number>();
  for (const c of order) {
    const original = header[c]!;
    let name = original;
    let count = counts.get(name) ?? 0;
    while (count > 0) {
      counts.set(original, count + 1);
      name = `${original}.${count}`;
      count = header.includes(name) ? count + 1 : (counts.get(name) ?? 0);
    }
    header[c] = name;
    counts.set(name, count + 1);
  }
  return header;
}

export class CsvReader implements TableReader {
  private readonly delimiter: number;
  private header: string[] | undefined;
  private readonly chunkBytes: number | undefined;
  /** Rows pass 1 counted: pass 2 sizes its builders for no more (a small file's batch). */
  private rows: number | undefined;

  constructor(
    private readonly path: string,
    readonly file: string,
    private readonly format: "csv" | "tsv",
    private readonly options: ReaderOptions = {},
    /** Only these bytes of the file (a prepare job's slice, ../pieces.ts); the header is read from the file's start. */
    private readonly piece?: FilePiece,
  ) {
    this.delimiter = format === "tsv" ? TAB : COMMA;
    this.chunkBytes = options.chunkBytes;
  }

  /** Column names, once the header was read (pandas' names for blank and repeated cells). */
  get columns(): string[] | undefined {
    return this.header;
  }

  /**
   * Reads the file (or a range of it; by default the reader's piece) chunk
   * by chunk; the caller must be done with a chunk before asking for the next.
   */
  private async *chunks(validateUtf8: boolean, range: CsvRange | undefined = this.piece && { ...this.piece }): AsyncGenerator<Chunk> {
    if (range && range.start > 0) range.header ??= await this.readHeader();
    const source = await openByteSource(this.path, this.file, range);
    const input = new ChunkBuffer(source, this.chunkBytes);
    const tokenizer = new CsvTokenizer(this.delimiter, source.whole?.length);
    if (range?.line !== undefined) tokenizer.line = range.line;
    let consumed = 0;
    let atStart = !range || range.start === 0;
    if (!atStart) this.header = range!.header;
    try {
      while (await input.refill(consumed)) {
        let start = 0;
        const buf = input.buffer;
        if (atStart && hasBom(buf, input.end)) start = 3;
        try {
          consumed = tokenizer.tokenize(buf, start, input.end, input.eof);
        } catch (e) {
          if (e instanceof CsvSyntaxError) throw new DataError(this.file, e.line, e.message);
          throw e;
        }
        if (validateUtf8 && !isUtf8(buf.subarray(start, consumed))) this.failUtf8(buf, tokenizer);
        const chunk: Chunk = {
          buf,
          pos: tokenizer.pos,
          flags: tokenizer.flags,
          recordStart: tokenizer.recordStart,
          recordLine: tokenizer.recordLine,
          first: 0,
          records: tokenizer.records,
          base: input.base,
        };
        if (atStart) {
          // The header is not complete yet (or the buffer held only blank lines): keep reading.
          if (chunk.records === 0 && !input.eof) continue;
          atStart = false;
          if (chunk.records === 0) throw this.emptyFile();
          this.takeHeader(chunk);
          chunk.first = 1;
        }
        this.checkFieldCounts(chunk);
        yield chunk;
        if (input.eof && consumed === input.end) break;
      }
      if (atStart) throw this.emptyFile();
    } finally {
      await input.close();
    }
  }

  private emptyFile(): DataError {
    return new DataError(this.file, undefined, "the file is empty: a CSV file needs a header row naming its columns");
  }

  /** The header, read from the start of the file (for a range that starts past it). */
  private async readHeader(): Promise<string[]> {
    if (this.header) return this.header;
    const chunks = this.chunks(false, { start: 0, end: Infinity });
    try {
      await chunks.next();
    } finally {
      await chunks.return(undefined);
    }
    return this.header!;
  }

  private takeHeader(chunk: Chunk): void {
    const n = chunk.recordStart[1]! - chunk.recordStart[0]!;
    const raw: string[] = [];
    for (let c = 0; c < n; c++) raw.push(cellText(chunk, chunk.recordStart[0]! + c));
    this.header = dedupeHeader(raw);
  }

  private checkFieldCounts(chunk: Chunk): void {
    const expected = this.header!.length;
    const starts = chunk.recordStart;
    for (let r = chunk.first; r < chunk.records; r++) {
      const n = starts[r + 1]! - starts[r]!;
      if (n !== expected) {
        const sep = this.delimiter === TAB ? "tab" : "comma";
        throw new DataError(
          this.file,
          chunk.recordLine[r],
          n > expected
            ? `expected ${expected} fields (as in the header), found ${n}. Check for an unquoted ${sep} inside a value, or a trailing ${sep}.`
            : `expected ${expected} fields (as in the header), found ${n}. Check for a missing field, or a line break inside an unquoted value.`,
        );
      }
    }
  }

  private failUtf8(buf: Uint8Array, tokenizer: CsvTokenizer): never {
    for (let r = 0; r < tokenizer.records; r++) {
      const from = tokenizer.pos[tokenizer.recordStart[r]! * 2]!;
      const to = tokenizer.pos[(tokenizer.recordStart[r + 1]! - 1) * 2 + 1]!;
      if (!isUtf8(buf.subarray(from, to)))
        throw new DataError(this.file, tokenizer.recordLine[r], INVALID_UTF8);
    }
    throw new DataError(this.file, undefined, INVALID_UTF8);
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const inParts = await this.profileInParts(overrides);
    const { rows, inference, measured, measuredRuns } = inParts ?? (await this.profilePart(overrides));
    const threads = inParts?.threads === 2 ? { threads: 2 } : {};
    this.rows = rows;
    const columns: ColumnProfile[] = this.header!.map((name, c) => {
      const inf = inference[c] ?? { mask: 0, nulls: 0, bytes: 0, runs: [] };
      const override = overrides.get(name);
      if (override) {
        const stats = measured[c] ?? emptyStats();
        // The column's own validity from its null rows (exact whatever the parts); below it (lists, structs), as the batches were closed.
        const top = batchedColumn(rows, stats.nulls, stats.bytes, measuredRuns[c] ?? []);
        return { name, feature: override, stats: { ...stats, bits: top.bits, validity: top.validity } };
      }
      return { name, feature: featureOf(inf), stats: batchedColumn(rows, inf.nulls, inf.bytes, inf.runs) };
    });
    // pandas reads an all-empty column as float64; a header-only file has object columns, which pyarrow types null.
    return { file: this.file, rows, columns, nullFeature: rows > 0 ? value("float64") : value("null"), ...threads };
  }

  /**
   * Pass 1 of a big file on two threads (../parts.ts), in parts cut at line
   * starts; the first holds the header. A cut is right unless it falls
   * inside a quoted field, and then the part before it ends inside quotes
   * and fails. On any failure this returns undefined and the file is read in
   * one piece, which reports a data error at its true line.
   */
  private async profileInParts(overrides: ReadonlyMap<string, Feature>): Promise<(CsvPart & { threads: number }) | undefined> {
    const { background, splitFromBytes = SPLIT_FROM_BYTES } = this.options;
    if (!background) return undefined;
    // Lists and structs set by `features`: the validity of their items needs the batches' true rows, known only in one piece.
    if ([...overrides.values()].some((f) => f.kind === "list" || f.kind === "struct")) return undefined;
    // Not worth it, or the file cannot be read: the one-piece read says why.
    const cuts = await this.partCuts(splitFromBytes).catch(() => undefined);
    if (!cuts) return undefined;
    const range = (i: number) => ({ start: cuts[i]!, end: cuts[i + 1]!, header: i === 0 ? undefined : this.header, line: i === 0 ? this.piece?.line : undefined });
    const done = await inParts(
      cuts.length - 1,
      (i) => this.profilePart(overrides, range(i)),
      async (i) => {
        const { start, end } = range(i);
        const job: CsvRangeJob = { path: this.path, file: this.file, format: this.format, chunkBytes: this.chunkBytes, overrides: [...overrides], start, end, header: this.header! };
        return (await background("csv-range", job)) as CsvPart;
      },
      background,
    );
    return done && { ...done.parts.reduce(addParts), threads: done.threads };
  }

  /**
   * Where to cut the file (or the reader's piece) into parts: at line starts
   * (after a CR LF when the header line ends with one, since files written
   * so often hold bare LFs inside quoted cells), or undefined when the file
   * is too small, gzip, or has no such line ends.
   */
  private async partCuts(splitFromBytes: number): Promise<number[] | undefined> {
    const handle = await open(this.path, "r");
    try {
      const { size: fileSize } = await handle.stat();
      const from = this.piece?.start ?? 0;
      const size = this.piece?.end ?? fileSize;
      if (size - from < splitFromBytes || (await startsWithGzip(handle))) return undefined;
      const window = Buffer.alloc(1 << 20);
      const first = await readWindow(handle, window, 0, fileSize);
      const lf = first.indexOf(10);
      const crlf = lf > 0 && first[lf - 1] === 13;
      const count = Math.min(PARTS, Math.ceil((size - from) / (splitFromBytes / 2)));
      const cuts = [from];
      for (let k = 1; k < count; k++) {
        const at = from + Math.floor((k * (size - from)) / count);
        const bytes = await readWindow(handle, window, at, size);
        const found = crlf ? bytes.indexOf("\r\n") : bytes.indexOf(10);
        const cut = found === -1 ? -1 : at + found + (crlf ? 2 : 1);
        if (cut > cuts[cuts.length - 1]! && cut < size) cuts.push(cut);
      }
      cuts.push(size);
      return cuts.length < 3 ? undefined : cuts;
    } finally {
      await handle.close();
    }
  }

  /** Pass 1 over the file, or a range of it. */
  async profilePart(overrides: ReadonlyMap<string, Feature>, range?: CsvRange): Promise<CsvPart> {
    let rows = 0;
    let inference: Inference[] = [];
    let measured: (CellColumn | undefined)[] = [];
    let measuredStats: SizeStats[] = [];
    let measuredRuns: number[][] = [];
    const start = (names: string[]) => {
      inference = names.map(() => ({ mask: 0, nulls: 0, bytes: 0, runs: [] }));
      measured = names.map((n) => {
        const f = overrides.get(n);
        return f ? cellColumnFor(f, this.file, n) : undefined;
      });
      measuredStats = names.map(() => emptyStats());
      measuredRuns = names.map(() => []);
    };
    if (range?.header) start(range.header);
    for await (const chunk of this.chunks(true, range)) {
      if (inference.length === 0) start(this.header!);
      for (let c = 0; c < inference.length; c++) {
        const writer = measured[c];
        if (writer) {
          // Overridden columns are converted now, so bad values are found before anything is written.
          writer.fill(chunk, chunk.first, chunk.records, c);
          measureBatches(measuredStats[c]!, measuredRuns[c]!, writer.builder.finish(), rows);
        } else inferColumn(chunk, chunk.first, chunk.records, c, inference[c]!, rows - chunk.first);
      }
      rows += chunk.records - chunk.first;
    }
    for (const s of measuredStats) closeBatch(s);
    return { rows, inference, measured: measuredStats, measuredRuns };
  }

  /**
   * For each byte offset (ascending), where the first data row at or after
   * it whose index is a multiple of PYTHON_BATCH_ROWS starts (so a piece's
   * record batches are those of the whole file), or undefined past the last
   * such row. Reads the file from the start up to the last cut, with the
   * tokenizer pass 1 uses (a quoted field may hold line breaks).
   */
  async cutsAt(offsets: number[]): Promise<(Cut | undefined)[]> {
    const cuts: (Cut | undefined)[] = offsets.map(() => undefined);
    let next = 0;
    let rows = 0;
    const chunks = this.chunks(false, { start: 0, end: Infinity });
    try {
      for await (const chunk of chunks) {
        const here = chunk.records - chunk.first;
        for (let row = Math.max(PYTHON_BATCH_ROWS, Math.ceil(rows / PYTHON_BATCH_ROWS) * PYTHON_BATCH_ROWS); row < rows + here; row += PYTHON_BATCH_ROWS) {
          const r = chunk.first + row - rows;
          const field = chunk.recordStart[r]!;
          // A quoted first field's start is past its opening quote.
          const byte = chunk.base + chunk.pos[field * 2]! - (chunk.flags[field]! & FIELD_QUOTED ? 1 : 0);
          while (next < offsets.length && offsets[next]! <= byte) cuts[next++] = { byte, line: chunk.recordLine[r]! };
          if (next === offsets.length) return cuts;
        }
        rows += here;
      }
    } finally {
      await chunks.return(undefined);
    }
    return cuts;
  }

  /** The line where data row `row` starts (read again from the start: for messages only). */
  async lineOfRow(row: number): Promise<number | undefined> {
    let seen = 0;
    const chunks = this.chunks(false);
    try {
      for await (const chunk of chunks) {
        const here = chunk.records - chunk.first;
        if (row < seen + here) return chunk.recordLine[chunk.first + row - seen];
        seen += here;
      }
    } finally {
      await chunks.return(undefined);
    }
    return undefined;
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const chunks = this.chunks(false);
    let chunk: Chunk | undefined;
    let cursor = 0;
    let writers: CellColumn[] | undefined;
    let order: number[] = [];
    const file = this.file;
    const header = () => this.header!;
    const capacity = this.rows;
    return {
      async next(maxRows: number): Promise<Batch | undefined> {
        while (!chunk || cursor >= chunk.records) {
          const n = await chunks.next();
          if (n.done) return undefined;
          chunk = n.value;
          cursor = chunk.first;
        }
        if (!writers) {
          const names = header();
          order = features.map((f) => names.indexOf(f.name));
          const missing = features.find((_, i) => order[i] === -1);
          if (missing) throw new DataError(file, 1, `column '${missing.name}' is missing from the header`);
          writers = features.map((f) => cellColumnFor(f.feature, file, f.name, capacity === undefined ? undefined : Math.min(capacity, INITIAL_CAPACITY)));
        }
        const end = Math.min(chunk.records, cursor + maxRows);
        for (let i = 0; i < writers.length; i++) writers[i]!.fill(chunk, cursor, end, order[i]!);
        const rows = end - cursor;
        cursor = end;
        return { rows, columns: writers.map((w) => w.builder.finish()) };
      },
      async close() {
        await chunks.return(undefined);
      },
    };
  }
}

/** Up to `window.length` bytes of the file from `at` (not past `end`), in `window`. */
async function readWindow(handle: FileHandle, window: Buffer, at: number, end: number): Promise<Buffer> {
  const { bytesRead } = await handle.read(window, 0, Math.min(window.length, end - at), at);
  return window.subarray(0, bytesRead);
}

/**
 * Adds `data` (converted values of the rows from `row` on) to `stats`, in
 * Python's record batches from the part's first row, and its nulls to `runs`.
 */
function measureBatches(stats: SizeStats, runs: number[], data: arrow.Data, row: number): void {
  for (let i = 0; i < data.length; ) {
    const end = Math.min(data.length, i + PYTHON_BATCH_ROWS - ((row + i) % PYTHON_BATCH_ROWS));
    addData(stats, data, i, end);
    if ((row + end) % PYTHON_BATCH_ROWS === 0) closeBatch(stats);
    i = end;
  }
  if (data.nullCount !== 0) for (let i = 0; i < data.length; i++) if (!data.getValid(i)) addNullRow(runs, row + i);
}

/** Pass 1 for rows [r0, r1) of a chunk in column c; `base` + r is the row's index in the part. */
function inferColumn(chunk: Chunk, r0: number, r1: number, c: number, acc: Inference, base: number): void {
  const { buf, pos, flags, recordStart } = chunk;
  const runs = acc.runs;
  let { mask, nulls, bytes } = acc;
  for (let r = r0; r < r1; r++) {
    const f = recordStart[r]! + c;
    const s = pos[f * 2]!;
    const e = pos[f * 2 + 1]!;
    if (s === e) {
      nulls++;
      addNullRow(runs, base + r);
      continue;
    }
    if (flags[f]! & FIELD_ESCAPED) {
      let quotes = 0;
      for (let i = s; i < e; i++) if (buf[i] === QUOTE) quotes++;
      bytes += e - s - quotes / 2;
      mask |= Kind.String;
      continue;
    }
    if (mask & Kind.String) {
      // Already text: only nulls and sizes matter now.
      if (e - s < 9 && isNaToken(buf, s, e)) {
        nulls++;
        addNullRow(runs, base + r);
      } else bytes += e - s;
      continue;
    }
    const kind = classify(buf, s, e);
    if (kind === Kind.Null) {
      nulls++;
      addNullRow(runs, base + r);
      continue;
    }
    bytes += e - s;
    mask |= kind;
  }
  acc.mask = mask;
  acc.nulls = nulls;
  acc.bytes = bytes;
}

/**
 * pandas' dtype for what a column held (pandas/_libs/parsers.pyx tries
 * int64, then uint64 on overflow, float64, bool, and keeps text otherwise);
 * undefined when the column held only nulls. Text is `large_string`, as
 * pandas 3 gives it (docs/python-interop.md#string-or-large_string).
 */
export function featureOf({ mask, nulls }: Pick<Inference, "mask" | "nulls" | "bytes">): Feature | undefined {
  const text = value("large_string");
  if (mask === 0) return undefined;
  if (mask & Kind.String) return text;
  const numeric = Kind.Int | Kind.Float | Kind.UInt | Kind.Overflow;
  if (mask & Kind.Bool) return mask & numeric ? text : value("bool");
  if (mask & Kind.Overflow) return mask & Kind.Float ? value("float64") : text;
  if (mask & Kind.UInt) {
    if (mask & Kind.Float) return value("float64");
    return nulls > 0 || mask & Kind.Negative ? text : value("uint64");
  }
  if (mask & Kind.Float) return value("float64");
  return nulls > 0 ? value("float64") : value("int64");
}

/**
 * Parquet inputs, re-sharded with their Arrow types kept.
 *
 * The footer is decoded in JS (./file.ts), and pieces of columns —
 * the pages holding some rows of one column — are decoded by parquet-wasm
 * and copied out of its memory buffer by buffer (./ffi.ts), so memory
 * holds a batch and a few pages per column, whatever the row groups' size.
 *
 * Pass 1 (profile) reads what the footer already says: row counts, and for
 * flat columns kept as they are, null counts from the column chunk
 * statistics, so a fixed-width column is never decoded; string and binary
 * columns take their byte counts from the size statistics when the writer
 * recorded them (arrow-rs does), else only those columns are decoded, their
 * offsets read in place. Columns whose values must be checked or converted
 * (overrides, class labels, dictionary, nested, stored timestamp[s], ...) are
 * decoded and converted as in pass 2, so every error is still found before
 * anything is written. The figures are exact: the same as measuring the
 * decoded data.
 *
 * Pass 2 (open) hands out the same batches as a parquet-wasm record batch
 * stream would (`batchRows` rows from the start of each row group), which the
 * shards' bytes depend on.
 *
 * Features: a column keeps the feature of the file's `huggingface` metadata
 * (so ClassLabel, Image, ... survive) when that feature's Arrow type matches
 * the column, as `Features.from_arrow_schema` does; otherwise the feature is
 * inferred from the Arrow type (docs/dataset-layout.md#features-from-a-parquet-schema). Columns whose final type (after
 * unification with other files, or a `features` override) has the same
 * memory layout are passed through buffer for buffer; others (dictionary
 * columns, int64 → float64, strings → class_label, ...) are converted value by
 * value (./adapt.ts).
 *
 * gzip-compressed Parquet (`.parquet.gz`) is refused: Parquet compresses its
 * own pages, and reading it would need the whole file unpacked first.
 */
import * as arrow from "apache-arrow";
import { DataError } from "../../errors.js";
import { unsupportedReason } from "../columns.js";
import { type Feature, type NamedFeature, featureFromArrow, featureFromJson, featureToArrow, featureToString } from "../../../model/features.js";
import { PYTHON_BATCH_ROWS, type SizeStats, addData, closeBatch, emptyStats, mergeStats } from "../../model/sizes.js";
import { ioError, isGzipName } from "../source.js";
import { storageTypeOf } from "../../model/storage.js";
import { byteArrayStats, importArray } from "./ffi.js";
import { ParquetFile, ParquetFileError, type RowGroup, type TopField } from "./file.js";
import type { Cut, FilePiece } from "../pieces.js";
import { PARTS, SPLIT_FROM_BYTES, inParts } from "../parts.js";
import { type SourceColumn, adapt, sameLayout } from "./adapt.js";
import type { Batch, BatchCursor, ColumnProfile, FileProfile, ReaderOptions, TableReader } from "../reader.js";

/** The job a background thread runs for a run of row groups (see ParquetReader.decodedInParts). */
export interface ParquetRangeJob {
  path: string;
  file: string;
  overrides: [string, Feature][];
  /** Row groups [from, to) of those read (the piece's, when the file is read in a piece). */
  from: number;
  to: number;
  piece?: FilePiece;
}

/** Pass 1's decoding of row groups [from, to) of a Parquet file (a background job). */
export async function profileParquetRange(job: ParquetRangeJob): Promise<{ names: string[]; stats: SizeStats[] }> {
  return new ParquetReader(job.path, job.file, {}, job.piece).decodedRange(new Map(job.overrides), job.from, job.to);
}

/**
 * Target bytes of one record batch read from the file (uncompressed). 4 MiB
 * measured as fast as 16 MiB and lower in memory: a 317 MB zstd Parquet file
 * re-encoded peaked at 523-543 MB RSS instead of 619 MB (2 MiB: 527 MB, 20 % slower).
 */
const BATCH_BYTES = 4 * 1024 * 1024;
const MAX_BATCH_ROWS = 65_536;

/** A column of the file: its name and the feature the file itself gives it (SourceColumn), and where it is. */
interface Column extends SourceColumn {
  /** Index in the file's schema. */
  index: number;
  field: arrow.Field;
  /** Its place in the Parquet schema. */
  parquet: TopField;
}

export class ParquetReader implements TableReader {
  private columns: Column[] | undefined;
  private batchRows = MAX_BATCH_ROWS;

  constructor(
    private readonly path: string,
    readonly file: string,
    private readonly options: ReaderOptions = {},
    /** Only the row groups starting in these bytes (a prepare job's slice, ../pieces.ts). */
    private readonly piece?: FilePiece,
  ) {}

  private async openFile(): Promise<ParquetFile> {
    if (isGzipName(this.path))
      throw new DataError(
        this.file,
        undefined,
        "gzip-compressed Parquet is not supported: Parquet already compresses its pages; publish the .parquet file itself",
      );
    try {
      return await ParquetFile.open(this.path, this.piece);
    } catch (e) {
      if (e instanceof ParquetFileError) throw new DataError(this.file, undefined, `not a readable Parquet file (${errorText(e)})`);
      throw ioError(this.file, e);
    }
  }

  /**
   * Where the file can be cut into pieces (../pieces.ts): for each byte offset
   * (ascending), the first row group but the first starting at or after it,
   * or undefined when none does. None when the row groups do not follow each
   * other in the file (a piece is a run of row groups in byte order).
   */
  async cutsAt(offsets: number[]): Promise<(Cut | undefined)[]> {
    const pf = await this.openFile();
    try {
      const groups = pf.fileRowGroups;
      if (groups.some((rg, i) => rg.start < 4 || (i > 0 && rg.start <= groups[i - 1]!.start))) return offsets.map(() => undefined);
      return offsets.map((offset) => {
        const rg = groups.find((g) => g.index >= 1 && g.start >= offset);
        return rg && { byte: rg.start, rowGroup: rg.index };
      });
    } finally {
      await pf.close();
    }
  }

  /** Reads the schema, the `huggingface` features and the batch size. */
  private describe(pf: ParquetFile): { columns: Column[]; rows: number } {
    const rows = pf.rows;
    // As many rows as hold about BATCH_BYTES, from the footer alone: the batches (and so the shards' bytes) follow from it.
    // The whole file's figures, so a piece's row groups are read in the batches the whole file's are.
    const fileRows = pf.fileRowGroups.reduce((n, rg) => n + rg.rows, 0);
    const bytes = pf.fileRowGroups.reduce((n, rg) => n + rg.totalByteSize, 0);
    this.batchRows = fileRows > 0 && bytes > 0 ? Math.max(1024, Math.min(MAX_BATCH_ROWS, Math.floor((fileRows * BATCH_BYTES) / bytes))) : MAX_BATCH_ROWS;
    const schema = arrowSchema(pf, this.file);
    if (schema.fields.length !== pf.fields.length)
      throw new DataError(this.file, undefined, `not a readable Parquet file (${schema.fields.length} Arrow fields for ${pf.fields.length} columns)`);
    const fromMetadata = metadataFeatures(pf.keyValue("huggingface"));
    const columns = schema.fields.map((field, index) => {
      const meta = fromMetadata.get(field.name);
      let feature: Feature;
      if (meta !== undefined && sameMetadataType(meta, field)) feature = meta;
      else {
        try {
          feature = featureFromArrow(field.type, field);
        } catch {
          throw new DataError(this.file, undefined, `column '${field.name}' has the Arrow type ${String(field.type)}, which datasets features cannot describe`);
        }
      }
      return { name: field.name, index, field, feature, parquet: pf.fields[index]! };
    });
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c.name)) throw new DataError(this.file, undefined, `the column name '${c.name}' appears twice`);
      seen.add(c.name);
    }
    this.columns = columns;
    return { columns, rows };
  }

  /** The batches a parquet-wasm stream of `batchRows` would give: [start, end) ranges from the start of each row group (of [from, to)). */
  private *chunks(pf: ParquetFile, from = 0, to = pf.rowGroups.length): Generator<{ rg: RowGroup; start: number; end: number }> {
    for (const rg of pf.rowGroups.slice(from, to))
      for (let start = 0; start < rg.rows; start += this.batchRows) yield { rg, start, end: Math.min(rg.rows, start + this.batchRows) };
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const pf = await this.openFile();
    try {
      const { columns, rows } = this.describe(pf);
      const targets = columns.map((c) => overrides.get(c.name) ?? c.feature);
      for (const [i, c] of columns.entries()) {
        const target = targets[i]!;
        if (target !== c.feature && !sameLayout(c.field.type, featureToArrow(target)) && unsupportedReason(target) !== undefined)
          throw new DataError(this.file, undefined, `column '${c.name}' is ${featureToString(c.feature)} and cannot be turned into ${featureToString(target)}`);
      }
      const stats: (SizeStats | undefined)[] = columns.map((c, i) => footerStats(pf, c, targets[i]!));
      // The rest is decoded: byte counts of strings, and columns converted as pass 2 converts them (every value checked).
      const decoded = columns.filter((_, i) => stats[i] === undefined);
      let threads: { threads?: number } = {};
      if (decoded.length > 0) {
        const inParts = await this.decodedInParts(pf, overrides, targets, decoded);
        const counted = inParts?.stats ?? (await this.decodedStats(pf, targets, decoded, 0, pf.rowGroups.length));
        decoded.forEach((c, k) => (stats[c.index] = counted[k]));
        if (inParts?.threads === 2) threads = { threads: 2 };
      }
      const profiled: ColumnProfile[] = columns.map((c, i) => ({ name: c.name, feature: targets[i], stats: stats[i]! }));
      return { file: this.file, rows, columns: profiled, nullFeature: { kind: "value", dtype: "null" }, ...threads };
    } finally {
      await pf.close();
    }
  }

  /**
   * Whether the file holds exactly the columns of `stored` (what a shard
   * stores), in order, flat and of the same Arrow types, so that its row
   * groups can go into a shard as they are (after profile(); the footer-level
   * checks are ../../write/copy.ts's). Pass 2 would only relabel such
   * columns (adapt: same layout), never change a value, and what it checks
   * (class label ids) profile() checked already.
   */
  storesAs(stored: arrow.Schema): boolean {
    const columns = this.columns;
    if (!columns || columns.length !== stored.fields.length) return false;
    return columns.every((c, i) => {
      const field = stored.fields[i]!;
      return c.name === field.name && c.parquet.flat && sameLayout(c.field.type, field.type);
    });
  }

  /**
   * Size counts of the `decoded` columns over row groups [from, to): string
   * and binary columns kept as they are from their offsets alone, the others
   * converted as pass 2 converts them, so every value is checked.
   */
  private async decodedStats(pf: ParquetFile, targets: Feature[], decoded: Column[], from: number, to: number): Promise<SizeStats[]> {
    const stats: SizeStats[] = [];
    const converted: Column[] = [];
    const at: number[] = []; // where each converted column's counts go in `stats`
    for (const [k, c] of decoded.entries()) {
      if (byteCountable(c, targets[c.index]!)) stats[k] = await this.byteStats(pf, c, from, to);
      else {
        converted.push(c);
        at.push(k);
      }
    }
    if (converted.length > 0) {
      const windows = converted.map((c) => new ColumnWindow(pf, c, this.file, this.batchRows));
      const sums = converted.map(() => emptyStats());
      const first = firstGroupRows(pf);
      for (const { rg, start, end } of this.chunks(pf, from, to)) {
        for (const [k, c] of converted.entries()) {
          const data = adapt(await windows[k]!.rows(rg, start, end, start, end), c, targets[c.index]!, this.file, rg.firstRow + start);
          // Python's record batches cut the row group (pythonBatchEnds): counted batch by batch.
          for (const [a, b] of pythonPieces(rg.rows, first, start, end)) {
            addData(sums[k]!, data, a - start, b - start);
            if (isPythonBatchEnd(rg.rows, first, b)) closeBatch(sums[k]!);
          }
        }
        if (end === rg.rows) pf.forget(rg);
      }
      at.forEach((k, j) => (stats[k] = sums[j]!));
    }
    return stats;
  }

  /**
   * decodedStats over the whole file on two threads (../parts.ts), in runs of
   * row groups; undefined when the file is small or anything fails (then it
   * is read in one piece, which reports errors as usual).
   */
  private async decodedInParts(
    pf: ParquetFile,
    overrides: ReadonlyMap<string, Feature>,
    targets: Feature[],
    decoded: Column[],
  ): Promise<{ stats: SizeStats[]; threads: number } | undefined> {
    const { background, splitFromBytes = SPLIT_FROM_BYTES } = this.options;
    const groups = pf.rowGroups.length;
    const size = this.piece ? this.piece.end - this.piece.start : pf.size;
    if (!background || groups < 2 || size < splitFromBytes) return undefined;
    const n = Math.min(PARTS, groups);
    const from = (i: number) => Math.round((i * groups) / n);
    const names = decoded.map((c) => c.name);
    const done = await inParts(
      n,
      (i) => this.decodedStats(pf, targets, decoded, from(i), from(i + 1)),
      async (i) => {
        const job: ParquetRangeJob = { path: this.path, file: this.file, overrides: [...overrides], from: from(i), to: from(i + 1), ...(this.piece ? { piece: this.piece } : {}) };
        const part = (await background("parquet-range", job)) as { names: string[]; stats: SizeStats[] };
        if (part.names.join("\0") !== names.join("\0")) throw new Error("the background thread decoded other columns");
        return part.stats;
      },
      background,
    );
    return done && { stats: names.map((_, k) => done.parts.map((p) => p[k]!).reduce(mergeStats)), threads: done.threads };
  }

  /** decodedStats over row groups [from, to), for a background thread (the same columns the file's profile decodes). */
  async decodedRange(overrides: ReadonlyMap<string, Feature>, from: number, to: number): Promise<{ names: string[]; stats: SizeStats[] }> {
    const pf = await this.openFile();
    try {
      const { columns } = this.describe(pf);
      const targets = columns.map((c) => overrides.get(c.name) ?? c.feature);
      const decoded = columns.filter((c, i) => footerStats(pf, c, targets[i]!) === undefined);
      return { names: decoded.map((c) => c.name), stats: await this.decodedStats(pf, targets, decoded, from, to) };
    } finally {
      await pf.close();
    }
  }

  /** Values, nulls and bytes of a flat string or binary column, read from the decoded offsets without copying, in Python's record batches. */
  private async byteStats(pf: ParquetFile, c: Column, from: number, to: number): Promise<SizeStats> {
    const stats = emptyStats();
    const type = c.field.type;
    const first = firstGroupRows(pf);
    try {
      for (const rg of pf.rowGroups.slice(from, to)) {
        for (let row = 0; row < rg.rows; ) {
          const window = await pf.window(rg, c.parquet, row, Math.min(rg.rows, row + this.batchRows));
          const skip = row - window.start;
          const n = window.end - row;
          const parts = await pf.decode(rg, c.parquet, type, window, { skip, rows: n, batchRows: this.batchRows }, (m, array, length) =>
            pythonPieces(rg.rows, first, 0, length).map(([a, b]) => ({ length: b - a, ...byteArrayStats(m, array, type, a, b - a) })),
          );
          let at = row;
          for (const pieces of parts)
            for (const { length, nulls, bytes } of pieces) {
              stats.count += length;
              stats.nulls += nulls;
              stats.bytes += bytes;
              at += length;
              if (isPythonBatchEnd(rg.rows, first, at)) closeBatch(stats);
            }
          row = window.end;
        }
        pf.forget(rg);
      }
    } catch (e) {
      throw readError(this.file, e);
    }
    return stats;
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const pf = await this.openFile();
    let columns: Column[];
    try {
      columns = this.columns ?? this.describe(pf).columns;
    } catch (e) {
      await pf.close();
      throw e;
    }
    const byName = new Map(columns.map((c) => [c.name, c]));
    const missing = features.find((f) => !byName.has(f.name));
    if (missing) {
      await pf.close();
      throw new DataError(this.file, undefined, `column '${missing.name}' is missing from this file`);
    }
    const wanted = features.map((f) => {
      const c = byName.get(f.name)!;
      return { column: c, feature: f.feature, window: new ColumnWindow(pf, c, this.file, this.batchRows) };
    });
    const chunks = this.chunks(pf);
    let chunk: { rg: RowGroup; start: number; end: number } | undefined;
    let cursor = 0;
    let closed = false;
    const file = this.file;
    return {
      async next(maxRows: number): Promise<Batch | undefined> {
        while (!chunk || cursor >= chunk.end) {
          if (chunk && chunk.end === chunk.rg.rows) {
            pf.forget(chunk.rg);
            for (const w of wanted) w.window.release();
          }
          const n = chunks.next();
          if (n.done) return undefined;
          chunk = n.value;
          cursor = chunk.start;
        }
        const rows = Math.min(maxRows, chunk.end - cursor);
        const out: arrow.Data[] = [];
        for (const { column, feature, window } of wanted) {
          const data = await window.rows(chunk.rg, cursor, cursor + rows, chunk.start, chunk.end);
          out.push(adapt(data, column, feature, file, chunk.rg.firstRow + cursor));
        }
        cursor += rows;
        return { rows, columns: out };
      },
      async close() {
        if (closed) return;
        closed = true;
        for (const w of wanted) w.window.release();
        await pf.close();
      },
    };
  }
}

/**
 * The decoded rows of one column around the current batch: the chunks (of
 * `batchRows` rows from the start of the row group, as the batches are cut)
 * that a piece of whole pages holds, copied out of wasm memory once each and
 * sliced for the batches inside them. A chunk the piece holds only in part
 * is read again with the next piece.
 */
class ColumnWindow {
  private rg: RowGroup | undefined;
  private readonly chunks = new Map<number, arrow.Data>();

  constructor(
    private readonly pf: ParquetFile,
    private readonly column: Column,
    private readonly file: string,
    private readonly batchRows: number,
  ) {}

  /** Rows [from, to) of row group `rg`, inside the chunk [chunkStart, chunkEnd). */
  async rows(rg: RowGroup, from: number, to: number, chunkStart: number, chunkEnd: number): Promise<arrow.Data> {
    if (this.rg !== rg) {
      this.release();
      this.rg = rg;
    }
    let data = this.chunks.get(chunkStart);
    if (!data) {
      this.chunks.clear();
      const { parquet, field } = this.column;
      const batchRows = this.batchRows;
      try {
        const window = await this.pf.window(rg, parquet, chunkStart, chunkEnd);
        // The whole chunks from chunkStart that the piece holds (the row group's last one may be short).
        const last = window.end >= rg.rows ? rg.rows : chunkStart + Math.floor((window.end - chunkStart) / batchRows) * batchRows;
        const parts = await this.pf.decode(rg, parquet, field.type, window, { skip: chunkStart - window.start, rows: last - chunkStart, batchRows }, (m, array, length) =>
          importArray(m, array, field.type, 0, length),
        );
        let at = chunkStart;
        for (const part of parts) {
          if (part.length !== Math.min(batchRows, rg.rows - at)) throw new Error(`a decoded batch of ${part.length} rows does not match the batches of ${batchRows} rows`);
          this.chunks.set(at, part);
          at += part.length;
        }
      } catch (e) {
        throw readError(this.file, e);
      }
      data = this.chunks.get(chunkStart);
      if (!data || data.length !== chunkEnd - chunkStart) throw readError(this.file, new Error(`rows ${chunkStart} to ${chunkEnd} of row group ${rg.index} were not decoded`));
    }
    return from === chunkStart && to === chunkEnd ? data : data.slice(from - chunkStart, to - from);
  }

  release(): void {
    this.chunks.clear();
    this.rg = undefined;
  }
}

/**
 * The size counts of a column from the footer alone, when they are exact:
 * a flat column kept as it is (no conversion, nothing to check) of a
 * fixed-width type with null counts in its statistics, or of a string or
 * binary type whose byte counts the writer recorded too (size statistics);
 * and Python's record batches holding its nulls known from the row groups'
 * null counts (none, all, or a row group that is one batch).
 */
function footerStats(pf: ParquetFile, c: Column, target: Feature): SizeStats | undefined {
  if (!keptAsIs(c, target)) return undefined;
  const type = c.field.type;
  const counts = type.typeId === arrow.Type.Null ? pf.rowGroups.map((rg) => rg.rows) : pf.nullCounts(c.parquet);
  if (counts === undefined) return undefined;
  const first = firstGroupRows(pf);
  const stats = emptyStats();
  for (const [g, rg] of pf.rowGroups.entries()) {
    const nulls = counts[g]!;
    const ends = pythonBatchEnds(rg.rows, first);
    if (nulls > 0 && nulls < rg.rows && ends.length > 1) return undefined; // which batches hold them: decoded
    let at = 0;
    for (const end of ends) {
      stats.count += end - at;
      if (nulls > 0) stats.nulls += nulls === rg.rows ? end - at : nulls;
      closeBatch(stats);
      at = end;
    }
  }
  if (type.typeId === arrow.Type.Null) return stats;
  if (isByteArray(type)) {
    const bytes = pf.byteArrayBytes(c.parquet);
    if (bytes === undefined) return undefined;
    stats.bytes = bytes;
    return stats;
  }
  return FIXED_WIDTH.has(type.typeId) ? stats : undefined;
}

/**
 * Where Python's record batches end in a row group of `rows` rows: its
 * Parquet loader reads batches of the file's first row group's size
 * (`first`), and its cache cuts those into PYTHON_BATCH_ROWS.
 */
export function pythonBatchEnds(rows: number, first: number): number[] {
  const ends: number[] = [];
  const size = Math.max(1, first);
  for (let piece = 0; piece < rows; piece += size) {
    const pieceEnd = Math.min(rows, piece + size);
    for (let at = piece; at < pieceEnd; at += PYTHON_BATCH_ROWS) ends.push(Math.min(pieceEnd, at + PYTHON_BATCH_ROWS));
  }
  return ends;
}

/** The end of the Python record batch holding row `at` of a row group (see pythonBatchEnds). */
function batchEndAfter(rows: number, first: number, at: number): number {
  const size = Math.max(1, first);
  const piece = Math.floor(at / size) * size;
  return Math.min(rows, piece + size, piece + (Math.floor((at - piece) / PYTHON_BATCH_ROWS) + 1) * PYTHON_BATCH_ROWS);
}

function isPythonBatchEnd(rows: number, first: number, at: number): boolean {
  return at > 0 && batchEndAfter(rows, first, at - 1) === at;
}

/** Rows [start, end) of a row group cut where Python's record batches end. */
function pythonPieces(rows: number, first: number, start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = start; a < end; ) {
    const b = Math.min(end, batchEndAfter(rows, first, a));
    out.push([a, b]);
    a = b;
  }
  return out;
}

/** Rows of the file's first row group, the size of Python's batches (pythonBatchEnds): the whole file's, for a piece too. */
function firstGroupRows(pf: ParquetFile): number {
  return pf.fileRowGroups[0]?.rows ?? 0;
}

const FIXED_WIDTH = new Set([
  arrow.Type.Bool,
  arrow.Type.Int,
  arrow.Type.Float,
  arrow.Type.Date,
  arrow.Type.Time,
  arrow.Type.Timestamp,
  arrow.Type.Duration,
  arrow.Type.Decimal,
  arrow.Type.FixedSizeBinary,
]);

function isByteArray(type: arrow.DataType): boolean {
  return type.typeId === arrow.Type.Utf8 || type.typeId === arrow.Type.LargeUtf8 || type.typeId === arrow.Type.Binary || type.typeId === arrow.Type.LargeBinary;
}

/** A flat column whose values pass through untouched (adapt only relabels them, and checks nothing). */
function keptAsIs(c: Column, target: Feature): boolean {
  return target === c.feature && target.kind === "value" && c.parquet.flat && sameLayout(c.field.type, featureToArrow(target));
}

/** A flat string or binary column kept as it is: its counts come from its offsets alone. */
function byteCountable(c: Column, target: Feature): boolean {
  return keptAsIs(c, target) && isByteArray(c.field.type);
}

function readError(file: string, e: unknown): Error {
  if (e instanceof DataError) return e;
  return new DataError(file, undefined, `cannot read the Parquet data (${errorText(e)})`);
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function arrowSchema(pf: ParquetFile, file: string): arrow.Schema {
  try {
    const reader = arrow.RecordBatchReader.from(pf.arrowSchema().intoIPCStream());
    reader.open();
    return reader.schema;
  } catch (e) {
    throw new DataError(file, undefined, `cannot read the Parquet schema (${errorText(e)})`);
  }
}

/** The features of the `huggingface` metadata entry; empty when absent or unreadable (Python then infers too). */
function metadataFeatures(text: string | undefined): Map<string, Feature> {
  const out = new Map<string, Feature>();
  if (!text) return out;
  try {
    const parsed = JSON.parse(text) as { info?: { features?: Record<string, unknown> } };
    const features = parsed?.info?.features;
    if (!features || typeof features !== "object") return out;
    for (const [name, json] of Object.entries(features)) out.set(name, featureFromJson(json, name));
  } catch {
    return new Map();
  }
  return out;
}

/**
 * Whether a metadata feature describes the column's Arrow type, as
 * `Features.from_arrow_schema` checks; a column stored as the feature's
 * storage type (timestamp[s] as milliseconds, see ../../model/storage.ts) counts too.
 */
function sameMetadataType(feature: Feature, field: arrow.Field): boolean {
  try {
    const type = featureToArrow(feature);
    return sameLayout(field.type, type, true) || sameLayout(field.type, storageTypeOf(type), true, true);
  } catch {
    return false;
  }
}

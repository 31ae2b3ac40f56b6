/**
 * Pass 2's source of rows: the rows of a split across its files, in order,
 * read through the readers of pass 1 in the dataset's final types, handed
 * out in batches that never cross a shard boundary and converted to what
 * the shards store.
 *
 * Batches follow from the content only (so do the Parquet bytes, which
 * depend on where batches end): a file read in several chunks gives one
 * batch per chunk, as its reader hands them out; a file read in one batch
 * (one smaller than a read chunk) is gathered with the files around it that
 * are read so too, into batches of about GATHER_BYTES of Arrow data — a
 * dataset of thousands of small files then costs the encoder a few batches,
 * not one per file. A split of one file gives the batches it always gave.
 */
import * as arrow from "apache-arrow";
import type { NamedFeature } from "../../model/features.js";
import { DataError } from "../errors.js";
import type { Batch, BatchCursor, TableReader } from "../read/reader.js";
import { batchToStorage } from "../model/storage.js";
import { canConcat, concatData, dataBytes } from "./concat.js";

/** Largest batch handed to the Parquet writer. */
const MAX_BATCH_ROWS = 131_072;

/** Small files are gathered until a batch holds this much Arrow data (about what a 1 MiB read chunk gives). */
const GATHER_BYTES = 1 << 20;

/** The rows of a split across its files, in order, handed out in batches that never cross a shard boundary. */
export class SplitRows {
  private index = 0;
  private cursor: BatchCursor | undefined;
  /** Rows read from the current file so far. */
  private taken = 0;
  private written = 0;

  constructor(
    private readonly readers: TableReader[],
    /** Rows of each file, as pass 1 counted them. */
    private readonly fileRows: number[],
    private readonly features: NamedFeature[],
    /** Called with the rows handed out so far and the files read to their end. */
    private readonly onRows: (written: number, files: number) => void = () => {},
  ) {}

  /** Batches of `schema` (the dataset's), converted to `stored` (what the shards store). */
  async *batches(schema: arrow.Schema, stored: arrow.Schema, rows: number): AsyncGenerator<arrow.RecordBatch> {
    const gather = schema.fields.every((f) => canConcat(f.type));
    const record = (batch: Batch) =>
      batchToStorage(
        new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.rows, nullCount: 0, children: batch.columns })),
        schema,
        stored,
      );
    let gathered: Batch[] = [];
    let gatheredRows = 0;
    let gatheredBytes = 0;
    const joined = () => {
      const batch = gathered.length === 1 ? gathered[0]! : { rows: gatheredRows, columns: schema.fields.map((_, c) => concatData(gathered.map((b) => b.columns[c]!))) };
      gathered = [];
      gatheredRows = 0;
      gatheredBytes = 0;
      return record(batch);
    };

    let left = rows;
    while (left > 0) {
      if (!this.cursor) {
        const reader = this.readers[this.index];
        if (!reader) throw new Error("ran out of rows: a file changed between the two passes");
        this.cursor = await reader.open(this.features);
        this.taken = 0;
      }
      const batch = await this.cursor.next(Math.min(left, MAX_BATCH_ROWS));
      if (!batch) {
        await this.endFile();
        continue;
      }
      if (batch.rows === 0) continue;
      const whole = this.taken === 0 && batch.rows === this.fileRows[this.index];
      left -= batch.rows;
      this.taken += batch.rows;
      this.written += batch.rows;
      this.onRows(this.written, this.index + (this.taken === this.fileRows[this.index] ? 1 : 0));
      if (!(gather && whole)) {
        if (gathered.length > 0) yield joined();
        yield record(batch);
        continue;
      }
      if (gatheredRows + batch.rows > MAX_BATCH_ROWS) yield joined();
      gathered.push(batch);
      gatheredRows += batch.rows;
      for (const column of batch.columns) gatheredBytes += dataBytes(column);
      if (gatheredBytes >= GATHER_BYTES) yield joined();
    }
    if (gathered.length > 0) yield joined();
  }

  /** Closes the current file, which must have given the rows pass 1 counted. */
  private async endFile(): Promise<void> {
    await this.cursor!.close();
    this.cursor = undefined;
    const reader = this.readers[this.index]!;
    const expected = this.fileRows[this.index];
    if (this.taken !== expected)
      throw new DataError(reader.file, undefined, `the file changed while the action ran: ${expected} rows when first read, ${this.taken} now`);
    this.index++;
  }

  async close(): Promise<void> {
    await this.cursor?.close();
    this.cursor = undefined;
  }
}

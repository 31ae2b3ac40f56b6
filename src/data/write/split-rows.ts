/**
 * Pass 2's source of rows: the rows of a split across its files, in order,
 * read through the readers of pass 1 in the dataset's final types, handed
 * out in batches that never cross a shard boundary and converted to what
 * the shards store.
 */
import * as arrow from "apache-arrow";
import type { NamedFeature } from "../../model/features.js";
import type { BatchCursor, TableReader } from "../read/reader.js";
import { batchToStorage } from "../model/storage.js";

/** Largest batch handed to the Parquet writer. */
const MAX_BATCH_ROWS = 131_072;

/** The rows of a split across its files, in order, handed out in batches that never cross a shard boundary. */
export class SplitRows {
  private index = 0;
  private cursor: BatchCursor | undefined;

  private written = 0;

  constructor(
    private readonly readers: TableReader[],
    private readonly features: NamedFeature[],
    /** Called with the rows handed out so far. */
    private readonly onRows: (written: number) => void = () => {},
  ) {}

  /** Batches of `schema` (the dataset's), converted to `stored` (what the shards store). */
  async *batches(schema: arrow.Schema, stored: arrow.Schema, rows: number): AsyncGenerator<arrow.RecordBatch> {
    let left = rows;
    while (left > 0) {
      if (!this.cursor) {
        const reader = this.readers[this.index];
        if (!reader) throw new Error("ran out of rows: a file changed between the two passes");
        this.cursor = await reader.open(this.features);
      }
      const batch = await this.cursor.next(Math.min(left, MAX_BATCH_ROWS));
      if (!batch) {
        await this.cursor.close();
        this.cursor = undefined;
        this.index++;
        continue;
      }
      if (batch.rows === 0) continue;
      left -= batch.rows;
      this.written += batch.rows;
      this.onRows(this.written);
      const record = new arrow.RecordBatch(
        schema,
        arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.rows, nullCount: 0, children: batch.columns }),
      );
      yield batchToStorage(record, schema, stored);
    }
  }

  async close(): Promise<void> {
    await this.cursor?.close();
    this.cursor = undefined;
  }
}

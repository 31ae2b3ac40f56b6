/**
 * Encodes shards on the worker threads, so Parquet encoding (the costliest
 * step) runs beside the parsing on the main thread and on both cores of a
 * runner.
 *
 * A shard comes cut into its row groups; row group k goes to thread k mod N
 * as Arrow IPC batches (transferred, not copied) and comes back as a one-row-
 * group Parquet part on disk; with two or more threads each takes a share of
 * every row group's columns instead. The parts are then joined into the
 * shard (../write/shard-encoder.ts): byte for byte what one writer would
 * produce, whatever the timing.
 */
import type * as arrow from "apache-arrow";
import type { ThriftStruct } from "../model/thrift.js";
import { dataBytes } from "../write/concat.js";
import type { EncoderSettings } from "../write/properties.js";
import { type EncodedShard, type RowGroupPiece, type ShardEncoder, assembleParts, partPath, removeScratch } from "../write/shard-encoder.js";
import { FooterTemplates, emptyBatch } from "../write/templates.js";
import type { WorkerPool } from "./pool.js";
import type { PendingPart, WorkerThread } from "./thread.js";

export class ThreadedEncoder implements ShardEncoder {
  /** Footer templates for joining parts, kept across shards of the same schema. */
  private readonly templates = new FooterTemplates();

  constructor(private readonly pool: WorkerPool) {}

  /**
   * Writes one shard file from `pieces`. With one thread, the row groups go
   * to it in turn; with several, each thread takes a share of the columns of
   * every row group (balanced by their Arrow sizes), so all threads work
   * from the first batch on.
   */
  async encodeShard(
    path: string,
    schema: arrow.Schema,
    pieces: AsyncIterable<RowGroupPiece>,
    settings: EncoderSettings,
    editFooter?: (meta: ThriftStruct) => void,
  ): Promise<EncodedShard> {
    const pool = this.pool;
    const grid: { path: string; done: Promise<number> }[][] = [];
    let columnGroups: number[][] | undefined;
    let current: { cells: { thread: WorkerThread; id: number; part: PendingPart }[] } | undefined;
    let rows = 0;
    pool.hold();

    const startRowGroup = () => {
      const k = grid.length;
      const groups = columnGroups!;
      const row: { path: string; done: Promise<number> }[] = [];
      const cells = groups.map((_, g) => {
        const scratch = partPath(path, k, g);
        const thread = pool.thread(groups.length > 1 ? g : k);
        const id = pool.nextMessageId();
        const part = thread.open(id, scratch, settings);
        row.push({ path: scratch, done: part.done });
        return { thread, id, part };
      });
      grid.push(row);
      current = { cells };
      return current;
    };
    const endRowGroup = () => {
      for (const c of current?.cells ?? []) c.thread.close(c.id);
      current = undefined;
    };
    const send = async (target: NonNullable<typeof current>, piece: arrow.RecordBatch) => {
      const groups = columnGroups!;
      for (const [g, cell] of target.cells.entries())
        await cell.thread.send(cell.id, cell.part, groups.length === 1 ? piece : piece.selectAt(groups[g]!));
    };

    try {
      for await (const { batch, last } of pieces) {
        columnGroups ??= this.columnGroups(schema, batch);
        if (batch.numRows > 0 || current) await send(current ?? startRowGroup(), batch);
        rows += batch.numRows;
        if (last) endRowGroup();
      }
      if (grid.length === 0) {
        // An empty shard is still a valid Parquet file with the schema.
        columnGroups ??= [schema.fields.map((_, i) => i)];
        await send(startRowGroup(), emptyBatch(schema));
      }
      endRowGroup();
      await Promise.all(grid.flat().map((c) => c.done));
      const { bytes, sha256 } = await assembleParts(
        grid.map((row) => row.map((c) => c.path)),
        columnGroups!,
        schema,
        settings,
        this.templates,
        path,
        editFooter,
      );
      const groups = columnGroups!.length;
      return { bytes, sha256, rows, encoderThreads: groups > 1 ? groups : Math.min(pool.size, grid.length) };
    } finally {
      endRowGroup();
      await Promise.allSettled(grid.flat().map((c) => c.done));
      await Promise.all(grid.flat().map((c) => removeScratch(c.path)));
      pool.release();
    }
  }

  /**
   * Splits the columns between the threads, by their Arrow size in the first
   * batch (largest first, to the least loaded thread). Which thread encodes a
   * column never changes the bytes written.
   */
  private columnGroups(schema: arrow.Schema, batch: arrow.RecordBatch): number[][] {
    const count = Math.min(this.pool.size, schema.fields.length);
    if (count <= 1) return [schema.fields.map((_, i) => i)];
    const sizes = schema.fields.map((_, i) => dataBytes(batch.data.children[i]!));
    const order = sizes.map((size, i) => [size, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const groups: number[][] = Array.from({ length: count }, () => []);
    const load = new Array<number>(count).fill(0);
    for (const [size, i] of order) {
      const g = load.indexOf(Math.min(...load));
      groups[g]!.push(i);
      load[g]! += size;
    }
    return groups.filter((g) => g.length > 0).map((g) => g.sort((a, b) => a - b));
  }
}

/**
 * A one-row-group Parquet file (a *part*, ../merge.ts joins parts into
 * shards) whose pages the page writer writes: column chunks in schema
 * order, then the column indexes, the offset indexes, and the footer —
 * the layout arrow-rs gives a part, so parts from either writer join alike.
 *
 * The footer's schema, key-value entries and column orders come from a
 * template (the footer arrow-rs writes for the part's Arrow schema), so the
 * schema is exactly what it was; `created_by` names our writer.
 */
import { open } from "node:fs/promises";
import type * as arrow from "apache-arrow";
import { ThriftStruct, TType, type ThriftList, encodeStruct } from "../../model/thrift.js";
import { cloneStruct } from "../merge.js";
import { ContentDefinedChunker, type CdcOptions } from "./cdc.js";
import { type CompressionName, pageCompressor } from "./codecs.js";
import { ColumnChunkWriter, type WrittenChunk } from "./column-writer.js";
import { CC, CM, FM, RG } from "./format.js";
import type { Kernels } from "./kernels.js";
import type { Leaf } from "./leaf.js";
import type { HashRule } from "./physical.js";
import { gatherValues, leafFields, shred } from "./shred.js";

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

/**
 * `created_by` of files whose pages we write. Readers apply workarounds for
 * known bugs of the writers they recognise by this name (parquet-mr,
 * parquet-cpp, Impala); an unknown name gets none. The version is the page
 * writer's: raise it when the bytes it writes change.
 */
export const CREATED_BY = "hf-dataset-publish-action page writer version 1.0.0";

export interface PartOptions {
  compression: CompressionName;
  /** Content-defined page boundaries, or none (pages of 20,000 rows). */
  cdc: CdcOptions | null;
  kernels: Kernels;
  /** How the chunker hashes each leaf's values, by JSON of its path (absent: as stored). */
  hashRules: Record<string, HashRule>;
}

/** Writes one row group of some fields: every leaf column of each. */
export class PartWriter {
  /** Per field, a writer per leaf. */
  private readonly writers: ColumnChunkWriter[][];
  private rows = 0;

  constructor(
    /** The fields written, as the batches hold them. */
    schema: arrow.Schema,
    /** The leaves of each field (as the footer's schema lists them). */
    private readonly leaves: Leaf[][],
    options: PartOptions,
  ) {
    const compressor = pageCompressor(options.compression, options.kernels);
    this.writers = schema.fields.map((field, f) =>
      leafFields(field).map((path, l) => {
        const rule = options.hashRules[JSON.stringify(path.map((p) => p.name))] ?? "stored";
        return new ColumnChunkWriter(leaves[f]![l]!, compressor, options.kernels, options.cdc ? new ContentDefinedChunker(options.cdc) : null, rule);
      }),
    );
  }

  /** The next rows: a batch whose columns are the fields, in order. */
  write(batch: arrow.RecordBatch): void {
    batch.schema.fields.forEach((field, f) => {
      const leaves = this.leaves[f]!;
      shred(field, batch.data.children[f]!, leaves).forEach((triplets, l) => {
        const writer = this.writers[f]![l]!;
        if (!triplets.def) writer.write(triplets.data);
        else writer.write(gatherValues(triplets, leaves[l]!.maxDef), { def: triplets.def, rep: triplets.rep });
      });
    });
    this.rows += batch.numRows;
  }

  /**
   * Writes the part to `path` with `template`'s schema and key-value entries
   * (a footer of exactly these fields); a part of no rows has no row group.
   * Returns its size.
   */
  async writeFile(path: string, template: ThriftStruct): Promise<number> {
    const chunks = this.rows > 0 ? this.writers.flat().map((w) => w.finish()) : [];
    const file = await open(path, "w");
    let position = 0;
    const write = async (buffers: Uint8Array[]) => {
      if (buffers.length === 0) return;
      await file.writev(buffers);
      for (const b of buffers) position += b.length;
    };
    try {
      await write([MAGIC]);
      const placed: ReturnType<WrittenChunk["place"]>[] = [];
      for (const chunk of chunks) {
        placed.push(chunk.place(position));
        // writev takes at most 1024 buffers at once on some platforms.
        for (let i = 0; i < chunk.pages.length; i += 512) await write(chunk.pages.slice(i, i + 512));
      }
      // Page indexes after the chunks: all column indexes, then all offset indexes.
      for (const p of placed) {
        if (!p.columnIndex) continue;
        const bytes = encodeStruct(p.columnIndex);
        p.chunk.set(CC.COLUMN_INDEX_OFFSET, TType.I64, BigInt(position));
        p.chunk.set(CC.COLUMN_INDEX_LENGTH, TType.I32, bytes.length);
        await write([bytes]);
      }
      for (const p of placed) {
        const bytes = encodeStruct(p.offsetIndex);
        p.chunk.set(CC.OFFSET_INDEX_OFFSET, TType.I64, BigInt(position));
        p.chunk.set(CC.OFFSET_INDEX_LENGTH, TType.I32, bytes.length);
        await write([bytes]);
      }
      const meta = cloneStruct(template);
      meta.set(FM.NUM_ROWS, TType.I64, BigInt(this.rows));
      const rowGroups: ThriftStruct[] = [];
      if (chunks.length > 0) {
        const sum = (id: number) => placed.reduce((n, p) => n + p.chunk.struct(CC.META)!.int(id)!, 0n);
        rowGroups.push(
          new ThriftStruct([
            { id: RG.COLUMNS, type: TType.List, value: { kind: "list", elementType: TType.Struct, items: placed.map((p) => p.chunk) } satisfies ThriftList },
            { id: RG.TOTAL_BYTE_SIZE, type: TType.I64, value: sum(CM.TOTAL_UNCOMPRESSED) },
            { id: RG.NUM_ROWS, type: TType.I64, value: BigInt(this.rows) },
            { id: RG.FILE_OFFSET, type: TType.I64, value: BigInt(MAGIC.length) },
            { id: RG.TOTAL_COMPRESSED, type: TType.I64, value: sum(CM.TOTAL_COMPRESSED) },
            { id: RG.ORDINAL, type: TType.I16, value: 0 },
          ]),
        );
      }
      meta.set(FM.ROW_GROUPS, TType.List, { kind: "list", elementType: TType.Struct, items: rowGroups } satisfies ThriftList);
      meta.set(FM.CREATED_BY, TType.Binary, new TextEncoder().encode(CREATED_BY));
      const footer = encodeStruct(meta);
      const length = new Uint8Array(4);
      new DataView(length.buffer).setUint32(0, footer.length, true);
      await write([footer, length, MAGIC]);
      return position;
    } finally {
      await file.close();
    }
  }
}

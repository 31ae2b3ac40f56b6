/**
 * Plain text: one row per line in a single `text` column, as `datasets`' text
 * loader does (line breaks dropped; LF, CRLF and lone CR end lines; an empty
 * line is an empty string, not a null; a final line break does not start a
 * row). A file with no bytes at all is an error.
 */
import { DataError } from "../../errors.js";
import { INITIAL_CAPACITY, Utf8Builder } from "../columns.js";
import { type Feature, type NamedFeature, featureToArrow, featureToString, value } from "../../../model/features.js";
import { type LineChunk, isEmptyFile, lineChunks } from "./lines.js";
import type { Batch, BatchCursor, FileProfile, ReaderOptions, TableReader } from "../reader.js";
import type { FilePiece } from "../pieces.js";

export const TEXT_COLUMN = "text";

export class TextReader implements TableReader {
  /** Rows pass 1 counted: pass 2 sizes its builder for no more (a small file's batch). */
  private rowCount: number | undefined;

  constructor(
    private readonly path: string,
    readonly file: string,
    private readonly options: ReaderOptions = {},
    /** Only these bytes of the file (a prepare job's slice, ../pieces.ts). */
    private readonly piece?: FilePiece,
  ) {}

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const override = overrides.get(TEXT_COLUMN);
    if (override && !(override.kind === "value" && (override.dtype === "string" || override.dtype === "large_string")))
      throw new DataError(this.file, undefined, `text files have one string column '${TEXT_COLUMN}'; it cannot be ${featureToString(override)} (string or large_string only)`);
    if (!this.piece && (await isEmptyFile(this.path, this.file))) throw new DataError(this.file, undefined, "the file is empty");
    let rows = 0;
    let bytes = 0;
    for await (const chunk of lineChunks(this.path, this.file, true, this.options.chunkBytes, this.piece)) {
      rows += chunk.records;
      for (let r = 0; r < chunk.records; r++) bytes += chunk.pos[r * 2 + 1]! - chunk.pos[r * 2]!;
    }
    this.rowCount = rows;
    return {
      file: this.file,
      rows,
      columns: [{ name: TEXT_COLUMN, feature: override ?? value("string"), stats: { count: rows, nulls: 0, bytes } }],
      nullFeature: value("string"),
    };
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    if (features.length !== 1 || features[0]!.name !== TEXT_COLUMN)
      throw new DataError(this.file, undefined, `text files only have the column '${TEXT_COLUMN}'`);
    const chunks = lineChunks(this.path, this.file, false, this.options.chunkBytes, this.piece);
    const builder = new Utf8Builder(featureToArrow(features[0]!.feature), Math.max(8, Math.min(this.rowCount ?? INITIAL_CAPACITY, INITIAL_CAPACITY)));
    let chunk: LineChunk | undefined;
    let cursor = 0;
    return {
      async next(maxRows: number): Promise<Batch | undefined> {
        while (!chunk || cursor >= chunk.records) {
          const n = await chunks.next();
          if (n.done) return undefined;
          chunk = n.value;
          cursor = 0;
        }
        const end = Math.min(chunk.records, cursor + maxRows);
        for (let r = cursor; r < end; r++) builder.appendBytes(chunk.buf, chunk.pos[r * 2]!, chunk.pos[r * 2 + 1]!);
        const rows = end - cursor;
        cursor = end;
        return { rows, columns: [builder.finish()] };
      },
      async close() {
        await chunks.return(undefined);
      },
    };
  }
}

/**
 * Shards of a dataset whose media columns are built from files. Row groups
 * are cut by the bytes of the files they hold (MEDIA_ROW_GROUP_BYTES), so a
 * reader such as the dataset viewer fetches a few rows without reading
 * 100 MB (the row groups the pieces say end are not used: they are cut by
 * rows' Arrow sizes, not by files). Per row group, the other columns (labels,
 * captions) are encoded by the page writer as usual (../part-encoder.ts,
 * with content-defined pages), in one small part; the media columns are a part
 * laid out from the files' sizes (./media-part.ts); ../merge.ts joins them,
 * copying each file into the shard once, through a bounded buffer.
 * The media columns' pages are cut by size, not by content: cutting them as
 * pyarrow's chunker would means hashing every file before it is laid out,
 * and Xet finds unchanged files in a re-published shard anyway, since their
 * bytes are stored as they are (docs/parquet.md#media-columns).
 */
import { stat } from "node:fs/promises";
import * as arrow from "apache-arrow";
import type { ThriftStruct } from "../../model/thrift.js";
import { referencedPaths } from "../../read/media/references.js";
import { type Part, type RowGroupPlan, assembleFile, fileSource, openPart } from "../merge.js";
import { encodePart } from "../part-encoder.js";
import type { EncoderSettings } from "../properties.js";
import { type EncodedShard, type RowGroupPiece, type ShardEncoder, pageWriterContext, partPath, removeScratch } from "../shard-encoder.js";
import { MediaChangedError, type MediaColumnRows, MediaPart } from "./media-part.js";

/** Bytes of files after which a row group is closed (a single larger file makes a row group of its own). */
export const MEDIA_ROW_GROUP_BYTES = 16 * 1024 * 1024;

/** Files whose size is looked up at once. */
const STAT_CONCURRENCY = 16;

export { MediaChangedError };

interface OpenRowGroup {
  rows: number;
  bytes: number;
  /** Slices of the other columns' batches. */
  others: arrow.RecordBatch[];
  media: MediaColumnRows[];
}

export class MediaShardEncoder implements ShardEncoder {
  readonly contentDefinedPages = false;

  constructor(
    /** Top-level fields (indexes into the shard's schema) that hold references to files. */
    private readonly mediaFields: number[],
    /** Most rows in a row group (mediaRowGroupRows: about 100 MB of Arrow data, as Python's row groups). */
    private readonly rowGroupRows: number,
    private readonly rowGroupBytes = MEDIA_ROW_GROUP_BYTES,
  ) {}

  async encodeShard(
    path: string,
    schema: arrow.Schema,
    pieces: AsyncIterable<RowGroupPiece>,
    settings: EncoderSettings,
    editFooter?: (meta: ThriftStruct) => void,
  ): Promise<EncodedShard> {
    const media = this.mediaFields;
    const otherFields = schema.fields.map((_, i) => i).filter((i) => !media.includes(i));
    const otherSchema = new arrow.Schema(otherFields.map((i) => schema.fields[i]!), schema.metadata);
    const mediaPart = new MediaPart();
    const context = pageWriterContext();
    const otherParts: string[] = [];
    let rows = 0;
    let current: OpenRowGroup | undefined;
    const start = (): OpenRowGroup => ({ rows: 0, bytes: 0, others: [], media: media.map((f) => ({ name: schema.fields[f]!.name, files: [] })) });
    const flush = async () => {
      if (!current || current.rows === 0) return;
      mediaPart.addRowGroup(current.media);
      if (otherFields.length > 0) {
        const part = partPath(path, otherParts.length);
        otherParts.push(part);
        const batches = current.others;
        await encodePart(part, settings, async () => batches.shift() ?? null, context);
      }
      rows += current.rows;
      current = undefined;
    };

    try {
      for await (const { batch } of pieces) {
        const files = await Promise.all(media.map((f) => sizedFiles(referencedPaths(batch.data.children[f]!))));
        let from = 0;
        const cut = (to: number) => {
          if (to > from && otherFields.length > 0) current!.others.push(new arrow.RecordBatch(otherSchema, sliceFields(batch, otherFields, otherSchema, from, to)));
          from = to;
        };
        for (let r = 0; r < batch.numRows; r++) {
          const bytes = files.reduce((n, column) => n + (column[r]?.size ?? 0), 0);
          if (current && current.rows > 0 && (current.bytes + bytes > this.rowGroupBytes || current.rows >= this.rowGroupRows)) {
            cut(r);
            await flush();
          }
          current ??= start();
          current.rows++;
          current.bytes += bytes;
          files.forEach((column, c) => current!.media[c]!.files.push(column[r]!));
        }
        cut(batch.numRows);
      }
      await flush();
      const sources = await Promise.all(otherParts.map(fileSource));
      const part = mediaPart.part();
      try {
        const others: Part[] = await Promise.all(sources.map((s) => openPart(s)));
        const owner = schema.fields.map((_, i) => (media.includes(i) && otherFields.length > 0 ? 1 : 0));
        const plans: RowGroupPlan[] = part.rowGroups.map((_, k) => ({
          cells: otherFields.length > 0 ? [{ part: others[k]!, rowGroup: 0 }, { part, rowGroup: k }] : [{ part, rowGroup: k }],
          owner,
        }));
        const { bytes, sha256 } = await assembleFile(path, context.templates.get(schema, settings), plans, editFooter);
        return { bytes, sha256, rows, encoderThreads: 0 };
      } finally {
        await part.source.close();
        await Promise.all(sources.map((s) => s.close()));
      }
    } finally {
      await Promise.all(otherParts.map(removeScratch));
    }
  }
}

/** The files a column refers to, with their sizes now (the part is laid out from them; a change before the copy is an error). */
async function sizedFiles(paths: (string | null)[]): Promise<({ localPath: string; size: number } | null)[]> {
  const out: ({ localPath: string; size: number } | null)[] = new Array(paths.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const localPath = paths[i];
      if (localPath === null || localPath === undefined) continue;
      const info = await stat(localPath).catch((e: NodeJS.ErrnoException) => {
        throw new MediaChangedError(`${localPath} cannot be read any more (${e.code ?? e.message}): it changed while the action ran`);
      });
      out[i] = { localPath, size: info.size };
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, paths.length) }, worker));
  return out;
}

/** Rows `[from, to)` of some of a batch's fields, as the data of a record batch of `schema`. */
function sliceFields(batch: arrow.RecordBatch, fields: number[], schema: arrow.Schema, from: number, to: number): arrow.Data<arrow.Struct> {
  const sliced = from === 0 && to === batch.numRows ? batch : batch.slice(from, to);
  return arrow.makeData({ type: new arrow.Struct(schema.fields), length: to - from, nullCount: 0, children: fields.map((f) => sliced.data.children[f]!) });
}

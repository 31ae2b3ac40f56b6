/**
 * The media columns of a shard as a Parquet part that is never written to
 * disk: its column chunks are laid out from the files' sizes, and the bytes
 * are read from the files only when ../merge.ts copies the chunks into the
 * shard, 8 MB at a time — so a file of any size passes through a bounded
 * buffer, and each file is read once.
 *
 * Each media column (`struct<bytes: binary, path: string>`) has two leaf
 * chunks, written as Python's `datasets` writes them (docs/parquet.md#media-columns):
 * uncompressed, PLAIN, no dictionary, data pages of at most 1 MiB of values
 * (one file per page when files are larger, so a reader can fetch one row's
 * file alone through the offset index); `bytes` holds the files' bytes with
 * a null count as its only statistic and no column index, `path` the files'
 * base names with min/max statistics and a column index.
 */
import { type FileHandle, open } from "node:fs/promises";
import path from "node:path";
import { type ThriftValue, ThriftStruct, TType, encodeStruct } from "../../model/thrift.js";
import { type Part, type PartSource, releaseBlock } from "../merge.js";
import { compareBytes } from "../pages/statistics.js";
import { BoundaryOrder, CC, CI, CM, Codec, DPH, Encoding, OI, PH, PL, PageType, Physical, RG, ST } from "../pages/format.js";

/** Largest run of values in one data page (a single larger file gets a page of its own). */
export const PAGE_VALUE_BYTES = 1024 * 1024;

/** One media column of one row group: per row the file (absolute path) and its size, or null. */
export interface MediaColumnRows {
  /** `path_in_schema` of the struct (the column name). */
  name: string;
  files: ({ localPath: string; size: number } | null)[];
}

/** A file changed between the check and the copy: its size or contents are not those planned. */
export class MediaChangedError extends Error {
  override name = "MediaChangedError";
}

type Segment = { at: number; length: number } & ({ bytes: Uint8Array } | { file: string; offset: number; fileSize: number });


type Field = [id: number, type: TType, value: ThriftValue];
const struct = (...fields: (Field | undefined)[]) =>
  new ThriftStruct(fields.filter((f): f is Field => f !== undefined).map(([id, type, value]) => ({ id, type, value })));
const list = (elementType: TType, items: ThriftValue[]): ThriftValue => ({ kind: "list", elementType, items });

const encoder = new TextEncoder();

/** Definition levels of a page (max level 2: the struct and its field), RLE-encoded with their 4-byte length, as in a v1 data page. */
function definitionLevels(present: boolean[]): Uint8Array {
  const runs: number[] = [];
  for (let i = 0; i < present.length; ) {
    let j = i;
    while (j < present.length && present[j] === present[i]) j++;
    // ULEB128 of (run length << 1), then the level in one byte (bit width 2).
    let header = (j - i) * 2;
    do {
      let b = header & 0x7f;
      header = Math.floor(header / 128);
      if (header > 0) b |= 0x80;
      runs.push(b);
    } while (header > 0);
    runs.push(present[i] ? 2 : 0);
    i = j;
  }
  const out = new Uint8Array(4 + runs.length);
  new DataView(out.buffer).setUint32(0, runs.length, true);
  out.set(runs, 4);
  return out;
}

function pageHeader(values: number, bodyBytes: number): Uint8Array {
  return encodeStruct(
    struct(
      [PH.TYPE, TType.I32, PageType.DATA_PAGE],
      [PH.UNCOMPRESSED, TType.I32, bodyBytes],
      [PH.COMPRESSED, TType.I32, bodyBytes],
      [
        PH.DATA,
        TType.Struct,
        struct(
          [DPH.NUM_VALUES, TType.I32, values],
          [DPH.ENCODING, TType.I32, Encoding.PLAIN],
          [DPH.DEFINITION_ENCODING, TType.I32, Encoding.RLE],
          [DPH.REPETITION_ENCODING, TType.I32, Encoding.RLE],
        ),
      ],
    ),
  );
}

function lengthPrefix(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

/** Pages of rows `[start, end)`: each holds up to PAGE_VALUE_BYTES of values, and at least one row. */
function pages(sizes: (number | null)[]): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] === null ? 0 : 4 + sizes[i]!;
    if (i > start && bytes + size > PAGE_VALUE_BYTES) {
      out.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (sizes.length > start) out.push([start, sizes.length]);
  return out;
}

interface PageInfo {
  at: number;
  length: number;
  firstRow: number;
  nulls: number;
  min?: Uint8Array;
  max?: Uint8Array;
}

/** Builds the part row group by row group; `part()` gives what merge.ts reads. */
export class MediaPart {
  private readonly segments: Segment[] = [];
  private size = 4; // a notional "PAR1" before the first chunk
  private readonly rowGroups: ThriftStruct[] = [];
  /** Column and offset indexes, placed after the chunks once every row group is in. */
  private readonly indexes: { column: ThriftStruct; columnIndex?: Uint8Array; offsetIndex: Uint8Array }[] = [];

  private push(segment: Segment): void {
    this.segments.push(segment);
    this.size += segment.length;
  }

  private memory(bytes: Uint8Array): void {
    if (bytes.length > 0) this.push({ at: this.size, length: bytes.length, bytes });
  }

  /** Adds a row group holding `columns` (each with one entry per row). */
  addRowGroup(columns: MediaColumnRows[]): void {
    const rows = columns[0]?.files.length ?? 0;
    const chunks: ThriftStruct[] = [];
    for (const column of columns) {
      chunks.push(this.bytesChunk(column));
      chunks.push(this.pathChunk(column));
    }
    const total = chunks.reduce((n, c) => n + (c.struct(CC.META)!.int(CM.TOTAL_COMPRESSED) ?? 0n), 0n);
    this.rowGroups.push(
      struct(
        [RG.COLUMNS, TType.List, list(TType.Struct, chunks)],
        [RG.TOTAL_BYTE_SIZE, TType.I64, total],
        [RG.NUM_ROWS, TType.I64, BigInt(rows)],
        [RG.FILE_OFFSET, TType.I64, chunks.length > 0 ? chunks[0]!.struct(CC.META)!.int(CM.DATA_PAGE)! : 0n],
        [RG.TOTAL_COMPRESSED, TType.I64, total],
        [RG.ORDINAL, TType.I16, this.rowGroups.length],
      ),
    );
  }

  /** The `bytes` leaf: each file's bytes, read from disk at copy time. */
  private bytesChunk(column: MediaColumnRows): ThriftStruct {
    const start = this.size;
    const sizes = column.files.map((f) => (f === null ? null : f.size));
    const infos: PageInfo[] = [];
    for (const [from, to] of pages(sizes)) {
      const at = this.size;
      const present = sizes.slice(from, to).map((s) => s !== null);
      const levels = definitionLevels(present);
      let body = levels.length;
      for (let i = from; i < to; i++) if (sizes[i] !== null) body += 4 + sizes[i]!;
      this.memory(concat(pageHeader(to - from, body), levels));
      for (let i = from; i < to; i++) {
        const f = column.files[i];
        if (!f) continue;
        this.memory(lengthPrefix(f.size));
        if (f.size > 0) this.push({ at: this.size, length: f.size, file: f.localPath, offset: 0, fileSize: f.size });
      }
      infos.push({ at, length: this.size - at, firstRow: from, nulls: present.filter((p) => !p).length });
    }
    return this.chunk(`${column.name}.bytes`, start, column.files.length, infos, false);
  }

  /** The `path` leaf: base names, as `embed_external_files` stores them. */
  private pathChunk(column: MediaColumnRows): ThriftStruct {
    const start = this.size;
    const names: (Uint8Array | null)[] = column.files.map((f) => (f === null ? null : encoder.encode(path.basename(f.localPath))));
    const infos: PageInfo[] = [];
    for (const [from, to] of pages(names.map((n) => (n === null ? null : n.length)))) {
      const at = this.size;
      const slice = names.slice(from, to);
      const levels = definitionLevels(slice.map((n) => n !== null));
      const values = slice.filter((n): n is Uint8Array => n !== null);
      const body = levels.length + values.reduce((n, v) => n + 4 + v.length, 0);
      const parts = [pageHeader(to - from, body), levels];
      for (const v of values) parts.push(lengthPrefix(v.length), v);
      this.memory(concat(...parts));
      const sorted = [...values].sort(compareBytes);
      infos.push({ at, length: this.size - at, firstRow: from, nulls: slice.length - values.length, min: sorted[0], max: sorted[sorted.length - 1] });
    }
    return this.chunk(`${column.name}.path`, start, column.files.length, infos, true);
  }

  /** The ColumnChunk of pages `infos`, and its indexes (a column index only with statistics). */
  private chunk(leaf: string, start: number, rows: number, infos: PageInfo[], withMinMax: boolean): ThriftStruct {
    const bytes = BigInt(this.size - start);
    const nulls = infos.reduce((n, p) => n + p.nulls, 0);
    const valued = infos.filter((p) => p.min !== undefined);
    const min = valued.map((p) => p.min!).sort(compareBytes)[0];
    const max = valued.map((p) => p.max!).sort(compareBytes).pop();
    const statistics = struct(
      [ST.NULL_COUNT, TType.I64, BigInt(nulls)],
      withMinMax && max ? [ST.MAX_VALUE, TType.Binary, max] : undefined,
      withMinMax && min ? [ST.MIN_VALUE, TType.Binary, min] : undefined,
    );
    const meta = struct(
      [CM.TYPE, TType.I32, Physical.BYTE_ARRAY],
      [CM.ENCODINGS, TType.List, list(TType.I32, [Encoding.RLE, Encoding.PLAIN])],
      [CM.PATH, TType.List, list(TType.Binary, leaf.split(".").map((p) => encoder.encode(p)))],
      [CM.CODEC, TType.I32, Codec.UNCOMPRESSED],
      [CM.NUM_VALUES, TType.I64, BigInt(rows)],
      [CM.TOTAL_UNCOMPRESSED, TType.I64, bytes],
      [CM.TOTAL_COMPRESSED, TType.I64, bytes],
      [CM.DATA_PAGE, TType.I64, BigInt(start)],
      [CM.STATISTICS, TType.Struct, statistics],
    );
    const column = struct([CC.FILE_OFFSET, TType.I64, 0n], [CC.META, TType.Struct, meta]);
    const location = (p: PageInfo) => struct([PL.OFFSET, TType.I64, BigInt(p.at)], [PL.COMPRESSED_SIZE, TType.I32, p.length], [PL.FIRST_ROW, TType.I64, BigInt(p.firstRow)]);
    const offsetIndex = encodeStruct(struct([OI.PAGE_LOCATIONS, TType.List, list(TType.Struct, infos.map(location))]));
    const columnIndex = withMinMax ? encodeStruct(columnIndexOf(infos)) : undefined;
    this.indexes.push({ column, columnIndex, offsetIndex });
    return column;
  }

  /** The part, for merge.ts: its row groups, and a source that reads the files as the chunks are copied. */
  part(): Part & { source: PartSource & { close(): Promise<void> } } {
    // Column indexes, then offset indexes, after the chunks (their positions only matter inside the part).
    for (const index of this.indexes)
      if (index.columnIndex) {
        index.column.set(CC.COLUMN_INDEX_OFFSET, TType.I64, BigInt(this.size));
        index.column.set(CC.COLUMN_INDEX_LENGTH, TType.I32, index.columnIndex.length);
        this.memory(index.columnIndex);
      }
    for (const index of this.indexes) {
      index.column.set(CC.OFFSET_INDEX_OFFSET, TType.I64, BigInt(this.size));
      index.column.set(CC.OFFSET_INDEX_LENGTH, TType.I32, index.offsetIndex.length);
      this.memory(index.offsetIndex);
    }
    return { source: new SegmentSource(this.segments, this.size), meta: new ThriftStruct(), rowGroups: this.rowGroups };
  }
}

function columnIndexOf(infos: PageInfo[]): ThriftStruct {
  const mins = infos.map((p) => p.min ?? new Uint8Array(0));
  const maxs = infos.map((p) => p.max ?? new Uint8Array(0));
  const valued = infos.map((p, i) => [p, i] as const).filter(([p]) => p.min !== undefined);
  const ordered = (sign: number) => valued.every(([, i], k) => k === 0 || (sign * compareBytes(mins[valued[k - 1]![1]]!, mins[i]!) <= 0 && sign * compareBytes(maxs[valued[k - 1]![1]]!, maxs[i]!) <= 0));
  const boundary = ordered(1) ? BoundaryOrder.ASCENDING : ordered(-1) ? BoundaryOrder.DESCENDING : BoundaryOrder.UNORDERED;
  return struct(
    [CI.NULL_PAGES, TType.List, list(TType.True, infos.map((p) => p.min === undefined))],
    [CI.MIN_VALUES, TType.List, list(TType.Binary, mins)],
    [CI.MAX_VALUES, TType.List, list(TType.Binary, maxs)],
    [CI.BOUNDARY_ORDER, TType.I32, boundary],
    [CI.NULL_COUNTS, TType.List, list(TType.I64, infos.map((p) => BigInt(p.nulls)))],
  );
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads the part's address space: in-memory pieces, and ranges of the media files (one file open at a time). */
class SegmentSource implements PartSource {
  private handle: { path: string; file: FileHandle } | undefined;

  constructor(
    private readonly segments: Segment[],
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let i = this.find(offset);
    let done = 0;
    while (done < length) {
      const s = this.segments[i];
      if (!s) throw new Error(`read past the end of the media part (${offset + done})`);
      const from = offset + done - s.at;
      const n = Math.min(s.length - from, length - done);
      if ("bytes" in s) out.set(s.bytes.subarray(from, from + n), done);
      else await this.readFile(s, s.offset + from, out.subarray(done, done + n));
      done += n;
      i++;
    }
    return out;
  }

  release(bytes: Uint8Array): void {
    releaseBlock(bytes);
  }

  /** Index of the segment holding `offset` (segments are sorted and contiguous). */
  private find(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.at <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private async readFile(s: Segment & { file: string; fileSize: number }, at: number, into: Uint8Array): Promise<void> {
    if (this.handle?.path !== s.file) {
      await this.close();
      const file = await open(s.file, "r");
      this.handle = { path: s.file, file };
      const { size } = await file.stat();
      if (size !== s.fileSize) throw new MediaChangedError(`${s.file} is ${size} bytes now, ${s.fileSize} when it was checked: it changed while the action ran`);
    }
    let done = 0;
    while (done < into.length) {
      const { bytesRead } = await this.handle!.file.read(into, done, into.length - done, at + done);
      if (bytesRead === 0) throw new MediaChangedError(`${s.file} ended early: it changed while the action ran`);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.file.close();
  }
}

/**
 * Parquet inputs, re-sharded with their Arrow types kept. The file is read
 * through parquet-wasm from a Blob backed by the file on disk (`openAsBlob`),
 * in record batches, so it is never held whole in memory.
 *
 * Features: a column keeps the feature of the file's `huggingface` metadata
 * (so ClassLabel, Image, ... survive) when that feature's Arrow type matches
 * the column, as `Features.from_arrow_schema` does; otherwise the feature is
 * inferred from the Arrow type (spec §3.4). Columns whose final type (after
 * unification with other files, or a `features` override) has the same
 * memory layout are passed through buffer for buffer; others (dictionary
 * columns, int64 → float64, strings → class_label, ...) are converted value by
 * value.
 *
 * gzip-compressed Parquet (`.parquet.gz`) is refused: Parquet compresses its
 * own pages, and reading it would need the whole file unpacked first.
 */
import { openAsBlob } from "node:fs";
import * as arrow from "apache-arrow";
import * as parquet from "parquet-wasm/node";
import { DataError } from "../../errors.js";
import { builderFor, describe, unsupportedReason } from "../columns.js";
import { type Feature, type NamedFeature, featureFromArrow, featureFromJson, featureToArrow, featureToString } from "../features.js";
import { type ColumnProfile, type FileProfile, type SizeStats, emptyStats, mergeStats, statsOfData } from "../schema.js";
import { ioError, isGzipName } from "../source.js";
import { fromStorage, storageTypeOf } from "../storage.js";
import { converterFor } from "../values.js";
import type { Batch, BatchCursor, ReaderOptions, TableReader } from "./reader.js";

/** Target bytes of one record batch read from the file (uncompressed). */
const BATCH_BYTES = 16 * 1024 * 1024;
const MAX_BATCH_ROWS = 65_536;

interface Column {
  name: string;
  /** Index in the file's schema. */
  index: number;
  field: arrow.Field;
  /** The feature the file itself gives the column. */
  feature: Feature;
}

export class ParquetReader implements TableReader {
  private columns: Column[] | undefined;
  private batchRows = MAX_BATCH_ROWS;

  constructor(
    private readonly path: string,
    readonly file: string,
    _options: ReaderOptions = {},
  ) {}

  private async openFile(): Promise<parquet.ParquetFile> {
    if (isGzipName(this.path))
      throw new DataError(
        this.file,
        undefined,
        "gzip-compressed Parquet is not supported: Parquet already compresses its pages; publish the .parquet file itself",
      );
    let blob: Blob;
    try {
      blob = await openAsBlob(this.path);
    } catch (e) {
      throw ioError(this.file, e);
    }
    try {
      return await parquet.ParquetFile.fromFile(blob);
    } catch (e) {
      throw new DataError(this.file, undefined, `not a readable Parquet file (${errorText(e)})`);
    }
  }

  /** Reads the schema, the `huggingface` features and the batch size. */
  private describe(pf: parquet.ParquetFile): { columns: Column[]; rows: number } {
    const metadata = pf.metadata();
    let rows: number;
    let bytes = 0;
    let hf: string | undefined;
    try {
      const fileMeta = metadata.fileMetadata();
      rows = fileMeta.numRows();
      hf = fileMeta.keyValueMetadata().get("huggingface") as string | undefined;
      fileMeta.free();
      for (let i = 0; i < metadata.numRowGroups(); i++) {
        const rg = metadata.rowGroup(i);
        bytes += rg.totalByteSize();
        rg.free();
      }
    } finally {
      metadata.free();
    }
    this.batchRows = rows > 0 && bytes > 0 ? Math.max(1024, Math.min(MAX_BATCH_ROWS, Math.floor((rows * BATCH_BYTES) / bytes))) : MAX_BATCH_ROWS;
    const schema = arrowSchema(pf, this.file);
    const fromMetadata = metadataFeatures(hf);
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
      return { name: field.name, index, field, feature };
    });
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c.name)) throw new DataError(this.file, undefined, `the column name '${c.name}' appears twice`);
      seen.add(c.name);
    }
    this.columns = columns;
    return { columns, rows };
  }

  /** Record batches of the file, as JS Arrow batches. */
  private async *batches(pf: parquet.ParquetFile): AsyncGenerator<arrow.RecordBatch> {
    let stream: ReadableStream<parquet.RecordBatch>;
    try {
      stream = (await pf.stream({ batchSize: this.batchRows })) as ReadableStream<parquet.RecordBatch>;
    } catch (e) {
      throw new DataError(this.file, undefined, `cannot read the Parquet data (${errorText(e)})`);
    }
    const reader = stream.getReader();
    try {
      for (;;) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (e) {
          throw new DataError(this.file, undefined, `cannot read the Parquet data (${errorText(e)})`);
        }
        if (next.done) return;
        const table = arrow.tableFromIPC(next.value.intoIPCStream());
        for (const batch of table.batches) yield batch;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
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
      const stats: SizeStats[] = columns.map(() => emptyStats());
      let seen = 0;
      for await (const batch of this.batches(pf)) {
        for (const [i, c] of columns.entries()) {
          const data = adapt(batch.getChildAt(c.index)!.data[0]!, c, targets[i]!, this.file, seen);
          stats[i] = mergeStats(stats[i]!, statsOfData(data));
        }
        seen += batch.numRows;
      }
      if (seen !== rows) throw new DataError(this.file, undefined, `the file says it holds ${rows} rows but ${seen} were read`);
      const profiled: ColumnProfile[] = columns.map((c, i) => ({ name: c.name, feature: targets[i], stats: stats[i]! }));
      return { file: this.file, rows, columns: profiled, nullFeature: { kind: "value", dtype: "null" } };
    } finally {
      pf.free();
    }
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const pf = await this.openFile();
    const columns = this.columns ?? this.describe(pf).columns;
    const byName = new Map(columns.map((c) => [c.name, c]));
    const wanted = features.map((f) => {
      const c = byName.get(f.name);
      if (!c) throw new DataError(this.file, undefined, `column '${f.name}' is missing from this file`);
      return { column: c, feature: f.feature };
    });
    const batches = this.batches(pf);
    let pending: arrow.RecordBatch | undefined;
    let cursor = 0;
    let seen = 0;
    let closed = false;
    const file = this.file;
    return {
      async next(maxRows: number): Promise<Batch | undefined> {
        while (!pending || cursor >= pending.numRows) {
          if (pending) seen += pending.numRows;
          const n = await batches.next();
          if (n.done) return undefined;
          pending = n.value;
          cursor = 0;
        }
        const rows = Math.min(maxRows, pending.numRows - cursor);
        const out = wanted.map(({ column, feature }) => {
          const data = pending!.getChildAt(column.index)!.data[0]!;
          return adapt(data.slice(cursor, rows), column, feature, file, seen + cursor);
        });
        cursor += rows;
        return { rows, columns: out };
      },
      async close() {
        if (closed) return;
        closed = true;
        await batches.return(undefined);
        pf.free();
      },
    };
  }
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function arrowSchema(pf: parquet.ParquetFile, file: string): arrow.Schema {
  try {
    const reader = arrow.RecordBatchReader.from(pf.schema().intoIPCStream());
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
 * storage type (timestamp[s] as milliseconds, see storage.ts) counts too.
 */
function sameMetadataType(feature: Feature, field: arrow.Field): boolean {
  try {
    const type = featureToArrow(feature);
    return sameLayout(field.type, type, true) || sameLayout(field.type, storageTypeOf(type), true, true);
  } catch {
    return false;
  }
}

/**
 * Whether data of type `a` can be relabelled as type `b` without touching its
 * buffers (same physical layout; list item names and nullability ignored).
 * `names` also compares struct field names (and order).
 */
export function sameLayout(a: arrow.DataType, b: arrow.DataType, names = true, anyZone = false): boolean {
  const zones = (x: string | null | undefined, y: string | null | undefined) => (x ?? null) === (y ?? null) || (anyZone && !!x && !!y);
  if (a.typeId !== b.typeId) {
    // apache-arrow splits some types into subclasses with distinct ids (Int8, TimestampSecond, ...): compare by family.
    if (arrow.DataType.isInt(a) && arrow.DataType.isInt(b)) return a.bitWidth === b.bitWidth && a.isSigned === b.isSigned;
    if (arrow.DataType.isFloat(a) && arrow.DataType.isFloat(b)) return a.precision === b.precision;
    if (arrow.DataType.isTimestamp(a) && arrow.DataType.isTimestamp(b)) return a.unit === b.unit && zones(a.timezone, b.timezone);
    if (arrow.DataType.isDate(a) && arrow.DataType.isDate(b)) return a.unit === b.unit;
    if (arrow.DataType.isTime(a) && arrow.DataType.isTime(b)) return a.unit === b.unit && a.bitWidth === b.bitWidth;
    if (arrow.DataType.isDuration(a) && arrow.DataType.isDuration(b)) return a.unit === b.unit;
    return false;
  }
  if (arrow.DataType.isInt(a)) return a.bitWidth === (b as arrow.Int).bitWidth && a.isSigned === (b as arrow.Int).isSigned;
  if (arrow.DataType.isFloat(a)) return a.precision === (b as arrow.Float).precision;
  if (arrow.DataType.isTimestamp(a)) {
    const t = b as arrow.Timestamp;
    return a.unit === t.unit && zones(a.timezone, t.timezone);
  }
  if (arrow.DataType.isDate(a)) return a.unit === (b as arrow.Date_).unit;
  if (arrow.DataType.isTime(a)) return a.unit === (b as arrow.Time).unit && a.bitWidth === (b as arrow.Time).bitWidth;
  if (arrow.DataType.isDuration(a)) return a.unit === (b as arrow.Duration).unit;
  if (arrow.DataType.isDecimal(a)) {
    const d = b as arrow.Decimal;
    return a.precision === d.precision && a.scale === d.scale && a.bitWidth === d.bitWidth;
  }
  if (arrow.DataType.isFixedSizeBinary(a)) return a.byteWidth === (b as arrow.FixedSizeBinary).byteWidth;
  if (arrow.DataType.isFixedSizeList(a))
    return a.listSize === (b as arrow.FixedSizeList).listSize && sameLayout(a.children[0]!.type, b.children[0]!.type, names, anyZone);
  if (arrow.DataType.isList(a) || a instanceof arrow.LargeList) return sameLayout(a.children[0]!.type, b.children[0]!.type, names, anyZone);
  if (arrow.DataType.isStruct(a)) {
    if (a.children.length !== b.children.length) return false;
    return a.children.every((f, i) => {
      const g = b.children[i]!;
      return (!names || f.name === g.name) && sameLayout(f.type, g.type, names, anyZone);
    });
  }
  if (arrow.DataType.isDictionary(a) || arrow.DataType.isMap(a) || arrow.DataType.isUnion(a)) return false;
  return true;
}

/** `data` relabelled as `type` (same layout, see sameLayout), recursively. */
function relabel(data: arrow.Data, type: arrow.DataType): arrow.Data {
  const children = data.children.map((child, i) => relabel(child, type.children[i]!.type));
  return data.clone(type, data.offset, data.length, data.nullCount, data.buffers, children);
}

/**
 * One column of a batch in the target feature's Arrow type: relabelled when
 * the layout matches (checked for class labels), converted value by value
 * otherwise. `firstRow` numbers rows in messages.
 */
function adapt(data: arrow.Data, column: Column, target: Feature, file: string, firstRow: number): arrow.Data {
  const type = featureToArrow(target);
  if (sameLayout(data.type, type)) {
    if (target.kind === "class_label") checkLabels(data, target.names.length, column.name, file, firstRow);
    return relabel(data, type);
  }
  const stored = storageTypeOf(type);
  if (stored !== type && sameLayout(data.type, stored, true, true)) {
    // A shard of ours (or pyarrow's): timestamp[s] stored as milliseconds, ...
    try {
      return fromStorage(relabel(data, stored), type);
    } catch (e) {
      throw new DataError(file, undefined, `column '${column.name}' (${featureToString(target)}): ${(e as Error).message}`);
    }
  }
  if (arrow.DataType.isStruct(data.type) && arrow.DataType.isStruct(type) && sameFieldsByName(data.type, type)) {
    // Same fields in another order, or fields this file lacks (struct union across files): rearrange.
    const byName = new Map(data.type.children.map((f, i) => [f.name, i]));
    const fields = (target.kind === "struct" ? target.fields : []) as NamedFeature[];
    const children = type.children.map((f, i) => {
      const at = byName.get(f.name);
      if (at === undefined) return nullData(f.type, data.length);
      const sub = data.children[at]!; // struct children of a slice are sliced already
      const fieldFeature = fields[i]?.feature ?? featureFromArrow(f.type, f);
      return adapt(sub, { ...column, name: `${column.name}.${f.name}` }, fieldFeature, file, firstRow);
    });
    return arrow.makeData({ type: type as arrow.Struct, length: data.length, nullCount: data.nullCount, nullBitmap: sliceBitmap(data), children });
  }
  if (data.type.typeId === arrow.Type.Null) return nullData(type, data.length);
  return convertValues(data, column, target, file, firstRow);
}

function sameFieldsByName(a: arrow.Struct, b: arrow.Struct): boolean {
  const names = new Set(a.children.map((f) => f.name));
  return b.children.some((f) => names.has(f.name)) && a.children.every((f) => b.children.some((g) => g.name === f.name));
}

/** The validity bitmap of sliced data, realigned to start at bit 0. */
function sliceBitmap(data: arrow.Data): Uint8Array | undefined {
  if (!data.nullBitmap || data.nullCount === 0) return undefined;
  const out = new Uint8Array((data.length + 7) >> 3);
  for (let i = 0; i < data.length; i++) if (data.getValid(i)) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** `length` nulls of any type. */
function nullData(type: arrow.DataType, length: number): arrow.Data {
  const builder = arrow.makeBuilder({ type, nullValues: [null, undefined] });
  for (let i = 0; i < length; i++) builder.append(null);
  return builder.finish().flush();
}

/** Class label ids read from a file must be -1..n-1, as `ClassLabel.cast_storage` checks. */
function checkLabels(data: arrow.Data, n: number, name: string, file: string, firstRow: number): void {
  const vector = arrow.makeVector(data);
  for (let i = 0; i < vector.length; i++) {
    const v = vector.get(i) as bigint | number | null;
    if (v === null) continue;
    const id = Number(v);
    if (id < -1 || id >= n)
      throw new DataError(file, undefined, `column '${name}' (class_label with ${n} names), row ${firstRow + i + 1}: id ${id} is not between -1 and ${n - 1}`);
  }
}

/** A JS value of an Arrow vector as parsed JSON would give it (plain arrays and objects, safe integers as numbers). */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (typeof v !== "object") return v;
  if (v instanceof arrow.Vector) return Array.from(v, plain);
  if (ArrayBuffer.isView(v) && !(v instanceof Uint8Array)) return Array.from(v as unknown as ArrayLike<number | bigint>, plain);
  if (typeof (v as { toJSON?: unknown }).toJSON === "function" && !(v instanceof Date)) {
    const json = (v as { toJSON(): Record<string, unknown> }).toJSON();
    return Object.fromEntries(Object.entries(json).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** The slow path: value by value through the target feature's builder. */
function convertValues(data: arrow.Data, column: Column, target: Feature, file: string, firstRow: number): arrow.Data {
  const builder = builderFor(target);
  const convert = converterFor(target);
  const vector = arrow.makeVector(data);
  const sourceIsTime = /^(timestamp|date|time|duration)/.test(featureToString(column.feature));
  for (let i = 0; i < vector.length; i++) {
    const raw = vector.get(i);
    try {
      if (raw !== null && sourceIsTime) throw new Error(`${featureToString(column.feature)} values cannot be converted`);
      const v = plain(raw);
      builder.appendValue(convert ? convert(v) : v);
    } catch (e) {
      throw new DataError(
        file,
        undefined,
        `column '${column.name}' (${featureToString(column.feature)} in this file, ${featureToString(target)} in the dataset), row ${firstRow + i + 1}: ${(e as Error).message}` +
          (raw === null ? "" : ` (value ${describe(plain(raw))})`),
      );
    }
  }
  return builder.finish();
}

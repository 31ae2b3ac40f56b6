/**
 * A column read from a Parquet input, in the dataset's type: relabelled
 * buffer for buffer when the layouts match (class label ids checked),
 * restored from its storage type (timestamp[s] stored as milliseconds, ...),
 * rearranged (struct fields in another order, or missing), or converted
 * value by value through the target feature's builder, with an error naming
 * the file, column and row of a value that does not fit.
 */
import * as arrow from "apache-arrow";
import { type Feature, type NamedFeature, featureFromArrow, featureToArrow, featureToString } from "../../../model/features.js";
import { DataError } from "../../errors.js";
import { fromStorage, storageTypeOf } from "../../model/storage.js";
import { builderFor, describe } from "../columns.js";
import { converterFor } from "../values.js";

/** What adapt needs to know of the column: its name (for messages) and the feature the file gives it. */
export interface SourceColumn {
  name: string;
  feature: Feature;
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
export function adapt(data: arrow.Data, column: SourceColumn, target: Feature, file: string, firstRow: number): arrow.Data {
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
function convertValues(data: arrow.Data, column: SourceColumn, target: Feature, file: string, firstRow: number): arrow.Data {
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

/**
 * The Arrow types shards store, where Parquet has no annotation for the
 * dataset's own type. pyarrow coerces these when it writes Parquet, and
 * restores them on read from `ARROW:schema`; arrow-rs (inside parquet-wasm)
 * would write bare integers instead, which pyarrow, pandas and DuckDB then
 * read as plain numbers. So shards store:
 * - timestamp[s] as timestamp[ms] (values × 1000), with its time zone;
 * - time32[s] as time32[ms] (values × 1000);
 * - date64 as date32 (whole days).
 * The card and the `huggingface` metadata keep the dataset's type; `datasets`
 * casts back losslessly when it loads the shards with the card's features.
 */
import * as arrow from "apache-arrow";

/** The type data of `type` is stored as (`type` itself when stored as it is). */
export function storageTypeOf(type: arrow.DataType): arrow.DataType {
  return storageType(type) ?? type;
}

/** The storage type of `type`, or undefined when it is stored as it is. */
function storageType(type: arrow.DataType): arrow.DataType | undefined {
  if (type instanceof arrow.Timestamp && type.unit === arrow.TimeUnit.SECOND)
    return new arrow.Timestamp(arrow.TimeUnit.MILLISECOND, type.timezone);
  if (type instanceof arrow.Time && type.unit === arrow.TimeUnit.SECOND) return new arrow.Time(arrow.TimeUnit.MILLISECOND, 32);
  if (type instanceof arrow.Date_ && type.unit === arrow.DateUnit.MILLISECOND) return new arrow.DateDay();
  const children = type.children as arrow.Field[] | undefined;
  if (!children || children.length === 0) return undefined;
  const mapped = children.map((f) => storageType(f.type));
  if (mapped.every((t) => t === undefined)) return undefined;
  const fields = children.map((f, i) => (mapped[i] ? new arrow.Field(f.name, mapped[i], f.nullable, f.metadata) : f));
  if (type instanceof arrow.Struct) return new arrow.Struct(fields);
  if (type instanceof arrow.LargeList) return new arrow.LargeList(fields[0]!);
  if (type instanceof arrow.FixedSizeList) return new arrow.FixedSizeList(type.listSize, fields[0]!);
  if (type instanceof arrow.List) return new arrow.List(fields[0]!);
  return undefined;
}

/** The schema as stored (see storageType), or the same schema when nothing needs coercing. */
export function storageSchema(schema: arrow.Schema): arrow.Schema {
  const mapped = schema.fields.map((f) => storageType(f.type));
  if (mapped.every((t) => t === undefined)) return schema;
  return new arrow.Schema(
    schema.fields.map((f, i) => (mapped[i] ? new arrow.Field(f.name, mapped[i], f.nullable, f.metadata) : f)),
    schema.metadata,
  );
}

/** `data` (of `type`) converted to its storage type `to`. */
function toStorage(data: arrow.Data, type: arrow.DataType, to: arrow.DataType): arrow.Data {
  if (type === to) return data;
  if (type instanceof arrow.Timestamp || (type instanceof arrow.Time && type.bitWidth === 32)) {
    const wide = type instanceof arrow.Timestamp;
    const src = data.values as BigInt64Array | Int32Array;
    const out = wide ? new BigInt64Array(data.length) : new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) (out as Int32Array)[i] = wide ? ((src[i] as bigint) * 1000n as never) : (src[i] as number) * 1000;
    return data.clone(to, data.offset, data.length, data.nullCount, [undefined, out, data.nullBitmap, undefined] as never);
  }
  if (type instanceof arrow.Date_) {
    const src = data.values as unknown as BigInt64Array;
    const out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(src[i]! / 86_400_000n);
    return data.clone(to, data.offset, data.length, data.nullCount, [undefined, out, data.nullBitmap, undefined] as never);
  }
  const children = data.children.map((c, i) => toStorage(c, type.children[i]!.type, to.children[i]!.type));
  return data.clone(to, data.offset, data.length, data.nullCount, data.buffers, children);
}

/** A record batch of `schema` as stored (`stored` = storageSchema(schema)). */
export function batchToStorage(batch: arrow.RecordBatch, schema: arrow.Schema, stored: arrow.Schema): arrow.RecordBatch {
  if (schema === stored) return batch;
  const children = schema.fields.map((f, i) => toStorage(batch.data.children[i]!, f.type, stored.fields[i]!.type));
  return new arrow.RecordBatch(
    stored,
    arrow.makeData({ type: new arrow.Struct(stored.fields), length: batch.numRows, nullCount: 0, children }),
  );
}


/**
 * Data read back from a shard (of the storage type) converted to the
 * dataset's `type`: the inverse of toStorage. Throws when a value does not
 * convert exactly (say milliseconds that are not whole seconds).
 */
export function fromStorage(data: arrow.Data, type: arrow.DataType): arrow.Data {
  if (type instanceof arrow.Timestamp || type instanceof arrow.Time || type instanceof arrow.Date_) {
    if (storageType(type) === undefined) return data;
    const n = data.length;
    if (type instanceof arrow.Date_) {
      const src = data.values as Int32Array;
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(src[i]!) * 86_400_000n;
      return data.clone(type, data.offset, n, data.nullCount, [undefined, out, data.nullBitmap, undefined] as never);
    }
    const wide = type instanceof arrow.Timestamp;
    const src = data.values as BigInt64Array | Int32Array;
    const out = wide ? new BigInt64Array(n) : new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (!data.getValid(i)) continue;
      const v = src[i]!;
      if (wide ? (v as bigint) % 1000n !== 0n : (v as number) % 1000 !== 0)
        throw new Error(`${String(v)} ms is not a whole number of seconds`);
      (out as Int32Array)[i] = wide ? (((v as bigint) / 1000n) as never) : (v as number) / 1000;
    }
    return data.clone(type, data.offset, n, data.nullCount, [undefined, out, data.nullBitmap, undefined] as never);
  }
  const children = data.children.map((c, i) => fromStorage(c, type.children[i]!.type));
  return data.clone(type, data.offset, data.length, data.nullCount, data.buffers, children);
}

/**
 * How the content-defined chunker must hash a stored value to hash what
 * pyarrow hashes (the dataset type's Arrow value, before pyarrow coerces it
 * for Parquet): milliseconds back to seconds (timestamp[s], time32[s]),
 * days to milliseconds (date64), or the value as stored.
 */
export type HashRule = "stored" | "milliseconds-to-seconds" | "days-to-milliseconds";

/** The leaves whose stored values are not the dataset's, by JSON of their path (field names from the top): how to hash them. */
export function hashRules(schema: arrow.Schema): Record<string, HashRule> {
  const rules: Record<string, HashRule> = {};
  const walk = (type: arrow.DataType, path: string[]) => {
    if (type instanceof arrow.Timestamp || type instanceof arrow.Time) {
      if (type.unit === arrow.TimeUnit.SECOND) rules[JSON.stringify(path)] = "milliseconds-to-seconds";
    } else if (type instanceof arrow.Date_) {
      if (type.unit === arrow.DateUnit.MILLISECOND) rules[JSON.stringify(path)] = "days-to-milliseconds";
    }
    for (const child of (type.children as arrow.Field[] | undefined) ?? []) walk(child.type, [...path, child.name]);
  };
  for (const field of schema.fields) walk(field.type, [field.name]);
  return rules;
}

/**
 * A batch of every flat type a dataset can have (the feature model's
 * Value dtypes, as the shards' dataset schema gives them), with nulls and
 * the awkward values: extremes of each integer type, NaN, -0.0 and +0.0,
 * infinities, empty strings, strings and binaries past the 64 bytes
 * statistics keep (multi-byte characters and 0xFF bytes at the cut).
 */
import * as arrow from "apache-arrow";
import { rng } from "../../../bench/generate.js";
import { featuresFromYaml } from "../../../src/model/features.js";
import { type ShardSchema, shardSchema } from "../../../src/data/write/shard-schema.js";

export const DTYPES: Record<string, string> = {
  i8: "int8",
  i16: "int16",
  i32: "int32",
  i64: "int64",
  u8: "uint8",
  u16: "uint16",
  u32: "uint32",
  u64: "uint64",
  f16: "float16",
  f32: "float32",
  f64: "float64",
  b: "bool",
  s: "string",
  ls: "large_string",
  bin: "binary",
  lbin: "large_binary",
  d32: "date32",
  d64: "date64",
  ts_s: "timestamp[s]",
  ts_ms: "timestamp[ms, tz=UTC]",
  ts_us: "timestamp[us]",
  ts_ns: "timestamp[ns, tz=Europe/Paris]",
  t32_s: "time32[s]",
  t32_ms: "time32[ms]",
  t64_us: "time64[us]",
  t64_ns: "time64[ns]",
  dur_s: "duration[s]",
  dur_ns: "duration[ns]",
  dec9: "decimal128(9, 2)",
  dec18: "decimal128(18, 3)",
  dec30: "decimal128(30, 5)",
  dec40: "decimal256(40, 4)",
  nothing: "null",
};

export function allTypesSchema(): ShardSchema {
  const yaml = Object.entries(DTYPES).map(([name, dtype]) => ({ name, dtype }));
  return shardSchema(featuresFromYaml(yaml, "features"));
}

/** `rows` rows of every type in DTYPES (the dataset's types), deterministic for a seed. */
export function allTypesBatch(schema: arrow.Schema, rows: number, seed: number): arrow.RecordBatch {
  const r = rng(seed);
  const columns = schema.fields.map((field) => column(field.type, rows, r));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children: columns }));
}

function validity(n: number, r: () => number, share: number): { nullBitmap: Uint8Array; nullCount: number; valid: (i: number) => boolean } {
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (r() < share) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap, nullCount, valid: (i) => ((nullBitmap[i >> 3]! >> (i & 7)) & 1) === 1 };
}

/** A value among a few special ones now and then, else an ordinary one. */
function pick<T>(r: () => number, special: T[], ordinary: () => T): T {
  return r() < 0.02 ? special[Math.floor(r() * special.length)]! : ordinary();
}

function column(type: arrow.DataType, n: number, r: () => number): arrow.Data {
  if (arrow.DataType.isNull(type)) return arrow.makeData({ type, length: n, nullCount: n });
  const { nullBitmap, nullCount } = validity(n, r, 0.08);
  const fixed = (data: ArrayLike<number | bigint> & ArrayBufferView) => arrow.makeData({ type, length: n, nullCount, nullBitmap, data } as never);
  const bigints = (make: () => bigint) => fixed(BigInt64Array.from({ length: n }, make));
  type Ints = { from(values: number[]): ArrayLike<number> & ArrayBufferView };
  const ints = (Typed: Ints, bits: number) =>
    fixed(Typed.from(Array.from({ length: n }, () => pick(r, [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1, 0], () => Math.floor(r() * 2 ** bits) - 2 ** (bits - 1)))));
  const uints = (Typed: Ints, bits: number) => fixed(Typed.from(Array.from({ length: n }, () => pick(r, [0, 2 ** bits - 1], () => Math.floor(r() * 2 ** bits)))));
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      if (t.bitWidth === 64)
        return t.isSigned
          ? bigints(() => pick(r, [-(2n ** 63n), 2n ** 63n - 1n, 0n], () => BigInt(Math.floor((r() - 0.5) * 2 ** 53))))
          : fixed(BigUint64Array.from({ length: n }, () => pick(r, [0n, 2n ** 64n - 1n, 2n ** 63n], () => BigInt(Math.floor(r() * 2 ** 53)) * 2049n)));
      const signed = { 8: Int8Array, 16: Int16Array, 32: Int32Array }[t.bitWidth as 8 | 16 | 32];
      const unsigned = { 8: Uint8Array, 16: Uint16Array, 32: Uint32Array }[t.bitWidth as 8 | 16 | 32];
      return t.isSigned ? ints(signed, t.bitWidth) : uints(unsigned, t.bitWidth);
    }
    case arrow.Type.Float: {
      const precision = (type as arrow.Float).precision;
      if (precision === arrow.Precision.HALF)
        return fixed(Uint16Array.from({ length: n }, () => pick(r, [0x7e00, 0x8000, 0x0000, 0x7c00, 0xfc00, 0x7bff], () => Math.floor(r() * 0x7c00) | (r() < 0.5 ? 0x8000 : 0))));
      const values = Array.from({ length: n }, () => pick(r, [NaN, -0, 0, Infinity, -Infinity], () => (r() - 0.5) * 1e6));
      return fixed(precision === arrow.Precision.SINGLE ? Float32Array.from(values) : Float64Array.from(values));
    }
    case arrow.Type.Bool:
      return fixed(Uint8Array.from({ length: (n + 7) >> 3 }, () => Math.floor(r() * 256)));
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary: {
      const text = type.typeId === arrow.Type.Utf8 || type.typeId === arrow.Type.LargeUtf8;
      const values = Array.from({ length: n }, (_, i) =>
        text
          ? new TextEncoder().encode(pick(r, ["", "é".repeat(40), "z".repeat(63) + "€€", "\u{10FFFF}".repeat(20)], () => `value ${Math.floor(r() * 3000)} ${"lorem ipsum ".repeat(Math.floor(r() * 12))}${i % 7}`))
          : pick(r, [new Uint8Array(0), new Uint8Array(80).fill(0xff), Uint8Array.from({ length: 70 }, (_, k) => (k < 64 ? 0xff : 1))], () => Uint8Array.from({ length: Math.floor(r() * 90) }, () => Math.floor(r() * 256))),
      );
      const total = values.reduce((s, v) => s + v.length, 0);
      const data = new Uint8Array(total);
      const large = type.typeId === arrow.Type.LargeUtf8 || type.typeId === arrow.Type.LargeBinary;
      const offsets = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
      let at = 0;
      values.forEach((v, i) => {
        data.set(v, at);
        at += v.length;
        offsets[i + 1] = large ? BigInt(at) : (at as never);
      });
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data, valueOffsets: offsets } as never);
    }
    case arrow.Type.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY
        ? fixed(Int32Array.from({ length: n }, () => pick(r, [-719_162, 2_932_896, 0], () => Math.floor((r() - 0.3) * 40_000))))
        : bigints(() => BigInt(Math.floor((r() - 0.3) * 40_000)) * 86_400_000n);
    case arrow.Type.Timestamp:
    case arrow.Type.Duration: {
      // Within what Python's datetime and timedelta hold: about ±68 years around 1970 in the type's unit.
      const unit = 1000n ** BigInt((type as arrow.Timestamp | arrow.Duration).unit);
      return bigints(() => pick(r, [0n, -1n, (2n ** 31n - 1n) * unit], () => BigInt(Math.floor((r() - 0.4) * 2 ** 31)) * unit + BigInt(Math.floor(r() * Number(unit)))));
    }
    case arrow.Type.Time: {
      const t = type as arrow.Time;
      const perDay = { [arrow.TimeUnit.SECOND]: 86_400, [arrow.TimeUnit.MILLISECOND]: 86_400_000, [arrow.TimeUnit.MICROSECOND]: 86_400e6, [arrow.TimeUnit.NANOSECOND]: 86_400e9 }[t.unit];
      return t.bitWidth === 32
        ? fixed(Int32Array.from({ length: n }, () => Math.floor(r() * perDay)))
        : bigints(() => BigInt(Math.floor(r() * (perDay / 1000))) * 1000n);
    }
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      const words = t.bitWidth / 32;
      const data = new Uint32Array(words * n);
      const limit = 10n ** BigInt(t.precision) - 1n;
      for (let i = 0; i < n; i++) {
        const magnitude = (BigInt(Math.floor(r() * 2 ** 52)) * BigInt(Math.floor(r() * 2 ** 52))) % (limit + 1n);
        const v = pick(r, [limit, -limit, 0n], () => (r() < 0.5 ? -magnitude : magnitude));
        for (let k = 0; k < words; k++) data[i * words + k] = Number(BigInt.asUintN(32, v >> BigInt(32 * k)));
      }
      return fixed(data);
    }
    default:
      throw new Error(`no generator for ${String(type)}`);
  }
}

/** Nested columns: lists (also large and fixed-size, of lists, of structs), structs (of lists, of timestamps), and their nulls. */
export const NESTED_FEATURES = [
  { name: "tags", list: "string" },
  { name: "ints", large_list: "int64" },
  { name: "vec", list: "float32", length: 3 },
  { name: "grid", list: { list: "int32" } },
  { name: "meta", struct: [{ name: "a", dtype: "int64" }, { name: "when", dtype: "timestamp[s]" }, { name: "names", list: "string" }] },
  { name: "spans", list: { struct: [{ name: "start", dtype: "int32" }, { name: "label", dtype: "string" }] } },
  { name: "nothing", list: "null" },
];

export function nestedSchema(): ShardSchema {
  return shardSchema(featuresFromYaml(NESTED_FEATURES, "features"));
}

/** `rows` rows of NESTED_FEATURES, with nulls at every level and empty lists. */
export function nestedBatch(schema: arrow.Schema, rows: number, seed: number): arrow.RecordBatch {
  const r = rng(seed);
  const maybe = <T>(make: () => T, share = 0.1): T | null => (r() < share ? null : make());
  const list = <T>(make: () => T, most = 4): T[] => Array.from({ length: Math.floor(r() * (most + 1)) }, make);
  const word = () => ["alpha", "beta", "gamma", "délta", "epsilon ".repeat(9)][Math.floor(r() * 5)]!;
  const values: Record<string, () => unknown> = {
    tags: () => maybe(() => list(() => maybe(word))),
    ints: () => maybe(() => list(() => maybe(() => BigInt(Math.floor((r() - 0.5) * 2 ** 40))))),
    // Never null: pyarrow 25 cannot read a null fixed-size list back, even one it wrote itself.
    vec: () => [maybe(() => r()), r(), -r()],
    grid: () => maybe(() => list(() => maybe(() => list(() => maybe(() => Math.floor(r() * 100)), 3)), 3)),
    meta: () => maybe(() => ({ a: maybe(() => BigInt(Math.floor(r() * 1e6))), when: maybe(() => new Date(1_600_000_000_000 + Math.floor(r() * 1e6) * 1000)), names: maybe(() => list(word, 2)) })),
    spans: () => maybe(() => list(() => maybe(() => ({ start: maybe(() => Math.floor(r() * 500)), label: maybe(word) })), 3)),
    nothing: () => maybe(() => list(() => null, 2)),
  };
  const children = schema.fields.map((field) => arrow.vectorFromArray(Array.from({ length: rows }, values[field.name]!), field.type).data[0]!);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children }));
}

/**
 * write/concat.ts: Arrow arrays joined end to end (how pass 2 gathers small
 * files into one batch) hold the pieces' values in order — also pieces that
 * are slices at unaligned offsets — and make valid IPC for the encoder.
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { builderFor } from "../../src/data/read/columns.js";
import { canConcat, concatData } from "../../src/data/write/concat.js";
import { batchToIPC } from "../../src/data/write/ipc.js";
import { type Feature, value } from "../../src/model/features.js";

/** An array of `feature` holding `values` (null → null), built as the readers build them. */
function build(feature: Feature, values: unknown[]): arrow.Data {
  const b = builderFor(feature, 4);
  for (const v of values) b.appendValue(v);
  return b.finish();
}

/** Plain JS values of an array (bigints as strings, rows and lists as JSON), to compare. */
function plain(data: arrow.Data): unknown[] {
  return JSON.parse(JSON.stringify([...arrow.makeVector(data)], (_, v) => (typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? [...v] : v)));
}

const list = (item: Feature, more: { length?: number; large?: boolean } = {}): Feature => ({ kind: "list", item, ...more });
const struct = (fields: Record<string, Feature>): Feature => ({ kind: "struct", fields: Object.entries(fields).map(([name, feature]) => ({ name, feature })) });

/** Values of each type, nulls among them; 13 of each, so slices cut bitmaps off byte boundaries. */
const CASES: [string, Feature, (i: number) => unknown][] = [
  ["int64", value("int64"), (i) => (i % 4 === 1 ? null : i * 1000 - 7)],
  ["int8", value("int8"), (i) => (i % 5 === 2 ? null : (i % 100) - 50)],
  ["float64", value("float64"), (i) => (i % 3 === 0 ? null : i / 7)],
  ["float16", value("float16"), (i) => (i % 6 === 0 ? null : i / 4)],
  ["bool", value("bool"), (i) => (i % 7 === 3 ? null : i % 3 === 0)],
  ["string", value("string"), (i) => (i % 5 === 0 ? null : `text ${i} ✓`.repeat(1 + (i % 3)))],
  ["large_string", value("large_string"), (i) => (i % 4 === 0 ? null : `large ${i}`)],
  ["timestamp", value("timestamp[s]"), (i) => (i % 4 === 2 ? null : 1_700_000_000 + i)],
  ["date32", value("date32"), (i) => (i % 3 === 1 ? null : 19_000 + i)],
  ["decimal", value("decimal128(10, 2)"), (i) => (i % 4 === 3 ? null : BigInt(i * 12345 - 99))],
  ["null", value("null"), () => null],
  ["list<int64>", list(value("int64")), (i) => (i % 5 === 4 ? null : Array.from({ length: i % 4 }, (_, k) => (k === 1 ? null : i + k)))],
  ["large_list<string>", list(value("string"), { large: true }), (i) => (i % 3 === 2 ? null : Array.from({ length: i % 3 }, (_, k) => `${i}.${k}`))],
  ["fixed list<bool>", list(value("bool"), { length: 2 }), (i) => (i % 4 === 1 ? null : [i % 2 === 0, i % 3 === 0])],
  ["struct", struct({ a: value("string"), b: list(value("bool")), c: struct({ d: value("float64") }) }), (i) =>
    i % 6 === 5 ? null : { a: i % 2 ? `a${i}` : null, b: i % 3 ? [true, false].slice(0, i % 3) : null, c: i % 4 ? { d: i / 2 } : null }],
];

describe("concatData", () => {
  for (const [name, feature, make] of CASES) {
    it(`joins ${name} arrays, whole and sliced at odd offsets, value for value`, () => {
      const values = (from: number, n: number) => Array.from({ length: n }, (_, k) => make(from + k));
      const a = build(feature, values(0, 13));
      const b = build(feature, values(13, 13)).slice(3, 7); // elements 16..22: offset 3, bitmaps not byte-aligned
      const c = build(feature, values(26, 1));
      const d = build(feature, values(27, 0));
      const e = build(feature, values(27, 13)).slice(9, 4); // 36..39
      const joined = concatData([a, b, c, d, e]);
      expect(canConcat(joined.type)).toBe(true);
      expect(joined.length).toBe(13 + 7 + 1 + 0 + 4);
      const expected = [...values(0, 13), ...values(16, 7), ...values(26, 1), ...values(36, 4)];
      expect(plain(joined)).toEqual(plain(build(feature, expected)));
      expect(joined.nullCount).toBe(expected.filter((v) => v === null).length);
      // The encoder takes it: a record batch of it becomes IPC that apache-arrow reads back the same.
      const schema = new arrow.Schema([new arrow.Field("x", joined.type, true)]);
      const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: joined.length, nullCount: 0, children: [joined] }));
      const back = arrow.tableFromIPC(batchToIPC(batch));
      expect(plain(back.getChildAt(0)!.data[0]!)).toEqual(plain(joined));
    });
  }

  it("returns a single piece as it is", () => {
    const a = build(value("int64"), [1, 2, 3]);
    expect(concatData([a])).toBe(a);
  });

  it("carries no validity bitmap when no piece holds a null", () => {
    const joined = concatData([build(value("string"), ["a", "b"]), build(value("string"), ["c"])]);
    expect(joined.nullCount).toBe(0);
    expect(joined.nullBitmap?.length ?? 0).toBe(0);
    expect(plain(joined)).toEqual(["a", "b", "c"]);
  });

  it("says which types it cannot join", () => {
    expect(canConcat(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()))).toBe(false);
    expect(canConcat(new arrow.List(new arrow.Field("item", new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()))))).toBe(false);
    expect(canConcat(new arrow.Struct([new arrow.Field("a", new arrow.Int64())]))).toBe(true);
  });
});

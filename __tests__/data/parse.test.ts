/**
 * Unit tests of the cell-level rules: pandas' classification of CSV cells
 * (numbers, booleans, NA tokens, whitespace), the column decision, header
 * names, ISO dates, decimals, and the JSON number scan that finds what
 * JSON.parse would mistype.
 */
import { describe, expect, it } from "vitest";
import { dedupeHeader, featureOf } from "../../src/data/read/csv/csv.js";
import { HAS_INTEGRAL_FLOAT, HAS_LONG_INTEGER, parseExact, scanNumbers } from "../../src/data/read/json/exact.js";
import {
  Kind,
  classify,
  isNaToken,
  looksLikeTimestamp,
  parseBool,
  parseDate32,
  parseDecimal,
  parseFloatCell,
  parseInteger,
  parseTimeOfDay,
  parseTimestamp,
} from "../../src/data/read/parse.js";
import { FloatToken } from "../../src/data/read/values.js";
import { featureToString } from "../../src/model/features.js";

const bytes = (s: string) => Buffer.from(s, "utf8");
const kind = (s: string) => classify(bytes(s), 0, bytes(s).length);

describe("classify (pandas' C parser rules)", () => {
  it.each([
    ["0", Kind.Int],
    ["007", Kind.Int],
    ["+5", Kind.Int],
    ["-5", Kind.Int | Kind.Negative],
    [" 12 ", Kind.Int],
    ["\t3", Kind.Int],
    ["9223372036854775807", Kind.Int],
    ["-9223372036854775808", Kind.Int | Kind.Negative],
    ["9223372036854775808", Kind.UInt],
    ["18446744073709551615", Kind.UInt],
    ["18446744073709551616", Kind.Overflow],
    ["-9223372036854775809", Kind.Overflow],
    ["1.5", Kind.Float],
    ["1.", Kind.Float],
    [".5", Kind.Float],
    ["-.5", Kind.Float],
    ["1e5", Kind.Float],
    ["1E-5", Kind.Float],
    ["2.5e+3", Kind.Float],
    [" 1.5 ", Kind.Float],
    ["inf", Kind.Float],
    ["-Infinity", Kind.Float],
    ["+INF", Kind.Float],
    ["true", Kind.Bool],
    ["False", Kind.Bool],
    ["tRuE", Kind.Bool],
    ["NA", Kind.Null],
    ["nan", Kind.Null],
    ["-NaN", Kind.Null],
    ["null", Kind.Null],
    ["NULL", Kind.Null],
    ["None", Kind.Null],
    ["N/A", Kind.Null],
    ["#N/A N/A", Kind.Null],
    ["<NA>", Kind.Null],
    ["1.#QNAN", Kind.Null],
    ["NAN", Kind.String],
    ["Nan", Kind.String],
    ["none", Kind.String],
    [" NA", Kind.String],
    [" true", Kind.String],
    [" inf", Kind.String],
    ["1e", Kind.String],
    ["e5", Kind.String],
    [".", Kind.String],
    ["-", Kind.String],
    ["+", Kind.String],
    ["1_000", Kind.String],
    ["0x1F", Kind.String],
    ["1,5", Kind.String],
    ["   ", Kind.String],
    ["yes", Kind.String],
    ["2024-01-01", Kind.String],
  ])("%j is %i", (cell, expected) => {
    expect(kind(cell)).toBe(expected);
  });

  it("matches NA tokens exactly, never by prefix or case", () => {
    const b = bytes("NAN");
    expect(isNaToken(b, 0, 3)).toBe(false);
    expect(isNaToken(bytes("NA"), 0, 2)).toBe(true);
    expect(isNaToken(bytes("NAB"), 0, 3)).toBe(false);
    expect(isNaToken(bytes("#N/A"), 0, 4)).toBe(true);
  });
});

describe("the column type from what its cells held (featureOf)", () => {
  const of = (mask: number, nulls = 0) => {
    const f = featureOf({ mask, nulls, bytes: 0 });
    return f ? featureToString(f) : undefined;
  };
  it("follows pandas' int64 → uint64 → float64 → bool → object order", () => {
    expect(of(0)).toBeUndefined(); // only nulls
    expect(of(Kind.Int)).toBe("int64");
    expect(of(Kind.Int, 1)).toBe("float64");
    expect(of(Kind.Int | Kind.Float)).toBe("float64");
    expect(of(Kind.Float, 3)).toBe("float64");
    expect(of(Kind.Bool)).toBe("bool");
    expect(of(Kind.Bool, 2)).toBe("bool");
    expect(of(Kind.Bool | Kind.Int)).toBe("large_string");
    expect(of(Kind.String | Kind.Int)).toBe("large_string");
    expect(of(Kind.UInt | Kind.Int)).toBe("uint64");
    expect(of(Kind.UInt, 1)).toBe("large_string");
    expect(of(Kind.UInt | Kind.Int | Kind.Negative)).toBe("large_string");
    expect(of(Kind.UInt | Kind.Float)).toBe("float64");
    expect(of(Kind.Overflow)).toBe("large_string");
    expect(of(Kind.Overflow | Kind.Float)).toBe("float64");
  });
});

describe("cell parsers", () => {
  it("parse booleans in any case", () => {
    expect(parseBool(bytes("TRUE"), 0, 4)).toBe(true);
    expect(parseBool(bytes("faLSE"), 0, 5)).toBe(false);
    expect(parseBool(bytes("yes"), 0, 3)).toBeUndefined();
  });

  it("parse integers exactly, as bigint past 2^53", () => {
    expect(parseInteger(bytes(" +42 "), 0, 5)).toBe(42);
    expect(parseInteger(bytes("-007"), 0, 4)).toBe(-7);
    expect(parseInteger(bytes("9007199254740993"), 0, 16)).toBe(9007199254740993n);
    expect(parseInteger(bytes("-9223372036854775808"), 0, 20)).toBe(-9223372036854775808n);
    expect(parseInteger(bytes("1.0"), 0, 3)).toBeUndefined();
  });

  it("parse floats correctly rounded, with inf and whitespace", () => {
    for (const s of ["0.1", "1.7976931348623157e308", "5e-324", "123456789.123456789", "0.30000000000000004", "-0.0", "1e22", "1.5"])
      expect(parseFloatCell(bytes(s), 0, s.length)).toBe(Number(s));
    expect(parseFloatCell(bytes(" 2.5 "), 0, 5)).toBe(2.5);
    expect(parseFloatCell(bytes("-inf"), 0, 4)).toBe(-Infinity);
    expect(parseFloatCell(bytes("Infinity"), 0, 8)).toBe(Infinity);
    expect(parseFloatCell(bytes("18446744073709551616"), 0, 20)).toBe(18446744073709551616);
    expect(parseFloatCell(bytes("1e400"), 0, 5)).toBe(Infinity);
    expect(parseFloatCell(bytes("abc"), 0, 3)).toBeUndefined();
  });
});

describe("dates and times", () => {
  it("parses ISO 8601 to the unit, in UTC, applying offsets", () => {
    expect(parseTimestamp("1970-01-01", "s")).toBe(0n);
    expect(parseTimestamp("2024-02-29 12:00:00", "s")).toBe(1709208000n);
    expect(parseTimestamp("2024-02-29T12:00:00Z", "ms")).toBe(1709208000000n);
    expect(parseTimestamp("2024-02-29T14:00:00+02:00", "s")).toBe(1709208000n);
    expect(parseTimestamp("2024-02-29T12:00:00.123456", "us")).toBe(1709208000123456n);
    expect(parseTimestamp("2024-02-29T12:00:00.5", "s")).toBe("precision");
    expect(parseTimestamp("1969-12-31 23:59:59", "s")).toBe(-1n);
    expect(parseTimestamp("0001-01-01", "s")).toBe(-62135596800n);
    expect(parseTimestamp("2023-02-29", "s")).toBeUndefined();
    expect(parseTimestamp("2024-13-01", "s")).toBeUndefined();
    expect(parseTimestamp("2024-01-01 24:00:00", "s")).toBeUndefined();
    expect(parseTimestamp("yesterday", "s")).toBeUndefined();
    expect(parseDate32("2024-03-01")).toBe(19783);
    expect(parseDate32("2024-02-30")).toBeUndefined();
    expect(parseTimeOfDay("10:11:12.5", "ms")).toBe(36672500n);
    expect(parseTimeOfDay("25:00", "s")).toBeUndefined();
  });

  it("infers timestamp[s] for the strings pyarrow's JSON reader does", () => {
    for (const s of ["2024-01-01", "2024-01-01 10:00:00", "2024-01-01T10:00:00", "2024-01-01T10", "2024-01-01 10:30", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00+02:00"])
      expect(looksLikeTimestamp(s), s).toBe(true);
    for (const s of ["2024-01-01T10:00:00.5", "2024-1-1", "01/02/2024", "2024-02-30", "20240101", "2024-01-01 10:00:00 ", "hello"])
      expect(looksLikeTimestamp(s), s).toBe(false);
  });

  it("parses decimals exactly at a scale, refusing lost digits", () => {
    expect(parseDecimal("12.345", 3)).toBe(12345n);
    expect(parseDecimal("-0.5", 3)).toBe(-500n);
    expect(parseDecimal("7", 2)).toBe(700n);
    expect(parseDecimal("1.5e2", 0)).toBe(150n);
    expect(parseDecimal("0.001", 2)).toBeUndefined();
    expect(parseDecimal("1.2300", 2)).toBe(123n);
    expect(parseDecimal("abc", 2)).toBeUndefined();
  });
});

describe("CSV header names (pandas)", () => {
  it("renames repeats and blanks as pandas does", () => {
    expect(dedupeHeader(["a", "a", "a"])).toEqual(["a", "a.1", "a.2"]);
    // pandas 3.0.6 (read_csv), each: numbered from the first spelling, skipping names anywhere in the header, unnamed last.
    expect(dedupeHeader(["a", "a", "a.1"])).toEqual(["a", "a.2", "a.1"]);
    expect(dedupeHeader(["a", "a.1", "a"])).toEqual(["a", "a.1", "a.2"]);
    expect(dedupeHeader(["", "a", "a", "", "a.1", "a"])).toEqual(["Unnamed: 0", "a", "a.2", "Unnamed: 3", "a.1", "a.3"]);
    expect(dedupeHeader(["", "Unnamed: 0", ""])).toEqual(["Unnamed: 0.1", "Unnamed: 0", "Unnamed: 2"]);
    expect(dedupeHeader(["x", "x.1", "x", "x.1"])).toEqual(["x", "x.1", "x.2", "x.1.1"]);
    expect(dedupeHeader(["a", "A", "a"])).toEqual(["a", "A", "a.1"]);
    expect(dedupeHeader(["a", "", "a", "Unnamed: 1"])).toEqual(["a", "Unnamed: 1.1", "a.1", "Unnamed: 1"]);
    expect(dedupeHeader(["", "x", ""])).toEqual(["Unnamed: 0", "x", "Unnamed: 2"]);
  });
});

describe("JSON numbers JSON.parse would mistype", () => {
  const scan = (s: string, floats = true) => {
    const out = { flags: 0, keys: [] as string[] };
    scanNumbers(bytes(s), 0, bytes(s).length, floats, out);
    return out;
  };
  it("finds integral floats (under their top-level key) and long integers, ignoring strings", () => {
    expect(scan('{"a": 1, "b": 2.5}').flags).toBe(0);
    expect(scan('{"a": 1.0}')).toEqual({ flags: HAS_INTEGRAL_FLOAT, keys: ["a"] });
    expect(scan('{"a": 1e3, "b": {"c": [2.00]}}')).toEqual({ flags: HAS_INTEGRAL_FLOAT, keys: ["a", "b"] });
    expect(scan('{"a": 125e-1, "b": 1200e-2}')).toEqual({ flags: HAS_INTEGRAL_FLOAT, keys: ["b"] });
    expect(scan('{"a": "1.0", "b": "12345678901234567890"}').flags).toBe(0);
    expect(scan('{"a\\"1.0": 9007199254740993}').flags).toBe(HAS_LONG_INTEGER);
    expect(scan('{"a": 1.0}', false).flags).toBe(0);
  });

  it("parses exactly: bigints past 2^53, FloatTokens for integral floats", () => {
    const v = parseExact('{"big": 9007199254740993, "f": 2.0, "g": 2.5, "s": "x\\"y", "l": [1.0, -12345678901234567890], "__proto__": 1}', true) as Record<string, unknown>;
    expect(v.big).toBe(9007199254740993n);
    expect(v.f).toEqual(new FloatToken(2));
    expect(v.g).toBe(2.5);
    expect(v.s).toBe('x"y');
    expect(v.l).toEqual([new FloatToken(1), -12345678901234567890n]);
    expect(Object.keys(v)).toContain("__proto__");
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });
});

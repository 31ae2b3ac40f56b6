/**
 * The byte-level JSON scanner (src/data/read/json/scan.ts) against
 * JSON.parse: it never accepts a row JSON.parse rejects, and for the rows it
 * accepts its tape (keys, kinds of values, spans) says what JSON.parse gives;
 * string unescaping gives the bytes TextEncoder gives for JSON.parse's
 * string; ISO date-times are read as parse.ts reads them.
 */
import { describe, expect, it } from "vitest";
import { rng } from "../../bench/generate.js";
import {
  K_ARR,
  K_BIGINT,
  K_FALSE,
  K_FLOAT,
  K_INT,
  K_NULL,
  K_OBJ,
  K_STR,
  K_STR_ESC,
  K_TRUE,
  RowScanner,
  isoSeconds,
  unescapeJson,
  unescapedLength,
} from "../../src/data/read/json/scan.js";
import { looksLikeTimestamp, parseTimestamp } from "../../src/data/read/parse.js";

const encoder = new TextEncoder();
const bytes = (s: string) => Buffer.from(s, "utf8");

/** What the scanner read from one row: `undefined` when it left the row to JSON.parse. */
function scanRow(text: string, lines = true): Record<string, { kind: number; text: string }> | undefined {
  const buf = bytes(text);
  const scanner = new RowScanner(true, lines);
  const end = scanner.scan(buf, 0, buf.length);
  if (end < 0) return undefined;
  if (end !== buf.length) return undefined; // something follows the object (for JSON Lines: its line break)
  scanner.commit();
  const out: Record<string, { kind: number; text: string }> = Object.create(null) as Record<string, { kind: number; text: string }>;
  for (let k = 0; k < scanner.n; k++) out[scanner.names[scanner.col[k]!]!] = { kind: scanner.kind[k]!, text: buf.toString("utf8", scanner.start[k]!, scanner.end[k]!) };
  return out;
}

function parses(text: string): boolean {
  try {
    const v = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** The value a tape entry stands for, as JSON.parse gives it (integers beyond 2^53 compared as text). */
function entryValue(e: { kind: number; text: string }): unknown {
  switch (e.kind) {
    case K_NULL:
      return null;
    case K_TRUE:
      return true;
    case K_FALSE:
      return false;
    case K_STR:
      return e.text;
    case K_STR_ESC:
      return JSON.parse(`"${e.text}"`);
    default:
      return JSON.parse(e.text);
  }
}

/** Checks the scanner against JSON.parse on one row. */
function agrees(raw: string): void {
  const text = bytes(raw).toString("utf8"); // as the reader decodes the bytes (a damaged surrogate pair becomes U+FFFD)
  const tape = scanRow(text);
  if (tape === undefined) return; // left to JSON.parse: always allowed
  expect(parses(text), `scanner accepted what JSON.parse rejects: ${JSON.stringify(text)}`).toBe(true);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(tape), text).toEqual(Object.keys(parsed));
  for (const key of Object.keys(tape)) {
    const entry = tape[key]!;
    const v = parsed[key];
    expect(entryValue(entry), `${text} at ${key}`).toEqual(v);
    switch (entry.kind) {
      case K_INT:
      case K_BIGINT:
        expect(/^-?\d+$/.test(entry.text), entry.text).toBe(true);
        expect(entry.kind === K_BIGINT, entry.text).toBe(BigInt(entry.text) > (1n << 63n) - 1n || BigInt(entry.text) < -(1n << 63n));
        break;
      case K_FLOAT:
        expect(/[.eE]/.test(entry.text), entry.text).toBe(true);
        break;
      case K_STR:
        expect(entry.text.includes("\\"), entry.text).toBe(false);
        break;
      case K_OBJ:
      case K_ARR:
        expect(Array.isArray(v)).toBe(entry.kind === K_ARR);
        break;
    }
  }
}

describe("the row scanner", () => {
  it("reads the kinds and spans of flat values", () => {
    const tape = scanRow('{"i": -12, "f": 1.0, "e": 1e5, "b": true, "c": false, "n": null, "s": "x y", "q": "a\\"b", "l": [1, {"x": 2}], "o": {"k": []}}')!;
    expect(Object.fromEntries(Object.entries(tape).map(([k, v]) => [k, [v.kind, v.text]]))).toEqual({
      i: [K_INT, "-12"],
      f: [K_FLOAT, "1.0"],
      e: [K_FLOAT, "1e5"],
      b: [K_TRUE, "true"],
      c: [K_FALSE, "false"],
      n: [K_NULL, "null"],
      s: [K_STR, "x y"],
      q: [K_STR_ESC, 'a\\"b'],
      l: [K_ARR, '[1, {"x": 2}]'],
      o: [K_OBJ, '{"k": []}'],
    });
  });

  it("types integers by their digits: int64's range is K_INT, beyond it K_BIGINT", () => {
    const kinds = (n: string) => scanRow(`{"a": ${n}}`)!.a!.kind;
    expect(["0", "-0", "9007199254740993", "9223372036854775807", "-9223372036854775808", "999999999999999999"].map(kinds)).toEqual(Array(6).fill(K_INT));
    expect(["9223372036854775808", "-9223372036854775809", "18446744073709551616", "12345678901234567890123"].map(kinds)).toEqual(Array(4).fill(K_BIGINT));
    expect(["1.0", "1e400", "-0.0", "1E+2", "2e-3"].map(kinds)).toEqual(Array(5).fill(K_FLOAT));
  });

  it("leaves to JSON.parse invalid rows, repeated keys and deep nesting", () => {
    for (const text of [
      '{"a": 1,}',
      '{"a": 01}',
      '{"a": 1.}',
      '{"a": .5}',
      '{"a": +1}',
      '{"a": -}',
      '{"a": 1e}',
      '{"a": NaN}',
      '{"a": tru}',
      '{"a": "\\x"}',
      '{"a": "\\u12G4"}',
      '{"a": "x\ty"}',
      '{"a": "x\u0001y"}',
      '{"a" 1}',
      '{"a": 1 "b": 2}',
      '{"a": 1} x',
      '{"a": 1}{"b": 2}',
      '{"a": [1, 2,]}',
      '{"a": [1}',
      '{"a": {"b": 1,}}',
      '{"a": 1,\f"b": 2}',
      "\ufeff{}",
      "[1]",
      "42",
      '"x"',
      "null",
      "",
      '{"a": 1, "a": 2}',
      `{"a": ${"[".repeat(300)}${"]".repeat(300)}}`,
    ])
      expect(scanRow(text), text).toBeUndefined();
  });

  it("reads keys that look like array indexes in the row's order (JSON.parse would put them first)", () => {
    const buf = bytes('{"b": 1, "1": 2, "0": 3}');
    const scanner = new RowScanner(true, true);
    expect(scanner.scan(buf, 0, buf.length)).toBe(buf.length);
    scanner.commit();
    expect(scanner.names).toEqual(["b", "1", "0"]);
  });

  it("reads whitespace around every token; in JSON Lines a line break is not whitespace", () => {
    expect(scanRow(' \t{ "a" :\t1 , "b" : [ 1 , { "c" : null } ] }\t ')).toEqual({ a: { kind: K_INT, text: "1" }, b: { kind: K_ARR, text: '[ 1 , { "c" : null } ]' } });
    expect(scanRow('{"a":\n1}')).toBeUndefined();
    expect(scanRow('{"a": [1,\r\n2]}')).toBeUndefined();
    expect(scanRow('{"a":\n1, "b": [1,\r\n2]}', false)).toEqual({ a: { kind: K_INT, text: "1" }, b: { kind: K_ARR, text: "[1,\r\n2]" } });
  });

  it("stops after the object and the blanks that follow it (the caller checks for the line break)", () => {
    const buf = bytes('{"a": 1}  \n{"a": 2}');
    const scanner = new RowScanner(true, true);
    expect(scanner.scan(buf, 0, buf.length)).toBe(10);
    expect(scanner.scan(buf, 11, buf.length)).toBe(buf.length);
  });

  it("maps keys to the same column however they are spelled, and keeps new keys pending until commit", () => {
    const scanner = new RowScanner(true, true);
    const buf = bytes('{"ab": 1, "c\\u00e9": 2}');
    expect(scanner.scan(buf, 0, buf.length)).toBe(buf.length);
    expect(scanner.names).toEqual([]);
    expect(scanner.pending).toEqual(["ab", "cé"]);
    scanner.commit();
    expect(scanner.names).toEqual(["ab", "cé"]);
    for (const row of ['{"\\u0061b": 3, "cé": 4}', '{"cé": 5, "ab": 6}', '{"ab": 7}'])
      expect(scanner.scan(bytes(row), 0, bytes(row).length), row).toBe(bytes(row).length);
    expect(scanner.has(0)).toBe(true);
    expect(scanner.has(1)).toBe(false);
    // Pass 2 ignores keys it was not asked for.
    const reading = new RowScanner(false, true);
    reading.addColumn("cé");
    const row = bytes('{"ab": 1, "cé": "x"}');
    expect(reading.scan(row, 0, row.length)).toBe(row.length);
    expect(reading.has(0)).toBe(true);
    expect(reading.kind[reading.entryOf[0]!]).toBe(K_STR);
  });

  it("agrees with JSON.parse on random rows and on random damage to them", () => {
    const random = rng(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const keys = ["a", "b", "id", "naïve", "键", "k\\u0065y", 'q\\"k', "", "0x", "01", "__proto__", "x y"];
    const scalars = [
      "0", "-0", "7", "-12", "1.0", "1.5", "-2.5e-3", "1E5", "1e400", "9007199254740993", "9223372036854775808", "-9223372036854775809",
      "true", "false", "null", '""', '"x"', '"2024-01-01"', '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"', '"\\u00e9\\ud83c\\udf89\\ud800"', '"ü🎉"', '"\\u0000"',
    ];
    const ws = () => pick(["", "", "", " ", "  ", "\t"]);
    const value = (depth: number): string => {
      const r = random();
      if (depth < 3 && r < 0.1) return `[${ws()}${Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
      if (depth < 3 && r < 0.2) return `{${ws()}${Array.from({ length: Math.floor(random() * 3) }, () => `"${pick(keys)}"${ws()}:${ws()}${value(depth + 1)}`).join(`${ws()},${ws()}`)}${ws()}}`;
      return pick(scalars);
    };
    const damage = (text: string): string => {
      const at = Math.floor(random() * (text.length + 1));
      const r = random();
      if (r < 0.4) return text.slice(0, at) + text.slice(at + 1);
      const junk = pick([",", ":", '"', "\\", "{", "}", "[", "]", "0", "-", ".", "e", " ", "\t", "\n", "\u0001", "x", "é"]);
      return r < 0.8 ? text.slice(0, at) + junk + text.slice(at) : text.slice(0, at) + junk + text.slice(at + 1);
    };
    let accepted = 0;
    for (let i = 0; i < 4000; i++) {
      const n = Math.floor(random() * 6);
      const row = `${ws()}{${ws()}${Array.from({ length: n }, () => `"${pick(keys)}"${ws()}:${ws()}${value(0)}`).join(`${ws()},${ws()}`)}${ws()}}${ws()}`;
      agrees(row);
      if (scanRow(row)) accepted++;
      agrees(damage(row));
      agrees(damage(damage(row)));
    }
    expect(accepted).toBeGreaterThan(1500);
  });
});

describe("JSON string unescaping", () => {
  it("agrees with JSON.parse on random escapes", () => {
    const random = rng(5);
    const parts = ["a", "é", "🎉", "\\n", "\\\\", '\\"', "\\u0041", "\\u00e9", "\\u4e2d", "\\ud83c", "\\udf89", "\\uDBFF", "\\uDC00", "\\u0000", "\\u07FF", "\\u0800"];
    for (let i = 0; i < 5000; i++) {
      const raw = Array.from({ length: Math.floor(random() * 8) }, () => parts[Math.floor(random() * parts.length)]!).join("");
      const src = bytes(raw);
      const out = new Uint8Array(src.length);
      const n = unescapeJson(src, 0, src.length, out);
      expect(Buffer.from(out.subarray(0, n)), raw).toEqual(Buffer.from(encoder.encode(JSON.parse(`"${raw}"`) as string)));
      expect(unescapedLength(src, 0, src.length), raw).toBe(n);
    }
  });

  it("gives the UTF-8 TextEncoder gives for JSON.parse's string, unpaired surrogates as U+FFFD", () => {
    for (const raw of [
      "plain",
      'q\\"uote \\\\ back \\/ slash \\b\\f\\n\\r\\t',
      "\\u0041\\u00e9\\u4e2d\\u0000\\u007f\\u0080\\u07ff\\u0800\\uffff",
      "\\ud83c\\udf89 pair, \\uD83C\\uDF89 upper case",
      "lone \\ud800 high, lone \\udc00 low, high then text \\ud83c x, two highs \\ud83c\\ud83c\\udf89, high at end \\udbff",
      "ü🎉 raw multi-byte \\n mixed",
    ]) {
      const src = bytes(raw);
      const out = new Uint8Array(src.length);
      const n = unescapeJson(src, 0, src.length, out);
      expect(Buffer.from(out.subarray(0, n)), raw).toEqual(Buffer.from(encoder.encode(JSON.parse(`"${raw}"`) as string)));
      expect(unescapedLength(src, 0, src.length), raw).toBe(n);
    }
  });
});

describe("ISO date-times from bytes", () => {
  const expected = (s: string) => (looksLikeTimestamp(s) ? Number(parseTimestamp(s, "s")) : NaN);
  const check = (s: string) => expect(isoSeconds(bytes(s), 0, bytes(s).length), s).toBe(expected(s));

  it("accepts what looksLikeTimestamp accepts, with parseTimestamp's value", () => {
    for (const s of [
      "2024-01-01", "2024-01-01 10:00:00", "2024-01-01T10:00:00", "2024-01-01T10", "2024-01-01 10:30", "2024-01-01T10:00:00Z",
      "2024-01-01T10:00:00+02:00", "2024-01-01T10:00:00-0830", "2024-01-01T10+05", "2024-01-01 10:30Z", "0000-02-29", "0000-01-01",
      "0001-03-01", "1900-02-28", "2000-02-29", "9999-12-31T23:59:59+23:59", "1970-01-01T00:00:00-23:59",
      "2024-01-01T10:00:00.5", "2024-1-1", "01/02/2024", "2024-02-30", "1900-02-29", "20240101", "2024-01-01 10:00:00 ", "hello",
      "2024-01-01T24:00", "2024-01-01T10:60", "2024-01-01T10:00:60", "2024-01-01T10:00:00+24:00", "2024-01-01T10:00:00+05:60",
      "2024-01-01Z", "2024-01-01T10:00:00+5", "2024-01-01T10:00:00+05:3", "2024-01-01T10:00:00+053", "2024-01-01t10", "2024-13-01", "2024-00-10",
      "2024-01-00", "2024-01-01T", "2024-01-01T1", "2024-01-01T10:0", "2024-01-01T10:00:0", "2024-01-01T10:00:00ZZ", "2024-01-01T10:00:00+05:30x",
    ])
      check(s);
  });

  it("agrees on random strings made of date-time characters", () => {
    const random = rng(11);
    const chars = "0123456789-:T Z+.xé";
    const base = ["2024-02-29T23:59:59+05:30", "0400-02-29 00:00", "1999-12-31T12Z", "2023-02-28"];
    for (let i = 0; i < 20000; i++) {
      let s = base[i % base.length]!;
      const edits = 1 + Math.floor(random() * 3);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(random() * (s.length + 1));
        const c = chars[Math.floor(random() * chars.length)]!;
        const r = random();
        s = r < 0.3 ? s.slice(0, at) + s.slice(at + 1) : r < 0.6 ? s.slice(0, at) + c + s.slice(at) : s.slice(0, at) + c + s.slice(at + 1);
      }
      check(s);
    }
  });
});

/**
 * JS values out of a row's bytes, for what the byte-level path hands to
 * JSON.parse: a tape entry's span (spanValue) or a whole row (parseRow),
 * with the numbers JSON.parse would mistype read exactly; and the buffers
 * reused from value to value while a file is read (Scratch).
 */
import { DataError } from "../../errors.js";
import { describe } from "../columns.js";
import { HAS_INTEGRAL_FLOAT, HAS_LONG_INTEGER, type NumberScan, parseExact, scanNumbers } from "./exact.js";
import { parseInteger } from "../parse.js";
import {
  JsonValue,
  K_BIGINT,
  K_FALSE,
  K_FLOAT,
  K_INT,
  K_NULL,
  K_STR,
  K_STR_ESC,
  K_TRUE,
  NF_INTEGRAL_FLOAT,
  readValue,
  skipWhitespace,
  NF_LONG_INT,
  jsonStringText,
  unescapeJson,
} from "./scan.js";


/**
 * Buffers reused from value to value while a file is read, so the hot path
 * allocates nothing. One per pass over a file (JsonReader.profile, .open):
 * nothing is shared between files or threads.
 */
export class Scratch {
  /** Decoded strings with escapes (UTF-8). */
  bytes = new Uint8Array(1024);
  /** Items of lists read in pass 1, one per nesting level in use. */
  readonly items: JsonValue[] = [];
  /** What scanNumbers found in the last text it scanned. */
  readonly numbers: NumberScan = { flags: 0, keys: [] };
  /** Objects one after another across lines: no Json, keys unioned, two kinds of values an error (./infer.ts). */
  strict = false;
  /** Members of objects read from their bytes, one per nesting level in use. */
  private readonly members: Members[] = [];

  membersAt(depth: number): Members {
    return (this.members[depth] ??= new Members());
  }

  /** UTF-8 of the JSON string contents `buf[s..e)` with escapes, in `bytes[0..n)`; returns n. */
  unescape(buf: Uint8Array, s: number, e: number): number {
    if (this.bytes.length < e - s) this.bytes = new Uint8Array(Math.max(e - s, this.bytes.length * 2));
    return unescapeJson(buf, s, e, this.bytes);
  }

  /** Lets a buffer grown for a very long string go (called between read chunks). */
  trim(): void {
    if (this.bytes.length > 1 << 20) this.bytes = new Uint8Array(1024);
  }
}

/**
 * The members of one (validated) JSON object read from its bytes, in the
 * file's order: keys, and each value's tape kind, span and `aux` (digits of
 * an integer, -1 for nested values), as `readValue` gives them. A repeated
 * key keeps its first place and takes the last value (as JSON.parse, and a
 * Python dict, do).
 */
export class Members {
  n = 0;
  keys: string[] = [];
  kind = new Uint8Array(16);
  start = new Int32Array(16);
  end = new Int32Array(16);
  aux = new Int32Array(16);
  private readonly value = new JsonValue();
  private index: Map<string, number> | undefined;

  /** Reads the object `buf[s..e)` (from `{` to `}`). */
  read(buf: Uint8Array, s: number, e: number): void {
    this.n = 0;
    this.index?.clear();
    const v = this.value;
    let i = skipWhitespace(buf, s + 1, e);
    if (buf[i] === 125) return; // }
    for (;;) {
      i = readValue(buf, i, e, v); // the key
      const key = jsonStringText(buf, v.start, v.end, v.kind === K_STR_ESC);
      i = skipWhitespace(buf, skipWhitespace(buf, i, e) + 1, e); // past ':'
      i = readValue(buf, i, e, v);
      let at = this.find(key);
      if (at < 0) {
        at = this.n++;
        if (at === this.kind.length) this.grow();
        this.keys[at] = key;
        this.index?.set(key, at);
      }
      this.kind[at] = v.kind;
      this.start[at] = v.start;
      this.end[at] = v.end;
      this.aux[at] = v.aux;
      i = skipWhitespace(buf, i, e);
      if (i >= e || buf[i] !== 44) return; // ,
      i = skipWhitespace(buf, i + 1, e);
    }
  }

  /** Makes this one member: `key` holding `v`. */
  single(key: string, v: JsonValue): void {
    this.n = 1;
    this.keys[0] = key;
    this.kind[0] = v.kind;
    this.start[0] = v.start;
    this.end[0] = v.end;
    this.aux[0] = v.aux;
  }

  private find(key: string): number {
    if (this.n < 16) {
      for (let k = 0; k < this.n; k++) if (this.keys[k] === key) return k;
      return -1;
    }
    if (!this.index || this.index.size !== this.n) this.index = new Map(this.keys.slice(0, this.n).map((k, i) => [k, i]));
    return this.index.get(key) ?? -1;
  }

  private grow(): void {
    const size = this.kind.length * 2;
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    this.kind = kind;
    for (const name of ["start", "end", "aux"] as const) {
      const a = new Int32Array(size);
      a.set(this[name]);
      this[name] = a;
    }
  }
}

/** The JS value JSON.parse gives a tape entry (bigints where it would round, FloatTokens for integral floats in nested values with `floatTokens`). */
export function spanValue(kind: number, buf: Buffer, s: number, e: number, aux: number, floatTokens: boolean, scratch: Scratch): unknown {
  switch (kind) {
    case K_NULL:
      return null;
    case K_TRUE:
      return true;
    case K_FALSE:
      return false;
    case K_INT:
    case K_BIGINT:
      return parseInteger(buf, s, e)!; // a bigint past 2^53, as parseExact gives it
    case K_FLOAT:
      return Number(buf.toString("latin1", s, e));
    case K_STR:
    case K_STR_ESC:
      return jsonStringText(buf, s, e, kind === K_STR_ESC);
    default: {
      const text = buf.toString("utf8", s, e);
      if (aux < 0) {
        // Flags not known (an item of a list): look for the numbers JSON.parse would mistype now.
        const flags = scanNumbers(buf, s, e, floatTokens, scratch.numbers);
        aux = (flags & HAS_LONG_INTEGER ? NF_LONG_INT : 0) | (flags & HAS_INTEGRAL_FLOAT ? NF_INTEGRAL_FLOAT : 0);
      }
      if (aux & NF_LONG_INT || (floatTokens && aux & NF_INTEGRAL_FLOAT)) return parseExact(text, floatTokens);
      return JSON.parse(text);
    }
  }
}

/**
 * Checks one row's JSON text with JSON.parse (a row the scanner left alone),
 * turning a failure into the DataError users see; the row must be an object.
 */
export function checkRow(buf: Buffer, s: number, e: number, file: string, line: number, hint: string): void {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString("utf8", s, e));
  } catch (err) {
    throw new DataError(file, line, `invalid JSON: ${(err as Error).message}${buf[skipWhitespace(buf, s, e)] === 123 ? hint : ""}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new DataError(file, line, `each row must be a JSON object ({...}), found ${describe(v)}`);
}

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
 * Parses one row's JSON text with JSON.parse, turning a failure into the
 * DataError users see; numbers JSON.parse would mistype are then read exactly
 * (bigints beyond 2^53; with `inference`, FloatTokens for integral floats).
 */
export function parseRow(
  buf: Buffer,
  s: number,
  e: number,
  file: string,
  line: number,
  inference: boolean,
  firstLineOfJson: boolean,
  numbers: NumberScan,
): Record<string, unknown> {
  const text = buf.toString("utf8", s, e);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    const hint =
      firstLineOfJson && buf[s] === 123
        ? " (a .json file must hold one JSON array of objects, or one object per line; is this one object spread over several lines?)"
        : "";
    throw new DataError(file, line, `invalid JSON: ${(err as Error).message}${hint}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new DataError(file, line, `each row must be a JSON object ({...}), found ${describe(v)}`);
  if (scanNumbers(buf, s, e, inference, numbers) !== 0) v = parseExact(text, inference);
  return v as Record<string, unknown>;
}


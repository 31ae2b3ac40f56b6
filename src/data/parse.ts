/**
 * Byte-level recognisers and parsers for text cells, shared by the CSV and
 * text readers. They work on `buf[start..end)` without creating strings on
 * the common paths.
 */

export const enum Kind {
  Int = 1,
  Float = 2,
  Bool = 4,
  String = 8,
}

const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;

function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

function matchesWord(buf: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(buf[start + i]!) !== word.charCodeAt(i)) return false;
  return true;
}

/** The spellings pandas reads as booleans. */
export function parseBool(buf: Uint8Array, start: number, end: number): boolean | undefined {
  const n = end - start;
  if (n === 4) {
    const a = buf[start]!;
    if ((a === 84 || a === 116) && matchesWord(buf, start, end, "true")) {
      // True, true, TRUE: not tRUE.
      return isOneOf(buf, start, ["True", "true", "TRUE"]) ? true : undefined;
    }
  } else if (n === 5) {
    const a = buf[start]!;
    if ((a === 70 || a === 102) && matchesWord(buf, start, end, "false")) {
      return isOneOf(buf, start, ["False", "false", "FALSE"]) ? false : undefined;
    }
  }
  return undefined;
}

/** Whether `buf` at `start` holds one of `words` (all of the cell's length). */
function isOneOf(buf: Uint8Array, start: number, words: string[]): boolean {
  outer: for (const w of words) {
    for (let i = 0; i < w.length; i++) if (buf[start + i] !== w.charCodeAt(i)) continue outer;
    return true;
  }
  return false;
}

/** Largest int64, as the digit string compared against 19-digit values. */
const INT64_MAX_DIGITS = "9223372036854775807";

/**
 * Classifies a non-empty cell as pandas would type it: an integer that fits
 * int64, a float (decimals, exponents, inf/nan), a boolean, or a string.
 */
export function classify(buf: Uint8Array, start: number, end: number): Kind {
  let i = start;
  let c = buf[i]!;
  let negative = false;
  if (c === PLUS || c === MINUS) {
    negative = c === MINUS;
    i++;
    if (i === end) return Kind.String;
    c = buf[i]!;
  }
  if ((c >= ZERO && c <= NINE) || c === DOT) {
    const digitsStart = i;
    while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) i++;
    const intDigits = i - digitsStart;
    if (i === end) return intFits(buf, digitsStart, end, negative) ? Kind.Int : Kind.String;
    let fracDigits = 0;
    if (buf[i] === DOT) {
      i++;
      const f = i;
      while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) i++;
      fracDigits = i - f;
    }
    if (intDigits + fracDigits === 0) return Kind.String;
    if (i === end) return Kind.Float;
    const e = buf[i]!;
    if (e !== 101 && e !== 69) return Kind.String;
    i++;
    if (i < end && (buf[i] === PLUS || buf[i] === MINUS)) i++;
    const expStart = i;
    while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) i++;
    return i === end && i > expStart ? Kind.Float : Kind.String;
  }
  if (c === 105 || c === 73 || c === 110 || c === 78) {
    // inf, infinity, nan (any case), optionally signed
    if (matchesWord(buf, i, end, "inf") || matchesWord(buf, i, end, "infinity") || matchesWord(buf, i, end, "nan"))
      return Kind.Float;
  }
  if (i === start && parseBool(buf, start, end) !== undefined) return Kind.Bool;
  return Kind.String;
}

function intFits(buf: Uint8Array, digitsStart: number, end: number, negative: boolean): boolean {
  let s = digitsStart;
  while (s < end - 1 && buf[s] === ZERO) s++;
  const n = end - s;
  if (n < 19) return true;
  if (n > 19) return false;
  for (let k = 0; k < 19; k++) {
    const d = buf[s + k]!;
    const m = INT64_MAX_DIGITS.charCodeAt(k) + (k === 18 && negative ? 1 : 0);
    if (d !== m) return d < m;
  }
  return true;
}

const latin1 = new TextDecoder("latin1");

/** Text of an ASCII cell (only used on slow paths). */
export function asciiText(buf: Uint8Array, start: number, end: number): string {
  return latin1.decode(buf.subarray(start, end));
}

/**
 * Parses an integer cell; returns a number when it is a safe integer, a
 * bigint otherwise, or undefined when the cell is not an integer.
 */
export function parseInteger(buf: Uint8Array, start: number, end: number): number | bigint | undefined {
  let i = start;
  let negative = false;
  const c = buf[i];
  if (c === PLUS || c === MINUS) {
    negative = c === MINUS;
    i++;
  }
  if (i === end) return undefined;
  let v = 0;
  const digitsStart = i;
  for (; i < end; i++) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  if (i - digitsStart <= 15) return negative ? -v : v;
  const big = BigInt(asciiText(buf, start, end));
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Parses a float cell, correctly rounded. Plain decimals with at most 15
 * significant digits take the exact fast path (both the digits and 10^k are
 * exact doubles, so one division rounds correctly); the rest goes through
 * `Number()`.
 */
export function parseFloatCell(buf: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let negative = false;
  const c = buf[i];
  if (c === PLUS || c === MINUS) {
    negative = c === MINUS;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let seenDot = false;
  let any = false;
  for (; i < end; i++) {
    const b = buf[i]!;
    const d = b - ZERO;
    if (d >= 0 && d <= 9) {
      any = true;
      if (mantissa !== 0 || d !== 0) digits++;
      mantissa = mantissa * 10 + d;
      if (seenDot) scale++;
    } else if (b === DOT && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  if (i === end && any && digits <= 15 && scale <= 22) {
    const v = scale === 0 ? mantissa : mantissa / POW10[scale]!;
    return negative ? -v : v;
  }
  return slowFloat(buf, start, end);
}

function slowFloat(buf: Uint8Array, start: number, end: number): number | undefined {
  const text = asciiText(buf, start, end);
  const t = text.toLowerCase();
  const unsigned = t.replace(/^[+-]/, "");
  if (unsigned === "inf" || unsigned === "infinity") return t.startsWith("-") ? -Infinity : Infinity;
  if (unsigned === "nan") return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

// ---------------------------------------------------------------------------
// Dates and times, for `features` overrides (timestamp[...], date32) and JSON inference.

const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

const UNIT_PER_SECOND = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 } as const;

/**
 * Parses an ISO 8601 date or date-time into an integer count of `unit` since
 * the epoch (UTC; an explicit offset is applied). Returns undefined when the
 * text is not such a date.
 */
export function parseTimestamp(text: string, unit: keyof typeof UNIT_PER_SECOND): bigint | undefined {
  const m = DATE_TIME_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", offset] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60)
    return undefined;
  let ms = utcMillis(Number(y), month, day, Number(h), Number(mi), Number(s));
  if (new Date(ms).getUTCDate() !== day) return undefined; // 2024-02-31
  if (offset && offset !== "Z") {
    const sign = offset.startsWith("-") ? -1 : 1;
    const digits = offset.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const perSecond = BigInt(UNIT_PER_SECOND[unit]);
  const seconds = BigInt(Math.floor(ms / 1000));
  const fraction = frac === "" ? 0n : (BigInt(frac.padEnd(9, "0")) * perSecond) / 1_000_000_000n;
  return seconds * perSecond + fraction;
}

/** Milliseconds since the epoch; unlike Date.UTC, years 0-99 are taken literally. */
function utcMillis(year: number, month: number, day: number, h: number, mi: number, s: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/** Days since the epoch for `YYYY-MM-DD`, or undefined. */
export function parseDate32(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const ms = utcMillis(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0);
  if (new Date(ms).getUTCDate() !== Number(m[3]) || Number(m[2]) > 12 || Number(m[2]) < 1) return undefined;
  return ms / 86_400_000;
}

/** The shapes pyarrow's JSON reader infers as `timestamp[s]`: `YYYY-MM-DD` and `YYYY-MM-DD hh:mm:ss`. */
export function looksLikeTimestamp(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2})?$/.test(text) && parseTimestamp(text, "s") !== undefined;
}

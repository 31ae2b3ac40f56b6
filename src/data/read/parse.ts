/**
 * Byte-level recognisers and parsers for text cells, shared by the CSV and
 * text readers. They work on `buf[start..end)` without creating strings on
 * the common paths.
 *
 * The rules follow pandas' C parser as `datasets`' CSV loader runs it
 * (`pd.read_csv` with default options; pandas/_libs/parsers.pyx and
 * tokenizer.c), see README.md in this folder:
 * - NA tokens (`NA`, `null`, `NaN`, `N/A`, `None`, ... — pandas'
 *   `STR_NA_VALUES`, matched exactly) and empty cells are nulls;
 * - integers and floats may carry leading/trailing ASCII whitespace and a sign;
 * - booleans are `true`/`false` in any letter case, without whitespace;
 * - `inf`/`infinity` (any case, optional sign, no whitespace) are floats; `nan`
 *   spellings other than the NA tokens are text.
 */

export const enum Kind {
  /** An integer that fits int64. */
  Int = 1,
  Float = 2,
  Bool = 4,
  String = 8,
  /** A positive integer above int64's range that fits uint64. */
  UInt = 16,
  /** An integer beyond uint64 (or below int64). */
  Overflow = 32,
  /** The integer had a minus sign (pandas then refuses uint64 for the column). */
  Negative = 64,
  /** A pandas NA token: the cell is a null. */
  Null = 128,
}

const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;

export function isSpace(b: number): boolean {
  return b === 32 || (b >= 9 && b <= 13);
}

function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/** Case-insensitive match of the whole cell against a lowercase ASCII word. */
function matchesWord(buf: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(buf[start + i]!) !== word.charCodeAt(i)) return false;
  return true;
}

/** pandas' default NA strings (`STR_NA_VALUES`), besides the empty cell. */
export const NA_TOKENS = [
  "-1.#IND",
  "1.#QNAN",
  "1.#IND",
  "-1.#QNAN",
  "#N/A N/A",
  "#N/A",
  "N/A",
  "n/a",
  "NA",
  "<NA>",
  "#NA",
  "NULL",
  "null",
  "NaN",
  "-NaN",
  "nan",
  "-nan",
  "None",
] as const;

/** NA tokens grouped by first byte, as byte arrays. */
const NA_BY_FIRST: (Uint8Array[] | undefined)[] = (() => {
  const table: (Uint8Array[] | undefined)[] = new Array(256).fill(undefined);
  for (const t of NA_TOKENS) {
    const bytes = new TextEncoder().encode(t);
    (table[bytes[0]!] ??= []).push(bytes);
  }
  return table;
})();
const NA_MAX_LENGTH = Math.max(...NA_TOKENS.map((t) => t.length));

/** Whether a non-empty cell is one of pandas' NA tokens (exact bytes, no trimming). */
export function isNaToken(buf: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n > NA_MAX_LENGTH) return false;
  const candidates = NA_BY_FIRST[buf[start]!];
  if (candidates === undefined) return false;
  outer: for (const t of candidates) {
    if (t.length !== n) continue;
    for (let i = 1; i < n; i++) if (buf[start + i] !== t[i]) continue outer;
    return true;
  }
  return false;
}

/** `true`/`false` in any letter case (pandas' `to_boolean`), else undefined. */
export function parseBool(buf: Uint8Array, start: number, end: number): boolean | undefined {
  const n = end - start;
  if (n === 4 && matchesWord(buf, start, end, "true")) return true;
  if (n === 5 && matchesWord(buf, start, end, "false")) return false;
  return undefined;
}

/** `inf`, `infinity` with an optional sign, any case; returns the value or undefined. */
function parseInfinity(buf: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let sign = 1;
  if (buf[i] === PLUS || buf[i] === MINUS) {
    if (buf[i] === MINUS) sign = -1;
    i++;
  }
  if (matchesWord(buf, i, end, "inf") || matchesWord(buf, i, end, "infinity")) return sign * Infinity;
  return undefined;
}

const INT64_MAX_DIGITS = "9223372036854775807";
const INT64_MIN_DIGITS = "9223372036854775808";
const UINT64_MAX_DIGITS = "18446744073709551615";

/** Whether the digits `buf[from..to)` (no sign) are at most `limit` numerically. */
function digitsAtMost(buf: Uint8Array, from: number, to: number, limit: string): boolean {
  let s = from;
  while (s < to - 1 && buf[s] === ZERO) s++;
  const n = to - s;
  if (n !== limit.length) return n < limit.length;
  for (let k = 0; k < n; k++) {
    const d = buf[s + k]!;
    const m = limit.charCodeAt(k);
    if (d !== m) return d < m;
  }
  return true;
}

/**
 * Classifies a non-empty cell as pandas would type it (see the file comment).
 * Returns one Kind, or Int|Negative for a negative integer.
 */
export function classify(buf: Uint8Array, start: number, end: number): Kind {
  const first = buf[start]!;
  if (end - start <= NA_MAX_LENGTH && NA_BY_FIRST[first] !== undefined && isNaToken(buf, start, end)) return Kind.Null;
  let i = start;
  let e = end;
  if (isSpace(first) || isSpace(buf[e - 1]!)) {
    while (i < e && isSpace(buf[i]!)) i++;
    while (e > i && isSpace(buf[e - 1]!)) e--;
    if (i === e) return Kind.String;
  }
  let c = buf[i]!;
  let negative = false;
  if (c === PLUS || c === MINUS) {
    negative = c === MINUS;
    i++;
    if (i === e) return Kind.String;
    c = buf[i]!;
  }
  if ((c >= ZERO && c <= NINE) || c === DOT) {
    const digitsStart = i;
    while (i < e && buf[i]! >= ZERO && buf[i]! <= NINE) i++;
    const intDigits = i - digitsStart;
    if (i === e) {
      // An integer (intDigits > 0 here, since a lone "." is not all digits).
      if (negative) return digitsAtMost(buf, digitsStart, e, INT64_MIN_DIGITS) ? Kind.Int | Kind.Negative : Kind.Overflow;
      if (digitsAtMost(buf, digitsStart, e, INT64_MAX_DIGITS)) return Kind.Int;
      return digitsAtMost(buf, digitsStart, e, UINT64_MAX_DIGITS) ? Kind.UInt : Kind.Overflow;
    }
    let fracDigits = 0;
    if (buf[i] === DOT) {
      i++;
      const f = i;
      while (i < e && buf[i]! >= ZERO && buf[i]! <= NINE) i++;
      fracDigits = i - f;
    }
    if (intDigits === 0 && fracDigits === 0) return Kind.String;
    if (i === e) return Kind.Float;
    const x = buf[i]!;
    if (x !== 101 && x !== 69) return Kind.String;
    i++;
    if (i < e && (buf[i] === PLUS || buf[i] === MINUS)) i++;
    const expStart = i;
    while (i < e && buf[i]! >= ZERO && buf[i]! <= NINE) i++;
    return i === e && i > expStart ? Kind.Float : Kind.String;
  }
  // inf/infinity and booleans are compared on the untrimmed cell, as pandas does.
  if (parseInfinity(buf, start, end) !== undefined) return Kind.Float;
  if (parseBool(buf, start, end) !== undefined) return Kind.Bool;
  return Kind.String;
}

const latin1 = new TextDecoder("latin1");

/** Text of an ASCII cell (only used on slow paths). */
export function asciiText(buf: Uint8Array, start: number, end: number): string {
  return latin1.decode(buf.subarray(start, end));
}

/**
 * Parses an integer cell (ASCII whitespace around it allowed, optional sign);
 * returns a number when it is a safe integer, a bigint otherwise, or
 * undefined when the cell is not an integer.
 */
export function parseInteger(buf: Uint8Array, start: number, end: number): number | bigint | undefined {
  let i = start;
  let e = end;
  while (i < e && isSpace(buf[i]!)) i++;
  while (e > i && isSpace(buf[e - 1]!)) e--;
  let negative = false;
  const c = buf[i];
  if (c === PLUS || c === MINUS) {
    negative = c === MINUS;
    i++;
  }
  if (i === e) return undefined;
  let v = 0;
  const digitsStart = i;
  for (; i < e; i++) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  if (e - digitsStart <= 15) return negative ? -v : v;
  const big = BigInt(asciiText(buf, digitsStart, e));
  const signed = negative ? -big : big;
  return Number.isSafeInteger(Number(signed)) ? Number(signed) : signed;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Parses a float cell, correctly rounded. Plain decimals with at most 15
 * significant digits take the exact fast path (both the digits and 10^k are
 * exact doubles, so one division rounds correctly); the rest goes through
 * `Number()`. Whitespace around numbers and `inf`/`infinity` are accepted as
 * pandas accepts them.
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

const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function slowFloat(buf: Uint8Array, start: number, end: number): number | undefined {
  const inf = parseInfinity(buf, start, end);
  if (inf !== undefined) return inf;
  let i = start;
  let e = end;
  while (i < e && isSpace(buf[i]!)) i++;
  while (e > i && isSpace(buf[e - 1]!)) e--;
  const text = asciiText(buf, i, e);
  if (!FLOAT_RE.test(text)) return undefined;
  return Number(text);
}

// ---------------------------------------------------------------------------
// Dates and times: `features` overrides (timestamp[...], date32, ...) and JSON inference.

const UNIT_PER_SECOND = { s: 1n, ms: 1_000n, us: 1_000_000n, ns: 1_000_000_000n } as const;
export type TimeUnitName = keyof typeof UNIT_PER_SECOND;

/** Days in each month of a common year (February of a leap year has 29). */
export const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to y-m-d (proleptic Gregorian), or undefined for an invalid date. */
export function daysFromCivil(y: number, m: number, d: number): number | undefined {
  if (m < 1 || m > 12 || d < 1) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : MONTH_DAYS[m - 1]!)) return undefined;
  // Howard Hinnant's days_from_civil.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an ISO 8601 date or date-time (`YYYY-MM-DD`, then optionally
 * `[T ]hh[:mm[:ss[.fraction]]]` and `Z` or `±hh[:mm]`) into an integer count
 * of `unit` since the epoch, in UTC (an offset is applied, naive times are
 * taken as UTC, as Arrow does). Returns undefined when the text is not such
 * a date, or "precision" when the fraction is finer than `unit`.
 */
export function parseTimestamp(text: string, unit: TimeUnitName): bigint | undefined | "precision" {
  const m = DATE_TIME_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", offset] = m;
  if (offset !== undefined && m[4] === undefined) return undefined; // a zone needs a time
  const days = daysFromCivil(Number(y), Number(mo), Number(d));
  if (days === undefined || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let seconds = BigInt(days) * 86_400n + BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(s));
  if (offset && offset !== "Z") {
    const sign = offset.startsWith("-") ? -1n : 1n;
    const digits = offset.slice(1).replace(":", "");
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return undefined;
    seconds -= sign * BigInt(hours * 3600 + minutes * 60);
  }
  const perSecond = UNIT_PER_SECOND[unit];
  const fraction = fractionIn(frac, perSecond);
  if (fraction === "precision") return fraction;
  return seconds * perSecond + fraction;
}

/** Fractional-second digits as a count of units (`perSecond` per second), or "precision" when they do not fit. */
function fractionIn(frac: string, perSecond: bigint): bigint | "precision" {
  if (frac === "") return 0n;
  const nanos = BigInt(frac.padEnd(9, "0"));
  const step = 1_000_000_000n / perSecond;
  return nanos % step === 0n ? nanos / step : "precision";
}

/** The shapes Arrow's JSON reader infers as `timestamp[s]` (ISO 8601 at second resolution). */
const ARROW_SECONDS_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Whether pyarrow's JSON reader would infer this string as `timestamp[s]`:
 * `YYYY-MM-DD`, or that followed by `[T ]hh`, `:mm`, `:ss`, and optionally
 * `Z` or a `±hh[:mm]` offset; no fractional seconds.
 */
export function looksLikeTimestamp(text: string): boolean {
  const n = text.length;
  if (n < 10 || n > 25) return false;
  const c = text.charCodeAt(4);
  if (c !== MINUS) return false;
  return ARROW_SECONDS_RE.test(text) && typeof parseTimestamp(text, "s") === "bigint";
}

/** Days since the epoch for `YYYY-MM-DD`, or undefined. */
export function parseDate32(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

const TIME_OF_DAY_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/** `hh:mm[:ss[.fraction]]` as a count of `unit` since midnight, or undefined / "precision". */
export function parseTimeOfDay(text: string, unit: TimeUnitName): bigint | undefined | "precision" {
  const m = TIME_OF_DAY_RE.exec(text);
  if (!m) return undefined;
  const [, h, mi, s = "0", frac = ""] = m;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const perSecond = UNIT_PER_SECOND[unit];
  const fraction = fractionIn(frac, perSecond);
  if (fraction === "precision") return fraction;
  return BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(s)) * perSecond + fraction;
}

/**
 * A decimal number text as an unscaled integer with `scale` digits after the
 * point; undefined when it is not a plain decimal or loses digits at that scale.
 */
export function parseDecimal(text: string, scale: number): bigint | undefined {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const [, sign, int = "", frac = "", exp = "0"] = m;
  let digits = int + frac;
  let pointShift = Number(exp) - frac.length + scale; // digits * 10^pointShift
  if (pointShift >= 0) digits += "0".repeat(pointShift);
  else {
    if (-pointShift > digits.length) digits = "0".repeat(-pointShift - digits.length) + digits;
    const cut = digits.slice(digits.length + pointShift);
    if (/[1-9]/.test(cut)) return undefined;
    digits = digits.slice(0, digits.length + pointShift);
    pointShift = 0;
  }
  const v = BigInt(digits === "" ? "0" : digits);
  return sign === "-" ? -v : v;
}

/**
 * Byte-level JSON for the JSON reader's hot path: a validating scanner that
 * reads one row (a JSON object, as the bytes of a line or of a top-level
 * array's element) into a small "tape" of its top-level entries — the
 * column each key names, the kind of its value (from the value's first byte
 * and spelling) and the value's byte span — without creating JS objects or
 * strings. The reader then infers types and sizes (pass 1) or fills Arrow
 * builders (pass 2) from the tape.
 *
 * The scanner accepts exactly what `JSON.parse` accepts, or less: anything it
 * does not handle — invalid JSON (so the error text comes from `JSON.parse`),
 * a repeated key (the last value counts, at the first key's place), very deep
 * nesting — makes `scan` return -1, and the reader checks the row with
 * `JSON.parse` and reads its members from the bytes (./spans.ts, Members). Nested values (lists, objects) are validated in
 * pass 1 and only delimited in pass 2; the reader reads lists item by item
 * (`readValue`) and parses objects from their span.
 *
 * Also here: JSON string unescaping straight to UTF-8, and ISO 8601
 * date-times read from bytes as pyarrow's JSON reader infers `timestamp[s]`.
 */
import { isIntegral } from "./exact.js";
import { MONTH_DAYS } from "../parse.js";

/** Kinds of values on the tape. */
export const K_NULL = 0;
export const K_TRUE = 1;
export const K_FALSE = 2;
/** An integer within int64 (`aux`: its number of digits). */
export const K_INT = 3;
/** An integer beyond int64: pyarrow makes the column float64. */
export const K_BIGINT = 4;
/** A number spelled with a fraction or an exponent. */
export const K_FLOAT = 5;
/** A string without escapes (span: between the quotes). */
export const K_STR = 6;
/** A string with backslash escapes (span: between the quotes). */
export const K_STR_ESC = 7;
/** An object (span: from `{` to `}`; `aux`: NF_ flags). */
export const K_OBJ = 8;
/** An array (span: from `[` to `]`; `aux`: NF_ flags). */
export const K_ARR = 9;

/** A nested value holds an integer of 16 or more digits (JSON.parse may round it). */
export const NF_LONG_INT = 1;
/** A nested value holds an integral number spelled as a float (`1.0`, `2e3`). */
export const NF_INTEGRAL_FLOAT = 2;
/** A nested value holds an object (a list of them, say): read it with JSON.parse whole rather than item by item. */
export const NF_OBJECT = 4;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** Deeper nesting is left to JSON.parse. */
const MAX_DEPTH = 128;

/** Bytes that end the fast run through a string: `"`, `\`, and control characters (invalid in JSON strings). */
const STRING_STOP = new Uint8Array(256);
for (let b = 0; b < 32; b++) STRING_STOP[b] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/** JSON whitespace; in a line of JSON Lines, line breaks end the row instead. */
const SPACE_ANY = new Uint8Array(256);
const SPACE_LINE = new Uint8Array(256);
for (const b of [32, 9]) SPACE_ANY[b] = SPACE_LINE[b] = 1;
SPACE_ANY[10] = SPACE_ANY[13] = 1;

/** Hex digit values, -1 for other bytes. */
const HEX = new Int8Array(256).fill(-1);
for (let b = 0; b < 10; b++) HEX[ZERO + b] = b;
for (let b = 0; b < 6; b++) {
  HEX[65 + b] = 10 + b;
  HEX[97 + b] = 10 + b;
}

/** Single-character escapes (`\n` → 10, ...); 0 for bytes that are not one. */
const ESCAPE = new Uint8Array(256);
ESCAPE[QUOTE] = QUOTE;
ESCAPE[BACKSLASH] = BACKSLASH;
ESCAPE[47] = 47; // '/'
ESCAPE[98] = 8; // b
ESCAPE[102] = 12; // f
ESCAPE[110] = 10; // n
ESCAPE[114] = 13; // r
ESCAPE[116] = 9; // t

const INT64_MAX_DIGITS = "9223372036854775807";
const INT64_MIN_DIGITS = "9223372036854775808";

/** Whether the 19 digits at `buf[from..]` are at most the limit (int64's range). */
function nineteenDigitsFit(buf: Uint8Array, from: number, negative: boolean): boolean {
  const limit = negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS;
  for (let k = 0; k < 19; k++) {
    const d = buf[from + k]!;
    const m = limit.charCodeAt(k);
    if (d !== m) return d < m;
  }
  return true;
}

const utf8 = new TextDecoder("utf-8");

/** The text of a key or string between quotes at `[start, end)`. */
export function jsonStringText(buf: Uint8Array, start: number, end: number, escaped: boolean): string {
  if (!escaped) return utf8.decode(buf.subarray(start, end));
  return JSON.parse(utf8.decode(buf.subarray(start - 1, end + 1))) as string;
}

/**
 * The rows' keys and the scanner. One scanner serves one pass over one file;
 * its columns are the keys seen so far (pass 1) or the requested features (pass 2).
 */
export class RowScanner {
  /** Entries of the last scanned row. */
  n = 0;
  kind = new Uint8Array(16);
  col = new Int32Array(16);
  start = new Int32Array(16);
  end = new Int32Array(16);
  aux = new Int32Array(16);

  /** Column names by index. */
  readonly names: string[] = [];
  private readonly byName = new Map<string, number>();
  /** By position in the row: the bytes last seen before the value (`{` or `,`, key, `:`), and the column they name. */
  private segment: (Uint8Array | undefined)[] = [];
  private segmentCol: number[] = [];
  private segmentWords: Int32Array[] = [];
  /** Per column: the serial of the last row holding it, and its entry there. */
  private stamp = new Int32Array(16);
  entryOf = new Int32Array(16);
  serial = 0;
  /** Keys first seen in the last row (pass 1), in order; they become columns `names.length + i` on `commit()`. */
  readonly pending: string[] = [];
  /** Flags of the last nested value scanned. */
  private nested = 0;
  /** The buffer last scanned, and a view of it for reading four bytes at a time. */
  private buffer: Uint8Array | undefined;
  private view: DataView | undefined;

  private readonly space: Uint8Array;

  /**
   * `learn`: unknown keys become columns (pass 1); otherwise they are ignored (pass 2).
   * `lines`: rows are lines of JSON Lines, so line breaks are not whitespace (they end the row).
   */
  constructor(
    private readonly learn: boolean,
    lines: boolean,
  ) {
    this.space = lines ? SPACE_LINE : SPACE_ANY;
  }

  addColumn(name: string): number {
    const index = this.names.length;
    this.names.push(name);
    this.byName.set(name, index);
    this.reserveColumns(index + 1);
    return index;
  }

  indexOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** Whether column `c` is in the last scanned row. */
  has(c: number): boolean {
    return this.stamp[c] === this.serial;
  }

  /**
   * Makes the tape describe a row read as `members` (a row `scan` left
   * alone): keys not known become columns (pass 1, on `commit()`) or are
   * ignored (pass 2).
   */
  fromMembers(members: { n: number; keys: string[]; kind: Uint8Array; start: Int32Array; end: Int32Array; aux: Int32Array }): void {
    this.n = 0;
    this.pending.length = 0;
    let serial = (this.serial + 1) | 0;
    if (serial === 0) {
      this.stamp.fill(0);
      serial = 1;
    }
    this.serial = serial;
    for (let k = 0; k < members.n; k++) {
      const key = members.keys[k]!;
      let col = this.byName.get(key);
      if (col === undefined) {
        if (this.learn) {
          col = this.names.length + this.pending.length;
          this.pending.push(key);
          this.reserveColumns(col + 1);
        } else col = -2;
      }
      if (this.n === this.kind.length) this.reserveEntries();
      const at = this.n++;
      if (col >= 0) {
        this.stamp[col] = serial;
        this.entryOf[col] = at;
      }
      this.col[at] = col;
      this.kind[at] = members.kind[k]!;
      this.start[at] = members.start[k]!;
      this.end[at] = members.end[k]!;
      this.aux[at] = members.aux[k]!;
    }
  }

  /** Makes columns of the keys first seen in the last row. */
  commit(): void {
    if (this.pending.length === 0) return;
    for (let i = 0; i < this.pending.length; i++) this.addColumn(this.pending[i]!);
    this.pending.length = 0;
  }

  private reserveColumns(n: number): void {
    if (n <= this.stamp.length) return;
    const size = Math.max(n, this.stamp.length * 2);
    const stamp = new Int32Array(size);
    stamp.set(this.stamp);
    this.stamp = stamp;
    const entry = new Int32Array(size);
    entry.set(this.entryOf);
    this.entryOf = entry;
  }

  private reserveEntries(): void {
    const size = this.kind.length * 2;
    const grow = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.kind = grow(this.kind, (n) => new Uint8Array(n));
    this.col = grow(this.col, (n) => new Int32Array(n));
    this.start = grow(this.start, (n) => new Int32Array(n));
    this.end = grow(this.end, (n) => new Int32Array(n));
    this.aux = grow(this.aux, (n) => new Int32Array(n));
  }

  /**
   * Scans the row starting at `buf[s]` (reading no further than `e`): when it
   * is a JSON object the tape now describes, returns the position after it and
   * the whitespace that follows; -1 when the row must go through JSON.parse
   * (invalid, or not handled here: see the file comment).
   */
  scan(buf: Uint8Array, s: number, e: number): number {
    this.n = 0;
    if (this.pending.length !== 0) this.pending.length = 0;
    let serial = (this.serial + 1) | 0;
    if (serial === 0) {
      this.stamp.fill(0);
      serial = 1;
    }
    this.serial = serial;
    if (buf !== this.buffer) {
      this.buffer = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const stop = STRING_STOP;
    const space = this.space;
    let i = s;
    let b = 0;
    let position = 0;
    for (;;) {
      // What leads to the value: `{` or `,`, the key, `:`, and any whitespace. Usually the same
      // bytes as at this position of an earlier row: then they are valid and name the same column.
      let col = -1;
      const cached = this.segment[position];
      if (cached !== undefined) {
        const length = cached.length;
        if (i + length <= e) {
          const words = this.segmentWords[position]!;
          const view = this.view!;
          let k = 0;
          const whole = words.length;
          while (k < whole && view.getInt32(i + k * 4, true) === words[k]) k++;
          if (k === whole) {
            k *= 4;
            while (k < length && buf[i + k] === cached[k]) k++;
            if (k === length) {
              col = this.segmentCol[position]!;
              i += length;
            }
          }
        }
      }
      if (col < 0) {
        const from = i;
        while (i < e && space[buf[i]!] !== 0) i++;
        if (i >= e) return -1;
        b = buf[i]!;
        if (position === 0) {
          if (b !== OPEN_BRACE) return -1;
          i++;
          while (i < e && space[buf[i]!] !== 0) i++;
          if (i >= e) return -1;
          if (buf[i] === CLOSE_BRACE) return this.trailing(buf, i + 1, e);
        } else {
          if (b === CLOSE_BRACE) return this.trailing(buf, i + 1, e);
          if (b !== COMMA) return -1;
          i++;
          while (i < e && space[buf[i]!] !== 0) i++;
          if (i >= e) return -1;
        }
        if (buf[i] !== QUOTE) return -1;
        const ks = i + 1;
        let j = ks;
        let escaped = false;
        for (;;) {
          while (j < e && stop[buf[j]!] === 0) j++;
          if (j >= e) return -1;
          const c = buf[j]!;
          if (c === QUOTE) break;
          if (c !== BACKSLASH) return -1;
          j = escapeEnd(buf, j, e);
          if (j < 0) return -1;
          escaped = true;
        }
        i = j + 1;
        while (i < e && space[buf[i]!] !== 0) i++;
        if (i >= e || buf[i] !== COLON) return -1;
        i++;
        while (i < e && space[buf[i]!] !== 0) i++;
        if (i >= e) return -1;
        const key = jsonStringText(buf, ks, j, escaped);
        const known = this.byName.get(key);
        if (known !== undefined) {
          col = known;
          // A copy (the read buffer is reused), whole words of it compared four bytes at a time.
          const length = i - from;
          const copy = new Uint8Array((length + 3) & ~3);
          copy.set(buf.subarray(from, i));
          this.segment[position] = copy.subarray(0, length);
          this.segmentWords[position] = new Int32Array(copy.buffer, 0, length >> 2);
          this.segmentCol[position] = col;
        } else if (this.learn) {
          if (this.pending.includes(key)) return -1;
          col = this.names.length + this.pending.length;
          this.pending.push(key);
          this.reserveColumns(col + 1);
        } else col = -2; // not a requested column (the file changed since pass 1): ignored
      } else if (i >= e) return -1;
      if (col >= 0) {
        if (this.stamp[col] === serial) return -1; // a repeated key
        this.stamp[col] = serial;
        this.entryOf[col] = this.n;
      }
      position++;

      // The value.
      if (this.n === this.kind.length) this.reserveEntries();
      const at = this.n++;
      this.col[at] = col;
      let c = buf[i]!;
      if (space[c] !== 0) {
        while (i < e && space[buf[i]!] !== 0) i++;
        if (i >= e) return -1;
        c = buf[i]!;
      }
      let j = 0;
      if (c === QUOTE) {
        const vs = i + 1;
        j = vs;
        let kind = K_STR;
        for (;;) {
          // Pass 2 reads rows pass 1 validated: only quotes and backslashes matter.
          j = this.learn ? stringStop(buf, this.view!, j, e) : quoteOrBackslash(buf, this.view!, j, e);
          if (j >= e) return -1;
          const d = buf[j]!;
          if (d === QUOTE) break;
          if (d !== BACKSLASH) return -1;
          j = escapeEnd(buf, j, e);
          if (j < 0) return -1;
          kind = K_STR_ESC;
        }
        this.kind[at] = kind;
        this.start[at] = vs;
        this.end[at] = j;
        i = j + 1;
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        const negative = c === MINUS;
        j = negative ? i + 1 : i;
        const ds = j;
        if (j >= e) return -1;
        const first = buf[j]!;
        if (first === ZERO) j++;
        else if (first > ZERO && first <= NINE) {
          j++;
          while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) j++;
        } else return -1;
        const digits = j - ds;
        let float = false;
        if (j < e && buf[j] === DOT) {
          j++;
          const fs = j;
          while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) j++;
          if (j === fs) return -1;
          float = true;
        }
        if (j < e && ((b = buf[j]!) === 101 || b === 69)) {
          j++;
          if (j < e && ((b = buf[j]!) === PLUS || b === MINUS)) j++;
          const es = j;
          while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) j++;
          if (j === es) return -1;
          float = true;
        }
        this.kind[at] = float ? K_FLOAT : digits < 19 || (digits === 19 && nineteenDigitsFit(buf, ds, negative)) ? K_INT : K_BIGINT;
        this.aux[at] = digits;
        this.start[at] = i;
        this.end[at] = j;
        i = j;
      } else if (c === 116) {
        if (i + 4 > e || buf[i + 1] !== 114 || buf[i + 2] !== 117 || buf[i + 3] !== 101) return -1;
        this.kind[at] = K_TRUE;
        this.start[at] = i;
        this.end[at] = i += 4;
      } else if (c === 102) {
        if (i + 5 > e || buf[i + 1] !== 97 || buf[i + 2] !== 108 || buf[i + 3] !== 115 || buf[i + 4] !== 101) return -1;
        this.kind[at] = K_FALSE;
        this.start[at] = i;
        this.end[at] = i += 5;
      } else if (c === 110) {
        if (i + 4 > e || buf[i + 1] !== 117 || buf[i + 2] !== 108 || buf[i + 3] !== 108) return -1;
        this.kind[at] = K_NULL;
        this.start[at] = i;
        this.end[at] = i += 4;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.nested = 0;
        j = this.learn ? this.skipNested(buf, i, e, 1) : this.skipNestedFast(buf, i, e);
        if (j < 0) return -1;
        this.kind[at] = c === OPEN_BRACE ? K_OBJ : K_ARR;
        this.aux[at] = this.nested;
        this.start[at] = i;
        this.end[at] = j;
        i = j;
      } else return -1;

    }
  }

  /** The position after the whitespace at `i` (the end of a row). */
  private trailing(buf: Uint8Array, i: number, e: number): number {
    return skipSpace(buf, i, e, this.space);
  }

  /** End of the object or array at `i` (validated), or -1. Sets NF_ flags in `nested`. */
  private skipNested(buf: Uint8Array, i: number, e: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    const object = buf[i] === OPEN_BRACE;
    if (object) this.nested |= NF_OBJECT;
    const close = object ? CLOSE_BRACE : CLOSE_BRACKET;
    i = skipSpace(buf, i + 1, e, this.space);
    if (i >= e) return -1;
    if (buf[i] === close) return i + 1;
    for (;;) {
      if (object) {
        if (buf[i] !== QUOTE) return -1;
        i = stringEnd(buf, this.view!, i + 1, e);
        if (i < 0) return -1;
        i = skipSpace(buf, i + 1, e, this.space);
        if (i >= e || buf[i] !== COLON) return -1;
        i = skipSpace(buf, i + 1, e, this.space);
        if (i >= e) return -1;
      }
      i = this.skipValue(buf, i, e, depth);
      if (i < 0) return -1;
      i = skipSpace(buf, i, e, this.space);
      if (i >= e) return -1;
      const b = buf[i]!;
      if (b === close) return i + 1;
      if (b !== COMMA) return -1;
      i = skipSpace(buf, i + 1, e, this.space);
      if (i >= e) return -1;
    }
  }

  /**
   * Pass 2 (the rows were validated in pass 1): the end of the object or
   * array at `i`, found without validating, or -1. Sets NF_OBJECT, and
   * NF_LONG_INT for any run of 16 digits (a fraction's too: reading such a
   * value exactly costs a little more, and gives the same numbers).
   */
  private skipNestedFast(buf: Uint8Array, i: number, e: number): number {
    const view = this.view!;
    let depth = 0;
    let run = 0;
    let flags = 0;
    for (let j = i; j < e; j++) {
      const b = buf[j]!;
      if (b >= ZERO && b <= NINE) {
        if (++run === 16) flags |= NF_LONG_INT;
        continue;
      }
      run = 0;
      if (b === QUOTE) {
        for (j++; ; j += 2) {
          j = quoteOrBackslash(buf, view, j, e);
          if (j >= e || buf[j] === QUOTE) break;
        }
      } else if (b === OPEN_BRACE) {
        flags |= NF_OBJECT;
        depth++;
      } else if (b === OPEN_BRACKET) depth++;
      else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) {
        this.nested = flags;
        return j + 1;
      }
    }
    return -1;
  }

  /** End of the value at `i` (validated), or -1. */
  private skipValue(buf: Uint8Array, i: number, e: number, depth: number): number {
    const c = buf[i]!;
    if (c === QUOTE) {
      const j = stringEnd(buf, this.view!, i + 1, e);
      return j < 0 ? -1 : j + 1;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) return this.skipNested(buf, i, e, depth + 1);
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.skipNumber(buf, i, e);
    if (c === 116) return i + 4 <= e && buf[i + 1] === 114 && buf[i + 2] === 117 && buf[i + 3] === 101 ? i + 4 : -1;
    if (c === 102) return i + 5 <= e && buf[i + 1] === 97 && buf[i + 2] === 108 && buf[i + 3] === 115 && buf[i + 4] === 101 ? i + 5 : -1;
    if (c === 110) return i + 4 <= e && buf[i + 1] === 117 && buf[i + 2] === 108 && buf[i + 3] === 108 ? i + 4 : -1;
    return -1;
  }

  /** End of the number at `i` (validated), or -1; flags long integers and integral floats. */
  private skipNumber(buf: Uint8Array, i: number, e: number): number {
    let j = i;
    if (buf[j] === MINUS) j++;
    const intStart = j;
    if (j >= e) return -1;
    let b = buf[j]!;
    if (b === ZERO) j++;
    else if (b > ZERO && b <= NINE) {
      j++;
      while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) j++;
    } else return -1;
    const intEnd = j;
    let fracStart = j;
    let fracEnd = j;
    let float = false;
    let exp = 0;
    if (j < e && buf[j] === DOT) {
      j++;
      fracStart = j;
      while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) j++;
      if (j === fracStart) return -1;
      fracEnd = j;
      float = true;
    }
    if (j < e && ((b = buf[j]!) === 101 || b === 69)) {
      j++;
      let sign = 1;
      if (j < e && ((b = buf[j]!) === PLUS || b === MINUS)) {
        if (b === MINUS) sign = -1;
        j++;
      }
      const es = j;
      while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) {
        if (exp < 100000) exp = exp * 10 + (b - ZERO);
        j++;
      }
      if (j === es) return -1;
      exp *= sign;
      float = true;
    }
    if (!float) {
      if (intEnd - intStart >= 16) this.nested |= NF_LONG_INT;
    } else if (!(this.nested & NF_INTEGRAL_FLOAT) && isIntegral(buf, intStart, intEnd, fracStart, fracEnd, exp)) this.nested |= NF_INTEGRAL_FLOAT;
    return j;
  }
}

/**
 * Position of the first byte at or after `j` that ends a plain run of string
 * contents (a quote, a backslash or a control character), or `e`. Long runs
 * are tested four bytes at a time through `words` (a view of the buffer).
 */
function stringStop(buf: Uint8Array, view: DataView, j: number, e: number): number {
  const last = e - 4;
  for (; j <= last; j += 4) {
    const x = view.getInt32(j, true);
    const q = x ^ 0x22222222;
    const b = x ^ 0x5c5c5c5c;
    // High bit of each byte that is a quote or backslash (a zero byte in q or b) or below 0x20; a flag
    // may be wrong only above a right one, so the lowest one is the first such byte (little-endian).
    const t = ((((q - 0x01010101) | 0) & ~q) | (((b - 0x01010101) | 0) & ~b) | (((x - 0x20202020) | 0) & ~x)) & 0x80808080;
    if (t !== 0) return j + ((31 - Math.clz32(t & -t)) >> 3);
  }
  while (j < e && STRING_STOP[buf[j]!] === 0) j++;
  return j;
}

/** `stringStop` for validated text: the first quote or backslash at or after `j`, or `e`. */
function quoteOrBackslash(buf: Uint8Array, view: DataView, j: number, e: number): number {
  const last = e - 4;
  for (; j <= last; j += 4) {
    const x = view.getInt32(j, true);
    const q = x ^ 0x22222222;
    const b = x ^ 0x5c5c5c5c;
    const t = ((((q - 0x01010101) | 0) & ~q) | (((b - 0x01010101) | 0) & ~b)) & 0x80808080;
    if (t !== 0) return j + ((31 - Math.clz32(t & -t)) >> 3);
  }
  let c = 0;
  while (j < e && (c = buf[j]!) !== QUOTE && c !== BACKSLASH) j++;
  return j;
}

function skipSpace(buf: Uint8Array, i: number, e: number, space: Uint8Array): number {
  while (i < e && space[buf[i]!] !== 0) i++;
  return i;
}

/** Position after the escape sequence at `j` (a backslash), or -1 when it is invalid. */
function escapeEnd(buf: Uint8Array, j: number, e: number): number {
  if (j + 1 >= e) return -1;
  const x = buf[j + 1]!;
  if (x === 117) {
    if (j + 6 > e || (HEX[buf[j + 2]!]! | HEX[buf[j + 3]!]! | HEX[buf[j + 4]!]! | HEX[buf[j + 5]!]!) < 0) return -1;
    return j + 6;
  }
  return ESCAPE[x] === 0 ? -1 : j + 2;
}

/** Position of the closing quote of the string whose contents start at `j` (validated), or -1. */
function stringEnd(buf: Uint8Array, view: DataView, j: number, e: number): number {
  for (;;) {
    j = stringStop(buf, view, j, e);
    if (j >= e) return -1;
    const c = buf[j]!;
    if (c === QUOTE) return j;
    if (c !== BACKSLASH) return -1;
    j = escapeEnd(buf, j, e);
    if (j < 0) return -1;
  }
}

function hex4(buf: Uint8Array, i: number): number {
  return (HEX[buf[i]!]! << 12) | (HEX[buf[i + 1]!]! << 8) | (HEX[buf[i + 2]!]! << 4) | HEX[buf[i + 3]!]!;
}

/**
 * Decodes the (validated) contents of a JSON string `buf[s..e)` into UTF-8 at
 * `out[0..]` (which must hold `e - s` bytes) and returns the length: the bytes
 * `TextEncoder` gives for the string `JSON.parse` makes (an unpaired surrogate
 * becomes U+FFFD).
 */
export function unescapeJson(buf: Uint8Array, s: number, e: number, out: Uint8Array): number {
  let o = 0;
  let i = s;
  while (i < e) {
    const b = buf[i]!;
    if (b !== BACKSLASH) {
      out[o++] = b;
      i++;
      continue;
    }
    const x = buf[i + 1]!;
    if (x !== 117) {
      out[o++] = ESCAPE[x]!;
      i += 2;
      continue;
    }
    let cp = hex4(buf, i + 2);
    i += 6;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      if (cp <= 0xdbff && i + 6 <= e && buf[i] === BACKSLASH && buf[i + 1] === 117) {
        const low = hex4(buf, i + 2);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          i += 6;
        } else cp = 0xfffd;
      } else cp = 0xfffd;
    }
    if (cp < 0x80) out[o++] = cp;
    else if (cp < 0x800) {
      out[o++] = 0xc0 | (cp >> 6);
      out[o++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      out[o++] = 0xe0 | (cp >> 12);
      out[o++] = 0x80 | ((cp >> 6) & 0x3f);
      out[o++] = 0x80 | (cp & 0x3f);
    } else {
      out[o++] = 0xf0 | (cp >> 18);
      out[o++] = 0x80 | ((cp >> 12) & 0x3f);
      out[o++] = 0x80 | ((cp >> 6) & 0x3f);
      out[o++] = 0x80 | (cp & 0x3f);
    }
  }
  return o;
}

/** The length `unescapeJson` gives for the same string, without writing it. */
export function unescapedLength(buf: Uint8Array, s: number, e: number): number {
  let n = e - s;
  let i = s;
  for (;;) {
    while (i < e && buf[i] !== BACKSLASH) i++;
    if (i >= e) return n;
    if (buf[i + 1] !== 117) {
      n -= 1;
      i += 2;
      continue;
    }
    const cp = hex4(buf, i + 2);
    i += 6;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= e && buf[i] === BACKSLASH && buf[i + 1] === 117) {
      const low = hex4(buf, i + 2);
      if (low >= 0xdc00 && low <= 0xdfff) {
        n -= 8; // 12 bytes of escapes, 4 of UTF-8
        i += 6;
        continue;
      }
    }
    n -= cp < 0x80 ? 5 : cp < 0x800 ? 4 : 3; // unpaired surrogates become U+FFFD (3 bytes)
  }
}

function digit2(buf: Uint8Array, i: number): number {
  const a = buf[i]! - ZERO;
  const b = buf[i + 1]! - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}


/**
 * Seconds since the epoch (UTC) of `buf[s..e)` when it is a date or
 * date-time pyarrow's JSON reader infers as `timestamp[s]` — `YYYY-MM-DD`,
 * optionally `[T ]hh`, `:mm`, `:ss` and `Z` or `±hh[[:]mm]` (what
 * `looksLikeTimestamp` accepts, with `parseTimestamp`'s value) — else NaN.
 */
export function isoSeconds(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n < 10 || n > 25 || buf[s + 4] !== MINUS || buf[s + 7] !== MINUS) return NaN;
  const y1 = digit2(buf, s);
  const y2 = digit2(buf, s + 2);
  const m = digit2(buf, s + 5);
  const d = digit2(buf, s + 8);
  if (y1 < 0 || y2 < 0 || m < 1 || m > 12 || d < 1) return NaN;
  const y = y1 * 100 + y2;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : MONTH_DAYS[m - 1]!)) return NaN;
  // days_from_civil (as ../parse.ts's daysFromCivil), in integer arithmetic: yy >= -1.
  const yy = m <= 2 ? y - 1 : y;
  const era = yy >= 0 ? (yy / 400) | 0 : -1;
  const yoe = yy - era * 400;
  const doy = (((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) | 0) + d - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  let seconds = (era * 146097 + doe - 719468) * 86400;
  if (n === 10) return seconds;
  let i = s + 10;
  const sep = buf[i]!;
  if ((sep !== 84 && sep !== 32) || i + 3 > e) return NaN;
  const h = digit2(buf, i + 1);
  if (h < 0 || h > 23) return NaN;
  seconds += h * 3600;
  i += 3;
  if (i < e && buf[i] === COLON) {
    if (i + 3 > e) return NaN;
    const mi = digit2(buf, i + 1);
    if (mi < 0 || mi > 59) return NaN;
    seconds += mi * 60;
    i += 3;
    if (i < e && buf[i] === COLON) {
      if (i + 3 > e) return NaN;
      const sec = digit2(buf, i + 1);
      if (sec < 0 || sec > 59) return NaN;
      seconds += sec;
      i += 3;
    }
  }
  if (i === e) return seconds;
  const z = buf[i]!;
  if (z === 90) return i + 1 === e ? seconds : NaN; // Z
  if (z !== PLUS && z !== MINUS) return NaN;
  if (i + 3 > e) return NaN;
  const oh = digit2(buf, i + 1);
  if (oh < 0) return NaN;
  i += 3;
  let om = 0;
  if (i < e) {
    if (buf[i] === COLON) i++;
    if (i + 2 !== e) return NaN;
    om = digit2(buf, i);
    if (om < 0) return NaN;
  }
  if (oh > 23 || om > 59) return NaN;
  const offset = oh * 3600 + om * 60;
  return z === MINUS ? seconds + offset : seconds - offset;
}

/** A value read by `readValue`: its kind and span, as on the tape (`aux`: digits of an integer; -1 for nested values, whose flags are not looked for). */
export class JsonValue {
  kind = K_NULL;
  start = 0;
  end = 0;
  aux = 0;
}

/**
 * Reads the JSON value at `buf[i]` of a row the scanner has validated (an
 * item of a list, say), reading no further than `e`: fills `out` and returns
 * the position after the value.
 */
export function readValue(buf: Uint8Array, i: number, e: number, out: JsonValue): number {
  const c = buf[i]!;
  if (c === QUOTE) {
    let j = i + 1;
    let kind = K_STR;
    let b = 0;
    for (;;) {
      while (j < e && (b = buf[j]!) !== QUOTE && b !== BACKSLASH) j++;
      if (j >= e || b === QUOTE) break;
      kind = K_STR_ESC;
      j += 2;
    }
    if (j > e) j = e;
    out.kind = kind;
    out.start = i + 1;
    out.end = j;
    return j + 1;
  }
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    let j = i;
    for (; j < e; j++) {
      const b = buf[j]!;
      if (b === QUOTE) {
        j++;
        while (j < e && buf[j] !== QUOTE) j += buf[j] === BACKSLASH ? 2 : 1;
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) break;
    }
    out.kind = c === OPEN_BRACE ? K_OBJ : K_ARR;
    out.start = i;
    out.end = j + 1;
    out.aux = -1;
    return j + 1;
  }
  if (c === 116 || c === 110 || c === 102) {
    out.kind = c === 116 ? K_TRUE : c === 110 ? K_NULL : K_FALSE;
    out.start = i;
    out.end = i + (c === 102 ? 5 : 4);
    return out.end;
  }
  // A number.
  const negative = c === MINUS;
  let j = negative ? i + 1 : i;
  const ds = j;
  let b = 0;
  while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) j++;
  const digits = j - ds;
  let float = false;
  if (b === DOT && j < e) {
    float = true;
    j++;
    while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) j++;
  }
  if ((b === 101 || b === 69) && j < e) {
    float = true;
    j++;
    if (j < e && ((b = buf[j]!) === PLUS || b === MINUS)) j++;
    while (j < e && (b = buf[j]!) >= ZERO && b <= NINE) j++;
  }
  out.kind = float ? K_FLOAT : digits < 19 || (digits === 19 && nineteenDigitsFit(buf, ds, negative)) ? K_INT : K_BIGINT;
  out.aux = digits;
  out.start = i;
  out.end = j;
  return j;
}

/** The position after the JSON whitespace at `i`. */
export function skipWhitespace(buf: Uint8Array, i: number, e: number): number {
  return skipSpace(buf, i, e, SPACE_ANY);
}

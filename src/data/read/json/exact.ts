/**
 * Where `JSON.parse` loses what pyarrow's JSON reader sees, and the slow path
 * that keeps it:
 * - a number spelled with a fraction or exponent but integral (`1.0`, `2e3`)
 *   is a float for pyarrow (the column becomes float64), an integer for JS;
 * - integers beyond 2^53 lose digits in a JS number; pyarrow keeps int64
 *   exactly (and turns the column float64 past int64's range).
 *
 * `scanNumbers` is a cheap byte scan of one JSON text that says whether it
 * holds either kind of number, and for integral floats under which top-level
 * keys; only such rows are parsed again by `parseExact`, which yields bigints
 * for unsafe integers and (when asked) FloatTokens for integral floats.
 */
/** A JSON number spelled with a fraction or exponent whose value is integral (`1.0`, `1e3`): pyarrow types it as a float. */
export class FloatToken {
  constructor(readonly value: number) {}
}

export const HAS_INTEGRAL_FLOAT = 1;
export const HAS_LONG_INTEGER = 2;

export interface NumberScan {
  flags: number;
  /** Top-level keys whose value is, or holds, an integral float. */
  keys: string[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const utf8 = new TextDecoder("utf-8");

function keyText(buf: Uint8Array, start: number, end: number): string {
  const raw = utf8.decode(buf.subarray(start, end));
  return raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
}

/**
 * Scans the JSON text `buf[start..end)` (already known to be valid JSON) for
 * numbers `JSON.parse` mistypes. `wantFloats` false skips the integral-float
 * check (only long integers matter then).
 */
export function scanNumbers(buf: Uint8Array, start: number, end: number, wantFloats: boolean, out: NumberScan): number {
  let flags = 0;
  let depth = 0;
  let expectKey = false;
  let keyStart = -1;
  let keyEnd = -1;
  out.keys.length = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === QUOTE) {
      const s = i + 1;
      i++;
      while (i < end) {
        const c = buf[i]!;
        if (c === QUOTE) break;
        if (c === BACKSLASH) i++;
        i++;
      }
      if (depth === 1 && expectKey) {
        keyStart = s;
        keyEnd = i;
        expectKey = false;
      }
      continue;
    }
    if (b === 123) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (b === 91) depth++;
    else if (b === 125 || b === 93) depth--;
    else if (b === 44) {
      if (depth === 1) expectKey = true;
    } else if ((b >= 48 && b <= 57) || b === 45) {
      // A number token: [-] digits [. digits] [e [+-] digits]
      let j = i;
      if (buf[j] === 45) j++;
      const intStart = j;
      while (j < end && buf[j]! >= 48 && buf[j]! <= 57) j++;
      const intEnd = j;
      let fracStart = j;
      let fracEnd = j;
      let exp = 0;
      let spelledFloat = false;
      if (buf[j] === 46) {
        spelledFloat = true;
        fracStart = ++j;
        while (j < end && buf[j]! >= 48 && buf[j]! <= 57) j++;
        fracEnd = j;
      }
      if (buf[j] === 101 || buf[j] === 69) {
        spelledFloat = true;
        j++;
        let sign = 1;
        if (buf[j] === 43 || buf[j] === 45) {
          if (buf[j] === 45) sign = -1;
          j++;
        }
        let e = 0;
        while (j < end && buf[j]! >= 48 && buf[j]! <= 57) {
          if (e < 100000) e = e * 10 + (buf[j]! - 48);
          j++;
        }
        exp = sign * e;
      }
      if (!spelledFloat) {
        if (intEnd - intStart >= 16) flags |= HAS_LONG_INTEGER;
      } else if (wantFloats && isIntegral(buf, intStart, intEnd, fracStart, fracEnd, exp)) {
        flags |= HAS_INTEGRAL_FLOAT;
        if (keyStart >= 0 && depth >= 1) {
          const key = keyText(buf, keyStart, keyEnd);
          if (out.keys[out.keys.length - 1] !== key) out.keys.push(key);
        }
      }
      i = j - 1;
    }
  }
  out.flags = flags;
  return flags;
}

/** Whether `int.frac × 10^exp` is an integer, judged from the digits alone. */
export function isIntegral(buf: Uint8Array, intStart: number, intEnd: number, fracStart: number, fracEnd: number, exp: number): boolean {
  // Trailing zeros of the fraction do not count; then every remaining fraction digit needs a power of ten.
  let f = fracEnd;
  while (f > fracStart && buf[f - 1] === 48) f--;
  const fracDigits = f - fracStart;
  if (fracDigits === 0) {
    if (exp >= 0) return true;
    // 1200e-2: the integer part needs -exp trailing zeros (or is zero).
    let zeros = 0;
    let k = intEnd;
    while (k > intStart && buf[k - 1] === 48) {
      zeros++;
      k--;
    }
    return k === intStart || zeros >= -exp;
  }
  if (exp >= fracDigits) return true;
  // The value may still be 0 (0.0e-5 has no non-zero fraction digits, handled above).
  return false;
}

/**
 * Parses valid JSON text keeping integers exact (bigint when beyond 2^53) and,
 * with `floatTokens`, integral floats as FloatTokens.
 */
export function parseExact(text: string, floatTokens: boolean): unknown {
  const p = new ExactParser(text, floatTokens);
  p.skip();
  const v = p.value();
  return v;
}

class ExactParser {
  i = 0;
  constructor(
    private readonly s: string,
    private readonly floatTokens: boolean,
  ) {}

  skip(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  value(): unknown {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 123) {
      this.i++;
      const obj: Record<string, unknown> = {};
      this.skip();
      if (s.charCodeAt(this.i) === 125) {
        this.i++;
        return obj;
      }
      for (;;) {
        this.skip();
        const key = this.string();
        this.skip();
        this.i++; // ':'
        this.skip();
        const v = this.value();
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        this.skip();
        const d = s.charCodeAt(this.i++);
        if (d === 125) return obj;
      }
    }
    if (c === 91) {
      this.i++;
      const arr: unknown[] = [];
      this.skip();
      if (s.charCodeAt(this.i) === 93) {
        this.i++;
        return arr;
      }
      for (;;) {
        this.skip();
        arr.push(this.value());
        this.skip();
        const d = s.charCodeAt(this.i++);
        if (d === 93) return arr;
      }
    }
    if (c === 34) return this.string();
    if (c === 116) {
      this.i += 4;
      return true;
    }
    if (c === 102) {
      this.i += 5;
      return false;
    }
    if (c === 110) {
      this.i += 4;
      return null;
    }
    return this.number();
  }

  string(): string {
    const s = this.s;
    const start = this.i;
    let j = start + 1;
    let escaped = false;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        j++;
      }
      j++;
    }
    this.i = j + 1;
    return escaped ? (JSON.parse(s.slice(start, j + 1)) as string) : s.slice(start + 1, j);
  }

  number(): unknown {
    const s = this.s;
    const start = this.i;
    let j = start;
    let float = false;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if ((c >= 48 && c <= 57) || c === 45 || c === 43) j++;
      else if (c === 46 || c === 101 || c === 69) {
        float = true;
        j++;
      } else break;
    }
    this.i = j;
    const token = s.slice(start, j);
    const v = Number(token);
    if (float) return this.floatTokens && Number.isInteger(v) ? new FloatToken(v) : v;
    if (Number.isSafeInteger(v)) return v;
    return BigInt(token);
  }
}

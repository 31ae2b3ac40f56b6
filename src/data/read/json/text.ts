/**
 * The text of a `Json` value, as `datasets` stores it: what pandas' ujson
 * (`ujson_dumps`, which `datasets` calls) writes — no spaces, keys in the
 * file's order (a repeated key keeps its first place and its last value),
 * every character past ASCII and every control character as a lowercase
 * `\uXXXX` escape, `/` as `\/`, floats with at most 10 decimals
 * (docs/dataset-layout.md#json-values). Written from the value's bytes, so
 * numbers are never rounded by JS: where ujson's text would change a
 * number (more than 10 decimals, or `-0.0`), the exact number is written
 * instead — a deliberate difference (src/data/README.md).
 */
import { FloatToken } from "./exact.js";
import { K_ARR, K_FALSE, K_NULL, K_OBJ, K_STR, K_STR_ESC, K_TRUE, JsonValue, jsonStringText, readValue, skipWhitespace } from "./scan.js";

const HEX = "0123456789abcdef";
const ESCAPES: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 34: '\\"', 47: "\\/", 92: "\\\\" };

/** A JSON string literal for `s`, escaped as ujson escapes it. */
export function ujsonString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 32 && c < 128 && c !== 34 && c !== 47 && c !== 92) continue;
    out += s.slice(from, i);
    from = i + 1;
    out += ESCAPES[c] ?? `\\u${HEX[c >> 12]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
  }
  return `${out}${s.slice(from)}"`;
}

/**
 * ujson's text of a double (`Buffer_AppendDoubleUnchecked` with
 * `double_precision=10`): fixed notation rounded to 10 decimals, trailing
 * zeros dropped but one kept (`1.0`); `%.10g` beyond 1e16 and below 1e-15.
 */
export function ujsonDouble(value: number): string {
  if (!Number.isFinite(value)) return "null";
  const neg = value < 0;
  const v = Math.abs(value);
  if (v > 1e16 - 1 || (v !== 0 && v < 1e-15)) return formatG10(value);
  let whole = Math.trunc(v);
  const tmp = (v - whole) * 1e10;
  let frac = Math.trunc(tmp);
  const diff = tmp - frac;
  if (diff > 0.5) frac++;
  else if (diff === 0.5 && (frac === 0 || frac % 2 === 1)) frac++;
  if (frac >= 1e10) {
    frac = 0;
    whole++;
  }
  let text: string;
  if (frac) {
    let count = 10;
    while (frac % 10 === 0) {
      count--;
      frac /= 10;
    }
    const digits = String(frac);
    text = `${whole}.${"0".repeat(count - digits.length)}${digits}`;
  } else text = `${whole}.0`;
  return neg ? `-${text}` : text;
}

/** C's `%.10g` for magnitudes past 1e16 or below 1e-15 (always the exponent form there). */
function formatG10(value: number): string {
  const [mantissa, exponent] = value.toExponential(9).split("e") as [string, string];
  const m = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
  const sign = exponent[0] === "-" ? "-" : "+";
  const digits = exponent.replace(/^[+-]/, "");
  return `${m}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
}

/** The text for a number token `buf[s..e)`: ujson's, unless it would change the number. */
function numberText(buf: Uint8Array, s: number, e: number): string {
  const token = Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString("latin1");
  let fraction = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 46 || c === 101 || c === 69) fraction = true;
  }
  if (!fraction) return token === "-0" ? "0" : token;
  const v = Number(token);
  if (!Number.isFinite(v)) return token; // past the doubles (1e400): kept as written
  const text = ujsonDouble(v);
  if (Object.is(Number(text), v)) return text;
  // ujson would round it: the shortest text that reads back as this double, still spelled as a float.
  if (Object.is(v, -0)) return "-0.0";
  const exact = Math.abs(v) >= 1e16 ? v.toExponential() : String(v);
  return /[.e]/.test(exact) ? exact : `${exact}.0`;
}

/** Reused per nesting level while a value is written. */
const LEVELS: JsonValue[] = [];

/**
 * The Json text of the value of tape kind `kind` at `buf[s..e)` (between the
 * quotes for strings, as the scanner gives spans) of a validated row.
 */
export function jsonText(kind: number, buf: Uint8Array, s: number, e: number): string {
  return write(kind, buf, s, e, 0);
}

function write(kind: number, buf: Uint8Array, s: number, e: number, depth: number): string {
  switch (kind) {
    case K_NULL:
      return "null";
    case K_TRUE:
      return "true";
    case K_FALSE:
      return "false";
    case K_STR:
    case K_STR_ESC:
      return ujsonString(jsonStringText(buf, s, e, kind === K_STR_ESC));
    case K_ARR: {
      const v = (LEVELS[depth] ??= new JsonValue());
      let i = skipWhitespace(buf, s + 1, e);
      if (buf[i] === 93) return "[]";
      let out = "[";
      for (;;) {
        i = readValue(buf, i, e, v);
        out += write(v.kind, buf, v.start, v.end, depth + 1);
        i = skipWhitespace(buf, i, e);
        if (i >= e || buf[i] !== 44) return `${out}]`;
        out += ",";
        i = skipWhitespace(buf, i + 1, e);
      }
    }
    case K_OBJ: {
      const v = (LEVELS[depth] ??= new JsonValue());
      let i = skipWhitespace(buf, s + 1, e);
      if (buf[i] === 125) return "{}";
      const keys: string[] = [];
      const values: string[] = [];
      let at: Map<string, number> | undefined;
      for (;;) {
        i = readValue(buf, i, e, v); // the key
        const key = jsonStringText(buf, v.start, v.end, v.kind === K_STR_ESC);
        i = skipWhitespace(buf, i, e);
        i = skipWhitespace(buf, i + 1, e); // past ':'
        i = readValue(buf, i, e, v);
        const text = write(v.kind, buf, v.start, v.end, depth + 1);
        // A repeated key keeps its first place and takes the last value, as a Python dict does.
        const seen = keys.length < 8 ? keys.indexOf(key) : (at ??= new Map(keys.map((k, n) => [k, n]))).get(key) ?? -1;
        if (seen >= 0) values[seen] = text;
        else {
          at?.set(key, keys.length);
          keys.push(key);
          values.push(text);
        }
        i = skipWhitespace(buf, i, e);
        if (i >= e || buf[i] !== 44) break;
        i = skipWhitespace(buf, i + 1, e);
      }
      let out = "{";
      for (let k = 0; k < keys.length; k++) out += `${k ? "," : ""}${ujsonString(keys[k]!)}:${values[k]}`;
      return `${out}}`;
    }
    default:
      return numberText(buf, s, e);
  }
}

/**
 * The Json text of a JS value (a converted value that was not read from JSON
 * bytes, such as a Parquet column's value): strings, numbers (a FloatToken,
 * or a JS number that is not an integer, as a float), lists and objects.
 */
export function jsValueText(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return ujsonString(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return String(v);
  if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : floatText(v);
  if (v instanceof FloatToken) return floatText(v.value);
  if (Array.isArray(v)) return `[${v.map(jsValueText).join(",")}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${ujsonString(k)}:${jsValueText(x)}`).join(",")}}`;
}

function floatText(v: number): string {
  const token = Buffer.from(Number.isFinite(v) ? (Number.isInteger(v) ? `${v}.0` : String(v)) : "null", "latin1");
  return Number.isFinite(v) ? numberText(token, 0, token.length) : "null";
}

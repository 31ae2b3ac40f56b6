/**
 * Converting JS values (parsed JSON, JSON held in a CSV cell, values read
 * from an Arrow column) into what the builder of a feature stores: dates and
 * times parsed from ISO text, decimals from their text, numbers as strings
 * for string columns, and so on. `converterFor` returns undefined when values
 * can go to the builder as they are (the common, fast case).
 */
import { type Feature, parseTimestampDtype } from "../../model/features.js";
import { describe } from "./columns.js";
import { type TimeUnitName, parseDate32, parseDecimal, parseTimeOfDay, parseTimestamp } from "./parse.js";
import { FloatToken } from "./json/exact.js";
import { jsValueText } from "./json/text.js";

export { FloatToken };

type Convert = (v: unknown) => unknown;

function unwrap(v: unknown): unknown {
  return v instanceof FloatToken ? v.value : v;
}

function integerOf(v: unknown): number | bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  return undefined;
}

function timeConverter(what: string, parse: (text: string) => bigint | number | undefined | "precision", dtype: string): Convert {
  return (raw) => {
    const v = unwrap(raw);
    if (v === null || v === undefined) return v;
    if (typeof v === "string") {
      const t = parse(v);
      if (t === "precision") throw new Error(`${describe(v)} has more precision than ${dtype} holds`);
      if (t === undefined) throw new Error(`${describe(v)} is not ${what}`);
      return t;
    }
    const n = integerOf(v);
    if (n !== undefined) return n;
    throw new Error(`expected ${what} (text) or an integer count, got ${describe(v)}`);
  };
}

/**
 * The conversion for values of `feature`, or undefined when values go to the
 * builder unchanged. `floatTokens` says values may hold FloatTokens (JSON
 * parsed for inference), which must then be unwrapped. Converters throw plain
 * Errors with a short reason.
 */
export function converterFor(feature: Feature, floatTokens = false): Convert | undefined {
  switch (feature.kind) {
    case "value": {
      const d = feature.dtype;
      const ts = parseTimestampDtype(d);
      if (ts) return timeConverter("a date or date-time (ISO 8601)", (t) => parseTimestamp(t, ts.unit), d);
      if (d === "date32") return timeConverter("a date (YYYY-MM-DD)", parseDate32, d);
      if (d === "date64")
        return timeConverter("a date (YYYY-MM-DD)", (t) => {
          const days = parseDate32(t);
          return days === undefined ? undefined : BigInt(days) * 86_400_000n;
        }, d);
      const time = /^time(?:32|64)\[(s|ms|us|ns)\]$/.exec(d);
      if (time) return timeConverter("a time of day (hh:mm:ss)", (t) => {
        const v = parseTimeOfDay(t, time[1] as TimeUnitName);
        return typeof v === "bigint" && d.startsWith("time32") ? Number(v) : v;
      }, d);
      if (d.startsWith("duration["))
        return (raw) => {
          const v = unwrap(raw);
          if (v === null || v === undefined) return v;
          if (typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v)) return BigInt(v.trim());
          const n = integerOf(v);
          if (n !== undefined) return n;
          throw new Error(`expected an integer count of ${d.slice(9, -1)}, got ${describe(v)}`);
        };
      const dec = /^decimal(?:128|256)\((\d+), *(-?\d+)\)$/.exec(d);
      if (dec) {
        const scale = Number(dec[2]);
        return (raw) => {
          const v = unwrap(raw);
          if (v === null || v === undefined) return v;
          const text = typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : undefined;
          if (text === undefined) throw new Error(`expected a decimal number, got ${describe(v)}`);
          const unscaled = parseDecimal(text, scale);
          if (unscaled === undefined) throw new Error(`${describe(v)} is not a decimal number with at most ${scale} digits after the point`);
          return unscaled;
        };
      }
      if (d === "string" || d === "large_string")
        return (v) => {
          if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
          // As pass 2 (plain JSON.parse) gives it: 1.0 → "1".
          if (v instanceof FloatToken) return String(v.value);
          return v;
        };
      return floatTokens ? unwrap : undefined;
    }
    case "list": {
      const inner = converterFor(feature.item, floatTokens);
      if (!inner) return undefined;
      return (v) => (Array.isArray(v) ? v.map(inner) : v);
    }
    case "struct": {
      const inner = feature.fields.map((f) => [f.name, converterFor(f.feature, floatTokens)] as const).filter(([, c]) => c !== undefined);
      if (inner.length === 0) return undefined;
      return (v) => {
        if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof FloatToken) return v;
        const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
        for (const [name, c] of inner) {
          if (!Object.hasOwn(copy, name)) continue;
          try {
            copy[name] = c!(copy[name]);
          } catch (e) {
            throw new Error(`field '${name}': ${(e as Error).message}`);
          }
        }
        return copy;
      };
    }
    case "class_label":
      return floatTokens ? unwrap : undefined;
    case "custom":
      if (feature.typeName === "Json") return (v) => (v === null || v === undefined ? v : jsValueText(v));
      return undefined;
  }
}

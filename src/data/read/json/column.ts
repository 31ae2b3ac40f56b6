/**
 * Pass 2 of the JSON reader (and the columns pass 1 converts): values
 * appended to an Arrow column of the target feature, straight from the
 * bytes where the type allows, else as the JS value JSON.parse would give.
 */
import { DataError } from "../../errors.js";
import {
  type BoolBuilder,
  type ColumnBuilder,
  type Int64Builder,
  ListBuilder,
  type NumberBuilder,
  type StructBuilder,
  type Utf8Builder,
  builderFor,
} from "../columns.js";
import { type Feature, containsJson, featureToString, isJson } from "../../../model/features.js";
import { parseFloatCell, parseInteger } from "../parse.js";
import { converterFor } from "../values.js";
import {
  JsonValue,
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
  NF_OBJECT,
  isoSeconds,
  readValue,
  skipWhitespace,
} from "./scan.js";
import { Members, type Scratch, spanValue } from "./spans.js";
import { jsonText } from "./text.js";


/** How a column's values are stored: a fast path from the bytes, or the generic one (JS value → converter → builder). */
const F_GENERIC = 0;
const F_STRING = 1;
const F_INT64 = 2;
const F_FLOAT64 = 3;
const F_BOOL = 4;
const F_TIMESTAMP_S = 5;
/** A list read item by item (see JsonColumn). */
const F_LIST = 6;
/** A Json value: its text written from the bytes (./text.ts). */
const F_JSON = 7;
/** A struct holding Json: read field by field from the bytes (keys in the file's order, numbers as spelled). */
const F_STRUCT = 8;

function fastPathOf(feature: Feature): number {
  if (isJson(feature)) return F_JSON;
  if (feature.kind === "struct" && containsJson(feature)) return F_STRUCT;
  if (feature.kind !== "value") return F_GENERIC;
  switch (feature.dtype) {
    case "string":
    case "large_string":
      return F_STRING;
    case "int64":
      return F_INT64;
    case "float64":
      return F_FLOAT64;
    case "bool":
      return F_BOOL;
    case "timestamp[s]":
      return F_TIMESTAMP_S;
    default:
      return F_GENERIC;
  }
}

/**
 * Whether converting values of `feature` can fail (dates, decimals, ...): its
 * converter then runs over a whole list before any item is stored, which
 * decides which bad item is reported, so such lists are not read item by item.
 */
function conversionCanFail(feature: Feature): boolean {
  switch (feature.kind) {
    case "value":
      return /^(timestamp|date|time|duration|decimal)/.test(feature.dtype);
    case "list":
      return conversionCanFail(feature.item);
    case "struct":
      return feature.fields.some((f) => conversionCanFail(f.feature));
    default:
      return false;
  }
}

/**
 * Appends JSON values to a column of `feature`, reporting bad values with the
 * file and line: tape entries (`put`, from the bytes where the type allows;
 * lists item by item) or JS values (`append`, for rows parsed whole).
 */
export class JsonColumn {
  readonly builder: ColumnBuilder;
  private readonly convert: ((v: unknown) => unknown) | undefined;
  readonly fast: number;
  /** Lists read item by item: the items' column, and the item being read. */
  private readonly item: JsonColumn | undefined;
  private readonly value = new JsonValue();
  /** Lists holding Json are read item by item even when they hold objects. */
  private readonly json: boolean;
  /** Structs holding Json: a column per field, by name, and the object being read. */
  private readonly fields: Map<string, JsonColumn> | undefined;
  private members: Members | undefined;

  constructor(
    readonly name: string,
    readonly feature: Feature,
    private readonly file: string,
    private readonly floatTokens: boolean,
    private readonly scratch: Scratch,
    builder?: ColumnBuilder,
  ) {
    this.builder = builder ?? builderFor(feature);
    this.convert = converterFor(feature, floatTokens);
    this.fast = fastPathOf(feature);
    this.json = containsJson(feature);
    if (feature.kind === "list" && this.builder instanceof ListBuilder && !conversionCanFail(feature.item)) {
      this.fast = F_LIST;
      this.item = new JsonColumn(name, feature.item, file, floatTokens, scratch, this.builder.child);
    }
    if (this.fast === F_STRUCT && feature.kind === "struct") {
      const children = (this.builder as StructBuilder).children;
      this.fields = new Map(feature.fields.map((f, i) => [f.name, new JsonColumn(name, f.feature, file, floatTokens, scratch, children[i])]));
    }
  }

  appendNull(): void {
    this.builder.appendNull();
  }

  /** Appends a tape entry: the value of kind `kind` at `buf[s..e)`. */
  put(kind: number, buf: Buffer, s: number, e: number, aux: number, line: number): void {
    try {
      this.store(kind, buf, s, e, aux);
    } catch (err) {
      throw this.failure(err, line);
    }
  }

  /** `put` without the file and line: throws plain Errors (an item's error is its list's). */
  private store(kind: number, buf: Buffer, s: number, e: number, aux: number): void {
    switch (this.fast) {
      case F_STRING:
        if (kind === K_STR) return (this.builder as Utf8Builder).appendBytes(buf, s, e);
        if (kind === K_STR_ESC) {
          const length = this.scratch.unescape(buf, s, e); // first: it may replace the buffer with a bigger one
          return (this.builder as Utf8Builder).appendBytes(this.scratch.bytes, 0, length);
        }
        break;
      case F_INT64:
        if (kind === K_INT) {
          if (aux <= 15) {
            let i = s;
            const negative = buf[i] === 45;
            if (negative) i++;
            let v = 0;
            for (; i < e; i++) v = v * 10 + (buf[i]! - 48);
            return (this.builder as Int64Builder).appendSafe(negative ? -v : v);
          }
          const v = parseInteger(buf, s, e)!;
          if (typeof v === "number") return (this.builder as Int64Builder).appendSafe(v);
          return (this.builder as Int64Builder).appendBigInt(v);
        }
        break;
      case F_FLOAT64:
        if (kind === K_INT || kind === K_FLOAT || kind === K_BIGINT) return (this.builder as NumberBuilder).append(parseFloatCell(buf, s, e)!);
        break;
      case F_BOOL:
        if (kind === K_TRUE || kind === K_FALSE) return (this.builder as BoolBuilder).append(kind === K_TRUE);
        break;
      case F_TIMESTAMP_S:
        if (kind === K_STR) {
          const t = isoSeconds(buf, s, e);
          if (t === t) return (this.builder as Int64Builder).appendSafe(t);
        }
        break;
      case F_LIST:
        // Item by item unless it holds objects (then JSON.parse reads it faster); items (aux -1) of such a list hold none.
        if (kind === K_ARR && (aux < 0 || !(aux & NF_OBJECT) || this.json)) return this.storeList(buf, s, e);
        break;
      case F_JSON:
        if (kind === K_NULL) return this.builder.appendNull();
        return (this.builder as Utf8Builder).appendString(jsonText(kind, buf, s, e));
      case F_STRUCT:
        if (kind === K_OBJ) return this.storeStruct(buf, s, e);
        break;
    }
    if (kind === K_NULL) return this.builder.appendNull();
    const v = spanValue(kind, buf, s, e, aux, this.floatTokens, this.scratch);
    this.builder.appendValue(this.convert ? this.convert(v) : v);
  }

  /** Appends the (validated) array `buf[s..e)`, item by item. */
  private storeList(buf: Buffer, s: number, e: number): void {
    const item = this.item!;
    if (item.fast === F_FLOAT64) return this.storeFloats(buf, s, e);
    const v = this.value;
    let i = skipWhitespace(buf, s + 1, e);
    if (buf[i] !== 93)
      for (;;) {
        i = readValue(buf, i, e, v);
        item.store(v.kind, buf, v.start, v.end, v.aux);
        i = skipWhitespace(buf, i, e);
        if (i >= e || buf[i] !== 44) break;
        i = skipWhitespace(buf, i + 1, e);
      }
    (this.builder as ListBuilder).closeList();
  }

  /** Appends the (validated) object `buf[s..e)` field by field (absent fields are nulls; other keys are not stored). */
  private storeStruct(buf: Buffer, s: number, e: number): void {
    const m = (this.members ??= new Members());
    m.read(buf, s, e);
    const fields = this.fields!;
    let stored = 0;
    for (let k = 0; k < m.n; k++) {
      const field = fields.get(m.keys[k]!);
      if (!field) continue;
      try {
        field.store(m.kind[k]!, buf, m.start[k]!, m.end[k]!, m.aux[k]!);
      } catch (err) {
        throw new Error(`field '${m.keys[k]}': ${(err as Error).message}`);
      }
      stored++;
    }
    if (stored < fields.size) {
      const present = new Set(m.keys.slice(0, m.n));
      for (const [name, field] of fields) if (!present.has(name)) field.appendNull();
    }
    (this.builder as StructBuilder).closeRow();
  }

  /** `storeList` for float64 items (embeddings, say): numbers parsed straight from the bytes. */
  private storeFloats(buf: Buffer, s: number, e: number): void {
    const item = this.item!;
    const numbers = item.builder as NumberBuilder;
    let i = skipWhitespace(buf, s + 1, e);
    if (buf[i] !== 93)
      for (;;) {
        const c = buf[i]!;
        if (c === 45 || (c >= 48 && c <= 57)) {
          // The scan validated the array: a number runs to the next byte outside [0-9.eE+-].
          const start = i;
          let d: number;
          while (i < e && ((d = buf[i]!) === 45 || d === 43 || d === 46 || d === 101 || d === 69 || (d >= 48 && d <= 57))) i++;
          numbers.append(parseFloatCell(buf, start, i)!);
        } else {
          const v = this.value;
          i = readValue(buf, i, e, v);
          item.store(v.kind, buf, v.start, v.end, v.aux);
        }
        i = skipWhitespace(buf, i, e);
        if (i >= e || buf[i] !== 44) break;
        i = skipWhitespace(buf, i + 1, e);
      }
    (this.builder as ListBuilder).closeList();
  }

  private failure(e: unknown, line: number): DataError {
    return new DataError(this.file, line, `column '${this.name}' (${featureToString(this.feature)}): ${(e as Error).message}`);
  }
}


/**
 * JSON Lines (`.jsonl`, `.ndjson`, and `.json` files holding lines) and JSON
 * files holding one top-level array of objects. Each row is an object; the
 * columns are the union of the keys in order of first appearance, a missing
 * key is a null — as pyarrow's JSON reader does for `datasets` (docs/dataset-layout.md#json-and-json-lines):
 * integers → int64 (float64 once any value is spelled with a fraction or
 * exponent, or exceeds int64), bool, string, strings that are all ISO dates
 * or date-times at second precision → timestamp[s], arrays → list, objects →
 * struct (fields unioned). A column holding two kinds of values (say numbers
 * and strings) is an error naming both lines.
 *
 * Rows are read from the bytes (./scan.ts), a read chunk at a time, with
 * no object per row: pass 1 infers types and sizes from each value's
 * spelling, pass 2 fills the Arrow builders of flat columns (and lists of
 * them, item by item) straight from the bytes. Objects inside values are
 * parsed from their span with JSON.parse, and rows the scanner does not
 * handle (invalid JSON, repeated keys, ...) go through JSON.parse whole —
 * the reader's reference behaviour, which also gives the error message.
 */
import { isUtf8 } from "node:buffer";
import { DataError } from "../../errors.js";
import { type BoolBuilder, type ColumnBuilder, type Int64Builder, ListBuilder, type NumberBuilder, type Utf8Builder, builderFor, describe } from "../columns.js";
import { type Feature, type NamedFeature, featureToString, value } from "../../../model/features.js";
import { HAS_INTEGRAL_FLOAT, HAS_LONG_INTEGER, type NumberScan, parseExact, scanNumbers } from "./exact.js";
import { looksLikeTimestamp, parseFloatCell, parseInteger } from "../parse.js";
import { type SizeStats, emptyStats, mergeStats, statsOfData } from "../../model/sizes.js";
import { INVALID_UTF8, ChunkBuffer, openByteSource, readAhead, hasBom } from "../source.js";
import { FloatToken, converterFor } from "../values.js";
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
  NF_INTEGRAL_FLOAT,
  NF_LONG_INT,
  NF_OBJECT,
  RowScanner,
  isoSeconds,
  jsonStringText,
  readValue,
  skipWhitespace,
  unescapeJson,
  unescapedLength,
} from "./scan.js";
import type { Batch, BatchCursor, ColumnProfile, FileProfile, ReaderOptions, TableReader } from "../reader.js";

type Shape = "null" | "bool" | "int" | "float" | "string" | "list" | "struct";

/** What pass 1 has seen at one place of the rows (a column, a list's items, a struct field). */
interface Node {
  shape: Shape;
  /** Line where a value of the current shape was first seen. */
  line: number;
  stats: SizeStats;
  /** Every string seen looks like a timestamp (pyarrow then types the column timestamp[s]). */
  timestamps: boolean;
  item?: Node;
  fields?: Map<string, Node>;
}

function newNode(): Node {
  return { shape: "null", line: 0, stats: { count: 0, nulls: 0, bytes: 0 }, timestamps: true };
}

class ShapeConflict extends Error {
  constructor(
    readonly path: string,
    readonly was: Shape,
    readonly wasLine: number,
    readonly now: Shape,
  ) {
    super(`'${path}'`);
  }
}

const SHAPE_NAMES: Record<Shape, string> = {
  null: "null",
  bool: "boolean",
  int: "integer",
  float: "number",
  string: "string",
  list: "list",
  struct: "object",
};

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function shapeOf(v: unknown): Shape {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "bigint":
      // pyarrow promotes an int64 column to float64 when a value does not fit.
      return v >= INT64_MIN && v <= INT64_MAX ? "int" : "float";
    case "string":
      return "string";
    default:
      if (v instanceof FloatToken) return "float";
      return Array.isArray(v) ? "list" : "struct";
  }
}

function observe(node: Node, v: unknown, path: string, line: number): void {
  node.stats.count++;
  const shape = shapeOf(v);
  if (shape === "null") {
    node.stats.nulls++;
    return;
  }
  if (node.shape !== shape) observeShape(node, shape, path, line);
  switch (shape) {
    case "string": {
      const s = v as string;
      node.stats.bytes += Buffer.byteLength(s);
      if (node.timestamps && !looksLikeTimestamp(s)) node.timestamps = false;
      break;
    }
    case "list": {
      const item = (node.item ??= newNode());
      node.stats.items = item.stats;
      const list = v as unknown[];
      for (let i = 0; i < list.length; i++) observe(item, list[i], `${path}[]`, line);
      break;
    }
    case "struct":
      observeObject(node, v as Record<string, unknown>, path, line, undefined);
      break;
  }
}

/** Observes an object's fields (`skip`: top-level columns set by the `features` input, observed elsewhere). */
function observeObject(node: Node, obj: Record<string, unknown>, path: string, line: number, skip: ReadonlyMap<string, unknown> | undefined): void {
  const fields = (node.fields ??= new Map());
  node.stats.fields ??= new Map();
  for (const key in obj) {
    let child = fields.get(key);
    if (!child) {
      // A field first seen now was missing (null) in every earlier row.
      child = newNode();
      const earlier = node.stats.count - 1 - node.stats.nulls;
      child.stats.count = earlier;
      child.stats.nulls = earlier;
      fields.set(key, child);
      node.stats.fields.set(key, child.stats);
    }
    if (skip?.has(key)) {
      child.stats.count++;
      continue;
    }
    observe(child, obj[key], path ? `${path}.${key}` : key, line);
  }
  for (const [key, child] of fields)
    if (!Object.hasOwn(obj, key)) {
      child.stats.count++;
      child.stats.nulls++;
    }
}

function featureOfNode(node: Node, path: string, file: string): Feature {
  switch (node.shape) {
    case "null":
      return value("null");
    case "bool":
      return value("bool");
    case "int":
      return value("int64");
    case "float":
      return value("float64");
    case "string":
      return node.timestamps ? value("timestamp[s]") : value("string");
    case "list":
      return { kind: "list", item: featureOfNode(node.item ?? newNode(), `${path}[]`, file) };
    case "struct": {
      const fields = [...(node.fields ?? new Map<string, Node>())];
      if (fields.length === 0)
        throw new DataError(
          file,
          node.line,
          `'${path}' only holds empty objects ({}), and Parquet cannot store an object without fields; ` +
            `give the column a type with the 'features' input (for example dtype: json), or remove it`,
        );
      return {
        kind: "struct",
        fields: fields.map(([name, n]) => ({ name, feature: featureOfNode(n, `${path}.${name}`, file) })),
      };
    }
  }
}

/** The shape pass 1 gives a scalar of each tape kind (K_NULL aside). */
const SHAPE_OF_KIND: Shape[] = ["null", "bool", "bool", "int", "float", "float", "string", "string"];

/** Pass 1 for a scalar of `shape` in a column (as `observe` does for JS values). */
function observeShape(node: Node, shape: Shape, path: string, line: number): void {
  if (node.shape === "null") {
    node.shape = shape;
    node.line = line;
  } else if (node.shape === "int" && shape === "float") {
    node.shape = "float";
    node.line = line;
  } else if (!(node.shape === "float" && shape === "int")) throw new ShapeConflict(path, node.shape, node.line, shape);
}

/**
 * Buffers reused from value to value while a file is read, so the hot path
 * allocates nothing. One per pass over a file (JsonReader.profile, .open):
 * nothing is shared between files or threads.
 */
class Scratch {
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
function spanValue(kind: number, buf: Buffer, s: number, e: number, aux: number, floatTokens: boolean, scratch: Scratch): unknown {
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

/** Pass 1 for the (validated) array `buf[s..e)`: what `observe` does for the list JSON.parse would give. */
function observeArray(node: Node, buf: Buffer, s: number, e: number, path: string, line: number, depth: number, scratch: Scratch): void {
  node.stats.count++;
  if (node.shape !== "list") observeShape(node, "list", path, line);
  const item = (node.item ??= newNode());
  node.stats.items = item.stats;
  let i = skipWhitespace(buf, s + 1, e);
  if (buf[i] === 93) return; // ]
  const itemPath = `${path}[]`;
  const v = (scratch.items[depth] ??= new JsonValue());
  for (;;) {
    i = readValue(buf, i, e, v);
    observeValue(item, v.kind, buf, v.start, v.end, v.aux, itemPath, line, depth + 1, scratch);
    i = skipWhitespace(buf, i, e);
    if (i >= e || buf[i] !== 44) return; // ,
    i = skipWhitespace(buf, i + 1, e);
  }
}

/** Pass 1 for one value read from the bytes (`observe` for the value JSON.parse would give). */
function observeValue(node: Node, kind: number, buf: Buffer, s: number, e: number, aux: number, path: string, line: number, depth: number, scratch: Scratch): void {
  const stats = node.stats;
  if (kind === K_NULL) {
    stats.count++;
    stats.nulls++;
  } else if (kind === K_ARR && (aux < 0 || !(aux & NF_OBJECT)) && depth < 64) observeArray(node, buf, s, e, path, line, depth, scratch);
  else if (kind >= K_OBJ) observe(node, spanValue(kind, buf, s, e, aux, true, scratch), path, line);
  else {
    stats.count++;
    const shape = SHAPE_OF_KIND[kind]!;
    if (node.shape !== shape) observeShape(node, shape, path, line);
    if (kind === K_STR) {
      stats.bytes += e - s;
      if (node.timestamps && Number.isNaN(isoSeconds(buf, s, e))) node.timestamps = false;
    } else if (kind === K_STR_ESC) {
      if (node.timestamps) {
        const length = scratch.unescape(buf, s, e);
        stats.bytes += length;
        if (Number.isNaN(isoSeconds(scratch.bytes, 0, length))) node.timestamps = false;
      } else stats.bytes += unescapedLength(buf, s, e);
    }
  }
}

/** How a column's values are stored: a fast path from the bytes, or the generic one (JS value → converter → builder). */
const F_GENERIC = 0;
const F_STRING = 1;
const F_INT64 = 2;
const F_FLOAT64 = 3;
const F_BOOL = 4;
const F_TIMESTAMP_S = 5;
/** A list read item by item (see JsonColumn). */
const F_LIST = 6;

function fastPathOf(feature: Feature): number {
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
class JsonColumn {
  readonly builder: ColumnBuilder;
  private readonly convert: ((v: unknown) => unknown) | undefined;
  readonly fast: number;
  /** Lists read item by item: the items' column, and the item being read. */
  private readonly item: JsonColumn | undefined;
  private readonly value = new JsonValue();

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
    if (feature.kind === "list" && this.builder instanceof ListBuilder && !conversionCanFail(feature.item)) {
      this.fast = F_LIST;
      this.item = new JsonColumn(name, feature.item, file, floatTokens, scratch, this.builder.child);
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
        if (kind === K_ARR && (aux < 0 || !(aux & NF_OBJECT))) return this.storeList(buf, s, e);
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

  /** Appends a JS value (as JSON.parse gives it). */
  append(v: unknown, line: number): void {
    try {
      this.builder.appendValue(this.convert ? this.convert(v) : v);
    } catch (e) {
      throw this.failure(e, line);
    }
  }

  private failure(e: unknown, line: number): DataError {
    return new DataError(this.file, line, `column '${this.name}' (${featureToString(this.feature)}): ${(e as Error).message}`);
  }
}

/** What a row source's `next()` found: a row the scanner read (its tape is ready), a row for JSON.parse, or the end of the read chunk. */
const ROW_SCANNED = 0;
const ROW_TO_PARSE = 1;
const CHUNK_END = 2;

/**
 * The rows of a file, one read chunk at a time: `refill()` reads the next
 * chunk (false at the end of the file), then `next()` steps through its rows,
 * scanning each with the scanner. The current row spans `buf[start..stop)`
 * and starts on `line`.
 */
interface RowSource {
  buf: Buffer;
  start: number;
  stop: number;
  line: number;
  refill(): Promise<boolean>;
  next(): number;
  close(): Promise<void>;
}

const LF = 10;
const CR = 13;

/**
 * JSON Lines. Lines end at LF, CRLF or a lone CR (as ../text/lines.ts splits them:
 * a chunk holds the complete lines of its bytes, and a CR at its end waits
 * for the next read); blank lines are skipped; a UTF-8 BOM is dropped. The
 * scanner finds where a row's object ends, so the line break is usually
 * found without searching for it.
 */
class LineSource implements RowSource {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  stop = 0;
  line = 0;
  private input: ChunkBuffer | undefined;
  private end = 0;
  private eof = false;
  private p = 0;
  /** Where the next CR at or after some earlier position is (-1: none in the chunk; -2: not searched yet). */
  private cr = -2;
  private nextLine = 1;
  private atStart = true;

  constructor(
    private readonly path: string,
    private readonly file: string,
    private readonly validate: boolean,
    private readonly chunkBytes: number | undefined,
    private readonly scanner: RowScanner,
  ) {}

  async refill(): Promise<boolean> {
    this.input ??= new ChunkBuffer(readAhead(await openByteSource(this.path, this.file)), this.chunkBytes);
    const input = this.input;
    if (this.eof && this.p >= this.end) return false;
    if (!(await input.refill(this.p))) return false;
    this.buf = input.buffer;
    this.end = input.end;
    this.eof = input.eof;
    this.p = 0;
    this.cr = -2;
    if (this.atStart) {
      const buf = this.buf;
      if (hasBom(buf, this.end)) this.p = 3;
      this.atStart = false;
    }
    if (this.validate && !isUtf8(this.buf.subarray(this.p, this.end))) {
      this.checkUtf8();
      this.cr = -2; // checkUtf8 looked ahead of this.p
    }
    return true;
  }

  /** Some bytes of the chunk are not UTF-8: an error on the first complete line holding them (a cut-off tail is read again with the next chunk). */
  private checkUtf8(): void {
    let p = this.p;
    let line = this.nextLine;
    for (;;) {
      const found = this.lineEnd(p);
      if (found < 0) return;
      if (!isUtf8(this.buf.subarray(p, this.stop))) throw new DataError(this.file, line, INVALID_UTF8);
      p = found;
      line++;
    }
  }

  /**
   * The line starting at `p`, as ../text/lines.ts delimits it: sets `stop` (where its
   * line break is) and returns where the next line starts, or -1 when the
   * line is not complete in this chunk.
   */
  private lineEnd(p: number): number {
    const { buf, end } = this;
    if (p >= end) return -1;
    let nl = buf.indexOf(LF, p);
    if (nl >= end) nl = -1;
    // The next CR is searched again only once passed: LF-only files would otherwise scan to the chunk's end on every line.
    let cr = this.cr;
    if (cr !== -1 && cr < p) {
      cr = buf.indexOf(CR, p);
      if (cr >= end) cr = -1;
      this.cr = cr;
    }
    if (cr !== -1 && (nl === -1 || cr < nl)) {
      if (cr + 1 >= end && !this.eof) return -1; // the LF may follow in the next read
      this.stop = cr;
      return cr + 1 < end && buf[cr + 1] === LF ? cr + 2 : cr + 1;
    }
    if (nl !== -1) {
      this.stop = nl;
      return nl + 1;
    }
    if (!this.eof) return -1;
    this.stop = end;
    return end;
  }

  next(): number {
    const { buf, end } = this;
    for (;;) {
      const p = this.p;
      if (p >= end) return CHUNK_END;
      const q = this.scanner.scan(buf, p, end);
      if (q >= 0) {
        // The object ends at q (after trailing blanks): a line break, or the end of the file, must follow.
        let next = -1;
        if (q < end) {
          const b = buf[q]!;
          if (b === LF) next = q + 1;
          else if (b === CR) {
            if (q + 1 < end) next = buf[q + 1] === LF ? q + 2 : q + 1;
            else if (this.eof) next = q + 1;
            else return CHUNK_END; // the LF may follow in the next read
          }
        } else if (this.eof) next = end;
        else return CHUNK_END;
        if (next >= 0) {
          this.start = p;
          this.stop = q;
          this.line = this.nextLine++;
          this.p = next;
          return ROW_SCANNED;
        }
      }
      const next = this.lineEnd(p);
      if (next < 0) return CHUNK_END;
      this.line = this.nextLine++;
      this.p = next;
      let i = p;
      const stop = this.stop;
      while (i < stop && (buf[i] === 32 || buf[i] === 9 || buf[i] === CR)) i++;
      if (i === stop) continue; // a blank line
      this.start = p;
      return ROW_TO_PARSE;
    }
  }

  async close(): Promise<void> {
    await this.input?.close();
  }
}

/** A top-level JSON array: its elements, as arraySpans splits them. */
class ArraySource implements RowSource {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  stop = 0;
  line = 0;
  private spans: RowSpans | undefined;
  private r = 0;
  private readonly chunks: AsyncGenerator<RowSpans>;

  constructor(path: string, file: string, validate: boolean, chunkBytes: number | undefined, private readonly scanner: RowScanner) {
    this.chunks = arraySpans(path, file, validate, chunkBytes);
  }

  async refill(): Promise<boolean> {
    const n = await this.chunks.next();
    if (n.done) return false;
    this.spans = n.value;
    this.buf = n.value.buf;
    this.r = 0;
    return true;
  }

  next(): number {
    const spans = this.spans!;
    if (this.r >= spans.count) return CHUNK_END;
    const r = this.r++;
    const s = spans.pos[r * 2]!;
    const e = spans.pos[r * 2 + 1]!;
    this.start = s;
    this.stop = e;
    this.line = spans.line[r]!;
    return this.scanner.scan(this.buf, s, e) === e ? ROW_SCANNED : ROW_TO_PARSE;
  }

  async close(): Promise<void> {
    await this.chunks.return(undefined);
  }
}

/** The rows of one read chunk of a JSON array: row r spans `buf[pos[2r]..pos[2r+1])` and starts on line `line[r]`. */
class RowSpans {
  buf: Buffer = Buffer.alloc(0);
  pos = new Int32Array(2048);
  line = new Float64Array(1024);
  count = 0;

  reset(buf: Buffer): void {
    this.buf = buf;
    this.count = 0;
  }

  push(s: number, e: number, line: number): void {
    const r = this.count++;
    if (r === this.line.length) {
      const pos = new Int32Array(this.pos.length * 2);
      pos.set(this.pos);
      this.pos = pos;
      const lines = new Float64Array(this.line.length * 2);
      lines.set(this.line);
      this.line = lines;
    }
    this.pos[r * 2] = s;
    this.pos[r * 2 + 1] = e;
    this.line[r] = line;
  }
}

function conflictError(file: string, line: number, e: ShapeConflict): DataError {
  return new DataError(
    file,
    line,
    `column '${e.path}' holds ${article(SHAPE_NAMES[e.now])} here but ${SHAPE_NAMES[e.was]} values before (first on line ${e.wasLine}); ` +
      `make the values agree, or set the column's type with the 'features' input (for example dtype: string, or dtype: json to keep each value as JSON text)`,
  );
}

export class JsonReader implements TableReader {
  constructor(
    private readonly path: string,
    readonly file: string,
    private readonly format: "json" | "jsonl",
    private readonly options: ReaderOptions = {},
  ) {}

  /** The rows of the file, read with `scanner` (pass 1 validates the UTF-8 too). */
  private async rows(validate: boolean, learn: boolean): Promise<{ source: RowSource; scanner: RowScanner }> {
    const layout = await detectLayout(this.path, this.file);
    if (layout === "empty") throw new DataError(this.file, undefined, "the file is empty");
    const scanner = new RowScanner(learn, layout === "lines");
    // A top-level array is read as such whatever the extension (datasets falls back to reading it whole too).
    const source =
      layout === "array"
        ? new ArraySource(this.path, this.file, validate, this.options.chunkBytes, scanner)
        : new LineSource(this.path, this.file, validate, this.options.chunkBytes, scanner);
    return { source, scanner };
  }

  /** Parses a row the scanner left to JSON.parse (throwing the DataError for invalid JSON or a row that is not an object). */
  private parseRow(source: RowSource, inference: boolean, scratch: Scratch): Record<string, unknown> {
    const { buf, start, stop, line } = source;
    const firstLineOfJson = this.format === "json" && line === 1 && source instanceof LineSource;
    return parseRow(buf, start, stop, this.file, line, inference, firstLineOfJson, scratch.numbers);
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const { source, scanner } = await this.rows(true, true);
    const scratch = new Scratch();
    const names = scanner.names;
    /** Per column: what pass 1 has seen, and whether the `features` input sets its type (then it is converted, not inferred). */
    const nodes: Node[] = [];
    const set: boolean[] = [];
    const addColumns = () => {
      for (let c = nodes.length; c < names.length; c++) {
        nodes.push(newNode());
        set.push(overrides.has(names[c]!));
      }
    };
    const measured = new Map<string, JsonColumn>();
    const measuredStats = new Map<string, SizeStats>();
    const overridden = [...overrides];
    const anySet = overridden.length > 0;
    let rows = 0;
    let line = 0;
    try {
      while (await source.refill()) {
        const buf = source.buf;
        const parseAll = this.options.jsonParseAll === true;
        for (;;) {
          const status = source.next();
          if (status === CHUNK_END) break;
          line = source.line;
          let row: Record<string, unknown> | undefined;
          if (status === ROW_SCANNED && !parseAll) {
            scanner.commit();
            if (nodes.length < names.length) addColumns();
            const { n, col, kind: kinds, start, end } = scanner;
            for (let k = 0; k < n; k++) {
              const c = col[k]!;
              if (anySet && set[c]) continue;
              const node = nodes[c]!;
              const kind = kinds[k]!;
              const stats = node.stats;
              if (kind === K_NULL) {
                stats.count++;
                stats.nulls++;
              } else if (kind >= K_OBJ) {
                observeValue(node, kind, buf, start[k]!, end[k]!, scanner.aux[k]!, names[c]!, line, 0, scratch);
              } else {
                stats.count++;
                const shape = SHAPE_OF_KIND[kind]!;
                if (node.shape !== shape) observeShape(node, shape, names[c]!, line);
                if (kind === K_STR) {
                  const vs = start[k]!;
                  const ve = end[k]!;
                  stats.bytes += ve - vs;
                  if (node.timestamps && Number.isNaN(isoSeconds(buf, vs, ve))) node.timestamps = false;
                } else if (kind === K_STR_ESC) {
                  if (node.timestamps) {
                    const length = scratch.unescape(buf, start[k]!, end[k]!);
                    stats.bytes += length;
                    if (Number.isNaN(isoSeconds(scratch.bytes, 0, length))) node.timestamps = false;
                  } else stats.bytes += unescapedLength(buf, start[k]!, end[k]!);
                }
              }
            }
          } else {
            row = this.parseRow(source, true, scratch);
            for (const key in row) {
              let c = scanner.indexOf(key);
              if (c === undefined) {
                c = scanner.addColumn(key);
                addColumns();
              }
              if (!set[c]) observe(nodes[c]!, row[key], key, line);
            }
          }
          // Columns the `features` input sets are converted now, so bad values are found before anything is written.
          for (let o = 0; o < overridden.length; o++) {
            const [name, feature] = overridden[o]!;
            const c = scanner.indexOf(name);
            const present = c !== undefined && (row ? Object.hasOwn(row, name) : scanner.has(c));
            let col = measured.get(name);
            if (!col) {
              if (!present) continue;
              measured.set(name, (col = new JsonColumn(name, feature, this.file, true, scratch)));
              // Rows before the first one with this key hold nulls.
              for (let k = 0; k < rows; k++) col.appendNull();
            }
            if (!present) col.appendNull();
            else if (row) col.append(row[name], line);
            else {
              const k = scanner.entryOf[c!]!;
              col.put(scanner.kind[k]!, buf, scanner.start[k]!, scanner.end[k]!, scanner.aux[k]!, line);
            }
          }
          rows++;
        }
        for (const [name, col] of measured) measuredStats.set(name, mergeStats(measuredStats.get(name) ?? emptyStats(), statsOfData(col.builder.finish())));
        scratch.trim();
      }
    } catch (e) {
      if (e instanceof ShapeConflict) throw conflictError(this.file, line, e);
      throw e;
    } finally {
      await source.close();
    }
    if (rows === 0) throw new DataError(this.file, undefined, "the file holds no rows (an empty array, or only blank lines)");
    const columns: ColumnProfile[] = names.map((name, c) => {
      const override = overrides.get(name);
      if (override) return { name, feature: override, stats: measuredStats.get(name) ?? { count: rows, nulls: rows, bytes: 0 } };
      const node = nodes[c]!;
      // Counts so far are of the rows holding the key: the others hold nulls.
      node.stats.nulls += rows - node.stats.count;
      node.stats.count = rows;
      return { name, feature: node.shape === "null" ? undefined : featureOfNode(node, name, this.file), stats: node.stats };
    });
    return { file: this.file, rows, columns, nullFeature: value("null") };
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const { source, scanner } = await this.rows(false, false);
    for (const f of features) scanner.addColumn(f.name);
    const scratch = new Scratch();
    const parseAll = this.options.jsonParseAll === true;
    const columns = features.map((f) => new JsonColumn(f.name, f.feature, this.file, false, scratch));
    const width = columns.length;
    let filled = false;
    const reader = this;
    return {
      async next(maxRows: number): Promise<Batch | undefined> {
        // One batch per read chunk (at most maxRows rows): batch sizes follow from the content only.
        let rows = 0;
        while (rows < maxRows) {
          if (!filled) {
            if (!(await source.refill())) break;
            filled = true;
          }
          const status = source.next();
          if (status === CHUNK_END) {
            filled = false;
            if (rows > 0) break;
            continue;
          }
          const { buf, line } = source;
          if (status === ROW_SCANNED && !parseAll) {
            const { n, col: cols, kind, start, end, aux } = scanner;
            let present = 0;
            for (let k = 0; k < n; k++) {
              const c = cols[k]!;
              if (c < 0) continue; // a key pass 1 did not see (the file changed): ignored
              columns[c]!.put(kind[k]!, buf, start[k]!, end[k]!, aux[k]!, line);
              present++;
            }
            if (present < width) for (let c = 0; c < width; c++) if (!scanner.has(c)) columns[c]!.appendNull();
          } else {
            const row = reader.parseRow(source, false, scratch);
            for (let c = 0; c < width; c++) {
              const col = columns[c]!;
              if (Object.hasOwn(row, col.name)) col.append(row[col.name], line);
              else col.appendNull();
            }
          }
          rows++;
        }
        scratch.trim();
        if (rows === 0) return undefined;
        return { rows, columns: columns.map((c) => c.builder.finish()) };
      },
      async close() {
        await source.close();
      },
    };
  }
}

/**
 * Parses one row's JSON text with JSON.parse, turning a failure into the
 * DataError users see; numbers JSON.parse would mistype are then read exactly
 * (bigints beyond 2^53; with `inference`, FloatTokens for integral floats).
 */
function parseRow(
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

/** A `.json` file is either one top-level array or JSON Lines: the first non-blank byte tells. */
async function detectLayout(path: string, file: string): Promise<"array" | "lines" | "empty"> {
  const source = await openByteSource(path, file);
  try {
    const head = Buffer.alloc(4096);
    let first = true;
    for (;;) {
      const n = await source.read(head, 0);
      if (n === 0) return "empty";
      let i = 0;
      if (first && hasBom(head, n)) i = 3;
      first = false;
      for (; i < n; i++) {
        const b = head[i]!;
        if (b === 32 || b === 9 || b === 10 || b === 13) continue;
        return b === 91 /* [ */ ? "array" : "lines";
      }
    }
  } finally {
    await source.close();
  }
}

/**
 * Streams the elements of a top-level JSON array without holding the file:
 * a byte scanner finds where each element ends (tracking nesting and strings).
 * Each row's line is where its element starts. An error found while splitting
 * is thrown after the elements before it are handed out (they are read first).
 */
async function* arraySpans(path: string, file: string, validate: boolean, chunkBytes: number | undefined): AsyncGenerator<RowSpans> {
  const input = new ChunkBuffer(readAhead(await openByteSource(path, file)), chunkBytes);
  const spans = new RowSpans();
  let consumed = 0;
  let line = 1;
  let state: "open" | "first" | "element" | "separator" | "closed" = "open";
  let atStart = true;
  try {
    while (await input.refill(consumed)) {
      const buf = input.buffer;
      const end = input.end;
      spans.reset(buf);
      let p = 0;
      if (atStart) {
        if (hasBom(buf, end)) p = 3;
        atStart = false;
      }
      let incomplete = false;
      let error: DataError | undefined;
      while (p < end) {
        const b = buf[p]!;
        if (b === 10 || b === 32 || b === 9 || b === 13) {
          if (b === 10) line++;
          p++;
          continue;
        }
        if (state === "open") {
          if (b !== 91) {
            error = new DataError(file, line, "expected a JSON array");
            break;
          }
          state = "first";
          p++;
        } else if (state === "separator" || (state === "first" && b === 93)) {
          if (b === 93) state = "closed";
          else if (b === 44) state = "element";
          else {
            error = new DataError(file, line, `invalid JSON: expected ',' or ']' after an array element, found '${String.fromCharCode(b)}'`);
            break;
          }
          p++;
        } else if (state === "closed") {
          error = new DataError(file, line, "invalid JSON: unexpected content after the closing ']' of the array");
          break;
        } else {
          const stop = elementEnd(buf, p, end);
          if (stop.end === -1) {
            if (input.eof) error = new DataError(file, line, "invalid JSON: the array (or this element) is not closed");
            else incomplete = true; // the element continues in the next chunk
            break;
          }
          if (validate && !isUtf8(buf.subarray(p, stop.end))) {
            error = new DataError(file, line, INVALID_UTF8);
            break;
          }
          spans.push(p, stop.end, line);
          line += stop.newlines;
          p = stop.end;
          state = "separator";
        }
      }
      consumed = p;
      yield spans;
      if (error) throw error;
      if (input.eof && !incomplete) break;
    }
    if (state !== "closed") throw new DataError(file, line, "invalid JSON: the array is not closed (no final ']')");
  } finally {
    await input.close();
  }
}

/** End offset of the JSON value starting at `p`, or -1 when it continues past `end`. */
function elementEnd(buf: Uint8Array, p: number, end: number): { end: number; newlines: number } {
  let depth = 0;
  let newlines = 0;
  let i = p;
  const first = buf[i]!;
  if (first !== 123 && first !== 91 && first !== 34) {
    // A scalar: runs to the next separator.
    while (i < end && buf[i] !== 44 && buf[i] !== 93 && buf[i] !== 10 && buf[i] !== 32 && buf[i] !== 13 && buf[i] !== 9) i++;
    return { end: i < end ? i : -1, newlines };
  }
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === 34) {
      // string: skip to the closing quote, honouring backslash escapes
      for (i++; i < end; i++) {
        const c = buf[i]!;
        if (c === 92) i++;
        else if (c === 34) break;
        else if (c === 10) newlines++;
      }
      if (i >= end) return { end: -1, newlines };
      if (depth === 0) return { end: i + 1, newlines };
    } else if (b === 123 || b === 91) depth++;
    else if (b === 125 || b === 93) {
      depth--;
      if (depth === 0) return { end: i + 1, newlines };
    } else if (b === 10) newlines++;
  }
  return { end: -1, newlines };
}

/**
 * JSON Lines (`.jsonl`, `.ndjson`, and `.json` files holding lines) and JSON
 * files holding one top-level array of objects. Each row is an object; the
 * columns are the union of the keys in order of first appearance, a missing
 * key is a null — as pyarrow's JSON reader does for `datasets` (spec §3.5):
 * integers → int64 (float64 once any value is spelled with a fraction or
 * exponent, or exceeds int64), bool, string, strings that are all ISO dates
 * or date-times at second precision → timestamp[s], arrays → list, objects →
 * struct (fields unioned). A column holding two kinds of values (say numbers
 * and strings) is an error naming both lines.
 */
import { isUtf8 } from "node:buffer";
import { DataError } from "../../errors.js";
import { type ColumnBuilder, builderFor, describe } from "../columns.js";
import { type Feature, type NamedFeature, featureToString, value } from "../features.js";
import { HAS_INTEGRAL_FLOAT, HAS_LONG_INTEGER, type NumberScan, parseExact, scanNumbers } from "../json-exact.js";
import { looksLikeTimestamp } from "../parse.js";
import { type ColumnProfile, type FileProfile, type SizeStats, emptyStats, mergeStats, statsOfData } from "../schema.js";
import { ChunkBuffer, openByteSource } from "../source.js";
import { FloatToken, converterFor } from "../values.js";
import { lineChunks } from "./lines.js";
import type { Batch, BatchCursor, ReaderOptions, TableReader } from "./reader.js";

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
  if (node.shape !== shape) {
    if (node.shape === "null") {
      node.shape = shape;
      node.line = line;
    } else if ((node.shape === "int" && shape === "float") || (node.shape === "float" && shape === "int")) {
      if (shape === "float") {
        node.shape = "float";
        node.line = line;
      }
    } else throw new ShapeConflict(path, node.shape, node.line, shape);
  }
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

/** Appends JSON values to a column of `feature`, reporting bad values with the file and line. */
class JsonColumn {
  readonly builder: ColumnBuilder;
  private readonly convert: ((v: unknown) => unknown) | undefined;

  constructor(
    readonly name: string,
    readonly feature: Feature,
    private readonly file: string,
    floatTokens: boolean,
  ) {
    this.builder = builderFor(feature);
    this.convert = converterFor(feature, floatTokens);
  }

  append(v: unknown, line: number): void {
    try {
      this.builder.appendValue(this.convert ? this.convert(v) : v);
    } catch (e) {
      throw new DataError(this.file, line, `column '${this.name}' (${featureToString(this.feature)}): ${(e as Error).message}`);
    }
  }
}

interface Row {
  value: Record<string, unknown>;
  line: number;
}

/** How rows are parsed: the slow exact path is taken only for rows the number scan flags. */
interface ParseMode {
  /** Pass 1: find integral floats (for typing) as well as long integers. */
  inference: boolean;
  /** Pass 2: whether any row of the file has long integers (found in pass 1). */
  longIntegers: boolean;
  /** Pass 1: columns already typed float (an integral float there changes nothing). */
  isFloatColumn?: (key: string) => boolean;
}

export class JsonReader implements TableReader {
  /** Set by pass 1: some row holds an integer JSON.parse cannot keep exactly. */
  private longIntegers = false;

  constructor(
    private readonly path: string,
    readonly file: string,
    private readonly format: "json" | "jsonl",
    private readonly options: ReaderOptions = {},
  ) {}

  /** Rows in batches (one per chunk of input). */
  private async *rowBatches(validate: boolean, mode: ParseMode): AsyncGenerator<Row[]> {
    const layout = await detectLayout(this.path, this.file);
    if (layout === "empty") throw new DataError(this.file, undefined, "the file is empty");
    // A top-level array is read as such whatever the extension (datasets falls back to reading it whole too).
    if (layout === "array") yield* arrayRows(this.path, this.file, validate, mode, this.options.chunkBytes, this);
    else yield* this.lineRows(validate, mode);
  }

  private async *lineRows(validate: boolean, mode: ParseMode): AsyncGenerator<Row[]> {
    for await (const chunk of lineChunks(this.path, this.file, validate, this.options.chunkBytes)) {
      const rows: Row[] = [];
      for (let r = 0; r < chunk.records; r++) {
        const s = chunk.pos[r * 2]!;
        const e = chunk.pos[r * 2 + 1]!;
        let blank = true;
        for (let i = s; i < e; i++) {
          const b = chunk.buf[i]!;
          if (b !== 32 && b !== 9 && b !== 13) {
            blank = false;
            break;
          }
        }
        if (blank) continue;
        const line = chunk.recordLine[r]!;
        rows.push({ value: parseRow(chunk.buf, s, e, this.file, line, mode, this, this.format === "json" && line === 1), line });
      }
      yield rows;
    }
  }

  /** Called by the row parser when a row holds a long integer (pass 1). */
  sawLongInteger(): void {
    this.longIntegers = true;
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const root = newNode();
    root.shape = "struct";
    const fields = () => root.fields ?? new Map<string, Node>();
    const measured = new Map<string, JsonColumn>();
    const measuredStats = new Map<string, SizeStats>();
    const skip = overrides.size > 0 ? overrides : undefined;
    const mode: ParseMode = {
      inference: true,
      longIntegers: false,
      isFloatColumn: (key) => {
        const node = fields().get(key);
        if (!node) return false;
        return node.shape === "float" || (node.shape === "list" && node.item?.shape === "float") || overrides.has(key);
      },
    };
    let rows = 0;
    for await (const batch of this.rowBatches(true, mode)) {
      for (const row of batch) {
        root.stats.count++;
        try {
          observeObject(root, row.value, "", row.line, skip);
        } catch (e) {
          if (!(e instanceof ShapeConflict)) throw e;
          throw new DataError(
            this.file,
            row.line,
            `column '${e.path}' holds ${article(SHAPE_NAMES[e.now])} here but ${SHAPE_NAMES[e.was]} values before (first on line ${e.wasLine}); ` +
              `make the values agree, or set the column's type with the 'features' input (for example dtype: string, or dtype: json to keep each value as JSON text)`,
          );
        }
        if (skip)
          for (const [name, feature] of overrides) {
            if (!Object.hasOwn(row.value, name) && !measured.has(name)) continue;
            let col = measured.get(name);
            if (!col) {
              measured.set(name, (col = new JsonColumn(name, feature, this.file, true)));
              // Rows before the first one with this key hold nulls.
              for (let k = 0; k < rows; k++) col.builder.appendNull();
            }
            col.append(row.value[name], row.line);
          }
        rows++;
      }
      for (const [name, col] of measured) measuredStats.set(name, mergeStats(measuredStats.get(name) ?? emptyStats(), statsOfData(col.builder.finish())));
    }
    if (rows === 0) throw new DataError(this.file, undefined, "the file holds no rows (an empty array, or only blank lines)");
    const columns: ColumnProfile[] = [...fields()].map(([name, node]) => {
      const override = overrides.get(name);
      if (override) return { name, feature: override, stats: measuredStats.get(name) ?? { count: rows, nulls: rows, bytes: 0 } };
      return { name, feature: node.shape === "null" ? undefined : featureOfNode(node, name, this.file), stats: node.stats };
    });
    return { file: this.file, rows, columns, nullFeature: value("null") };
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const batches = this.rowBatches(false, { inference: false, longIntegers: this.longIntegers });
    const columns = features.map((f) => new JsonColumn(f.name, f.feature, this.file, false));
    let pending: Row[] = [];
    let cursor = 0;
    return {
      async next(maxRows: number): Promise<Batch | undefined> {
        while (cursor >= pending.length) {
          const n = await batches.next();
          if (n.done) return undefined;
          pending = n.value;
          cursor = 0;
        }
        const end = Math.min(pending.length, cursor + maxRows);
        for (let r = cursor; r < end; r++) {
          const row = pending[r]!;
          for (const col of columns) col.append(row.value[col.name], row.line);
        }
        const rows = end - cursor;
        cursor = end;
        return { rows, columns: columns.map((c) => c.builder.finish()) };
      },
      async close() {
        await batches.return(undefined);
      },
    };
  }
}

const scan: NumberScan = { flags: 0, keys: [] };

/** Parses one row's JSON text; the exact (slow) parser only when the number scan says JSON.parse would mistype a number. */
function parseRow(
  buf: Buffer,
  s: number,
  e: number,
  file: string,
  line: number,
  mode: ParseMode,
  reader: JsonReader,
  firstLineOfJson = false,
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
  if (mode.inference || mode.longIntegers) {
    const flags = scanNumbers(buf, s, e, mode.inference, scan);
    if (flags & HAS_LONG_INTEGER && mode.inference) reader.sawLongInteger();
    const floats = flags & HAS_INTEGRAL_FLOAT && mode.isFloatColumn !== undefined && !scan.keys.every(mode.isFloatColumn);
    if (flags & HAS_LONG_INTEGER || floats) v = parseExact(text, mode.inference);
  }
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
      if (first && n >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
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
 * a byte scanner finds where each element ends (tracking nesting and strings),
 * and each element is parsed on its own. Each row's line is where its element starts.
 */
async function* arrayRows(
  path: string,
  file: string,
  validate: boolean,
  mode: ParseMode,
  chunkBytes: number | undefined,
  reader: JsonReader,
): AsyncGenerator<Row[]> {
  const input = new ChunkBuffer(await openByteSource(path, file), chunkBytes);
  let consumed = 0;
  let line = 1;
  let state: "open" | "first" | "element" | "separator" | "closed" = "open";
  let atStart = true;
  try {
    while (await input.refill(consumed)) {
      const buf = input.buffer;
      const end = input.end;
      const rows: Row[] = [];
      let p = 0;
      if (atStart) {
        if (end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
        atStart = false;
      }
      let incomplete = false;
      while (p < end) {
        const b = buf[p]!;
        if (b === 10 || b === 32 || b === 9 || b === 13) {
          if (b === 10) line++;
          p++;
          continue;
        }
        if (state === "open") {
          if (b !== 91) throw new DataError(file, line, "expected a JSON array");
          state = "first";
          p++;
        } else if (state === "separator" || (state === "first" && b === 93)) {
          if (b === 93) state = "closed";
          else if (b === 44) state = "element";
          else throw new DataError(file, line, `invalid JSON: expected ',' or ']' after an array element, found '${String.fromCharCode(b)}'`);
          p++;
        } else if (state === "closed") {
          throw new DataError(file, line, "invalid JSON: unexpected content after the closing ']' of the array");
        } else {
          const stop = elementEnd(buf, p, end);
          if (stop.end === -1) {
            if (input.eof) throw new DataError(file, line, "invalid JSON: the array (or this element) is not closed");
            incomplete = true; // the element continues in the next chunk
            break;
          }
          if (validate && !isUtf8(buf.subarray(p, stop.end)))
            throw new DataError(file, line, "invalid UTF-8 (is the file in another encoding, such as Latin-1 or UTF-16?); save it as UTF-8");
          rows.push({ value: parseRow(buf, p, stop.end, file, line, mode, reader), line });
          line += stop.newlines;
          p = stop.end;
          state = "separator";
        }
      }
      consumed = p;
      yield rows;
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

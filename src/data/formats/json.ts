/**
 * JSON Lines (`.jsonl`, `.ndjson`, and `.json` files holding lines) and JSON
 * files holding one top-level array of objects. Each row is an object; the
 * columns are the union of the keys in order of first appearance, a missing
 * key is a null — as pyarrow's JSON reader does for `datasets` (spec §3.5):
 * integers → int64 (float64 once any value has a fraction), bool, string,
 * strings shaped `YYYY-MM-DD[ hh:mm:ss]` → timestamp[s], arrays → list,
 * objects → struct.
 */
import { isUtf8 } from "node:buffer";
import { DataError } from "../../errors.js";
import { type ColumnBuilder, builderFor, describe } from "../columns.js";
import { type Feature, type NamedFeature, featureToString, parseTimestampDtype, value } from "../features.js";
import { looksLikeTimestamp, parseDate32, parseTimestamp } from "../parse.js";
import { type ColumnProfile, type FileProfile, type SizeStats, dataNbytes } from "../schema.js";
import { ChunkBuffer, openByteSource } from "../source.js";
import { lineChunks } from "./lines.js";
import type { Batch, BatchCursor, TableReader } from "./reader.js";

type Shape = "null" | "bool" | "int" | "float" | "string" | "list" | "struct";

/** What pass 1 has seen at one place of the rows (a column, a list's items, a struct field). */
interface Node {
  shape: Shape;
  stats: SizeStats;
  /** Every string seen looks like a timestamp (pyarrow then types the column timestamp[s]). */
  timestamps: boolean;
  item?: Node;
  fields?: Map<string, Node>;
}

function newNode(): Node {
  return { shape: "null", stats: { count: 0, nulls: 0, bytes: 0 }, timestamps: true };
}

class ShapeConflict extends Error {}

const SHAPE_NAMES: Record<Shape, string> = {
  null: "null",
  bool: "boolean",
  int: "integer",
  float: "number",
  string: "string",
  list: "list",
  struct: "object",
};

function shapeOf(v: unknown): Shape {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "string":
      return "string";
    default:
      return Array.isArray(v) ? "list" : "struct";
  }
}

function observe(node: Node, v: unknown, path: string): void {
  node.stats.count++;
  const shape = shapeOf(v);
  if (shape === "null") {
    node.stats.nulls++;
    return;
  }
  if (node.shape !== shape) {
    if (node.shape === "null") node.shape = shape;
    else if ((node.shape === "int" && shape === "float") || (node.shape === "float" && shape === "int")) node.shape = "float";
    else throw new ShapeConflict(`'${path}' holds both ${SHAPE_NAMES[node.shape]} and ${SHAPE_NAMES[shape]} values`);
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
      for (const x of v as unknown[]) observe(item, x, `${path}[]`);
      break;
    }
    case "struct":
      observeObject(node, v as Record<string, unknown>, path);
      break;
  }
}

function observeObject(node: Node, obj: Record<string, unknown>, path: string): void {
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
    observe(child, obj[key], path ? `${path}.${key}` : key);
  }
  for (const [key, child] of fields)
    if (!(key in obj)) {
      child.stats.count++;
      child.stats.nulls++;
    }
}

function featureOfNode(node: Node): Feature {
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
      return { kind: "list", item: featureOfNode(node.item ?? newNode()) };
    case "struct":
      return {
        kind: "struct",
        fields: [...(node.fields ?? new Map<string, Node>())].map(([name, n]) => ({ name, feature: featureOfNode(n) })),
      };
  }
}

/** Converts a parsed JSON value to what the builder of `feature` stores (dates parsed, scalars as text for strings). */
function normalizer(feature: Feature): ((v: unknown) => unknown) | undefined {
  if (feature.kind === "value") {
    const ts = parseTimestampDtype(feature.dtype);
    if (ts)
      return (v) => {
        if (typeof v !== "string") return v;
        const t = parseTimestamp(v, ts.unit);
        if (t === undefined) throw new Error(`${describe(v)} is not a date or date-time`);
        return t;
      };
    if (feature.dtype === "date32")
      return (v) => {
        if (typeof v !== "string") return v;
        const d = parseDate32(v);
        if (d === undefined) throw new Error(`${describe(v)} is not a date (YYYY-MM-DD)`);
        return d;
      };
    if (feature.dtype === "string")
      return (v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v);
    return undefined;
  }
  if (feature.kind === "list") {
    const inner = normalizer(feature.item);
    return inner ? (v) => (Array.isArray(v) ? v.map(inner) : v) : undefined;
  }
  if (feature.kind === "struct") {
    const inner = feature.fields.map((f) => [f.name, normalizer(f.feature)] as const).filter(([, n]) => n);
    if (inner.length === 0) return undefined;
    return (v) => {
      if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
      const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [name, n] of inner) if (name in copy) copy[name] = n!(copy[name]);
      return copy;
    };
  }
  return undefined;
}

/** Appends JSON values to a column of `feature`. */
class JsonColumn {
  readonly builder: ColumnBuilder;
  private readonly normalize: ((v: unknown) => unknown) | undefined;

  constructor(
    readonly name: string,
    readonly feature: Feature,
    private readonly file: string,
  ) {
    try {
      this.builder = builderFor(feature);
    } catch {
      throw new DataError(file, undefined, `column '${name}': type ${featureToString(feature)} cannot be read from JSON`);
    }
    this.normalize = normalizer(feature);
  }

  append(v: unknown, line: number): void {
    try {
      this.builder.appendValue(this.normalize ? this.normalize(v) : v);
    } catch (e) {
      throw new DataError(this.file, line, `column '${this.name}' (${featureToString(this.feature)}): ${(e as Error).message}`);
    }
  }
}

interface Row {
  value: Record<string, unknown>;
  line: number;
}

export class JsonReader implements TableReader {
  constructor(
    private readonly path: string,
    readonly file: string,
    private readonly format: "json" | "jsonl",
  ) {}

  /** Rows in batches (one per chunk of input). */
  private async *rowBatches(validate: boolean): AsyncGenerator<Row[]> {
    const layout = this.format === "json" ? await detectLayout(this.path) : "lines";
    if (layout === "empty") throw new DataError(this.file, undefined, "the file is empty");
    if (layout === "array") yield* arrayRows(this.path, this.file, validate);
    else yield* this.lineRows(validate);
  }

  private async *lineRows(validate: boolean): AsyncGenerator<Row[]> {
    for await (const chunk of lineChunks(this.path, this.file, validate)) {
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
        rows.push({ value: parseRow(chunk.buf.toString("utf8", s, e), this.file, chunk.recordLine[r]!), line: chunk.recordLine[r]! });
      }
      yield rows;
    }
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const root = newNode();
    root.shape = "struct";
    const measured = new Map<string, JsonColumn>();
    const measuredBytes = new Map<string, number>();
    let rows = 0;
    for await (const batch of this.rowBatches(true)) {
      for (const row of batch) {
        try {
          root.stats.count++;
          const inferred: Record<string, unknown> = {};
          for (const key in row.value) {
            const column = overrides.get(key);
            if (!column) inferred[key] = row.value[key];
          }
          observeObject(root, inferred, "");
        } catch (e) {
          if (e instanceof ShapeConflict)
            throw new DataError(this.file, row.line, `column ${e.message}; set its type with the 'features' input, or make the values agree`);
          throw e;
        }
        for (const [name, feature] of overrides) {
          let col = measured.get(name);
          if (!col) measured.set(name, (col = new JsonColumn(name, feature, this.file)));
          col.append(row.value[name], row.line);
        }
      }
      rows += batch.length;
      for (const [name, col] of measured) measuredBytes.set(name, (measuredBytes.get(name) ?? 0) + dataNbytes(col.builder.finish()));
    }
    if (rows === 0) throw new DataError(this.file, undefined, "the file holds no rows");
    // Overridden columns take their place in key order of first appearance too.
    const columns: ColumnProfile[] = [...(root.fields ?? new Map<string, Node>())].map(([name, node]) => ({
      name,
      feature: node.shape === "null" ? undefined : featureOfNode(node),
      stats: node.stats,
    }));
    for (const [name, feature] of overrides) {
      if (!measuredBytes.has(name)) continue;
      columns.push({ name, feature, stats: { count: rows, nulls: 0, bytes: 0 }, measuredBytes: measuredBytes.get(name)! });
    }
    return { file: this.file, rows, columns, nullFeature: value("null") };
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const batches = this.rowBatches(false);
    const columns = features.map((f) => new JsonColumn(f.name, f.feature, this.file));
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

function parseRow(text: string, file: string, line: number): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DataError(file, line, `invalid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new DataError(file, line, `each row must be a JSON object, found ${describe(v)}`);
  return v as Record<string, unknown>;
}

/** A `.json` file is either one top-level array or JSON Lines: the first non-blank byte tells. */
async function detectLayout(path: string): Promise<"array" | "lines" | "empty"> {
  const source = await openByteSource(path);
  try {
    const head = Buffer.alloc(4096);
    for (;;) {
      const n = await source.read(head, 0);
      if (n === 0) return "empty";
      for (let i = 0; i < n; i++) {
        const b = head[i]!;
        if (b === 0xef || b === 0xbb || b === 0xbf || b === 32 || b === 9 || b === 10 || b === 13) continue;
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
 * and each element is parsed on its own.
 */
async function* arrayRows(path: string, file: string, validate: boolean): AsyncGenerator<Row[]> {
  const input = new ChunkBuffer(await openByteSource(path));
  let consumed = 0;
  let line = 1;
  let state: "open" | "first" | "element" | "separator" | "closed" = "open";
  try {
    while (await input.refill(consumed)) {
      const buf = input.buffer;
      const end = input.end;
      const rows: Row[] = [];
      let p = 0;
      let incomplete = false;
      while (p < end) {
        const b = buf[p]!;
        if (b === 10) line++;
        if (b === 10 || b === 32 || b === 9 || b === 13 || b === 0xef || b === 0xbb || b === 0xbf) {
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
          throw new DataError(file, line, "invalid JSON: unexpected content after the closing ']'");
        } else {
          const stop = elementEnd(buf, p, end);
          if (stop.end === -1) {
            if (input.eof) throw new DataError(file, line, "invalid JSON: the array is not closed");
            incomplete = true; // the element continues in the next chunk
            break;
          }
          if (validate && !isUtf8(buf.subarray(p, stop.end))) throw new DataError(file, line, "invalid UTF-8; save the file as UTF-8");
          rows.push({ value: parseRow(buf.toString("utf8", p, stop.end), file, line), line });
          line += stop.newlines;
          p = stop.end;
          state = "separator";
        }
      }
      consumed = p;
      yield rows;
      if (input.eof && !incomplete) break;
    }
    if (state !== "closed") throw new DataError(file, line, "invalid JSON: the array is not closed");
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

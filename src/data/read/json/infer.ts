/**
 * Pass 1 of the JSON reader: what each place of the rows (a column, a list's
 * items, a struct field) has held so far, and the feature pyarrow's JSON
 * reader would give it — int64, float64 once any value is spelled with a
 * fraction or exponent or exceeds int64, bool, string or timestamp[s],
 * list, struct (fields unioned). Two kinds of values at one place is a
 * ShapeConflict, reported with both lines (conflictError).
 */
import { DataError } from "../../errors.js";
import { type Feature, value } from "../../../model/features.js";
import { looksLikeTimestamp } from "../parse.js";
import { type SizeStats } from "../../model/sizes.js";
import { FloatToken } from "../values.js";
import { JsonValue, K_ARR, K_NULL, K_OBJ, K_STR, K_STR_ESC, NF_OBJECT, isoSeconds, readValue, skipWhitespace, unescapedLength } from "./scan.js";
import { type Scratch, spanValue } from "./spans.js";


type Shape = "null" | "bool" | "int" | "float" | "string" | "list" | "struct";

/** What pass 1 has seen at one place of the rows (a column, a list's items, a struct field). */
export interface Node {
  shape: Shape;
  /** Line where a value of the current shape was first seen. */
  line: number;
  stats: SizeStats;
  /** Every string seen looks like a timestamp (pyarrow then types the column timestamp[s]). */
  timestamps: boolean;
  item?: Node;
  fields?: Map<string, Node>;
}

export function newNode(): Node {
  return { shape: "null", line: 0, stats: { count: 0, nulls: 0, bytes: 0 }, timestamps: true };
}

export class ShapeConflict extends Error {
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

export function observe(node: Node, v: unknown, path: string, line: number): void {
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

export function featureOfNode(node: Node, path: string, file: string): Feature {
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
export const SHAPE_OF_KIND: Shape[] = ["null", "bool", "bool", "int", "float", "float", "string", "string"];

/** Pass 1 for a scalar of `shape` in a column (as `observe` does for JS values). */
export function observeShape(node: Node, shape: Shape, path: string, line: number): void {
  if (node.shape === "null") {
    node.shape = shape;
    node.line = line;
  } else if (node.shape === "int" && shape === "float") {
    node.shape = "float";
    node.line = line;
  } else if (!(node.shape === "float" && shape === "int")) throw new ShapeConflict(path, node.shape, node.line, shape);
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
export function observeValue(node: Node, kind: number, buf: Buffer, s: number, e: number, aux: number, path: string, line: number, depth: number, scratch: Scratch): void {
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

export function conflictError(file: string, line: number, e: ShapeConflict): DataError {
  return new DataError(
    file,
    line,
    `column '${e.path}' holds ${article(SHAPE_NAMES[e.now])} here but ${SHAPE_NAMES[e.was]} values before (first on line ${e.wasLine}); ` +
      `make the values agree, or set the column's type with the 'features' input (for example dtype: string, or dtype: json to keep each value as JSON text)`,
  );
}


/**
 * Pass 1 of the JSON reader: what each place of the rows (a column, a list's
 * items, a struct field) has held, and the feature `datasets` 5 gives it
 * (docs/dataset-layout.md#json-and-json-lines). pyarrow's JSON reader types
 * values int64, float64 (once any is spelled with a fraction or exponent, or
 * exceeds int64), bool, string or timestamp[s], list, struct; and since
 * `on_mixed_types="use_json"` is the default, a place whose values do not
 * agree becomes `Json` (each value kept as JSON text):
 * - values of two kinds there (numbers and strings, booleans and numbers,
 *   objects and lists, a container and a scalar, ...; integers and floats
 *   are one kind, float64);
 * - objects with different key sets there (a key holding null counts), or an
 *   empty object.
 * Json goes at the deepest place where values disagree (`List(List(Json))`,
 * `{'s': {'t': Json}}`), never at the rows: rows with different keys have
 * their columns unioned. Python decides from the first 10 MiB of the first
 * file; here every row of every file counts (src/data/README.md).
 *
 * Objects one after another across lines (one object spread over several
 * lines) are read without Json, as Python reads them (its pre-scan needs one
 * object per line): objects' keys are unioned, two kinds of values at one
 * place are an error (ShapeConflict; Python fails there too).
 *
 * Objects and lists are read from their bytes, so keys keep the file's order
 * (struct fields in the order of first appearance) and numbers their spelling.
 */
import { type Feature, value } from "../../../model/features.js";
import { type SizeStats, emptyStats, nullsSoFar } from "../../model/sizes.js";
import { JsonValue, K_ARR, K_NULL, K_OBJ, K_STR, K_STR_ESC, isoSeconds, readValue, skipWhitespace, unescapedLength } from "./scan.js";
import type { Scratch } from "./spans.js";

type Shape = "null" | "bool" | "int" | "float" | "string" | "list" | "struct" | "json";

/** What pass 1 has seen at one place of the rows. */
export interface Node {
  shape: Shape;
  /** Line where a value of the current shape was first seen (for Json: where the values first disagreed). */
  line: number;
  stats: SizeStats;
  /** Every string seen looks like a timestamp (pyarrow then types the column timestamp[s]). */
  timestamps: boolean;
  item?: Node;
  /** A struct's fields: the keys of its first object, in their order. */
  fields?: Map<string, Node>;
  /** Why the place became Json. */
  why?: string;
}

/** Where a file's values made a place Json, for the log. */
export interface JsonNote {
  path: string;
  line: number;
  why: string;
}

export function newNode(stats: SizeStats = emptyStats()): Node {
  return { shape: "null", line: 0, stats, timestamps: true };
}

/** Deeper nesting is refused (the readers recurse). */
const MAX_DEPTH = 1000;

/** Two kinds of values at one place, where they cannot become Json (`Scratch.strict`). */
export class ShapeConflict extends Error {
  constructor(
    readonly node: Node,
    readonly was: string,
    readonly wasLine: number,
    readonly now: string,
  ) {
    super("values of two kinds");
  }
}

export class NestingTooDeep extends Error {
  constructor() {
    super(`values nested more than ${MAX_DEPTH} levels deep`);
  }
}

const KIND_NAMES: Record<Shape, string> = {
  null: "nulls",
  bool: "booleans",
  int: "numbers",
  float: "numbers",
  string: "strings",
  list: "lists",
  struct: "objects",
  json: "JSON",
};

/** The shape pass 1 gives a scalar of each tape kind (K_NULL aside). */
export const SHAPE_OF_KIND: Shape[] = ["null", "bool", "bool", "int", "float", "float", "string", "string"];

/**
 * Records a value of `shape` at `node`: false when the node is (or now
 * becomes) Json, so what is inside the value does not matter.
 */
export function observeShape(node: Node, shape: Shape, line: number, strict: boolean): boolean {
  const was = node.shape;
  if (was === shape) return true;
  if (was === "json") return false;
  if (was === "null") {
    node.shape = shape;
    node.line = line;
    return true;
  }
  if (was === "int" && shape === "float") {
    node.shape = "float";
    return true;
  }
  if (was === "float" && shape === "int") return true;
  if (strict) throw new ShapeConflict(node, KIND_NAMES[was].slice(0, -1), node.line, KIND_NAMES[shape].slice(0, -1));
  toJson(node, `${KIND_NAMES[was]} (first on line ${node.line}) and ${KIND_NAMES[shape]} (line ${line})`, line);
  return false;
}

function toJson(node: Node, why: string, line: number): void {
  node.shape = "json";
  node.why = why;
  node.line = line;
  node.item = undefined;
  node.fields = undefined;
  delete node.stats.items;
  delete node.stats.fields;
}

/** Pass 1 for one value of a validated row: tape kind `kind`, bytes `buf[s..e)`. */
export function observeValue(node: Node, kind: number, buf: Buffer, s: number, e: number, line: number, depth: number, scratch: Scratch): void {
  const stats = node.stats;
  if (kind === K_NULL) {
    stats.count++;
    stats.nulls++;
  } else if (kind === K_ARR) observeArray(node, buf, s, e, line, depth, scratch);
  else if (kind === K_OBJ) observeObject(node, buf, s, e, line, depth, scratch);
  else {
    stats.count++;
    const shape = SHAPE_OF_KIND[kind]!;
    if (node.shape !== shape && !observeShape(node, shape, line, scratch.strict)) return;
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

/** Pass 1 for the (validated) array `buf[s..e)`. */
function observeArray(node: Node, buf: Buffer, s: number, e: number, line: number, depth: number, scratch: Scratch): void {
  node.stats.count++;
  if (!observeShape(node, "list", line, scratch.strict)) return;
  if (depth >= MAX_DEPTH) throw new NestingTooDeep();
  const item = (node.item ??= newNode());
  node.stats.items = item.stats;
  let i = skipWhitespace(buf, s + 1, e);
  if (buf[i] === 93) return; // ]
  const v = (scratch.items[depth] ??= new JsonValue());
  for (;;) {
    i = readValue(buf, i, e, v);
    observeValue(item, v.kind, buf, v.start, v.end, line, depth + 1, scratch);
    i = skipWhitespace(buf, i, e);
    if (i >= e || buf[i] !== 44) return; // ,
    i = skipWhitespace(buf, i + 1, e);
  }
}

/** Pass 1 for the (validated) object `buf[s..e)`: its keys must be those of the place's first object. */
function observeObject(node: Node, buf: Buffer, s: number, e: number, line: number, depth: number, scratch: Scratch): void {
  node.stats.count++;
  if (!observeShape(node, "struct", line, scratch.strict)) return;
  if (depth >= MAX_DEPTH) throw new NestingTooDeep();
  const m = scratch.membersAt(depth);
  m.read(buf, s, e);
  if (m.n === 0 && !scratch.strict) return toJson(node, `an empty object ({}) on line ${line}`, line);
  let fields = node.fields;
  const first = !fields;
  if (!fields) {
    fields = node.fields = new Map();
    node.stats.fields = new Map<string, SizeStats>();
  } else if (!scratch.strict && (m.n !== fields.size || !m.keys.every((k, i) => i >= m.n || fields!.has(k))))
    return toJson(node, `objects with different keys (first on line ${node.line}, other keys on line ${line})`, line);
  if (first || scratch.strict)
    for (let k = 0; k < m.n; k++) {
      if (fields.has(m.keys[k]!)) continue;
      // Earlier slots of the place were nulls for this field.
      const child = newNode(nullsSoFar(node.stats.count - 1, node.stats));
      fields.set(m.keys[k]!, child);
      node.stats.fields!.set(m.keys[k]!, child.stats);
    }
  for (let k = 0; k < m.n; k++) observeValue(fields.get(m.keys[k]!)!, m.kind[k]!, buf, m.start[k]!, m.end[k]!, line, depth + 1, scratch);
}

/** A struct place that only held `{}` (possible without Json): Parquet cannot store it. */
export class EmptyStruct extends Error {
  constructor(readonly node: Node) {
    super("only empty objects");
  }
}

/** The feature pass 1 gives a place. */
export function featureOfNode(node: Node): Feature {
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
    case "json":
      return { kind: "custom", typeName: "Json", params: {} };
    case "list":
      return { kind: "list", item: featureOfNode(node.item ?? newNode()) };
    case "struct":
      if (node.fields!.size === 0) throw new EmptyStruct(node);
      return { kind: "struct", fields: [...node.fields!].map(([name, n]) => ({ name, feature: featureOfNode(n) })) };
  }
}

/** The path of `target` among the columns `nodes` (named `names`), for messages. */
export function pathOf(target: Node, nodes: Node[], names: string[]): string {
  const find = (node: Node, path: string): string | undefined => {
    if (node === target) return path;
    if (node.item) {
      const found = find(node.item, `${path}[]`);
      if (found) return found;
    }
    for (const [name, child] of node.fields ?? []) {
      const found = find(child, `${path}.${name}`);
      if (found) return found;
    }
    return undefined;
  };
  for (let c = 0; c < nodes.length; c++) {
    const found = find(nodes[c]!, names[c]!);
    if (found) return found;
  }
  return "?";
}

/** The places below `node` (at `path`) that became Json, and why. */
export function jsonNotes(node: Node, path: string, out: JsonNote[] = []): JsonNote[] {
  if (node.shape === "json") out.push({ path, line: node.line, why: node.why! });
  else if (node.shape === "list" && node.item) jsonNotes(node.item, `${path}[]`, out);
  else if (node.shape === "struct") for (const [name, child] of node.fields!) jsonNotes(child, `${path}.${name}`, out);
  return out;
}

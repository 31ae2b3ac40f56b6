/**
 * Turning tokenized text cells (byte ranges of a buffer) into Arrow columns
 * of a target feature. Used by the CSV/TSV reader. Each class loops over a
 * column itself, so the hot loops stay monomorphic. Empty cells and pandas'
 * NA tokens (`NA`, `null`, `NaN`, ...) are nulls in every column type, as
 * pandas reads them.
 */
import { DataError } from "../../errors.js";
import {
  BoolBuilder,
  ClassLabelBuilder,
  type ColumnBuilder,
  Float16Builder,
  Int64Builder,
  NumberBuilder,
  Utf8Builder,
  builderFor,
  describe,
} from "../columns.js";
import { type Feature, featureToString } from "../../../model/features.js";
import { parseExact } from "../json/exact.js";
import { JsonValue, readValue, skipWhitespace } from "../json/scan.js";
import { jsonText } from "../json/text.js";
import { isNaToken, parseBool, parseFloatCell, parseInteger } from "../parse.js";
import { converterFor } from "../values.js";
import { FIELD_ESCAPED, QUOTE } from "./tokenizer.js";

/** Tokenized cells: field `f` spans `buf[pos[2f]..pos[2f+1])`; record `r` starts at field `recordStart[r]`. */
export interface Cells {
  buf: Uint8Array;
  pos: Int32Array;
  flags: Uint8Array;
  recordStart: Int32Array;
  recordLine: Float64Array;
}

const utf8 = new TextDecoder("utf-8");

/** The text of a cell, with doubled quotes collapsed. */
export function cellText(cells: Cells, field: number): string {
  const text = utf8.decode(cells.buf.subarray(cells.pos[field * 2], cells.pos[field * 2 + 1]));
  return cells.flags[field]! & FIELD_ESCAPED ? text.replaceAll('""', '"') : text;
}

/** Empty, or one of pandas' NA tokens. */
function isNullCell(buf: Uint8Array, s: number, e: number): boolean {
  return s === e || isNaToken(buf, s, e);
}

export abstract class CellColumn {
  constructor(
    readonly builder: ColumnBuilder,
    protected readonly file: string,
    protected readonly column: string,
  ) {}

  /** Appends column `c` of records `[r0, r1)`. */
  abstract fill(cells: Cells, r0: number, r1: number, c: number): void;

  protected fail(cells: Cells, r: number, field: number, expected: string): never {
    throw new DataError(
      this.file,
      cells.recordLine[r],
      `column '${this.column}': ${describe(cellText(cells, field))} is not ${expected}`,
    );
  }
}

class StringCells extends CellColumn {
  declare readonly builder: Utf8Builder;
  fill(cells: Cells, r0: number, r1: number, c: number): void {
    const { buf, pos, flags, recordStart } = cells;
    const b = this.builder;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      const s = pos[f * 2]!;
      const e = pos[f * 2 + 1]!;
      if (s === e || (e - s < 9 && isNaToken(buf, s, e))) b.appendNull();
      else if (flags[f]! & FIELD_ESCAPED) b.appendUnescaped(buf, s, e, QUOTE);
      else b.appendBytes(buf, s, e);
    }
  }
}

class Int64Cells extends CellColumn {
  declare readonly builder: Int64Builder;
  fill(cells: Cells, r0: number, r1: number, c: number): void {
    const { buf, pos, recordStart } = cells;
    const b = this.builder;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      const s = pos[f * 2]!;
      const e = pos[f * 2 + 1]!;
      if (isNullCell(buf, s, e)) {
        b.appendNull();
        continue;
      }
      const v = parseInteger(buf, s, e);
      if (typeof v === "number") {
        if (b.unsigned && v < 0) this.fail(cells, r, f, `a ${b.type.toString().toLowerCase()} (it is negative)`);
        b.appendSafe(v);
      } else if (typeof v === "bigint") {
        if (!b.fits(v)) this.fail(cells, r, f, `in the range of ${b.type.toString().toLowerCase()}`);
        b.appendBigInt(v);
      } else this.fail(cells, r, f, "an integer");
    }
  }
}

class FloatCells extends CellColumn {
  declare readonly builder: NumberBuilder | Float16Builder;
  fill(cells: Cells, r0: number, r1: number, c: number): void {
    const { buf, pos, recordStart } = cells;
    const b = this.builder;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      const s = pos[f * 2]!;
      const e = pos[f * 2 + 1]!;
      if (isNullCell(buf, s, e)) {
        b.appendNull();
        continue;
      }
      const v = parseFloatCell(buf, s, e);
      if (v === undefined) this.fail(cells, r, f, "a number");
      b.append(v);
    }
  }
}

class SmallIntCells extends CellColumn {
  declare readonly builder: NumberBuilder;
  constructor(builder: NumberBuilder, file: string, column: string, private readonly dtype: string) {
    super(builder, file, column);
  }
  fill(cells: Cells, r0: number, r1: number, c: number): void {
    const { buf, pos, recordStart } = cells;
    const b = this.builder;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      const s = pos[f * 2]!;
      const e = pos[f * 2 + 1]!;
      if (isNullCell(buf, s, e)) {
        b.appendNull();
        continue;
      }
      const v = parseInteger(buf, s, e);
      if (typeof v !== "number") this.fail(cells, r, f, v === undefined ? "an integer" : `in the range of ${this.dtype}`);
      if (!b.accepts(v)) this.fail(cells, r, f, `in the range of ${this.dtype}`);
      b.append(v);
    }
  }
}

class BoolCells extends CellColumn {
  declare readonly builder: BoolBuilder;
  fill(cells: Cells, r0: number, r1: number, c: number): void {
    const { buf, pos, recordStart } = cells;
    const b = this.builder;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      const s = pos[f * 2]!;
      const e = pos[f * 2 + 1]!;
      if (isNullCell(buf, s, e)) {
        b.appendNull();
        continue;
      }
      const v = parseBool(buf, s, e);
      if (v === undefined) this.fail(cells, r, f, "a boolean (true or false)");
      b.append(v);
    }
  }
}

class ClassLabelCells extends CellColumn {
  declare readonly builder: ClassLabelBuilder;
  fill(cells: Cells, r0: number, r1: number, c: number): void {
    const { buf, pos, recordStart } = cells;
    const b = this.builder;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      const s = pos[f * 2]!;
      const e = pos[f * 2 + 1]!;
      if (isNullCell(buf, s, e)) {
        b.appendNull();
        continue;
      }
      const text = cellText(cells, f);
      if (!b.appendLabel(text))
        throw new DataError(this.file, cells.recordLine[r], `column '${this.column}' (class_label): ${b.unknown(text)}`);
    }
  }
}

/** Slow path for the types that need the cell's text: dates and times, decimals, lists and structs (as JSON). */
class TextCells extends CellColumn {
  constructor(
    builder: ColumnBuilder,
    file: string,
    column: string,
    private readonly convert: (text: string) => unknown,
    private readonly expected: string,
  ) {
    super(builder, file, column);
  }

  fill(cells: Cells, r0: number, r1: number, c: number): void {
    const { buf, pos, recordStart } = cells;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      if (isNullCell(buf, pos[f * 2]!, pos[f * 2 + 1]!)) {
        this.builder.appendNull();
        continue;
      }
      const text = cellText(cells, f);
      try {
        this.builder.appendValue(this.convert(text));
      } catch (e) {
        const reason = e instanceof Error && e.message ? `: ${e.message}` : "";
        throw new DataError(this.file, cells.recordLine[r], `column '${this.column}' (${this.expected})${reason}`);
      }
    }
  }
}

/** A JSON list/object held in a cell, parsed with exact integers. */
function parseJsonCell(text: string, shape: "list" | "object"): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(
      `${describe(text)} is not valid JSON; write ${shape === "list" ? 'lists as JSON arrays, e.g. [1, 2] or ["a", "b"]' : 'objects as JSON, e.g. {"x": 1}'}`,
    );
  }
  if (/\d{16}/.test(text)) v = parseExact(text, false);
  return v;
}

/**
 * A column writer converting text cells to `feature`. Throws
 * UnsupportedFeature (from `builderFor`) for features text cannot become;
 * convert() checks the `features` input up front, so users never see that.
 */
/** The cells of a column of `feature`; `rows`: how many a batch is expected to hold (builderFor). */
export function cellColumnFor(feature: Feature, file: string, column: string, rows?: number): CellColumn {
  const builder = builderFor(feature, rows);
  const name = featureToString(feature);
  if (feature.kind === "value") {
    const d = feature.dtype;
    if (d === "string" || d === "large_string") return new StringCells(builder, file, column);
    if (d === "int64" || d === "uint64") return new Int64Cells(builder, file, column);
    if (d === "float64" || d === "float32" || d === "float16") return new FloatCells(builder, file, column);
    if (/^u?int(8|16|32)$/.test(d)) return new SmallIntCells(builder as NumberBuilder, file, column, d);
    if (d === "bool") return new BoolCells(builder, file, column);
    if (d === "null") return new TextCells(builder, file, column, (t) => t, "null: every cell must be empty");
    const convert = converterFor(feature)!;
    return new TextCells(builder, file, column, convert, name);
  }
  if (feature.kind === "class_label") return new ClassLabelCells(builder, file, column);
  if (feature.kind === "list" || feature.kind === "struct") {
    const convert = converterFor(feature);
    const shape = feature.kind === "list" ? "list" : "object";
    return new TextCells(builder, file, column, (t) => {
      const v = parseJsonCell(t, shape);
      return convert ? convert(v) : v;
    }, name);
  }
  if (feature.kind === "custom" && feature.typeName === "Json")
    return new TextCells(builder, file, column, (t) => {
      try {
        JSON.parse(t);
      } catch {
        throw new Error(`${describe(t)} is not valid JSON`);
      }
      // The value's JSON text as a Json column stores it (../json/text.ts): numbers exact, keys in order.
      const bytes = Buffer.from(t);
      const value = new JsonValue();
      readValue(bytes, skipWhitespace(bytes, 0, bytes.length), bytes.length, value);
      return jsonText(value.kind, bytes, value.start, value.end);
    }, "json");
  return new TextCells(builder, file, column, () => {
    throw new Error("unsupported");
  }, name);
}

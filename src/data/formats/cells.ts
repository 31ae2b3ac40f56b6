/**
 * Turning tokenized text cells (byte ranges of a buffer) into Arrow columns
 * of a target feature. Shared by the CSV/TSV and text readers. Each class
 * loops over a column itself, so the hot loops stay monomorphic.
 */
import { DataError } from "../../errors.js";
import {
  BoolBuilder,
  ClassLabelBuilder,
  type ColumnBuilder,
  Int64Builder,
  NumberBuilder,
  Utf8Builder,
  builderFor,
  describe,
} from "../columns.js";
import { type Feature, featureToString, parseTimestampDtype } from "../features.js";
import { parseBool, parseDate32, parseFloatCell, parseInteger, parseTimestamp } from "../parse.js";
import { FIELD_ESCAPED, QUOTE } from "./csv-tokenizer.js";

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

export abstract class CellColumn {
  constructor(
    readonly builder: ColumnBuilder,
    protected readonly file: string,
    protected readonly column: string,
  ) {}

  /** Appends column `c` of records `[r0, r1)`. Empty cells are nulls. */
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
      if (s === e) b.appendNull();
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
      if (s === e) {
        b.appendNull();
        continue;
      }
      const v = parseInteger(buf, s, e);
      if (typeof v === "number") {
        if (b.unsigned && v < 0) this.fail(cells, r, f, `a ${String(b.type).toLowerCase()}`);
        b.appendSafe(v);
      } else if (typeof v === "bigint") {
        try {
          b.appendValue(v);
        } catch {
          this.fail(cells, r, f, `in the range of ${String(b.type).toLowerCase()}`);
        }
      } else this.fail(cells, r, f, "an integer");
    }
  }
}

class FloatCells extends CellColumn {
  declare readonly builder: NumberBuilder;
  fill(cells: Cells, r0: number, r1: number, c: number): void {
    const { buf, pos, recordStart } = cells;
    const b = this.builder;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      const s = pos[f * 2]!;
      const e = pos[f * 2 + 1]!;
      if (s === e) {
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
      if (s === e) {
        b.appendNull();
        continue;
      }
      const v = parseInteger(buf, s, e);
      if (typeof v !== "number" || !b.accepts(v)) this.fail(cells, r, f, `a valid ${this.dtype}`);
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
      if (s === e) {
        b.appendNull();
        continue;
      }
      const v = parseBool(buf, s, e);
      if (v === undefined) this.fail(cells, r, f, "a boolean (true/false)");
      b.append(v);
    }
  }
}

/** Slow path for the types that need the cell's text: timestamps, dates, class labels, lists (as JSON). */
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
    const { pos, recordStart } = cells;
    for (let r = r0; r < r1; r++) {
      const f = recordStart[r]! + c;
      if (pos[f * 2] === pos[f * 2 + 1]) {
        this.builder.appendNull();
        continue;
      }
      const text = cellText(cells, f);
      let v: unknown;
      try {
        v = this.convert(text);
        if (v === undefined) throw new Error();
        this.builder.appendValue(v);
      } catch (e) {
        const reason = e instanceof Error && e.message ? ` (${e.message})` : "";
        throw new DataError(this.file, cells.recordLine[r], `column '${this.column}': ${describe(text)} is not ${this.expected}${reason}`);
      }
    }
  }
}

/** A column writer converting text cells to `feature`. */
export function cellColumnFor(feature: Feature, file: string, column: string): CellColumn {
  const builder = builderFor(feature);
  if (feature.kind === "value") {
    const d = feature.dtype;
    if (d === "string") return new StringCells(builder, file, column);
    if (d === "int64" || d === "uint64") return new Int64Cells(builder, file, column);
    if (d === "float64" || d === "float32") return new FloatCells(builder, file, column);
    if (/^u?int(8|16|32)$/.test(d)) return new SmallIntCells(builder as NumberBuilder, file, column, d);
    if (d === "bool") return new BoolCells(builder, file, column);
    const ts = parseTimestampDtype(d);
    if (ts) return new TextCells(builder, file, column, (t) => parseTimestamp(t, ts.unit), `a date or date-time for ${d}`);
    if (d === "date32") return new TextCells(builder, file, column, parseDate32, "a date (YYYY-MM-DD)");
  }
  if (feature.kind === "class_label")
    return new TextCells(builder as ClassLabelBuilder, file, column, (t) => t, `one of the class_label names`);
  if (feature.kind === "list")
    return new TextCells(builder, file, column, (t) => JSON.parse(t), `a JSON list for ${featureToString(feature)}`);
  throw new DataError(file, undefined, `column '${column}': type ${featureToString(feature)} cannot be read from text`);
}

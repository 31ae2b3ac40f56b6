/**
 * JSON Lines (`.jsonl`, `.ndjson`, and `.json` files holding lines), JSON
 * files holding one top-level array, and objects one after another (one
 * object spread over several lines), as `datasets`' JSON loader reads them
 * (docs/dataset-layout.md#json-and-json-lines). Each row is an object; the
 * columns are the union of the keys in order of first appearance, a missing
 * key is a null. An array of plain values is one column `text`. Types as
 * pyarrow's JSON reader gives them, and `Json` where values disagree
 * (./infer.ts).
 *
 * Rows are read from the bytes (./scan.ts), a read chunk at a time, with
 * no object per row: pass 1 infers types and sizes from each value's
 * spelling, pass 2 fills the Arrow builders straight from the bytes. Rows
 * the scanner does not handle (invalid JSON, repeated keys, ...) are checked
 * with JSON.parse — whose message is the error users see — and read member
 * by member from their bytes (./spans.ts, Members), keys in the file's order.
 *
 * This file runs the passes; the pieces are ./rows.ts (the rows of a
 * file), ./scan.ts (the byte scanner), ./infer.ts (pass 1's inference),
 * ./column.ts (values into Arrow columns), ./text.ts (Json text),
 * ./spans.ts (members and JS values from bytes).
 */
import { DataError } from "../../errors.js";
import { type Feature, type NamedFeature, value } from "../../../model/features.js";
import { PYTHON_BATCH_ROWS, type SizeStats, addData, closeBatch, emptyStats, nullsSoFar } from "../../model/sizes.js";
import { JsonValue, RowScanner, readValue, skipWhitespace } from "./scan.js";
import { JsonColumn } from "./column.js";
import { INITIAL_CAPACITY, builderFor } from "../columns.js";
import { EmptyStruct, type JsonNote, NestingTooDeep, type Node, ShapeConflict, featureOfNode, jsonNotes, newNode, observeValue, pathOf } from "./infer.js";
import { ArraySource, CHUNK_END, type Layout, LineSource, ROW_SCANNED, ROW_VALUE, type RowSource, detectLayout } from "./rows.js";
import { Scratch, checkRow } from "./spans.js";
import type { Batch, BatchCursor, ColumnProfile, FileProfile, ReaderOptions, TableReader } from "../reader.js";
import type { FilePiece } from "../pieces.js";

/** The column of an array of plain values (datasets: `{"text": element}`). */
export const JSON_VALUES_COLUMN = "text";

const SPREAD_HINT = " (in JSON Lines each line holds one whole object; is this one spread over several lines?)";

export class JsonReader implements TableReader {
  /** Rows pass 1 counted: pass 2 sizes its builders for no more (a small file's batch). */
  private rowCount: number | undefined;

  constructor(
    private readonly path: string,
    readonly file: string,
    private readonly options: ReaderOptions = {},
    /** Only these bytes of a JSON Lines file (a prepare job's slice, ../pieces.ts). */
    private readonly piece?: FilePiece,
  ) {}

  /** The rows of the file, read with `scanner` (pass 1 validates the UTF-8 too). */
  private async rows(validate: boolean, learn: boolean): Promise<{ source: RowSource; scanner: RowScanner; layout: Layout }> {
    const layout = await detectLayout(this.path, this.file);
    if (layout.kind === "empty") throw new DataError(this.file, undefined, "the file is empty");
    if (this.piece && layout.kind !== "lines") throw new Error(`${this.file}: only JSON Lines files are read in pieces`);
    const scanner = new RowScanner(learn, layout.kind === "lines");
    // A top-level array is read as such whatever the extension, as datasets does.
    const source =
      layout.kind === "lines"
        ? new LineSource(this.path, this.file, validate, this.options.chunkBytes, scanner, this.piece)
        : new ArraySource(this.path, this.file, validate, this.options.chunkBytes, scanner, layout.kind === "array" ? layout.shape : "stream");
    return { source, scanner, layout };
  }

  /**
   * Makes `scanner`'s tape describe the current row when the scanner did
   * not read it (or `parseAll`): checked with JSON.parse first (its message
   * is the error users see), then read member by member from its bytes.
   */
  private toTape(status: number, source: RowSource, scanner: RowScanner, scratch: Scratch, parseAll: boolean): void {
    if (status === ROW_SCANNED && !parseAll) return;
    const { buf, start, stop, line } = source;
    const m = scratch.membersAt(0);
    if (status === ROW_VALUE) {
      const v = (scratch.items[0] ??= new JsonValue());
      checkValue(buf, start, stop, this.file, line);
      readValue(buf, start, stop, v);
      m.single(JSON_VALUES_COLUMN, v);
    } else {
      checkRow(buf, start, stop, this.file, line, source instanceof LineSource ? SPREAD_HINT : "");
      m.read(buf, skipWhitespace(buf, start, stop), stop);
    }
    scanner.fromMembers(m);
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const { source, scanner, layout } = await this.rows(true, true);
    const scratch = new Scratch();
    scratch.strict = layout.kind === "stream";
    const names = scanner.names;
    const parseAll = this.options.jsonParseAll === true;
    /** Per column: what pass 1 has seen, and whether the `features` input sets its type (then it is converted, not inferred). */
    const nodes: Node[] = [];
    const set: boolean[] = [];
    // The rows, for the batches of columns first seen late.
    const rowStats = emptyStats();
    const addColumns = () => {
      for (let c = nodes.length; c < names.length; c++) {
        nodes.push(newNode(nullsSoFar(rowStats.count, rowStats)));
        set.push(overrides.has(names[c]!));
      }
    };
    // Columns the `features` input sets are converted now, so bad values are found before anything is written.
    const measured = [...overrides].map(([name, feature]) => ({ name, column: new JsonColumn(name, feature, this.file, true, scratch), stats: emptyStats() }));
    // Python's record batches: PYTHON_BATCH_ROWS rows, afresh with each table (./rows.ts).
    let batchRows = 0;
    const closeBatches = () => {
      for (const node of nodes) closeBatch(node.stats, rowStats.count);
      for (const m of measured) {
        addData(m.stats, m.column.builder.finish());
        closeBatch(m.stats);
      }
      closeBatch(rowStats);
      batchRows = 0;
    };
    let line = 0;
    try {
      while (await source.refill()) {
        const buf = source.buf;
        for (;;) {
          const status = source.next();
          if (status === CHUNK_END) break;
          line = source.line;
          if (batchRows === PYTHON_BATCH_ROWS || (source.newTable && batchRows > 0)) closeBatches();
          this.toTape(status, source, scanner, scratch, parseAll);
          scanner.commit();
          if (nodes.length < names.length) addColumns();
          const { n, col, kind, start, end } = scanner;
          for (let k = 0; k < n; k++) {
            const c = col[k]!;
            if (!set[c]) observeValue(nodes[c]!, kind[k]!, buf, start[k]!, end[k]!, line, 0, scratch);
          }
          for (const m of measured) {
            const c = scanner.indexOf(m.name);
            if (c === undefined || !scanner.has(c)) m.column.appendNull();
            else {
              const k = scanner.entryOf[c]!;
              m.column.put(kind[k]!, buf, start[k]!, end[k]!, scanner.aux[k]!, line);
            }
          }
          rowStats.count++;
          batchRows++;
        }
        scratch.trim();
      }
      if (batchRows > 0) closeBatches();
    } catch (e) {
      if (e instanceof NestingTooDeep) throw new DataError(this.file, line, e.message);
      if (e instanceof ShapeConflict)
        throw new DataError(
          this.file,
          line,
          `column '${pathOf(e.node, nodes, names)}' holds ${article(e.now)} here but ${e.was} values before (first on line ${e.wasLine}); ` +
            `make the values agree, or write one object per line (then such a column becomes Json, as datasets makes it), ` +
            `or set the column's type with the 'features' input (for example dtype: json)`,
        );
      throw e;
    } finally {
      await source.close();
    }
    const rows = rowStats.count;
    if (rows === 0) throw new DataError(this.file, undefined, "the file holds no rows (an empty array, or only blank lines)");
    const places: JsonNote[] = [];
    const columns: ColumnProfile[] = names.map((name, c) => {
      const override = overrides.get(name);
      if (override) return { name, feature: override, stats: measured.find((m) => m.name === name)!.stats };
      const node = nodes[c]!;
      jsonNotes(node, name, places);
      try {
        return { name, feature: node.shape === "null" ? undefined : featureOfNode(node), stats: node.stats };
      } catch (e) {
        if (!(e instanceof EmptyStruct)) throw e;
        throw new DataError(
          this.file,
          e.node.line,
          `'${pathOf(e.node, nodes, names)}' only holds empty objects ({}), and Parquet cannot store an object without fields; ` +
            `give the column a type with the 'features' input (for example dtype: json), or remove it`,
        );
      }
    });
    this.rowCount = rows;
    return { file: this.file, rows, columns, nullFeature: value("null"), mixedToJson: layout.kind !== "stream", jsonPlaces: places };
  }

  /** The line where data row `row` starts (read again from the start: for messages only). */
  async lineOfRow(row: number): Promise<number | undefined> {
    const { source } = await this.rows(false, false);
    try {
      let seen = 0;
      while (await source.refill())
        for (let status = source.next(); status !== CHUNK_END; status = source.next()) if (seen++ === row) return source.line;
      return undefined;
    } finally {
      await source.close();
    }
  }

  /** Pass 2's columns of `features` over the file's rows; `each(rows)` after every row. */
  private async columns(features: NamedFeature[]): Promise<{ source: RowSource; scanner: RowScanner; columns: JsonColumn[]; scratch: Scratch }> {
    const { source, scanner } = await this.rows(false, false);
    for (const f of features) scanner.addColumn(f.name);
    const scratch = new Scratch();
    const capacity = Math.min(this.rowCount ?? INITIAL_CAPACITY, INITIAL_CAPACITY);
    return { source, scanner, scratch, columns: features.map((f) => new JsonColumn(f.name, f.feature, this.file, false, scratch, builderFor(f.feature, capacity))) };
  }

  /** Appends the current row to `columns` (a null where it has no value). */
  private appendRow(status: number, source: RowSource, scanner: RowScanner, columns: JsonColumn[], scratch: Scratch): void {
    this.toTape(status, source, scanner, scratch, this.options.jsonParseAll === true);
    const { buf, line } = source;
    const { n, col: cols, kind, start, end, aux } = scanner;
    let present = 0;
    for (let k = 0; k < n; k++) {
      const c = cols[k]!;
      if (c < 0) continue; // a key pass 1 did not see (the file changed): ignored
      columns[c]!.put(kind[k]!, buf, start[k]!, end[k]!, aux[k]!, line);
      present++;
    }
    if (present < columns.length) for (let c = 0; c < columns.length; c++) if (!scanner.has(c)) columns[c]!.appendNull();
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const { source, scanner, columns, scratch } = await this.columns(features);
    let filled = false;
    return {
      next: async (maxRows: number): Promise<Batch | undefined> => {
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
          this.appendRow(status, source, scanner, columns, scratch);
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

  /**
   * Size counts of `features`' columns as pass 2 builds them, in Python's
   * record batches: for columns whose type (Json, found in another file
   * perhaps) pass 1's counts do not describe.
   */
  async measure(features: NamedFeature[]): Promise<SizeStats[]> {
    const { source, scanner, columns, scratch } = await this.columns(features);
    const stats = features.map(() => emptyStats());
    let batchRows = 0;
    const closeBatches = () => {
      columns.forEach((c, i) => {
        addData(stats[i]!, c.builder.finish());
        closeBatch(stats[i]!);
      });
      batchRows = 0;
    };
    try {
      while (await source.refill()) {
        for (;;) {
          const status = source.next();
          if (status === CHUNK_END) break;
          if (batchRows === PYTHON_BATCH_ROWS || (source.newTable && batchRows > 0)) closeBatches();
          this.appendRow(status, source, scanner, columns, scratch);
          batchRows++;
        }
        scratch.trim();
      }
      if (batchRows > 0) closeBatches();
    } finally {
      await source.close();
    }
    return stats;
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** Checks an element of an array of values with JSON.parse (its message is the error users see). */
function checkValue(buf: Buffer, s: number, e: number, file: string, line: number): void {
  try {
    JSON.parse(buf.toString("utf8", s, e));
  } catch (err) {
    throw new DataError(file, line, `invalid JSON: ${(err as Error).message}`);
  }
}

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
 *
 * This file runs the two passes; the pieces are ./rows.ts (the rows of a
 * file), ./scan.ts (the byte scanner), ./infer.ts (pass 1's inference),
 * ./column.ts (values into Arrow columns), ./spans.ts (JS values from bytes).
 */
import { DataError } from "../../errors.js";
import { type Feature, type NamedFeature, value } from "../../../model/features.js";
import { type SizeStats, emptyStats, mergeStats, statsOfData } from "../../model/sizes.js";
import { K_NULL, K_OBJ, K_STR, K_STR_ESC, RowScanner, isoSeconds, unescapedLength } from "./scan.js";
import { JsonColumn } from "./column.js";
import { type Node, SHAPE_OF_KIND, ShapeConflict, conflictError, featureOfNode, newNode, observe, observeShape, observeValue } from "./infer.js";
import { ArraySource, CHUNK_END, LineSource, ROW_SCANNED, type RowSource, detectLayout } from "./rows.js";
import { Scratch, parseRow } from "./spans.js";
import type { Batch, BatchCursor, ColumnProfile, FileProfile, ReaderOptions, TableReader } from "../reader.js";


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


/**
 * CSV and TSV files: a header row, then records. Types are inferred as
 * pandas does for `datasets`' CSV loader (spec §3.5), over the whole column:
 * integers → int64, decimals (or integers with empty cells) → float64,
 * True/False → bool, anything else → string; empty cells are nulls.
 */
import { isUtf8 } from "node:buffer";
import { DataError } from "../../errors.js";
import { type Feature, type NamedFeature, value } from "../features.js";
import { Kind, classify } from "../parse.js";
import { type ColumnProfile, type FileProfile, dataNbytes } from "../schema.js";
import { ChunkBuffer, openByteSource } from "../source.js";
import { type CellColumn, type Cells, cellColumnFor, cellText } from "./cells.js";
import { CsvSyntaxError, CsvTokenizer, FIELD_ESCAPED, QUOTE } from "./csv-tokenizer.js";
import type { Batch, BatchCursor, TableReader } from "./reader.js";

const COMMA = 44;
const TAB = 9;

/** One tokenized buffer: records `[first, records)` are data rows (record 0 of a file is its header). */
interface Chunk extends Cells {
  first: number;
  records: number;
}

interface Inference {
  mask: number;
  nulls: number;
  bytes: number;
}

export class CsvReader implements TableReader {
  private readonly delimiter: number;
  private header: string[] | undefined;

  constructor(
    private readonly path: string,
    readonly file: string,
    format: "csv" | "tsv",
  ) {
    this.delimiter = format === "tsv" ? TAB : COMMA;
  }

  /** Reads the file chunk by chunk; the caller must be done with a chunk before asking for the next. */
  private async *chunks(validateUtf8: boolean): AsyncGenerator<Chunk> {
    const input = new ChunkBuffer(await openByteSource(this.path));
    const tokenizer = new CsvTokenizer(this.delimiter);
    let consumed = 0;
    let atStart = true;
    try {
      while (await input.refill(consumed)) {
        let start = 0;
        const buf = input.buffer;
        if (atStart && input.end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3; // UTF-8 BOM
        try {
          consumed = tokenizer.tokenize(buf, start, input.end, input.eof);
        } catch (e) {
          if (e instanceof CsvSyntaxError) throw new DataError(this.file, e.line, e.message);
          throw e;
        }
        if (consumed === 0 && input.eof) break;
        if (validateUtf8 && !isUtf8(buf.subarray(start, consumed))) this.failUtf8(buf, tokenizer);
        const chunk: Chunk = {
          buf,
          pos: tokenizer.pos,
          flags: tokenizer.flags,
          recordStart: tokenizer.recordStart,
          recordLine: tokenizer.recordLine,
          first: 0,
          records: tokenizer.records,
        };
        if (atStart) {
          if (chunk.records === 0 && !input.eof) continue; // header not complete yet
          atStart = false;
          if (chunk.records === 0) throw new DataError(this.file, undefined, "the file is empty (a header row is required)");
          this.readHeader(chunk);
          chunk.first = 1;
        }
        this.checkFieldCounts(chunk);
        yield chunk;
        if (input.eof && consumed === input.end) break;
      }
      if (atStart) throw new DataError(this.file, undefined, "the file is empty (a header row is required)");
    } finally {
      await input.close();
    }
  }

  private readHeader(chunk: Chunk): void {
    const n = chunk.recordStart[1]! - chunk.recordStart[0]!;
    const seen = new Map<string, number>();
    const names: string[] = [];
    for (let c = 0; c < n; c++) {
      let name = cellText(chunk, chunk.recordStart[0]! + c);
      if (name === "") name = `Unnamed: ${c}`; // pandas' name for a blank header cell
      // pandas renames repeated names a, a.1, a.2 ...
      const count = seen.get(name) ?? 0;
      seen.set(name, count + 1);
      if (count > 0) name = `${name}.${count}`;
      names.push(name);
    }
    this.header = names;
  }

  private checkFieldCounts(chunk: Chunk): void {
    const expected = this.header!.length;
    const starts = chunk.recordStart;
    for (let r = chunk.first; r < chunk.records; r++) {
      const n = starts[r + 1]! - starts[r]!;
      if (n !== expected)
        throw new DataError(
          this.file,
          chunk.recordLine[r],
          `expected ${expected} fields (as in the header), found ${n}. ` +
            `Check for an unquoted ${this.delimiter === TAB ? "tab" : "comma"} or a missing field.`,
        );
    }
  }

  private failUtf8(buf: Uint8Array, tokenizer: CsvTokenizer): never {
    for (let r = 0; r < tokenizer.records; r++) {
      const from = tokenizer.pos[tokenizer.recordStart[r]! * 2]!;
      const to = tokenizer.pos[(tokenizer.recordStart[r + 1]! - 1) * 2 + 1]!;
      if (!isUtf8(buf.subarray(from, to)))
        throw new DataError(this.file, tokenizer.recordLine[r], "invalid UTF-8; save the file as UTF-8");
    }
    throw new DataError(this.file, undefined, "invalid UTF-8; save the file as UTF-8");
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    let rows = 0;
    let inference: Inference[] = [];
    let measured: (CellColumn | undefined)[] = [];
    const measuredBytes: number[] = [];
    for await (const chunk of this.chunks(true)) {
      if (inference.length === 0) {
        const names = this.header!;
        inference = names.map(() => ({ mask: 0, nulls: 0, bytes: 0 }));
        measured = names.map((n) => {
          const f = overrides.get(n);
          return f ? cellColumnFor(f, this.file, n) : undefined;
        });
        names.forEach(() => measuredBytes.push(0));
      }
      for (let c = 0; c < inference.length; c++) {
        const writer = measured[c];
        if (writer) {
          // Overridden columns are converted now, so bad values are found before anything is written.
          writer.fill(chunk, chunk.first, chunk.records, c);
          measuredBytes[c]! += dataNbytes(writer.builder.finish());
        } else inferColumn(chunk, chunk.first, chunk.records, c, inference[c]!);
      }
      rows += chunk.records - chunk.first;
    }
    const columns: ColumnProfile[] = this.header!.map((name, c) => {
      const inf = inference[c] ?? { mask: 0, nulls: 0, bytes: 0 };
      const override = overrides.get(name);
      const stats = { count: rows, nulls: inf.nulls, bytes: inf.bytes };
      if (override) return { name, feature: override, stats, measuredBytes: measuredBytes[c] ?? 0 };
      return { name, feature: featureOf(inf), stats };
    });
    return { file: this.file, rows, columns, nullFeature: value("float64") };
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const chunks = this.chunks(false);
    let chunk: Chunk | undefined;
    let cursor = 0;
    let writers: CellColumn[] | undefined;
    let order: number[] = [];
    const file = this.file;
    const header = () => this.header!;
    return {
      async next(maxRows: number): Promise<Batch | undefined> {
        while (!chunk || cursor >= chunk.records) {
          const n = await chunks.next();
          if (n.done) return undefined;
          chunk = n.value;
          cursor = chunk.first;
        }
        if (!writers) {
          const names = header();
          order = features.map((f) => names.indexOf(f.name));
          const missing = features.find((_, i) => order[i] === -1);
          if (missing) throw new DataError(file, 1, `column '${missing.name}' is missing from the header`);
          writers = features.map((f) => cellColumnFor(f.feature, file, f.name));
        }
        const end = Math.min(chunk.records, cursor + maxRows);
        for (let i = 0; i < writers.length; i++) writers[i]!.fill(chunk, cursor, end, order[i]!);
        const rows = end - cursor;
        cursor = end;
        return { rows, columns: writers.map((w) => w.builder.finish()) };
      },
      async close() {
        await chunks.return(undefined);
      },
    };
  }
}

function inferColumn(chunk: Chunk, r0: number, r1: number, c: number, acc: Inference): void {
  const { buf, pos, flags, recordStart } = chunk;
  let { mask, nulls, bytes } = acc;
  for (let r = r0; r < r1; r++) {
    const f = recordStart[r]! + c;
    const s = pos[f * 2]!;
    const e = pos[f * 2 + 1]!;
    if (s === e) {
      nulls++;
      continue;
    }
    if (flags[f]! & FIELD_ESCAPED) {
      let quotes = 0;
      for (let i = s; i < e; i++) if (buf[i] === QUOTE) quotes++;
      bytes += e - s - quotes / 2;
      mask |= Kind.String;
      continue;
    }
    bytes += e - s;
    if (mask & Kind.String) continue; // already text: only sizes matter now
    mask |= classify(buf, s, e);
  }
  acc.mask = mask;
  acc.nulls = nulls;
  acc.bytes = bytes;
}

/** pandas' dtype for what a column held; undefined when it held only empty cells. */
function featureOf({ mask, nulls }: Inference): Feature | undefined {
  if (mask === 0) return undefined;
  if (mask & Kind.String) return value("string");
  if (mask & Kind.Bool) return mask === Kind.Bool ? value("bool") : value("string");
  if (mask & Kind.Float) return value("float64");
  return nulls > 0 ? value("float64") : value("int64");
}

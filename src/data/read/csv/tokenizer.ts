/**
 * A byte-level CSV/TSV tokenizer (RFC 4180 plus what real files contain):
 * quoted fields with delimiters, doubled quotes and line breaks; LF, CRLF and
 * CR line ends; blank lines, and lines of only spaces and tabs, skipped (as
 * pandas' `skip_blank_lines` does). A quote only opens a quoted field at the
 * start of a field; inside an unquoted field it is an ordinary character.
 * Text after a closing quote (other than a delimiter or line end) is an error
 * (pandas would glue it on silently; it almost always means a broken file).
 *
 * It never creates strings: for each field it records the start and end
 * offsets in the input buffer and whether the field was quoted or holds
 * doubled quotes. Readers then walk the fields column by column.
 */

export const QUOTE = 34;
const LF = 10;
const CR = 13;

export const FIELD_QUOTED = 1;
/** The field contains doubled quotes that must be collapsed. */
export const FIELD_ESCAPED = 2;

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function isBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== 32 && b !== 9) return false;
  }
  return true;
}

export class CsvTokenizer {
  /** `[start, end)` byte offsets of each field, two entries per field. */
  pos: Int32Array;
  /** FIELD_* flags of each field. */
  flags: Uint8Array;
  /** Index of each record's first field; entry `records` is the end sentinel. */
  recordStart: Int32Array;
  /** 1-based line number where each record starts. */
  recordLine: Float64Array;
  fields = 0;
  records = 0;
  /** Line number at the current position (continues across calls). */
  line = 1;

  /**
   * `inputBytes`, when known and small (a file read whole), sizes the
   * tables to the input instead of to a full read chunk (they grow as
   * needed): thousands of small files would otherwise allocate 350 kB each.
   */
  constructor(
    private readonly delimiter: number,
    inputBytes?: number,
  ) {
    const fields = inputBytes === undefined ? 1 << 15 : Math.min(1 << 15, Math.max(64, inputBytes >> 2));
    const records = inputBytes === undefined ? 1 << 12 : Math.min(1 << 12, Math.max(16, inputBytes >> 5));
    this.pos = new Int32Array(fields * 2);
    this.flags = new Uint8Array(fields);
    this.recordStart = new Int32Array(records);
    this.recordLine = new Float64Array(records);
  }

  /**
   * Tokenizes the complete records in `buf[start..end)`. `eof` says no more
   * bytes follow, so a last record without a line break is complete.
   * Returns the offset just past the last complete record; fields and records
   * found replace those of the previous call.
   */
  tokenize(buf: Buffer, start: number, end: number, eof: boolean): number {
    this.fields = 0;
    this.records = 0;
    const delim = this.delimiter;
    // Locals, not properties, on the hot path (re-read after a grow).
    let pos = this.pos;
    let flagsOf = this.flags;
    let fields = 0;
    let p = start;
    let consumed = start;
    let committedFields = 0;
    let line = this.line;
    // Next line feed at or after p (-1: none in the buffer), so quoted text is not scanned twice for them.
    let nextLf = -2;

    records: while (p < end) {
      const recordLine = line;
      const firstField = fields;
      for (;;) {
        // One field.
        if (fields * 2 + 2 > pos.length) {
          this.fields = fields;
          this.growFields();
          pos = this.pos;
          flagsOf = this.flags;
        }
        let flags = 0;
        let fieldStart: number;
        let fieldEnd: number;
        if (buf[p] === QUOTE) {
          flags = FIELD_QUOTED;
          const quoteLine = line;
          fieldStart = ++p;
          for (;;) {
            // Jump to the next quote natively (quoted text is often long), counting the line feeds passed.
            let q = buf.indexOf(QUOTE, p);
            if (q === -1 || q > end) q = end;
            if (nextLf !== -1 && nextLf < p) nextLf = buf.indexOf(LF, p);
            while (nextLf !== -1 && nextLf < q) {
              line++;
              nextLf = buf.indexOf(LF, nextLf + 1);
            }
            p = q;
            if (p >= end) {
              if (eof)
                throw new CsvSyntaxError(
                  recordLine,
                  `unterminated quoted field: the '"' opened on line ${quoteLine} is never closed`,
                );
              break records; // incomplete record: retry with more bytes
            }
            // buf[p] is a quote: doubled means a literal quote.
            if (p + 1 < end && buf[p + 1] === QUOTE) {
              flags |= FIELD_ESCAPED;
              p += 2;
              continue;
            }
            if (p + 1 >= end && !eof) break records; // cannot tell yet whether it is doubled
            fieldEnd = p++;
            break;
          }
          if (p < end) {
            const b = buf[p]!;
            if (b !== delim && b !== LF && b !== CR)
              throw new CsvSyntaxError(
                recordLine,
                `unexpected character '${String.fromCharCode(b)}' after the closing quote of a field (on line ${line}); ` +
                  `a field with quotes inside must be quoted as a whole, with each inner quote doubled ("")`,
              );
          }
        } else {
          fieldStart = p;
          while (p < end) {
            const b = buf[p]!;
            if (b === delim || b === LF || b === CR) break;
            p++;
          }
          fieldEnd = p;
        }
        const f = fields++;
        pos[f * 2] = fieldStart;
        pos[f * 2 + 1] = fieldEnd;
        flagsOf[f] = flags;

        if (p >= end) {
          if (!eof) break records;
          line++;
          break; // last record of the input, without a line break
        }
        const b = buf[p]!;
        if (b === delim) {
          p++;
          if (p >= end && !eof) break records;
          if (p >= end) {
            // "a,b," at the very end: one more empty field.
            if (fields * 2 + 2 > pos.length) {
              this.fields = fields;
              this.growFields();
              pos = this.pos;
              flagsOf = this.flags;
            }
            const g = fields++;
            pos[g * 2] = p;
            pos[g * 2 + 1] = p;
            flagsOf[g] = 0;
            break;
          }
          continue;
        }
        if (b === CR) {
          if (p + 1 >= end && !eof) break records; // CRLF split across reads
          p += p + 1 < end && buf[p + 1] === LF ? 2 : 1;
        } else {
          p++; // LF
        }
        line++;
        break;
      }
      // A record made of one unquoted field holding nothing but spaces/tabs is a blank line: skipped, as pandas does.
      if (fields - firstField === 1 && flagsOf[firstField] === 0 && isBlank(buf, pos[firstField * 2]!, pos[firstField * 2 + 1]!)) {
        fields = firstField;
      } else {
        if (this.records + 2 > this.recordStart.length) this.growRecords();
        this.recordStart[this.records] = firstField;
        this.recordLine[this.records] = recordLine;
        this.records++;
      }
      consumed = p;
      committedFields = fields;
      this.line = line;
    }
    // Drop the fields of a trailing partial record: the next call re-reads it.
    this.fields = committedFields;
    this.recordStart[this.records] = committedFields;
    return consumed;
  }

  private growFields(): void {
    const pos = new Int32Array(this.pos.length * 2);
    pos.set(this.pos);
    this.pos = pos;
    const flags = new Uint8Array(this.flags.length * 2);
    flags.set(this.flags);
    this.flags = flags;
  }

  private growRecords(): void {
    const starts = new Int32Array(this.recordStart.length * 2);
    starts.set(this.recordStart);
    this.recordStart = starts;
    const lines = new Float64Array(this.recordLine.length * 2);
    lines.set(this.recordLine);
    this.recordLine = lines;
  }
}

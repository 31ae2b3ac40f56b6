/** Picks the reader for a file's format. */
import type { DataFile } from "./discover.js";
import { CsvReader } from "./csv/csv.js";
import { JsonReader } from "./json/json.js";
import { ParquetReader } from "./parquet/parquet.js";
import type { ReaderOptions, TableReader } from "./reader.js";
import { TextReader } from "./text/text.js";

export function readerFor(file: DataFile, options: ReaderOptions = {}): TableReader {
  switch (file.format) {
    case "csv":
    case "tsv":
      return new CsvReader(file.localPath, file.file, file.format, options, file.piece);
    case "json":
    case "jsonl":
      return new JsonReader(file.localPath, file.file, options, file.piece);
    case "text":
      return new TextReader(file.localPath, file.file, options, file.piece);
    case "parquet":
      return new ParquetReader(file.localPath, file.file, options, file.piece);
    case "image":
    case "audio":
      // Media files are rows of a folder's reader (media/plan.ts), not tables of their own.
      throw new Error(`${file.file} is ${file.format} file, not a table`);
  }
}

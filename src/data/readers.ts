/** Picks the reader for a file's format. */
import type { DataFile } from "./discover.js";
import { CsvReader } from "./formats/csv.js";
import { JsonReader } from "./formats/json.js";
import { ParquetReader } from "./formats/parquet.js";
import type { ReaderOptions, TableReader } from "./formats/reader.js";
import { TextReader } from "./formats/text.js";

export function readerFor(file: DataFile, options: ReaderOptions = {}): TableReader {
  switch (file.format) {
    case "csv":
    case "tsv":
      return new CsvReader(file.path, file.file, file.format, options);
    case "json":
    case "jsonl":
      return new JsonReader(file.path, file.file, file.format, options);
    case "text":
      return new TextReader(file.path, file.file, options);
    case "parquet":
      return new ParquetReader(file.path, file.file, options);
  }
}

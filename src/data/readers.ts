/** Picks the reader for a file's format. */
import type { DataFile } from "./discover.js";
import { CsvReader } from "./formats/csv.js";
import { JsonReader } from "./formats/json.js";
import type { TableReader } from "./formats/reader.js";
import { TextReader } from "./formats/text.js";

export function readerFor(file: DataFile): TableReader {
  switch (file.format) {
    case "csv":
    case "tsv":
      return new CsvReader(file.path, file.file, file.format);
    case "json":
    case "jsonl":
      return new JsonReader(file.path, file.file, file.format);
    case "text":
      return new TextReader(file.path, file.file);
    case "parquet":
      throw new Error("Parquet inputs are not supported yet");
  }
}

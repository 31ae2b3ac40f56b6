/**
 * Deterministic benchmark data: a CSV with mixed columns (ints, floats with
 * empty cells, bools, short and long quoted text with commas and quotes,
 * dates), the same rows as JSON Lines, and datasets of many small files.
 * Same seed → same bytes.
 */
import { createWriteStream, writeFileSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

/** xorshift32: fast, deterministic, good enough for test data (tests use it too). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat".split(" ");
const CATEGORIES = ["books", "music", "garden", "toys", "kitchen", "sports", "health", "auto"];

export interface Row {
  id: number;
  price: number | null;
  qty: number | null;
  in_stock: boolean;
  name: string;
  category: string;
  review: string;
  day: string;
}

export function* rows(count: number, seed = 42): Generator<Row> {
  const r = rng(seed);
  const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(" ");
  for (let i = 0; i < count; i++) {
    const reviewWords = 3 + Math.floor(r() * 25);
    let review = words(reviewWords);
    if (r() < 0.3) review += `, ${words(3)}`;
    if (r() < 0.05) review += ` "quoted" ${words(2)}`;
    yield {
      id: i + 1,
      price: r() < 0.05 ? null : Math.round(r() * 100000) / 100,
      qty: r() < 0.1 ? null : Math.floor(r() * 1000),
      in_stock: r() < 0.7,
      name: words(2),
      category: CATEGORIES[Math.floor(r() * CATEGORIES.length)]!,
      review,
      day: `2024-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`,
    };
  }
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  let buffer = "";
  for (const line of lines) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once("drain", () => r()));
      buffer = "";
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

export const CSV_HEADER = "id,price,qty,in_stock,name,category,review,day\n";

export function csvLine(x: Row): string {
  return `${x.id},${x.price ?? ""},${x.qty ?? ""},${x.in_stock ? "True" : "False"},${csvField(x.name)},${x.category},${csvField(x.review)},${x.day}\n`;
}

/** A CSV of `source`'s rows. */
export async function writeCsv(file: string, source: Iterable<Row>): Promise<void> {
  function* lines() {
    yield CSV_HEADER;
    for (const x of source) yield csvLine(x);
  }
  await writeLines(file, lines());
}

export async function generateCsv(file: string, count: number): Promise<void> {
  await writeCsv(file, rows(count));
}

export async function generateJsonl(file: string, count: number): Promise<void> {
  function* lines() {
    for (const x of rows(count)) yield `${JSON.stringify(x)}\n`;
  }
  await writeLines(file, lines());
}

/** Rows needed for about `bytes` of CSV (measured on a sample). */
export function rowsForCsvBytes(bytes: number): number {
  return Math.round(bytes / 125);
}

export async function sizeOf(file: string): Promise<number> {
  return (await stat(file)).size;
}

/**
 * A dataset kept as many small files (one per day or record, as scheduled
 * syncs often grow): `files` CSV files of `rowsPerFile` rows of `id,name,
 * value,flag,date` (about 25 bytes a row), named `day-00000.csv`, … in `dir`.
 */
export async function generateManyCsv(dir: string, files: number, rowsPerFile: number, seed = 7): Promise<void> {
  const r = rng(seed);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < files; i++) {
    let text = "id,name,value,flag,date\n";
    for (let j = 0; j < rowsPerFile; j++)
      text += `${i * rowsPerFile + j},name ${Math.floor(r() * 1000)},${(r() * 100).toFixed(3)},${r() < 0.5 ? "true" : "false"},2024-01-${String(1 + (j % 28)).padStart(2, "0")}\n`;
    writeFileSync(path.join(dir, `day-${String(i).padStart(5, "0")}.csv`), text);
  }
}

/** `files` JSON Lines files of `rowsPerFile` rows each of the mixed rows (about 200 bytes a row), `rec-00000.jsonl`, … in `dir`. */
export async function generateManyJsonl(dir: string, files: number, rowsPerFile: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const all = rows(files * rowsPerFile);
  for (let i = 0; i < files; i++) {
    let text = "";
    for (let j = 0; j < rowsPerFile; j++) text += `${JSON.stringify(all.next().value)}\n`;
    writeFileSync(path.join(dir, `rec-${String(i).padStart(5, "0")}.jsonl`), text);
  }
}

/**
 * `npm run fingerprint`: the sha256 of every file the bundled action writes
 * (shards and README.md) for a set of representative inputs, in dry-run mode
 * against the local emulator. Run it before and after a refactor: the same
 * lines mean the same bytes.
 *
 * The cases cover each path through the converter: CSV on one thread and in
 * parts on two (≥ 32 MiB), JSON Lines (also gzip-compressed, several splits;
 * lists of nulls encoded on the worker threads),
 * a JSON array with `features`, card-body and card-metadata, text, Parquet
 * copied into several shards and Parquet re-encoded (also ≥ 32 MiB, decoded
 * in parts), several shards by `num-shards` and by `max-shard-size`, each
 * codec, and datasets of many small files (gathered into few batches).
 *
 *   npm run fingerprint                          # hashes of dist/index.js
 *   npm run fingerprint -- --entry /tmp/old/dist/index.js > before.txt
 *
 * The data (about 170 MB) is generated once into bench/data/fingerprint/.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdtempSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { startHubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, runAction } from "../scripts/action-runner.js";
import { generateCsv, generateJsonl, generateManyCsv, generateManyJsonl } from "./generate.js";

const DATA = path.join(PROJECT_ROOT, "bench", "data", "fingerprint");
// A folder of this run's own: fingerprints of other checkouts may run at the same time.
const OUT = mkdtempSync(path.join(os.tmpdir(), "hf-fingerprint-out-"));
const args = process.argv.slice(2);
const entryIndex = args.indexOf("--entry");
const entry = entryIndex >= 0 ? path.resolve(args[entryIndex + 1]!) : undefined;

async function duckdb(sql: string): Promise<void> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const connection = await (await DuckDBInstance.create(":memory:", { threads: "2" })).connect();
  await connection.run(sql);
}

async function ensure(name: string, make: (file: string) => Promise<unknown>): Promise<void> {
  const file = path.join(DATA, name);
  if (existsSync(file)) return;
  console.error(`generating ${name} …`);
  await make(file);
}

async function ensureData(): Promise<void> {
  await mkdir(DATA, { recursive: true });
  const at = (name: string) => path.join(DATA, name);
  await ensure("small.csv", (f) => generateCsv(f, 20_000));
  await ensure("big.csv", (f) => generateCsv(f, 400_000)); // ≈ 50 MB: pass 1 in parts
  await ensure("small.jsonl", (f) => generateJsonl(f, 20_000));
  await ensure("small.jsonl.gz", (f) => pipeline(createReadStream(at("small.jsonl")), createGzip({ level: 6 }), createWriteStream(f)));
  await ensure("rows.parquet", (f) =>
    duckdb(`COPY (SELECT * FROM read_csv_auto('${at("small.csv")}')) TO '${f}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 2048)`),
  );
  await ensure("big-plain.parquet", (f) =>
    duckdb(`COPY (SELECT * FROM read_csv_auto('${at("big.csv")}')) TO '${f}' (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 20000)`),
  );
  await ensure("nested.json", async (f) => {
    const items = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      label: ["neg", "neu", "pos"][i % 3],
      tags: i % 7 === 0 ? [] : ["a", "b", "c"].slice(0, 1 + (i % 3)),
      meta: { score: i % 5 === 0 ? null : i / 8, when: `2024-02-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z` },
      note: i % 11 === 0 ? null : `note ${i}`,
    }));
    await writeFile(f, JSON.stringify(items, null, 1));
  });
  // Lists of only nulls and always-null struct fields (Null arrays, which the IPC writer slices), big enough for the worker threads.
  await ensure("null-lists.jsonl", (f) =>
    writeFile(f, Array.from({ length: 300_000 }, (_, i) => `${JSON.stringify({ id: i, s: `row ${i} `.padEnd(60, "x"), nulls: [null, null], obj: { a: i, never: null } })}\n`).join("")),
  );
  await ensure("lines.txt", (f) => writeFile(f, Array.from({ length: 5000 }, (_, i) => (i % 13 === 0 ? "" : `line ${i} ✓`)).join("\r\n")));
  await ensure("card.md", (f) => writeFile(f, "# Fingerprint\n\nA body written by hand.\n"));
  await ensure("many-csv-1500", (d) => generateManyCsv(d, 1500, 20)); // 30,000 rows: more than a page holds
  await ensure("many-jsonl", (d) => generateManyJsonl(d, 400, 5));
}

const rel = (name: string) => path.relative(PROJECT_ROOT, path.join(DATA, name)).split(path.sep).join("/");

const CASES: Record<string, Record<string, string>> = {
  "csv-default": { paths: rel("small.csv") },
  "csv-parts-zstd-2-shards": { paths: rel("big.csv"), compression: "zstd", "num-shards": "2" },
  "csv-max-shard-size": { paths: rel("small.csv"), "max-shard-size": "300KB", compression: "gzip" },
  "jsonl-gz-splits": { splits: `train: ${rel("small.jsonl.gz")}\ntest: ${rel("small.jsonl")}`, config: "lines" },
  "json-features-card": {
    paths: rel("nested.json"),
    features: "- name: label\n  dtype:\n    class_label:\n      names: [neg, neu, pos]\n- name: id\n  dtype: int32",
    "card-body": rel("card.md"),
    "card-metadata": "license: mit\npretty_name: Fingerprint",
  },
  "jsonl-null-lists-threads": { paths: rel("null-lists.jsonl") },
  "text-none": { paths: rel("lines.txt"), format: "text", compression: "none" },
  "parquet-copied-2-shards": { paths: rel("rows.parquet"), "num-shards": "2" },
  "parquet-reencoded-zstd": { paths: rel("rows.parquet"), compression: "zstd" },
  // A converted column must be decoded in pass 1: in parts on two threads.
  "parquet-parts-zstd": { paths: rel("big-plain.parquet"), compression: "zstd", features: "- name: category\n  dtype:\n    class_label:\n      names: [auto, books, garden, health, kitchen, music, sports, toys]" },
  // Small files gathered into few batches (src/data/write/split-rows.ts).
  "csv-many-files": { paths: `${rel("many-csv-1500")}/*.csv` },
  "jsonl-many-files-3-shards": { paths: `${rel("many-jsonl")}/*.jsonl`, "num-shards": "3", compression: "zstd" },
};

async function hashes(dir: string): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const digest = createHash("sha256").update(await readFile(file)).digest("hex");
    lines.push(`${digest}  ${path.relative(dir, file).split(path.sep).join("/")}`);
  }
  return lines.sort((a, b) => a.slice(66).localeCompare(b.slice(66)));
}

await ensureData();
const hub = await startHubEmulator();
try {
  for (const [name, inputs] of Object.entries(CASES)) {
    const out = path.join(OUT, name);
    await rm(out, { recursive: true, force: true });
    const run = await runAction({
      workspace: PROJECT_ROOT,
      entry,
      inputs: { repo: "fingerprint/dataset", "dry-run": "true", "output-dir": out, endpoint: hub.url, ...inputs },
    });
    if (run.code !== 0) throw new Error(`${name}: the action failed:\n${run.stdout}\n${run.stderr}`);
    const how = [run.stdout.includes("2 threads") ? "2 threads" : "", run.stdout.includes(" copied from ") ? "copied" : ""];
    // How it ran (threads, copying) goes to stderr: the worker thread may or may not join pass 1 in time.
    console.log(`# ${name} (rows ${run.outputs["num-rows"]}, shards ${run.outputs["num-shards"]})`);
    console.error(`${name}: ${how.filter(Boolean).join(", ") || "one thread, encoded"}`);
    for (const line of await hashes(out)) console.log(line);
  }
} finally {
  await hub.close();
  await rm(OUT, { recursive: true, force: true });
}

/**
 * Memory stays bounded whatever the input size: CSV files larger than the V8
 * heap the child process may use are converted in a child with
 * `--max-old-space-size`, and peak RSS barely moves when the input triples
 * (streaming: no whole dataset, no whole shard in memory; the largest buffer
 * is one row group of about 100 MB of Arrow data inside the Parquet writer,
 * so both inputs are larger than that). The peak RSS figures are printed;
 * there is no time assertion.
 *
 * DATA_MEMORY_TEST=0 skips it; DATA_MEMORY_TEST_MB sets the large input's size (default 480).
 */
import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../data/helpers.js";
import { runJsonChild } from "../helpers/json-child.js";

afterAll(removeTempDirs);

const HEAP_MB = 128;
const LARGE_MB = Number(process.env.DATA_MEMORY_TEST_MB ?? 480);
/** Above one row group (~100 MB of Arrow), where the writer's buffer stops growing. */
const SMALL_MB = 160;
const skip = process.env.DATA_MEMORY_TEST === "0";

const WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua".split(" ");

/** Writes a CSV of about `mb` megabytes (mixed types, quoted text with commas and quotes), streaming. */
async function writeCsv(file: string, mb: number): Promise<number> {
  const out = createWriteStream(file);
  const target = mb * 1_000_000;
  let written = 0;
  let id = 0;
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once("drain", resolve)));
  await write("id,price,qty,in_stock,category,review,day\n");
  while (written < target) {
    const lines: string[] = [];
    for (let k = 0; k < 5000; k++, id++) {
      const review = Array.from({ length: 4 + Math.floor(rnd() * 20) }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(" ");
      const quoted = rnd() < 0.3 ? `"${review}, ""really"" ${id}"` : review;
      const price = rnd() < 0.05 ? "" : (rnd() * 1000).toFixed(2);
      lines.push(`${id},${price},${Math.floor(rnd() * 500)},${rnd() < 0.5 ? "True" : "False"},${WORDS[id % WORDS.length]},${quoted},2024-01-${String((id % 28) + 1).padStart(2, "0")}\n`);
    }
    const block = lines.join("");
    written += block.length;
    await write(block);
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return id;
}

interface ChildResult {
  rows: number;
  numBytes: number;
  shards: { rows: number; bytes: number }[];
  seconds: number;
  maxRssMB: number;
  heapLimitMB: number;
}

function convertInChild(csv: string, outputDir: string): Promise<ChildResult> {
  return runJsonChild<ChildResult>(path.join(import.meta.dirname, "memory-child.ts"), [csv, outputDir], HEAP_MB);
}

describe.skipIf(skip)("memory", () => {
  it(`converts CSVs of ${SMALL_MB} and ${LARGE_MB} MB with a ${HEAP_MB} MB heap; peak RSS nearly flat`, { timeout: 240_000 }, async () => {
    const dir = await tempDir("data-memory-");
    const results: { mb: number; rows: number; result: ChildResult }[] = [];
    for (const mb of [SMALL_MB, LARGE_MB]) {
      const csv = path.join(dir, `in-${mb}.csv`);
      const rows = await writeCsv(csv, mb);
      const size = (await stat(csv)).size;
      const result = await convertInChild(csv, path.join(dir, `out-${mb}`));
      expect(result.rows).toBe(rows);
      // V8's limit is the old space we set plus the young generation.
      expect(result.heapLimitMB).toBeLessThan(HEAP_MB + 256);
      expect(result.shards.reduce((n, s) => n + s.rows, 0)).toBe(rows);
      results.push({ mb: size / 1e6, rows, result });
      console.log(
        `memory: ${(size / 1e6).toFixed(0)} MB CSV (${rows} rows, Arrow ${(result.numBytes / 1e6).toFixed(0)} MB) → ` +
          `${result.shards.length} shard(s), ${(result.shards.reduce((n, s) => n + s.bytes, 0) / 1e6).toFixed(0)} MB Parquet; ` +
          `heap cap ${HEAP_MB} MB (V8 limit ${result.heapLimitMB.toFixed(0)} MB); peak RSS ${result.maxRssMB.toFixed(0)} MB; ${result.seconds.toFixed(1)} s (${(size / 1e6 / result.seconds).toFixed(0)} MB/s, informative only)`,
      );
    }
    const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
    // The large input is bigger than the whole heap the child may use, so it was never held in it.
    expect(large.mb).toBeGreaterThan(large.result.heapLimitMB);
    // Streaming: RSS grows far less than the input does (a buffered design would grow by about the input's size or more).
    expect(large.result.maxRssMB - small.result.maxRssMB).toBeLessThan(0.25 * (large.mb - small.mb));
  });
});

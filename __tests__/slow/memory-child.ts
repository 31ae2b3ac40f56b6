/**
 * Run by memory.test.ts in a child process with a capped V8 heap: converts
 * one CSV and prints one JSON line with what it wrote and its peak RSS.
 * Usage: node --max-old-space-size=N --import tsx memory-child.ts <csv> <outputDir>
 */
import { getHeapStatistics } from "node:v8";
import { convert } from "../../src/data/convert.js";

const [csv, outputDir] = process.argv.slice(2);
if (!csv || !outputDir) throw new Error("usage: memory-child.ts <csv> <outputDir>");
const started = performance.now();
const conversion = await convert({
  splits: [{ name: "train", files: [{ localPath: csv, file: "big.csv", format: "csv" }] }],
  dataDir: "data",
  outputDir,
  maxShardSize: 500_000_000,
  compression: "snappy",
  log: { info() {}, warning() {}, debug() {} },
});
const split = conversion.splits[0]!;
process.stdout.write(
  `${JSON.stringify({
    rows: split.rows,
    numBytes: split.numBytes,
    shards: split.shards.map((s) => ({ rows: s.rows, bytes: s.bytes })),
    seconds: (performance.now() - started) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    heapLimitMB: getHeapStatistics().heap_size_limit / 2 ** 20,
  })}\n`,
);

/**
 * Run by media-memory.test.ts in a child process with a capped V8 heap:
 * publishes (converts) one media folder as the pipeline does and prints one
 * JSON line with what it wrote and its peak RSS.
 * Usage: node --max-old-space-size=N --import tsx media-memory-child.ts <workspace> <folder> <outputDir> <maxShardSize>
 */
import { convert } from "../../src/data/convert.js";
import { discoverFiles } from "../../src/data/read/discover.js";

const [workspace, folder, outputDir, maxShardSize] = process.argv.slice(2);
if (!workspace || !folder || !outputDir || !maxShardSize) throw new Error("usage: media-memory-child.ts <workspace> <folder> <outputDir> <maxShardSize>");
const started = performance.now();
const files = await discoverFiles([folder], workspace, "auto");
const conversion = await convert({
  splits: [{ name: "train", files }],
  dataDir: "data",
  outputDir,
  maxShardSize: Number(maxShardSize),
  compression: "snappy",
  log: { info() {}, warning() {}, debug() {} },
  workspace,
});
const split = conversion.splits[0]!;
process.stdout.write(
  `${JSON.stringify({
    rows: split.rows,
    shards: split.shards.map((s) => ({ rows: s.rows, bytes: s.bytes, localPath: s.localPath })),
    seconds: (performance.now() - started) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);

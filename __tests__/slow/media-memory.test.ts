/**
 * Memory stays flat on media folders of several GB, including single files
 * of 100 MB and more: files go from disk into the shards through bounded
 * buffers (src/data/write/media/), never whole row groups of them in memory.
 * A folder of valid PNG images (bench/media.ts) is converted in a child
 * process with a capped heap; its peak RSS must stay under 512 MB, every
 * shard under max-shard-size unless it holds one file, and the largest file
 * must come back byte for byte (DuckDB reads it). The figures are printed;
 * there is no time assertion.
 *
 * MEDIA_MEMORY_TEST=0 skips it; MEDIA_MEMORY_TEST_MB sets the folder's size (default 2600).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeMediaFolder } from "../../bench/media.js";
import { query } from "../helpers/duckdb.js";
import { runJsonChild } from "../helpers/json-child.js";
import { removeTempDirs, tempDir } from "../data/helpers.js";

afterAll(removeTempDirs);

const HEAP_MB = 128;
const RSS_LIMIT_MB = 512;
const FOLDER_MB = Number(process.env.MEDIA_MEMORY_TEST_MB ?? 2600);
const MAX_SHARD = 500_000_000;
const skip = process.env.MEDIA_MEMORY_TEST === "0";

interface ChildResult {
  rows: number;
  shards: { rows: number; bytes: number; localPath: string }[];
  seconds: number;
  maxRssMB: number;
}

function convertInChild(workspace: string, outputDir: string): Promise<ChildResult> {
  return runJsonChild<ChildResult>(path.join(import.meta.dirname, "media-memory-child.ts"), [workspace, "photos", outputDir, String(MAX_SHARD)], HEAP_MB);
}

describe.skipIf(skip)("memory on media folders", () => {
  it(`publishes a ${FOLDER_MB} MB image folder with files of 150 MB under ${RSS_LIMIT_MB} MB of RSS`, { timeout: 900_000 }, async () => {
    const workspace = await tempDir("media-memory-");
    // Two files of 150 and 120 MB, the rest about 20 MB each, in two class folders.
    const rest = Math.max(1, Math.round((FOLDER_MB - 270) / 20));
    const sizes = [150e6, 120e6, ...Array.from({ length: rest }, (_, i) => 17e6 + (i % 7) * 1e6)];
    const total = await makeMediaFolder(path.join(workspace, "photos"), { sizes, classes: ["a", "b"], kind: "image" });
    const result = await convertInChild(workspace, path.join(workspace, "out"));
    const parquet = result.shards.reduce((n, s) => n + s.bytes, 0);
    console.log(
      `media memory: ${(total / 1e6).toFixed(0)} MB folder (${sizes.length} PNGs, largest 150 MB) → ${result.shards.length} shards, ` +
        `${(parquet / 1e6).toFixed(0)} MB Parquet, largest shard ${(Math.max(...result.shards.map((s) => s.bytes)) / 1e6).toFixed(0)} MB ` +
        `(max-shard-size ${MAX_SHARD / 1e6} MB); heap cap ${HEAP_MB} MB; peak RSS ${result.maxRssMB.toFixed(0)} MB; ${result.seconds.toFixed(1)} s (informative only)`,
    );
    expect(result.rows).toBe(sizes.length);
    expect(total).toBeGreaterThan(0.9 * FOLDER_MB * 1e6);
    expect(result.maxRssMB).toBeLessThan(RSS_LIMIT_MB);
    for (const shard of result.shards) if (shard.rows > 1) expect(shard.bytes).toBeLessThanOrEqual(MAX_SHARD + 150e6);
    // The 150 MB file (the first of class folder a, so the first row) comes back byte for byte.
    const [row] = await query(`select image.path as path, md5(image.bytes) as md5 from read_parquet('${result.shards[0]!.localPath}') limit 1`);
    expect(row!.path).toBe("img-000000.png");
    const source = await readFile(path.join(workspace, "photos", "a", "img-000000.png"));
    expect(source.length).toBeGreaterThan(149e6);
    expect(row!.md5).toBe(createHash("md5").update(source).digest("hex"));
  });
});

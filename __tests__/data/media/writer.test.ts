/**
 * The shard writer of media columns (src/data/write/media/): row groups cut
 * by the bytes of the files they hold, data pages of at most 1 MiB of values
 * (a larger file alone in its page), null rows, a file that changes before
 * it is copied, and shard cuts by size (sizedRanges). Read back by hyparquet
 * and DuckDB.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as arrow from "apache-arrow";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, readOffsetIndex } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { mediaReferences } from "../../../src/data/read/media/references.js";
import { MediaChangedError, MediaShardEncoder } from "../../../src/data/write/media/media-encoder.js";
import { MediaPart, PAGE_VALUE_BYTES } from "../../../src/data/write/media/media-part.js";
import { sizedRanges } from "../../../src/data/write/shards.js";
import { shardSchema } from "../../../src/data/write/shard-schema.js";
import type { NamedFeature } from "../../../src/model/features.js";
import { query } from "../../helpers/duckdb.js";
import { removeTempDirs, tempDir } from "../helpers.js";
import { REAL, copyMedia } from "./real-media.js";

afterAll(removeTempDirs);

const IMAGE: NamedFeature = { name: "image", feature: { kind: "custom", typeName: "Image", params: {} } };
const ID: NamedFeature = { name: "id", feature: { kind: "value", dtype: "int64" } };

/** Encodes one shard of rows (a file path or null, and an id) with the media encoder; returns its path. */
async function encode(rows: (string | null)[], rowGroupBytes: number, batchRows = 3): Promise<string> {
  const shape = shardSchema([IMAGE, ID]);
  const out = path.join(await tempDir("media-shard-"), "shard.parquet");
  async function* batches() {
    for (let i = 0; i < rows.length; i += batchRows) {
      const slice = rows.slice(i, i + batchRows);
      const ids = arrow.vectorFromArray(slice.map((_, k) => BigInt(i + k)), new arrow.Int64()).data[0]!;
      const batch = new arrow.RecordBatch(
        shape.stored,
        arrow.makeData({ type: new arrow.Struct(shape.stored.fields), length: slice.length, nullCount: 0, children: [mediaReferences(IMAGE.feature, slice), ids] }),
      );
      yield { batch, last: false };
    }
  }
  const settings = { compression: "snappy" as const, metadata: [...shape.metadata], cdc: true, hashRules: shape.hashRules };
  await new MediaShardEncoder([0], 1_000_000, rowGroupBytes).encodeShard(out, shape.stored, batches(), settings);
  return out;
}

describe("row groups and pages of media columns", () => {
  it("row groups close before the files would pass the target (one larger file makes its own); nulls and ids keep their rows", async () => {
    const dir = await tempDir("media-src-");
    await copyMedia(dir, { "cat.jpg": REAL.catJpg, "cells.jpg": REAL.cellsJpg, "xtc.jpg": REAL.xtcJpg, "gimp.png": REAL.gimpPng, "ffox.png": REAL.ffoxPng });
    const f = (n: string) => path.join(dir, n);
    // Sizes: cat 71607, cells 578302, xtc 18675, gimp 8211, ffox 17628.
    const rows = [f("cat.jpg"), null, f("xtc.jpg"), f("cells.jpg"), f("gimp.png"), f("ffox.png"), f("cat.jpg"), null];
    const shard = await encode(rows, 100_000);
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(shard));
    // cat+xtc = 90 KB (cells would pass 100 KB) | cells alone | gimp+ffox+cat = 97 KB, then a null.
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([3, 1, 4]);
    const read = await query(`select image.path as path, md5(image.bytes) as md5, id from read_parquet('${shard}')`);
    const md5 = async (p: string | null) => (p ? (await import("node:crypto")).createHash("md5").update(await readFile(p)).digest("hex") : null);
    expect(read).toEqual(await Promise.all(rows.map(async (p, i) => ({ path: p && path.basename(p), md5: await md5(p), id: String(i) }))));
  });

  it("a page holds at most 1 MiB of values; a larger file has a page of its own, found by the offset index", async () => {
    const dir = await tempDir("media-src-");
    await copyMedia(dir, { "lena.wav": REAL.wav, "cells.jpg": REAL.cellsJpg, "cat.jpg": REAL.catJpg });
    const big = (await readFile(REAL.wav)).length;
    expect(big).toBeGreaterThan(PAGE_VALUE_BYTES);
    const f = (n: string) => path.join(dir, n);
    const shard = await encode([f("cells.jpg"), f("cat.jpg"), f("lena.wav"), f("cat.jpg"), f("cells.jpg"), f("cells.jpg")], 64 << 20);
    const file = await asyncBufferFromFile(shard);
    const meta = await parquetMetadataAsync(file);
    const bytes = meta.row_groups[0]!.columns[0]!;
    const view = new DataView(await file.slice(Number(bytes.offset_index_offset), Number(bytes.offset_index_offset) + bytes.offset_index_length!));
    const pages = readOffsetIndex({ view, offset: 0 }).page_locations;
    // cells+cat (650 KB) | lena alone | cat+cells (650 KB) | cells.
    expect(pages.map((p) => Number(p.first_row_index))).toEqual([0, 2, 3, 5]);
    const rows = await parquetReadObjects({ file, utf8: false });
    expect(Buffer.from((rows[2]!.image as { bytes: Uint8Array }).bytes).equals(await readFile(REAL.wav))).toBe(true);
  });

  it("a file that changed size after it was planned is an error, not a corrupt shard", async () => {
    const dir = await tempDir("media-src-");
    await copyMedia(dir, { "a.png": REAL.gimpPng });
    const file = path.join(dir, "a.png");
    const part = new MediaPart();
    part.addRowGroup([{ name: "image", files: [{ localPath: file, size: (await readFile(file)).length }] }]);
    await writeFile(file, "short");
    const built = part.part();
    await expect(built.source.read(0, built.source.size)).rejects.toThrow(MediaChangedError);
    await built.source.close();
  });
});

describe("sizedRanges: shards cut by the bytes of their rows", () => {
  it("even files: Python's count, cuts at even shares", () => {
    expect(sizedRanges(new Array(9).fill(100), 3, 400)).toEqual([[0, 3], [3, 6], [6, 9]]);
  });

  it("uneven files: a shard that would pass the limit with more than one row makes one more shard", () => {
    // 1200 bytes, limit 500: Python's count is 3 and [300], [300, 300], [300] would overshoot; 4 shards of 300 do not.
    expect(sizedRanges([300, 300, 300, 300], 3, 500)).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
    const sizes = [50, 900, 20, 20, 20, 400, 10, 10, 700, 5];
    for (const [start, end] of sizedRanges(sizes, 2, 600)) {
      const bytes = sizes.slice(start, end).reduce((a, b) => a + b, 0);
      expect(end - start === 1 || bytes <= 600, `${start}-${end}: ${bytes}`).toBe(true);
    }
  });

  it("files larger than the limit: one per shard, never an empty shard", () => {
    expect(sizedRanges([600, 600], 3, 500)).toEqual([[0, 1], [1, 2]]);
    expect(sizedRanges([1, 1, 1], 1, 1)).toEqual([[0, 1], [1, 2], [2, 3]]);
  });

  it("without a limit (num-shards), exactly n shards cut by size", () => {
    expect(sizedRanges([10, 10, 10, 70], 2)).toEqual([[0, 3], [3, 4]]);
  });
});

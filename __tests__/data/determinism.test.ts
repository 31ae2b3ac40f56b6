/**
 * The same input and settings give byte-identical shards (the no-op
 * detection compares LFS oids, i.e. sha256 of the shards): converted twice
 * into fresh folders, for every input format, several shards and every codec.
 */
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { Compression } from "../../src/data/write/shard-writer.js";
import type { DataFile } from "../../src/data/read/discover.js";
import { type Converted, convertFiles, dataFile, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

function rows(n: number): { csv: string; jsonl: string } {
  const csv = ["id,name,score,flag,when"];
  const jsonl: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = i % 11 === 0 ? "" : `name "${i}", with comma`;
    const score = i % 13 === 0 ? "" : String((i * 1.25) % 97);
    csv.push(`${i},"${name.replaceAll('"', '""')}",${score},${i % 3 === 0 ? "True" : "False"},2024-01-${String((i % 28) + 1).padStart(2, "0")}`);
    jsonl.push(JSON.stringify({ id: i, name: name || null, score: score === "" ? null : Number(score), tags: [`t${i % 5}`], nested: { a: i % 2 === 0 ? i : null } }));
  }
  return { csv: `${csv.join("\n")}\n`, jsonl: `${jsonl.join("\n")}\n` };
}

async function shardBytes(c: Converted): Promise<Buffer[]> {
  return Promise.all(c.conversion.splits.flatMap((s) => s.shards.map((sh) => readFile(sh.localPath))));
}

describe("determinism", () => {
  const data = rows(5000);

  const inputs: [string, (dir: string) => Promise<DataFile[]>][] = [
    ["CSV", async (dir) => [dataFile(dir, "a.csv")]],
    ["JSON Lines", async (dir) => [dataFile(dir, "a.jsonl")]],
    ["gzipped CSV", async (dir) => [dataFile(dir, "a.csv.gz")]],
    ["two CSV files", async (dir) => [dataFile(dir, "a.csv"), dataFile(dir, "b.csv")]],
    ["Parquet", async (dir) => {
      const first = await convertFiles([dataFile(dir, "a.jsonl")], { outputDir: `${dir}/pq` });
      return [{ localPath: first.conversion.splits[0]!.shards[0]!.localPath, file: "a.parquet", format: "parquet" }];
    }],
  ];

  for (const [name, files] of inputs)
    for (const compression of ["snappy", "zstd", "gzip", "none"] as Compression[])
      it(`${name}, ${compression}: two conversions give the same bytes (3 shards)`, async () => {
        const dir = await tempDir();
        await writeFiles(dir, { "a.csv": data.csv, "b.csv": data.csv, "a.jsonl": data.jsonl, "a.csv.gz": gzipSync(data.csv) });
        const input = await files(dir);
        const one = await convertFiles(input, { compression, numShards: 3 });
        const two = await convertFiles(input, { compression, numShards: 3 });
        expect(one.outputDir).not.toBe(two.outputDir);
        const a = await shardBytes(one);
        const b = await shardBytes(two);
        expect(a.length).toBe(3);
        for (let i = 0; i < a.length; i++) expect(a[i]!.equals(b[i]!), `shard ${i}`).toBe(true);
        expect(one.conversion.splits[0]!.shards.map((s) => s.sha256)).toEqual(two.conversion.splits[0]!.shards.map((s) => s.sha256));
        expect(one.conversion).toEqual({ ...two.conversion, splits: two.conversion.splits.map((s, i) => ({ ...s, shards: s.shards.map((sh, j) => ({ ...sh, localPath: one.conversion.splits[i]!.shards[j]!.localPath })) })) });
      });
});

/**
 * A file bigger than a slice's share is cut into pieces between prepare jobs
 * (docs/slices.md#a-file-bigger-than-its-share), in-process against the
 * emulator: the commit publishes what one run publishes (rows, order,
 * features, num_examples, num_bytes), the manifests say which bytes each
 * slice read, and errors name the file's true line.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type HubEmulator, startHubEmulator } from "../../emulator/server.js";
import type { Manifest } from "../../src/slices/manifest.js";
import { query } from "../helpers/duckdb.js";
import { makeWorkspace, publishRun } from "../helpers/publish-run.js";
import { DataError } from "../../src/data/errors.js";

let hub: HubEmulator;
let workspace: string;

/** CSV rows with quoted line breaks (a line start is not always a row start), nulls and floats. */
function csv(rows: number, offset: number): string {
  const lines = ["id,name,score"];
  for (let i = offset; i < offset + rows; i++) lines.push(`${i},${i % 17 === 0 ? `"two\nlines, ${i}"` : `n${i}`},${i % 7 === 0 ? "" : i / 4}`);
  return lines.join("\n") + "\n";
}

/** JSON Lines of about `bytes` bytes: over 10 MiB holds two of Python's tables. */
function jsonl(bytes: number): string {
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({ id: i, name: i % 5 === 0 ? null : `j${i} `.repeat(1 + (i % 9)), score: i % 3 === 0 ? null : i + 0.5 }) + "\n";
    out.push(line);
    size += line.length;
  }
  return out.join("");
}

beforeAll(async () => {
  hub = await startHubEmulator({ xet: true });
  workspace = await makeWorkspace({
    "data/a-small.csv": csv(300, 0),
    "data/b-big.csv": csv(20_000, 1000),
    "data/c-small.csv": csv(200, 100_000),
    "lines/big.jsonl": jsonl(12 << 20),
  });
  // Row groups of unequal sizes (DuckDB on one thread writes each part of the union as its own): a piece starting at
  // any but the first must cut Python's batches by the first one's 2003 rows (1000 + 1000 + 3, ...), or its bools and
  // validity take a byte less. Nulls, bools and strings in every one of Python's batches.
  const parts = [2003, 3900, 3300, 2900, 2200].map((n, k, all) => {
    const at = all.slice(0, k).reduce((a, b) => a + b, 0);
    return `select i::bigint as id, case when i % 7 = 0 then null else i % 3 = 0 end as flag, case when i % 11 = 0 then null else 'p' || i end as name, (i * 0.25)::double as score from range(${at}, ${at + n}) t(i)`;
  });
  await mkdir(path.join(workspace, "pq"), { recursive: true });
  await query("set threads = 1");
  try {
    await query(`copy (${parts.join(" union all ")}) to '${path.join(workspace, "pq/big.parquet")}' (format parquet, compression snappy, row_group_size 4000)`);
  } finally {
    await query("reset threads");
  }
});

afterAll(async () => {
  await hub?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

async function rowsOf(repo: string): Promise<unknown[]> {
  const local: string[] = [];
  for (const p of hub.files(repo).filter((f) => f.startsWith("data/train-"))) {
    const file = path.join(workspace, ".check", repo.replace("/", "_"), p.replace("/", "_"));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, hub.readFile(repo, p)!);
    local.push(`'${file}'`);
  }
  return (await query(`select * from read_parquet([${local.join(", ")}], filename = true, file_row_number = true) order by filename, file_row_number`)).map((r) => {
    const { filename: _f, file_row_number: _n, ...rest } = r;
    return rest;
  });
}

/** The card's dataset_info but download_size (the shards' Parquet bytes, which depend on how many there are). */
function info(repo: string): Record<string, any> {
  const card = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(hub.readFile(repo, "README.md")!.toString("utf8"))![1]!) as Record<string, any>;
  const { download_size: _, ...rest } = card.dataset_info;
  return rest;
}

/** One run over `paths`, then `count` prepare jobs and the commit: both repos' rows and cards. */
async function oneRunAndSlices(name: string, paths: string, count: number) {
  const base = { token: hub.tokens.write, endpoint: hub.url, paths, "max-shard-size": "200KB" };
  await publishRun(workspace, { ...base, repo: `tester/${name}-one` });
  const repo = `tester/${name}-sliced`;
  const prepares = await Promise.all(
    Array.from({ length: count }, (_, i) => publishRun(workspace, { ...base, repo, operation: "prepare", slice: `${i + 1}/${count}`, manifest: `${name}/slice-${i + 1}.json` })),
  );
  await publishRun(workspace, { repo, token: hub.tokens.write, endpoint: hub.url, operation: "commit", manifests: `${name}/*.json` });
  const manifests = await Promise.all(prepares.map(async (p) => JSON.parse(await readFile(p.result.manifest!, "utf8")) as Manifest));
  return { prepares, manifests, repo, one: `tester/${name}-one` };
}

describe("a file bigger than its share", () => {
  it("CSV: cut at rows the slices agree on, published as one run publishes it", async () => {
    const { prepares, manifests, repo, one } = await oneRunAndSlices("csv", "data/*.csv", 4);
    // The big file in pieces over the slices, following each other; the small ones whole.
    const pieces = manifests.flatMap((m) => m.splits.flatMap((s) => s.pieces ?? []));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(pieces.every((p) => p.file === "data/b-big.csv")).toBe(true);
    expect(pieces[0]!.start).toBe(0);
    for (let k = 1; k < pieces.length; k++) expect(pieces[k]!.start).toBe(pieces[k - 1]!.end);
    expect(pieces[pieces.length - 1]!.end).toBe(pieces[0]!.size);
    // Each piece of the big file (but the last) holds a multiple of 1000 rows, as Python's record batches.
    expect(manifests[1]!.splits[0]!.rows % 1000).toBe(0);
    expect(prepares[1]!.log.lines.join("\n")).toMatch(/Slice 2\/4: 1 of 3 files \(a piece of it\), [\d.]+ kB of [\d.]+ kB\./);
    expect(prepares[1]!.log.lines.join("\n")).toMatch(/train: data\/b-big\.csv \([\d.]+ kB\) is cut between slices; this slice reads its bytes [\d,]+–[\d,]+ \([\d.]+ kB\), from line [\d,]+\./);

    expect(await rowsOf(repo)).toEqual(await rowsOf(one));
    expect(info(repo)).toEqual(info(one));
    expect(hub.commits(repo)).toHaveLength(2); // the commit job's, and the repo's first
  });

  it("JSON Lines: cut where Python's tables start, so num_bytes is one run's", async () => {
    const { manifests, repo, one } = await oneRunAndSlices("jsonl", "lines/big.jsonl", 2);
    expect(manifests.map((m) => m.splits[0]!.pieces!.map((p) => [p.start > 10 << 20 || p.start === 0, p.end > 10 << 20]))).toEqual([[[true, true]], [[true, true]]]);
    expect(await rowsOf(repo)).toEqual(await rowsOf(one));
    expect(info(repo)).toEqual(info(one));
  });

  it("Parquet: cut at row group starts, published as one run publishes it", async () => {
    const groups = await query(
      `select row_group_id::integer as id, any_value(row_group_num_rows)::integer as n, min(coalesce(dictionary_page_offset, data_page_offset))::bigint as start from parquet_metadata('${path.join(workspace, "pq/big.parquet")}') group by all order by 1`,
    );
    expect(groups.map((g) => Number(g.n))).toEqual([2003, 3900, 3300, 2900, 2200]);
    const { prepares, manifests, repo, one } = await oneRunAndSlices("parquet", "pq/big.parquet", 3);
    // One piece per slice, each starting where a row group does.
    const pieces = manifests.map((m) => m.splits[0]!.pieces!);
    expect(pieces.map((p) => p.length)).toEqual([1, 1, 1]);
    const starts = groups.map((g) => Number(g.start));
    for (const [k, [p]] of pieces.entries()) {
      expect(p!.start).toBe(k === 0 ? 0 : pieces[k - 1]![0]!.end);
      if (k > 0) expect(starts).toContain(p!.start);
    }
    expect(prepares[1]!.log.lines.join("\n")).toMatch(/pq\/big\.parquet \([\d.]+ kB\) is cut between slices; this slice reads its bytes [\d,]+–[\d,]+ \([\d.]+ kB\), from row group \d+ \(counting from 1\)\./);

    expect(await rowsOf(repo)).toEqual(await rowsOf(one));
    expect(info(repo)).toEqual(info(one));
  });

  it("a column typed differently by two pieces is refused by the commit, naming the cut file and the fix", async () => {
    // An int column with one empty cell in the first piece: float64 there (as pandas reads it), int64 in the others.
    const lines = csv(4000, 0).split("\n").map((l, i) => (i === 0 ? "id,name,score,n" : l && `${l},${i === 5 ? "" : i}`));
    await mkdir(path.join(workspace, "typed"), { recursive: true });
    await writeFile(path.join(workspace, "typed/big.csv"), lines.join("\n"));
    const base = { repo: "tester/typed", token: hub.tokens.write, endpoint: hub.url, paths: "typed/big.csv" };
    for (const slice of ["1/2", "2/2"]) await publishRun(workspace, { ...base, operation: "prepare", slice, manifest: `typed/m/${slice.replace("/", "-")}.json` });
    const refused = await publishRun(workspace, { ...base, paths: "", operation: "commit", manifests: "typed/m/*.json" }).then(() => undefined, (e: unknown) => e);
    expect((refused as Error).message).toMatch(
      /column 'n' is float64 in slice 1\/2, int64 in slice 2\/2\. One run reads all files together and would have chosen one type \(typed\/big\.csv was cut between slices, and each piece was typed by its own job\); set the type of this column in the 'features' input of every prepare job \(e\.g\. '- name: n\\n  dtype: float64'\)/,
    );
    expect(hub.files("tester/typed").filter((f) => f.endsWith(".parquet"))).toEqual([]);
  });

  it("a data error in a later slice's piece names the file's line", async () => {
    const text = csv(5000, 0).split("\n");
    const bad = text.findIndex((l) => l.startsWith("4200,"));
    text[bad] = "4200,oops";
    await mkdir(path.join(workspace, "broken"), { recursive: true });
    await writeFile(path.join(workspace, "broken/big.csv"), text.join("\n"));
    const failure = await publishRun(workspace, { repo: "tester/broken", token: hub.tokens.write, endpoint: hub.url, paths: "broken/big.csv", operation: "prepare", slice: "2/2", manifest: "broken/2.json" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(DataError);
    expect((failure as DataError).line).toBe(text.slice(0, bad).join("\n").split("\n").length + 1);
    expect((failure as Error).message).toMatch(/^broken\/big\.csv:\d+: expected 3 fields/);
  });
});

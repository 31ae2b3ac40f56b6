/**
 * Many jobs, one commit, read by Python: slices prepared and committed by the
 * action load in Python's `load_dataset` with the rows of one run in order.
 * A column all null in one slice and typed in another is refused by the
 * commit (that slice's shard would store a null column, which pyarrow and
 * DuckDB cannot read with the others); with its type set by `features` in
 * every job, the shards read together (DuckDB) and load as one run's.
 * A CSV file bigger than a slice's share, cut between 3 jobs, loads as
 * Python's own CSV loader reads the file; its card, and that of a JSON
 * Lines file cut where Python's 10 MiB tables start, says what Python's
 * `push_to_hub` of the file says (num_examples, num_bytes, features).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import { InputError } from "../../../src/errors.js";
import { query } from "../../helpers/duckdb.js";
import { makeWorkspace, publishRun } from "../../helpers/publish-run.js";
import { type Interop, pythonEnv, runPython } from "../lib/python.js";

type Loaded = Record<string, { features: Record<string, unknown>; rows: Record<string, unknown>[] }>;

/** A CSV file with quoted line breaks and commas, doubled quotes, empty cells (nulls) and bools. */
function bigCsv(rows: number): string {
  const lines = ["id,name,score,flag"];
  for (let i = 0; i < rows; i++) {
    const name = i % 11 === 0 ? `"two\nlines, ""q"" ${i}"` : `n${i}`;
    lines.push(`${i},${name},${i % 6 === 0 ? "" : i / 8},${i % 2 === 0 ? "True" : "False"}`);
  }
  return lines.join("\n") + "\n";
}

/** JSON Lines of about `bytes` bytes with nulls and bools in every record batch: over 10 MiB, two of Python's tables. */
function bigJsonl(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({ id: i, v: i % 9 === 0 ? null : i * 3, b: i % 3 === 0, s: `text ${i} `.repeat(1 + (i % 7)) }) + "\n";
    lines.push(line);
    size += line.length;
  }
  return lines.join("");
}

/** The card's dataset_info splits and features (download_size depends on the shards' count and writer). */
function cardInfo(hub: HubEmulator, repo: string): unknown {
  const info = (parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(hub.readFile(repo, "README.md")!.toString("utf8"))![1]!) as { dataset_info: Record<string, unknown> }).dataset_info;
  return { features: info.features, splits: info.splits, dataset_size: info.dataset_size };
}

export function slicesSuite(interop: Interop): void {
  describe("slices prepared by several jobs and committed by one", () => {
    let hub: HubEmulator;
    let home: string;
    let workspace: string;

    beforeAll(async () => {
      hub = await startHubEmulator();
      home = await mkdtemp(path.join(os.tmpdir(), "interop-slices-"));
      workspace = await makeWorkspace({
        // JSON Lines: a column of nulls only is typed null (a CSV column of empty fields is float64, as pandas reads it).
        "data/a.jsonl": '{"id": 1, "note": null, "score": 0.5}\n{"id": 2, "note": null, "score": 1.5}\n',
        "data/b.jsonl": '{"id": 3, "note": "x", "score": 2.5}\n{"id": 4, "note": null, "score": 3.5}\n',
        "data/c.jsonl": '{"id": 5, "note": "y", "score": 4.5}\n',
        "big/big.csv": bigCsv(7_500),
        "big/big.jsonl": bigJsonl(11 << 20),
      });
    });

    afterAll(async () => {
      await hub?.close();
      if (home) await rm(home, { recursive: true, force: true });
      if (workspace) await rm(workspace, { recursive: true, force: true });
    });

    it("refuse a column null in one slice and typed in another; with its type set, load in Python as one run", { timeout: 5 * 60_000 }, async () => {
      if (!interop.ok) return;
      const common = { token: hub.tokens.write, endpoint: hub.url, paths: "data/*.jsonl", repo: "tester/sliced" };
      const prepareAll = async (folder: string, extra: Record<string, string> = {}) => {
        for (const slice of ["1/3", "2/3", "3/3"]) await publishRun(workspace, { ...common, ...extra, operation: "prepare", slice, manifest: `${folder}/${slice.replace("/", "-")}.json` });
      };
      await prepareAll("untyped");
      const refused = await publishRun(workspace, { ...common, paths: "", operation: "commit", manifests: "untyped/*.json" }).then(() => undefined, (e: unknown) => e);
      expect(refused).toBeInstanceOf(InputError);
      expect((refused as Error).message).toMatch(/column 'note' is null \(no value at all\) in slice 1\/3, string in slices 2\/3, 3\/3/);
      expect(hub.files("tester/sliced").filter((f) => f.endsWith(".parquet"))).toEqual([]);

      const features = "- name: note\n  dtype: string";
      await prepareAll("typed", { features });
      await publishRun(workspace, { ...common, paths: "", operation: "commit", manifests: "typed/*.json" });
      await publishRun(workspace, { ...common, features, repo: "tester/one-run" });

      // The shards read together by an independent reader.
      const shards = hub.files("tester/sliced").filter((f) => f.endsWith(".parquet"));
      const local = await Promise.all(
        shards.map(async (p) => {
          const file = path.join(home, "shards", path.basename(p));
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, hub.readFile("tester/sliced", p)!);
          return `'${file}'`;
        }),
      );
      const rows = await query(`select id, note from read_parquet([${local.join(", ")}], filename = true, file_row_number = true) order by filename, file_row_number`);
      expect(rows.map((r) => r.note)).toEqual([null, null, "x", null, "y"]);

      const env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
      const sliced = await runPython<Loaded>(interop.python, "load-rows", { repo: "tester/sliced" }, env);
      const single = await runPython<Loaded>(interop.python, "load-rows", { repo: "tester/one-run" }, env);
      expect(sliced.train!.features).toEqual(single.train!.features);
      expect(sliced.train!.features.note).toEqual({ dtype: "string", _type: "Value" });
      expect(sliced.train!.rows).toEqual(single.train!.rows);
      expect(sliced.train!.rows.map((r) => r.note)).toEqual([null, null, "x", null, "y"]);
    });

    it("load a CSV file cut between 3 jobs as Python's CSV loader reads the file", { timeout: 5 * 60_000 }, async () => {
      if (!interop.ok) return;
      const common = { token: hub.tokens.write, endpoint: hub.url, paths: "big/big.csv", repo: "tester/cut" };
      const manifests = [];
      for (const slice of ["1/3", "2/3", "3/3"])
        manifests.push((await publishRun(workspace, { ...common, operation: "prepare", slice, manifest: `cut/${slice.replace("/", "-")}.json` })).result.manifest!);
      await publishRun(workspace, { ...common, paths: "", operation: "commit", manifests: "cut/*.json" });
      await publishRun(workspace, { ...common, repo: "tester/cut-one-run" });
      const pieces = (await Promise.all(manifests.map(async (m) => JSON.parse(await readFile(m, "utf8")).splits[0].pieces))).flat();
      expect(pieces).toHaveLength(3);

      const env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
      const { results } = await runPython<{ results: { reference: unknown; published: unknown; differences: unknown[] }[] }>(
        interop.python,
        "deviations",
        { cases: [{ name: "cut", paths: [path.join(workspace, "big/big.csv")], format: "csv", actionRepo: "tester/cut", exactFloats: true }] },
        env,
      );
      expect(results[0]!.published).toEqual(results[0]!.reference);
      expect(results[0]!.differences).toEqual([]);
      // num_bytes summed over the slices: one run's (whose num_bytes the corpus suite checks against Python's).
      const info = (repo: string) => /dataset_info:[\s\S]*?\n---/.exec(hub.readFile(repo, "README.md")!.toString("utf8"))![0].replace(/download_size: \d+/, "");
      expect(info("tester/cut")).toBe(info("tester/cut-one-run"));
      // And what Python's push_to_hub of the file writes in its card.
      await runPython(interop.python, "push", { path: path.join(workspace, "big/big.csv"), format: "csv", repo: "tester/cut-python" }, env);
      expect(cardInfo(hub, "tester/cut")).toEqual(cardInfo(hub, "tester/cut-python"));
    });

    it("publish a JSON Lines file cut between 2 jobs with the num_bytes Python's push_to_hub gives the file", { timeout: 5 * 60_000 }, async () => {
      if (!interop.ok) return;
      const common = { token: hub.tokens.write, endpoint: hub.url, paths: "big/big.jsonl", repo: "tester/cut-jsonl" };
      const pieces = [];
      for (const slice of ["1/2", "2/2"]) {
        const { result } = await publishRun(workspace, { ...common, operation: "prepare", slice, manifest: `cut-jsonl/${slice.replace("/", "-")}.json` });
        pieces.push(...JSON.parse(await readFile(result.manifest!, "utf8")).splits[0].pieces);
      }
      // Cut where Python's second table starts: past 10 MiB.
      expect(pieces.map((p: { start: number }) => p.start > 10 << 20 || p.start === 0)).toEqual([true, true]);
      await publishRun(workspace, { ...common, paths: "", operation: "commit", manifests: "cut-jsonl/*.json" });
      const env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
      await runPython(interop.python, "push", { path: path.join(workspace, "big/big.jsonl"), format: "json", repo: "tester/cut-jsonl-python" }, env);
      expect(cardInfo(hub, "tester/cut-jsonl")).toEqual(cardInfo(hub, "tester/cut-jsonl-python"));
    });
  });
}

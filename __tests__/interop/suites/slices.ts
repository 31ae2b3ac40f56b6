/**
 * Many jobs, one commit, read by Python: slices prepared and committed by the
 * action load in Python's `load_dataset` with the rows of one run in order,
 * including a column all null in one slice and typed in another (the commit
 * gives it the other slices' type in the card; that slice's shard keeps a
 * null column, which `datasets` casts to the card's type).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import { makeWorkspace, publishRun } from "../../helpers/publish-run.js";
import { type Interop, pythonEnv, runPython } from "../lib/python.js";

type Loaded = Record<string, { features: Record<string, unknown>; rows: Record<string, unknown>[] }>;

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
      });
    });

    afterAll(async () => {
      await hub?.close();
      if (home) await rm(home, { recursive: true, force: true });
      if (workspace) await rm(workspace, { recursive: true, force: true });
    });

    it("load in Python with one run's rows and features, a column null in one slice typed by the others", { timeout: 5 * 60_000 }, async () => {
      if (!interop.ok) return;
      const common = { token: hub.tokens.write, endpoint: hub.url, paths: "data/*.jsonl", repo: "tester/sliced" };
      for (const slice of ["1/3", "2/3", "3/3"]) await publishRun(workspace, { ...common, operation: "prepare", slice, manifest: `m/${slice.replace("/", "-")}.json` });
      await publishRun(workspace, { ...common, paths: "", operation: "commit", manifests: "m/*.json" });
      await publishRun(workspace, { ...common, repo: "tester/one-run" });

      const env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
      const sliced = await runPython<Loaded>(interop.python, "load-rows", { repo: "tester/sliced" }, env);
      const single = await runPython<Loaded>(interop.python, "load-rows", { repo: "tester/one-run" }, env);
      expect(sliced.train!.features).toEqual(single.train!.features);
      expect(sliced.train!.features.note).toEqual({ dtype: "string", _type: "Value" });
      expect(sliced.train!.rows).toEqual(single.train!.rows);
      expect(sliced.train!.rows.map((r) => r.note)).toEqual([null, null, "x", null, "y"]);
    });
  });
}

/**
 * Test 3: both writers on one repo. Python pushes config `a`, the action pushes config `b`, Python
 * pushes `a` again (fewer rows); then the reverse on another repo (the action's second `a` has
 * other columns; Python's push_to_hub keeps a config's old features when its only split is
 * pushed again with other columns, so Python's second push keeps the columns). After every step each config
 * loads in Python with its rows, and no card key of the other writer is lost: top-level keys stay,
 * and the untouched config's `configs` and `dataset_info` entries stay as they were.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import { PROJECT_ROOT } from "../../../scripts/action-runner.js";
import { publishOne } from "../lib/action.js";
import { frontMatter } from "../lib/layout.js";
import { type Interop, pythonEnv, runPython } from "../lib/python.js";

// Real files from the vega-datasets package, read in place.
const DATA = path.join(PROJECT_ROOT, "node_modules", "vega-datasets", "data");
const FILES = {
  cars: { name: "cars.json", format: "json", rows: 406 },
  weather: { name: "seattle-weather.csv", format: "csv", rows: 1461 },
  penguins: { name: "penguins.json", format: "json", rows: 344 },
  someCars: { name: "cars.json", format: "json", rows: 100 },
} as const;
type DataFile = (typeof FILES)[keyof typeof FILES];

// What the action adds to the card: keys Python's later pushes must keep.
const CARD_METADATA = "license: bsd-3-clause\npretty_name: Vega samples\ntags:\n  - interop";

type Card = Record<string, unknown>;
type Entry = Record<string, unknown> & { config_name?: string };
type LoadedConfigs = Record<string, Record<string, { numRows: number; columns: string[] }> | { error: string }>;

const entries = (card: Card, key: "configs" | "dataset_info"): Entry[] => {
  const value = card[key];
  return (Array.isArray(value) ? value : value ? [value] : []) as Entry[];
};
const entryOf = (card: Card, key: "configs" | "dataset_info", config: string) =>
  entries(card, key).find((e) => (e.config_name ?? "default") === config);

export function roundTripSuite(interop: Interop): void {
  describe("Python's push_to_hub and the action on one repo, in turns", () => {
    let hub: HubEmulator;
    let home: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      hub = await startHubEmulator();
      home = await mkdtemp(path.join(os.tmpdir(), "interop-turns-"));
      env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
    });

    // Each step starts Python twice (push, then load every config): minutes on a busy machine.
    const STEPS_TIMEOUT = 10 * 60_000;

    afterAll(async () => {
      await hub?.close();
      if (home) await rm(home, { recursive: true, force: true });
    });

    const pythonPush = async (repo: string, config: string, file: DataFile) => {
      if (!interop.ok) return;
      const request = { repo, config, path: path.join(DATA, file.name), format: file.format, rows: file.rows };
      await runPython(interop.python, "push", request, env);
    };
    const actionPush = async (repo: string, config: string, file: DataFile) => {
      const run = await publishOne(DATA, { url: hub.url, token: hub.tokens.write }, repo, {
        paths: file.name,
        config,
        "card-metadata": CARD_METADATA,
      });
      expect(run.ok, run.log).toBe(true);
    };
    const loadAll = async (repo: string) => {
      if (!interop.ok) throw new Error("no Python");
      return (await runPython<{ configs: LoadedConfigs }>(interop.python, "load-configs", { repo }, env)).configs;
    };

    /** One step: push, then every config loads with its rows and the other config's card entries are unchanged. */
    const step = async (repo: string, push: () => Promise<void>, config: string, expected: Record<string, DataFile>) => {
      const before = hub.repoExists(repo) ? frontMatter(hub, repo) : {};
      await push();
      const after = frontMatter(hub, repo);
      const loaded = await loadAll(repo);
      expect(Object.keys(loaded).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, file] of Object.entries(expected)) {
        expect(loaded[name], `config ${name}`).toEqual({ train: { numRows: file.rows, columns: expect.any(Array) } });
      }
      for (const key of Object.keys(before)) expect(Object.keys(after), `card key ${key} kept`).toContain(key);
      for (const other of Object.keys(expected).filter((c) => c !== config)) {
        expect(entryOf(after, "configs", other), `configs entry of ${other}`).toEqual(entryOf(before, "configs", other));
        expect(entryOf(after, "dataset_info", other), `dataset_info entry of ${other}`).toEqual(entryOf(before, "dataset_info", other));
      }
      return after;
    };

    it("Python a, action b, Python a again: both configs load, no card key lost", async () => {
      const repo = "tester/turns-python-first";
      await step(repo, () => pythonPush(repo, "a", FILES.cars), "a", { a: FILES.cars });
      const withAction = await step(repo, () => actionPush(repo, "b", FILES.weather), "b", { a: FILES.cars, b: FILES.weather });
      expect(withAction).toMatchObject({ license: "bsd-3-clause", pretty_name: "Vega samples", tags: ["interop"] });
      const last = await step(repo, () => pythonPush(repo, "a", FILES.someCars), "a", { a: FILES.someCars, b: FILES.weather });
      expect(last).toMatchObject({ license: "bsd-3-clause", pretty_name: "Vega samples", tags: ["interop"] });
      expect(hub.files(repo).filter((f) => f.endsWith(".parquet"))).toEqual(["a/train-00000-of-00001.parquet", "b/train-00000-of-00001.parquet"]);
    }, STEPS_TIMEOUT);

    it("action a, Python b, action a again: both configs load, no card key lost", async () => {
      const repo = "tester/turns-action-first";
      await step(repo, () => actionPush(repo, "a", FILES.cars), "a", { a: FILES.cars });
      await step(repo, () => pythonPush(repo, "b", FILES.weather), "b", { a: FILES.cars, b: FILES.weather });
      const last = await step(repo, () => actionPush(repo, "a", FILES.penguins), "a", { a: FILES.penguins, b: FILES.weather });
      expect(last).toMatchObject({ license: "bsd-3-clause", pretty_name: "Vega samples", tags: ["interop"] });
      expect(hub.files(repo).filter((f) => f.endsWith(".parquet"))).toEqual(["a/train-00000-of-00001.parquet", "b/train-00000-of-00001.parquet"]);
    }, STEPS_TIMEOUT);
  });
}

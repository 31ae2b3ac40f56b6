/**
 * Tests 1 and 2: the action against Python's `datasets`, over a corpus of real public data files (corpus.json).
 * Each file is published by the bundled action (dist/, as the runner runs it) to the emulator, then:
 *  1. Python's load_dataset(repo, split="train") must give the same columns in the same order, row
 *     count, features and values as Python's own packaged loader on the file (floats to 1e-8);
 *  2. Python's push_to_hub of that same data is the layout reference: same paths, same card
 *     front matter (configs, dataset_info keys and order, splits, num_examples, num_bytes).
 * Known differences are listed in expected-differences.json; see lib/differences.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import { type ActionOutcome, mapLimited, publishOne } from "../lib/action.js";
import { type CorpusFile, materializeCorpus, readManifest, slug } from "../lib/corpus.js";
import {
  type Difference,
  type TestName,
  UNEXPLAINED,
  checkAgainstExpected,
  explainFailure,
  readExpected,
  reasonOf,
  writeExpected,
} from "../lib/differences.js";
import { layoutDifferences } from "../lib/layout.js";
import { type Interop, pythonEnv, runPython } from "../lib/python.js";

const manifest = readManifest();
const expected = readExpected();
const KiB = 1024;

interface Described {
  columns: string[];
  numRows: number;
  features: Record<string, unknown>;
}
type Loaded = Described | { error: string };
interface PythonResult {
  name: string;
  reference: Loaded;
  pythonPush?: { ok: true } | { error: string };
  published?: Loaded;
  differences?: Array<{ kind: string; detail: string }>;
}

const failed = (l: Loaded | undefined): l is { error: string } => l !== undefined && "error" in l;

export function corpusSuite(interop: Interop): void {
  describe("the action and Python's datasets on real data files", () => {
    let hub: HubEmulator;
    let home: string;
    let files: CorpusFile[] = [];
    const action = new Map<string, ActionOutcome>();
    const python = new Map<string, PythonResult>();
    const observed: Difference[] = [];
    const actionRepo = (name: string) => `tester/action-${slug(name)}`;
    const pythonRepo = (name: string) => `tester/python-${slug(name)}`;

    beforeAll(async () => {
      if (!interop.ok) return;
      // Small LFS thresholds and tree pages so that Python's multipart uploads and paginated
      // listings are exercised too.
      hub = await startHubEmulator({ lfsMultipartThreshold: 256 * KiB, lfsChunkSize: 128 * KiB, treePageSize: 20 });
      home = await mkdtemp(path.join(os.tmpdir(), "interop-corpus-"));
      const env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
      const corpusDir = path.join(home, "corpus");
      files = await materializeCorpus(interop.python, corpusDir, env);

      const outcomes = await mapLimited(files, 2, (f) =>
        publishOne(corpusDir, { url: hub.url, token: hub.tokens.write }, actionRepo(f.name), { paths: f.name }),
      );
      files.forEach((f, i) => action.set(f.name, outcomes[i]!));

      const jobs = files.map((f) => ({
        name: f.name,
        path: f.path,
        format: f.format,
        actionRepo: action.get(f.name)!.ok ? actionRepo(f.name) : null,
        pythonRepo: pythonRepo(f.name),
      }));
      const { results } = await runPython<{ results: PythonResult[] }>(interop.python, "corpus", { files: jobs }, env);
      // Python's messages may hold this run's temporary paths.
      const stable = (text: string) => text.split(corpusDir).join("<corpus>").split(home).join("<home>");
      for (const r of results) python.set(r.name, r);

      for (const f of files) {
        const act = action.get(f.name)!;
        const py = python.get(f.name)!;
        const add = (test: TestName, kind: string, detail: string) => observed.push({ file: f.name, test, kind, detail: stable(detail) });
        if (!act.ok && !failed(py.reference)) add("load", "action-refuses", act.error!.message);
        if (act.ok && failed(py.reference)) add("load", "python-refuses", py.reference.error);
        if (act.ok && failed(py.published)) add("load", "published-load-fails", py.published.error);
        for (const d of py.differences ?? []) add("load", d.kind, d.detail);
        if (act.ok && py.pythonPush) {
          if ("error" in py.pythonPush) add("layout", "python-push-fails", py.pythonPush.error);
          else for (const d of layoutDifferences(hub, pythonRepo(f.name), actionRepo(f.name))) add("layout", d.kind, d.detail);
        }
      }
    }, 30 * 60_000);

    afterAll(async () => {
      if (process.env.INTEROP_UPDATE_EXPECTED === "1" && observed.length) writeExpected(observed, expected);
      await hub?.close();
      if (home) await rm(home, { recursive: true, force: true });
    });

    it("reads at least 50 real files from packages, in every format and compression the action reads", () => {
      const real = manifest.files.filter((f) => f.source);
      expect(real.length).toBeGreaterThanOrEqual(50);
      const kinds = new Set(files.map((f) => f.format + (f.name.endsWith(".gz") ? ".gz" : "")));
      for (const kind of ["csv", "tsv", "json", "jsonl", "parquet", "text", "csv.gz", "tsv.gz", "json.gz", "jsonl.gz", "text.gz"]) {
        expect(kinds, kind).toContain(kind);
      }
      for (const f of real) expect(manifest.sources[f.source!]?.licence, f.name).toBeTruthy();
    });

    const check = (name: string, test: TestName) => {
      const seen = observed.filter((d) => d.file === name && d.test === test);
      const result = checkAgainstExpected(name, test, seen, expected);
      if (result.unexpected.length || result.gone.length) expect.fail(explainFailure(name, test, result));
    };

    it.each(manifest.files.map((f) => f.name))("%s: Python loads the action's repo as it loads the file", (name) => {
      const act = action.get(name)!;
      if (!act.ok) {
        // Bad input: a clear error naming the file (and the line, when there is one), nothing committed.
        expect(act.error!.file, act.error!.message).toBe(name);
        expect(act.error!.message).toContain(name);
        expect(hub.repoExists(actionRepo(name))).toBe(false);
      }
      check(name, "load");
    });

    it.each(manifest.files.map((f) => f.name))("%s: the action's repo has the layout of Python's push_to_hub", (name) => {
      check(name, "layout");
    });

    it("lists only differences of corpus files, each with its reason", () => {
      const names = new Set(manifest.files.map((f) => f.name));
      for (const d of expected.differences) {
        expect(names.has(d.file), `${d.file} is not in corpus.json`).toBe(true);
        expect(reasonOf(d, expected), `${d.file} [${d.kind}] needs a reason (why, or reasons.${d.kind}); ${UNEXPLAINED} is none`).toBeTruthy();
      }
    });
  });
}

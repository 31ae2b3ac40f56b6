/**
 * The pipeline as the edge of the data layer: the data layer's errors about
 * settings (globs, type overrides) reach users as errors on the action input
 * that holds the setting, with the data layer's words; and every input file
 * is read before any data file is.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { readSettings } from "../src/inputs.js";
import { runPipeline } from "../src/pipeline.js";
import { collectingLogger, makeWorkspace } from "./helpers/publish-run.js";

let workspace: string;

beforeAll(async () => {
  workspace = await makeWorkspace({
    "data/train.csv": "id,text,score\n1,a,0.5\n2,b,1.5\n",
    "data/notes.md": "# not data\n",
    "docs/card.md": "# A card\n",
  });
});

afterAll(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/** Runs a dry run (nothing listens at the endpoint: these runs must fail before the Hub is asked anything). */
async function run(inputs: Record<string, string>) {
  const log = collectingLogger();
  const groups: string[] = [];
  const settings = readSettings((name) => ({ repo: "tester/ds", "dry-run": "true", endpoint: "http://127.0.0.1:9", ...inputs })[name] ?? "", {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: path.join(workspace, ".runner-temp"),
  });
  let error: Error | undefined;
  const result = await runPipeline(settings, {
    log,
    group: (name, fn) => {
      groups.push(name);
      return fn();
    },
    retryPolicy: { maxAttempts: 1 },
  }).catch((e: unknown) => void (error = e as Error));
  return { result, error, groups, log };
}

describe("errors on settings name the input they come from", () => {
  it("a type override for a column no file has is an error on 'features'", async () => {
    const { error } = await run({ paths: "data/train.csv", features: "- {name: z, dtype: int8}" });
    expect(error).toBeInstanceOf(InputError);
    expect(error!.message).toBe("Input 'features': it sets the type of column 'z', which none of the files has (their columns: id, text, score)");
  });

  it("a type CSV cannot produce is an error on 'features', before any file is read", async () => {
    const { error, log } = await run({ paths: "data/train.csv", features: "- {name: text, dtype: binary}" });
    expect(error).toBeInstanceOf(InputError);
    expect(error!.message).toBe("Input 'features': column 'text' cannot be binary when read from CSV or JSON: dtype 'binary' cannot be made from text or JSON values");
    expect(log.lines.filter((l) => l.includes(": read "))).toEqual([]);
  });

  it("a glob leaving the workspace is an error on 'paths', or on 'splits' when it came from there", async () => {
    const paths = await run({ paths: "../secret.csv" });
    expect(paths.error).toBeInstanceOf(InputError);
    expect(paths.error!.message).toBe("Input 'paths': '../secret.csv' points outside the workspace; use a path relative to the repository root");
    const splits = await run({ splits: "train: data/*" });
    expect(splits.error).toBeInstanceOf(InputError);
    expect(splits.error!.message).toMatch(/^Input 'splits': cannot tell the format of 'data\/notes\.md' from its extension/);
  });
});

describe("input files", () => {
  it("reads card-body before looking for data files, so a missing one fails at once", async () => {
    const { error, groups } = await run({ paths: "data/train.csv", "card-body": "docs/missing.md" });
    expect(error).toBeInstanceOf(InputError);
    expect(error!.message).toMatch(/^Input 'card-body': cannot read .*missing\.md: ENOENT/);
    expect(groups).toEqual([]);
  });

  it("uses the card-body it read for the card", async () => {
    const { result, error, groups } = await run({ paths: "data/train.csv", "card-body": "docs/card.md", "output-dir": "out" });
    expect(error).toBeUndefined();
    expect(groups).toEqual(["Find data files", "Convert to Parquet", "Plan (dry run: nothing is sent)"]);
    expect(result!.plan!.readme).toMatch(/\n---\n# A card\n$/);
  });
});

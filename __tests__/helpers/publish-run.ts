/**
 * Runs the whole pipeline in-process (inputs → files → Parquet → plan →
 * commit) against the emulator, with the production code paths and short
 * retry waits. Faster than spawning dist/, which the e2e tests do.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readSettings } from "../../src/inputs.js";
import type { Logger } from "../../src/log.js";
import { type RunResult, runPipeline } from "../../src/pipeline.js";

export interface RunLog extends Logger {
  lines: string[];
}

export function collectingLogger(): RunLog {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(m),
    warning: (m) => void lines.push(`warning: ${m}`),
    debug: () => {},
  };
}

export async function makeWorkspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ws-"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

export async function publishRun(
  workspace: string,
  inputs: Record<string, string>,
  options: { env?: Record<string, string>; log?: RunLog; fetch?: typeof fetch; maxFilesPerCommit?: number } = {},
): Promise<{ result: RunResult; log: RunLog }> {
  const log = options.log ?? collectingLogger();
  const settings = readSettings((name) => inputs[name] ?? "", {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: path.join(workspace, ".runner-temp"),
    ...options.env,
  });
  const result = await runPipeline(settings, {
    log,
    group: (_name, fn) => fn(),
    source: "octo-org/octo-data",
    runDescription: "Published by a test",
    retryPolicy: { baseDelayMs: 20, maxDelayMs: 100, maxCommitAttempts: 10, maxCommitDelayMs: 80 },
    progressIntervalMs: 0,
    fetch: options.fetch,
    maxFilesPerCommit: options.maxFilesPerCommit,
  });
  return { result, log };
}

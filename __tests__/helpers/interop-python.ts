// The Python interpreter with huggingface_hub and hf_xet that the Xet tests
// drive: the interop tests' reference (interop/lib/python.ts), so the same
// rules apply — skipped with one line without it, a failure when
// INTEROP_REQUIRED=1 (.ci/run).
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { interopOrSkip } from "../interop/lib/python.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const found = interopOrSkip();
export const interopPython: string | undefined = found.ok ? found.python : undefined;

export const NO_PYTHON = `skipped: ${found.ok ? "" : found.reason}`;

const run = promisify(execFile);

/**
 * Run __tests__/helpers/hf_client.py against a Hub endpoint. Asynchronous on
 * purpose: the emulator serving the requests lives in this process. Each run
 * gets a fresh HF_HOME, so neither hf_xet's local dedup cache nor the
 * download cache can hide what went over the wire.
 */
export async function hfClient(
  args: string[],
  opts: { endpoint: string; token: string; disableXet?: boolean },
): Promise<{ xet: boolean } & Record<string, unknown>> {
  if (!interopPython) throw new Error(NO_PYTHON);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HF_ENDPOINT: opts.endpoint,
    HF_TOKEN: opts.token,
    HF_HOME: mkdtempSync(join(tmpdir(), "hf-home-")),
    HF_HUB_DISABLE_TELEMETRY: "1",
    HF_HUB_DISABLE_PROGRESS_BARS: "1",
    ...(opts.disableXet ? { HF_HUB_DISABLE_XET: "1" } : {}),
  };
  const { stdout } = await run(interopPython, [join(repoRoot, "__tests__", "helpers", "hf_client.py"), ...args], { env, timeout: 120_000 });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

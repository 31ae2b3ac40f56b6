/**
 * The Python reference for the interop tests: which interpreter, the environment it runs in
 * (the emulator as its only Hub, caches in a temporary folder), and calls to the helper script
 * __tests__/interop/py/interop.py, which answers one JSON document per call.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../../scripts/action-runner.js";

// Run with -B: no __pycache__ written into the repository.
const SCRIPT = path.join(PROJECT_ROOT, "__tests__", "interop", "py", "interop.py");
export const VENV_PYTHON = path.join(PROJECT_ROOT, ".venv-interop", "bin", "python");
export const WHEEL_DIR = path.join(PROJECT_ROOT, ".venv-interop", "wheels");

export type Interop = { ok: true; python: string; versions: Record<string, string> } | { ok: false; reason: string };

const HOW_TO = "run `bash scripts/interop-setup.sh` (creates .venv-interop/) or set INTEROP_PYTHON";

/**
 * The interpreter to use: $INTEROP_PYTHON, else .venv-interop/bin/python, and only if it imports
 * datasets, huggingface_hub, pyarrow and pandas.
 */
export function findInterop(): Interop {
  const python = process.env.INTEROP_PYTHON || VENV_PYTHON;
  if (!process.env.INTEROP_PYTHON && !existsSync(VENV_PYTHON)) return { ok: false, reason: `no ${path.relative(PROJECT_ROOT, VENV_PYTHON)}` };
  const check = spawnSync(python, ["-B", SCRIPT, "check"], { input: "{}", encoding: "utf8", timeout: 120_000 });
  if (check.error) return { ok: false, reason: `${python}: ${check.error.message}` };
  if (check.status !== 0) {
    const last = check.stderr.trim().split("\n").pop() ?? "";
    return { ok: false, reason: `${python} cannot import the reference packages (${last})` };
  }
  return { ok: true, python, versions: JSON.parse(check.stdout) as Record<string, string> };
}

/**
 * Found, or why not. When it is missing the interop tests skip with one line, unless
 * INTEROP_REQUIRED=1 (set by .ci/run), where a missing reference is a failure.
 */
export function interopOrSkip(): Interop {
  const found = findInterop();
  if (!found.ok) {
    const line = `Python interop tests skipped: ${found.reason}; ${HOW_TO}.`;
    if (process.env.INTEROP_REQUIRED === "1") throw new Error(`${line} (INTEROP_REQUIRED=1: they must run)`);
    console.warn(line);
  }
  return found;
}

export interface PythonHub {
  url: string;
  token: string;
}

/** Only what Python needs: the emulator as its Hub, caches under `home`, no Xet, no telemetry. */
export function pythonEnv(hub: PythonHub, home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    HF_HOME: path.join(home, "hf"),
    HF_DATASETS_CACHE: path.join(home, "datasets-cache"),
    HF_ENDPOINT: hub.url,
    HF_TOKEN: hub.token,
    HF_HUB_DISABLE_XET: "1",
    HF_HUB_DISABLE_TELEMETRY: "1",
    HF_HUB_DISABLE_PROGRESS_BARS: "1",
    HF_DATASETS_DISABLE_PROGRESS_BARS: "1",
    // Nothing but the emulator: no proxy can take a request elsewhere.
    NO_PROXY: "127.0.0.1,localhost",
    PYTHONUTF8: "1",
  };
}

/** Runs `interop.py command` with `request` on stdin; resolves with its JSON answer. */
export function runPython<T>(python: string, command: string, request: unknown, env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ["-B", SCRIPT, command], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`interop.py ${command} exited with ${code}:\n${stderr.split("\n").slice(-30).join("\n")}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as T);
      } catch (e) {
        reject(new Error(`interop.py ${command} answered no JSON (${(e as Error).message}):\n${stdout.slice(0, 500)}`));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

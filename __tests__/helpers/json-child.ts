/**
 * Runs a TypeScript script in a child Node process with a capped V8 heap and
 * resolves with the JSON of the last line it prints (the memory tests'
 * children report their peak RSS that way).
 */
import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.join(import.meta.dirname, "..", "..");

export function runJsonChild<T>(script: string, args: string[], heapMB: number): Promise<T> {
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMB}`, "--import", "tsx", script, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}: ${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as T);
    });
  });
}

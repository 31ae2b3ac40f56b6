/**
 * Run by xet-memory.test.ts in a child process with a capped V8 heap: uploads
 * one file through hub/upload.ts to the emulator and prints one JSON line
 * with what it sent and its peak RSS.
 * Usage: node --max-old-space-size=N --import tsx xet-upload-child.ts <endpoint> <token> <repo> <file> <sha256>
 */
import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { getHeapStatistics } from "node:v8";
import { createHubFetch } from "../../src/hub/http.js";
import { uploadFiles } from "../../src/hub/upload.js";

/** VmHWM on Linux: getrusage's maxRSS of a spawned process starts at its parent's RSS (here the test runner and the emulator). */
function peakRssMB(): number {
  const hwm = process.platform === "linux" ? /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8")) : null;
  return hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

const [endpoint, token, repo, localPath, sha256] = process.argv.slice(2);
if (!endpoint || !token || !repo || !localPath || !sha256) throw new Error("usage: xet-upload-child.ts <endpoint> <token> <repo> <file> <sha256>");
const size = (await stat(localPath)).size;
const report = await uploadFiles(
  { endpoint, token, fetch: createHubFetch().fetch },
  { repo, branch: "main", createPr: false },
  [{ path: "data/big.bin", localPath, sha256, size }],
);
process.stdout.write(
  `${JSON.stringify({ transfer: report.transfer, sentBytes: report.sentBytes, xorbs: report.xet?.xorbs, maxRssMB: peakRssMB(), heapLimitMB: getHeapStatistics().heap_size_limit / 2 ** 20 })}\n`,
);

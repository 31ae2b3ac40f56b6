// Loaded with `node --import`: reports the process's peak resident memory and its
// CPU time (all threads) at exit, on stderr as one JSON line the benchmark reads. On Linux it is VmHWM from
// /proc/self/status: getrusage's maxRSS of a spawned process starts at its
// parent's RSS (the benchmark's own, which holds the emulator and what it received).
import { readFileSync } from "node:fs";

function peakRssBytes() {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

process.on("exit", () => {
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  process.stderr.write(`\n@@bench ${JSON.stringify({ maxRssBytes: peakRssBytes(), cpuSeconds: (userCPUTime + systemCPUTime) / 1e6 })}\n`);
});

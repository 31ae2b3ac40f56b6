/**
 * The publish part of `npm run bench`: the bundled action publishing the
 * 200 MB CSV (as one Parquet shard, the defaults) to the emulator, through
 * Git LFS (an emulator without Xet) and through Xet; then the same data
 * again (nothing to send), then the CSV grown by 1 % (the nightly sync of a
 * growing dataset). Per run: wall time of the action's process, the time
 * from its Publish step to its exit, its CPU time, its peak RSS, the CPU
 * time of the emulator (this process), and the request bytes the emulator
 * received for the repo (uploads, batch calls and the commit).
 *
 * The emulator runs in the benchmark's process: its own work (hashing what
 * it receives, and for Xet verifying every chunk and rebuilding every file
 * to check its sha256, which the real Hub does on its own machines) shares
 * the machine's cores with the action.
 */
import { startHubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, runAction } from "../scripts/action-runner.js";

export interface PublishRun {
  seconds: number;
  publishSeconds: number;
  /** CPU time of the action's process, all threads (less sensitive to a busy machine than wall time). */
  cpuSeconds: number;
  /** CPU time of this process meanwhile: the emulator's work on what it received (hashing, Xet verification). */
  hubCpuSeconds: number;
  maxRssBytes: number;
  bytesReceived: number;
  /** The action's "Uploaded …" log line, when it uploaded something. */
  uploaded: string;
}

export interface PublishCase {
  transfer: "lfs" | "xet";
  step: "first publish" | "same data again" | "grown by 1 %";
  runs: PublishRun[];
}

/** Runs the action once; `probe` is the --import module that prints its peak RSS. */
export async function publishOnce(
  endpoint: string,
  token: string,
  repo: string,
  input: string,
  probe: string,
  entry?: string,
): Promise<Omit<PublishRun, "bytesReceived" | "hubCpuSeconds">> {
  const started = performance.now();
  let publishStarted = 0;
  const run = await runAction({
    workspace: PROJECT_ROOT,
    inputs: { repo, token, endpoint, paths: input },
    nodeArgs: ["--import", probe],
    entry,
    onStdout: (text) => {
      if (!publishStarted && text.includes("::group::Publish")) publishStarted = performance.now();
    },
  });
  const ended = performance.now();
  if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}\n${run.stderr}`);
  const reported = /@@bench (\{.*\})/.exec(run.stderr);
  const measured = reported ? (JSON.parse(reported[1]!) as { maxRssBytes: number; cpuSeconds: number }) : { maxRssBytes: 0, cpuSeconds: 0 };
  return {
    seconds: (ended - started) / 1000,
    publishSeconds: (ended - (publishStarted || ended)) / 1000,
    cpuSeconds: measured.cpuSeconds,
    maxRssBytes: measured.maxRssBytes,
    uploaded: run.stdout.split("\n").find((l) => l.startsWith("Uploaded ")) ?? "",
  };
}

/**
 * `repeat` rounds; each round, per transfer, a fresh emulator and repo: the
 * first publish of `input`, the same again, then `grown`.
 */
export async function benchPublish(options: { input: string; grown: string; probe: string; repeat: number; entry?: string }): Promise<PublishCase[]> {
  const cases: PublishCase[] = [];
  const caseOf = (transfer: PublishCase["transfer"], step: PublishCase["step"]) => {
    let c = cases.find((x) => x.transfer === transfer && x.step === step);
    if (!c) cases.push((c = { transfer, step, runs: [] }));
    return c;
  };
  for (let round = 0; round < options.repeat; round++) {
    for (const transfer of ["lfs", "xet"] as const) {
      const hub = await startHubEmulator({ xet: transfer === "xet" });
      try {
        const repo = "tester/published";
        const received = () => hub.stats().repos[`datasets/${repo}`]?.bytesReceived ?? 0;
        const steps: [PublishCase["step"], string][] = [
          ["first publish", options.input],
          ["same data again", options.input],
          ["grown by 1 %", options.grown],
        ];
        for (const [step, input] of steps) {
          const before = received();
          const hubCpu = process.cpuUsage();
          const run = await publishOnce(hub.url, hub.tokens.write, repo, input, options.probe, options.entry);
          const { user, system } = process.cpuUsage(hubCpu);
          caseOf(transfer, step).runs.push({ ...run, hubCpuSeconds: (user + system) / 1e6, bytesReceived: received() - before });
          console.log(`${transfer} · ${step}: ${run.seconds.toFixed(2)} s (publish step ${run.publishSeconds.toFixed(2)} s), received ${(received() - before) / 1e6} MB · ${run.uploaded}`);
        }
      } finally {
        await hub.close();
      }
    }
  }
  return cases;
}

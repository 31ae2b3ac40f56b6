/**
 * The action side of the interop tests: the bundled action (dist/index.js) run as the runner runs
 * it, one run per corpus file, a few at a time.
 */
import { runAction } from "../../../scripts/action-runner.js";

export interface ActionOutcome {
  repo: string;
  ok: boolean;
  /** The `::error` annotation's message, and the file and line it names. */
  error?: { message: string; file?: string; line?: string };
  log: string;
}

/** `::error title=T,file=F,line=L::message` → its parts (%-escapes of the runner undone). */
export function parseErrorAnnotation(stdout: string): ActionOutcome["error"] | undefined {
  const line = stdout.split("\n").find((l) => l.startsWith("::error"));
  if (!line) return undefined;
  const m = /^::error(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) return { message: line };
  const unescape = (s: string) => s.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
  const props = Object.fromEntries(
    (m[1] ?? "")
      .split(",")
      .filter(Boolean)
      .map((kv) => {
        const i = kv.indexOf("=");
        return [kv.slice(0, i), unescape(kv.slice(i + 1))];
      }),
  );
  return { message: unescape(m[2]!), file: props.file, line: props.line };
}

export async function publishOne(
  workspace: string,
  hub: { url: string; token: string },
  repo: string,
  inputs: Record<string, string>,
): Promise<ActionOutcome> {
  const run = await runAction({ workspace, inputs: { repo, token: hub.token, endpoint: hub.url, ...inputs } });
  const log = run.stdout + run.stderr;
  if (run.code === 0) return { repo, ok: true, log };
  return { repo, ok: false, error: parseErrorAnnotation(run.stdout) ?? { message: `exit ${run.code}: ${log.slice(-500)}` }, log };
}

/** Runs `task` over `items`, `concurrency` at a time, results in input order. */
export async function mapLimited<T, R>(items: T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * What the benchmark's sides share: how a side is measured (wall time of a
 * fresh process, its peak RSS reported by itself on stderr as `@@bench`
 * lines, see rss-probe.mjs), DuckDB run in its own process, and medians.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "../scripts/action-runner.js";

export const PROBE = path.join(PROJECT_ROOT, "bench", "rss-probe.mjs");

export interface Measure {
  seconds: number;
  maxRssBytes: number;
}

/** Merges the `@@bench {...}` lines a child printed on stderr. */
export function probeLine(stderr: string): Record<string, number> {
  const lines = stderr.split("\n").filter((l) => l.startsWith("@@bench "));
  return Object.assign({}, ...lines.map((l) => JSON.parse(l.slice(8)) as Record<string, number>));
}

/** DuckDB's `COPY (SELECT * FROM <reader>(input)) TO output` as Parquet with `codec` (`input` may be a glob). */
export function duckCopy(reader: string, input: string, output: string, codec: string): string {
  return `COPY (SELECT * FROM ${reader}('${input}')) TO '${output}' (FORMAT parquet, COMPRESSION ${codec})`;
}

/** Runs `sql` in a fresh DuckDB process (2 threads): its wall time, start-up included, and peak RSS. */
export function duckdb(sql: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--import", PROBE, path.join(PROJECT_ROOT, "bench", "duckdb-child.mjs"), sql], {
      stdio: ["ignore", "inherit", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`duckdb failed: ${stderr}`));
      resolve({ seconds, maxRssBytes: probeLine(stderr).maxRssBytes ?? 0 });
    });
  });
}

/** The median of each measure on its own. */
export function median<T extends Measure>(values: T[]): T {
  const middle = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { ...values[0]!, seconds: middle(values.map((v) => v.seconds)), maxRssBytes: middle(values.map((v) => v.maxRssBytes)) };
}

export const mb = (bytes: number) => bytes / 1e6;

/**
 * Progress lines for long phases: at most one every `intervalMs` (10 s by
 * default, so a 20-minute upload logs ~120 lines, not thousands), with the
 * amount done, the rate and an estimate of the time left.
 */
import type { Logger } from "./log.js";
import { formatBytes, formatCount } from "./units.js";

export interface ProgressOptions {
  log: Logger;
  label: string;
  /** What is counted: bytes (default) or rows. */
  unit?: "bytes" | "rows";
  intervalMs?: number;
  now?: () => number;
}

export class ProgressReporter {
  private readonly started: number;
  private last: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.started = this.now();
    this.last = this.started;
  }

  /**
   * Reports `done` of `total` when the interval has passed (or `force`);
   * `extra` (called only when a line is logged) adds detail, e.g. the bytes behind rows.
   */
  update(done: number, total: number, force = false, extra?: () => string): void {
    const now = this.now();
    if (!force && now - this.last < this.intervalMs) return;
    if (this.finished) return;
    this.finished = done >= total;
    this.last = now;
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = done / seconds;
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    const eta = rate > 0 && total > done ? ` · about ${formatDuration((total - done) / rate)} left` : "";
    const rows = this.options.unit === "rows";
    const amount = rows ? `${formatCount(done)} of ${formatCount(total)} rows` : `${formatBytes(done)} of ${formatBytes(total)}`;
    const speed = rows ? `${formatCount(Math.round(rate))} rows/s` : `${formatBytes(rate)}/s`;
    this.options.log.info(`${this.options.label}: ${amount} (${percent}%)${extra?.() ?? ""} · ${speed}${eta}`);
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

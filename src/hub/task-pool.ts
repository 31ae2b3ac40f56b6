/**
 * At most `size` uploads at a time, holding at most `budget` bytes of memory
 * between them (a task's `weight`; one task is always let through). `add`
 * waits for room (so the producer slows down to the network's pace); the
 * first failure stops the pool: once the others have settled, `add` and
 * `drain` throw it.
 */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private held = 0;
  private failed = false;
  private failure: unknown;

  constructor(
    private readonly size: number,
    private readonly budget = Number.POSITIVE_INFINITY,
  ) {}

  async add(task: () => Promise<void>, weight = 0): Promise<void> {
    const full = () => this.running.size >= this.size || this.held + weight > this.budget;
    while (this.running.size > 0 && full() && !this.failed) await Promise.race(this.running);
    if (this.failed) return this.drain();
    this.held += weight;
    const run: Promise<void> = task()
      .catch((e: unknown) => {
        if (!this.failed) [this.failed, this.failure] = [true, e];
      })
      .finally(() => {
        this.running.delete(run);
        this.held -= weight;
      });
    this.running.add(run);
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    if (this.failed) throw this.failure;
  }
}

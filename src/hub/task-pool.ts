/**
 * At most `size` uploads at a time. `add` waits for a free slot (so the
 * producer slows down to the network's pace); the first failure stops the
 * pool: once the others have settled, `add` and `drain` throw it.
 */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failed = false;
  private failure: unknown;

  constructor(private readonly size: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.size && !this.failed) await Promise.race(this.running);
    if (this.failed) return this.drain();
    const run: Promise<void> = task()
      .catch((e: unknown) => {
        if (!this.failed) [this.failed, this.failure] = [true, e];
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    if (this.failed) throw this.failure;
  }
}

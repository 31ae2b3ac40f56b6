import { describe, expect, it } from "vitest";
import { TaskPool } from "../../src/hub/task-pool.js";

/** A task that runs until released, recording how many run (and how much they hold) at once. */
function gate() {
  const waiting: (() => void)[] = [];
  let running = 0;
  let held = 0;
  const peaks = { running: 0, held: 0 };
  const task = (weight: number) => async () => {
    running++;
    held += weight;
    peaks.running = Math.max(peaks.running, running);
    peaks.held = Math.max(peaks.held, held);
    await new Promise<void>((r) => waiting.push(r));
    running--;
    held -= weight;
  };
  const releaseAll = async () => {
    while (waiting.length > 0) {
      waiting.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { task, releaseAll, peaks };
}

describe("TaskPool", () => {
  it("runs at most `size` tasks and holds at most `budget` at a time, letting a task heavier than the budget run alone", async () => {
    const pool = new TaskPool(3, 100);
    const g = gate();
    const adding = (async () => {
      for (const w of [40, 40, 40, 10, 150, 10, 10, 10, 10]) await pool.add(g.task(w), w);
    })();
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setImmediate(r));
      await g.releaseAll();
    }
    await adding;
    await pool.drain();
    expect(g.peaks.running).toBe(3);
    expect(g.peaks.held).toBe(150); // the heavy one, alone
  });

  it("stops at the first failure and throws it once the others have settled", async () => {
    const pool = new TaskPool(2);
    let settled = 0;
    await pool.add(async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      settled++;
    });
    await pool.add(async () => {
      throw new Error("upload failed");
    });
    await new Promise((r) => setImmediate(r));
    let ran = false;
    await expect(pool.add(async () => void (ran = true))).rejects.toThrow("upload failed");
    expect(settled).toBe(1);
    expect(ran).toBe(false);
    await expect(pool.drain()).rejects.toThrow("upload failed");
  });
});

/**
 * Pass 1 of a big file on two threads: the file is read in parts, this
 * thread taking them from the front, a background thread (an encoder
 * thread, idle during pass 1) from the back, so neither waits for the other.
 * The readers give the parts (CSV: byte ranges cut at line starts; Parquet:
 * runs of row groups) and add their counts up.
 */

import type { BackgroundRunner } from "./reader.js";

/** Files from this size up are read in parts when a background thread is given (ReaderOptions.splitFromBytes). */
export const SPLIT_FROM_BYTES = 32 * 1024 * 1024;
/** At most this many parts. */
export const PARTS = 16;

/**
 * Runs parts 0..n-1: `here` on this thread, part 0 first (it may learn what
 * the others need, such as a CSV header), then from the front; `there` from
 * the back once `background` has answered its `ready` job (the thread may
 * still be starting). All or nothing: the first failure stops both sides and
 * gives undefined, and the caller reads the file in one piece (which reports
 * errors as usual). `threads` is 2 when the background thread read a part.
 */
export async function inParts<T>(
  n: number,
  here: (i: number) => Promise<T>,
  there: (i: number) => Promise<T>,
  background: BackgroundRunner,
): Promise<{ parts: T[]; threads: 1 | 2 } | undefined> {
  const parts: T[] = [];
  let front = 0;
  let back = n - 1;
  let failed = false;
  let theirs = 0;
  let other: Promise<void> = Promise.resolve();
  try {
    parts[0] = await here(0);
    other = (async () => {
      await background("ready", null);
      for (let i = back; !failed && i > front; i = back) {
        back--;
        parts[i] = await there(i);
        theirs++;
      }
    })();
    other.catch(() => (failed = true)); // stops this side too; awaited below
    for (let i = ++front; !failed && i <= back; i = ++front) parts[i] = await here(i);
    await other;
  } catch {
    failed = true; // the other side takes no further part
    await other.catch(() => undefined);
    return undefined;
  }
  for (let i = 0; i < n; i++) if (parts[i] === undefined) return undefined;
  return { parts, threads: theirs > 0 ? 2 : 1 };
}

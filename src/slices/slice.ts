/**
 * Which of the matched files one prepare job converts (`slice: i/n`): the
 * files of every split, in the order one run reads them (split by split,
 * each split's files sorted by path), cut into n contiguous ranges of
 * similar byte totals. Contiguous, so the slices' rows put end to end in
 * slice order are the rows of one run in the same order; a pure function of
 * the file list and sizes, so every job of a matrix computes the same cuts.
 */

export interface SliceId {
  /** 1-based. */
  index: number;
  count: number;
}

/** The most slices a matrix can have (GitHub allows 256 jobs per matrix; several matrices can share a commit). */
export const MAX_SLICES = 10_000;

/** Parses `i/n` (1-based); the error says what is wrong, the caller names the input. */
export function parseSlice(text: string): SliceId {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a slice: write i/n, e.g. 3/16 (the 3rd of 16 slices)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SLICES) throw new Error(`'${text}': the number of slices must be between 1 and ${MAX_SLICES}`);
  if (index < 1 || index > count) throw new Error(`'${text}': the slice number must be between 1 and ${count}`);
  return { index, count };
}

export function sliceName(slice: SliceId): string {
  return `${slice.index}/${slice.count}`;
}

/**
 * Where the n slices start and end in a list of items of these sizes:
 * n + 1 indexes from 0 to the length, each cut at the item edge nearest to
 * an even share of the bytes (the earlier edge on a tie). A slice may be
 * empty when there are fewer items than slices, or an item larger than its
 * share takes the next share too.
 */
export function sliceCuts(sizes: readonly number[], count: number): number[] {
  const edges = [0];
  for (const s of sizes) edges.push(edges[edges.length - 1]! + s);
  const total = edges[edges.length - 1]!;
  const cuts = [0];
  for (let k = 1; k < count; k++) {
    const target = (total * k) / count;
    let j = cuts[k - 1]!;
    // Move to the edge nearest the target; the cuts never go back.
    while (j < sizes.length && Math.abs(edges[j + 1]! - target) < Math.abs(edges[j]! - target)) j++;
    // Zero-byte items still count: without bytes to balance, deal items out evenly.
    if (total === 0) j = Math.max(j, Math.round((sizes.length * k) / count));
    cuts.push(j);
  }
  cuts.push(sizes.length);
  return cuts;
}

/** The files of slice `slice` of `splits`, each split keeping its files in order (a split may end up with none). */
export function sliceFiles<F>(splits: { split: string; files: F[] }[], sizeOf: (file: F) => number, slice: SliceId): { split: string; files: F[] }[] {
  const all = splits.flatMap((s, i) => s.files.map((file) => ({ split: i, file })));
  const cuts = sliceCuts(
    all.map((a) => sizeOf(a.file)),
    slice.count,
  );
  const mine = all.slice(cuts[slice.index - 1], cuts[slice.index]);
  return splits.map((s, i) => ({ split: s.split, files: mine.filter((m) => m.split === i).map((m) => m.file) }));
}

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
    // Move to the edge nearest the target, past empty items (their edges are equal); the cuts never go back.
    const nearer = (i: number) => Math.abs(edges[i + 1]! - target) < Math.abs(edges[i]! - target) || (total > 0 && sizes[i] === 0);
    while (j < sizes.length && nearer(j)) j++;
    // Zero-byte items still count: without bytes to balance, deal items out evenly.
    if (total === 0) j = Math.max(j, Math.round((sizes.length * k) / count));
    cuts.push(j);
  }
  cuts.push(sizes.length);
  return cuts;
}

/** How a file is cut: whether it can be, and where its records start (the first cut at or after each offset; undefined: none before its end). */
export interface Cutter<F, C extends { byte: number }> {
  canCut(file: F): Promise<boolean>;
  findCuts(file: F, offsets: number[]): Promise<(C | undefined)[]>;
}

/** A file of a slice: whole, or the piece of it from cut `from` (else its start) to cut `to` (else its end). */
export interface SlicedFile<F, C> {
  file: F;
  from?: C;
  to?: C;
}

/**
 * Slice `slice` of `splits` when a file bigger than its share of the bytes
 * may be cut: a slice boundary whose even share of the bytes falls inside
 * such a file (one `cutter` can cut, with at least one cut) is placed at the
 * first record at or after that byte, or at the file's end when no cut
 * follows; elsewhere at the nearest file edge, as sliceCuts places it. Each
 * job finds only its own two boundaries, as every other job finds them, so
 * the slices put end to end give every file's rows once, in order.
 */
export async function sliceFilesCutting<F, C extends { byte: number }>(
  splits: { split: string; files: F[] }[],
  sizeOf: (file: F) => number,
  slice: SliceId,
  cutter: Cutter<F, C>,
): Promise<{ split: string; files: SlicedFile<F, C>[] }[]> {
  const all = splits.flatMap((s, i) => s.files.map((file) => ({ split: i, file })));
  const sizes = all.map((a) => sizeOf(a.file));
  const edges = [0];
  for (const s of sizes) edges.push(edges[edges.length - 1]! + s);
  const total = edges[edges.length - 1]!;
  const cuts = sliceCuts(sizes, slice.count);
  /** Where boundary k falls: inside an item that may be cut (at `offset` of it), else at the edge before item `cuts[k]`. */
  const place = async (k: number): Promise<{ k: number; item?: number; offset?: number }> => {
    if (k === 0 || k === slice.count) return { k };
    const target = Math.floor((total * k) / slice.count);
    const item = edges.findIndex((e, i) => i < sizes.length && e < target && target < edges[i + 1]!);
    if (item < 0 || sizes[item]! <= total / slice.count || !(await cutter.canCut(all[item]!.file))) return { k };
    return { k, item, offset: target - edges[item]! };
  };
  const places = [await place(slice.index - 1), await place(slice.index)];
  // The cuts, found in one read of a file from its start when both boundaries are in it.
  // The first cut at or after byte 1 says whether the file has any (a CSV file of 1,000 rows or fewer has none).
  const found = new Map<number, (C | undefined)[]>();
  const bounds: { item: number; cut?: C }[] = [];
  for (const p of places) {
    if (p.item === undefined) {
      bounds.push({ item: cuts[p.k]! });
      continue;
    }
    const offsets = places.filter((q) => q.item === p.item).map((q) => q.offset!);
    if (!found.has(p.item)) found.set(p.item, await cutter.findCuts(all[p.item]!.file, [1, ...offsets]));
    const [any, ...atOffsets] = found.get(p.item)!;
    const cut = atOffsets[offsets.indexOf(p.offset!)];
    bounds.push(!any ? { item: cuts[p.k]! } : cut ? { item: p.item, cut } : { item: p.item + 1 });
  }
  const [from, to] = bounds as [{ item: number; cut?: C }, { item: number; cut?: C }];
  const mine: { split: number; sliced: SlicedFile<F, C> }[] = [];
  for (let i = from.item; i < to.item || (i === to.item && to.cut); i++) {
    const sliced: SlicedFile<F, C> = { file: all[i]!.file };
    if (i === from.item && from.cut) sliced.from = from.cut;
    if (i === to.item && to.cut) sliced.to = to.cut;
    if (sliced.from && sliced.to && sliced.from.byte >= sliced.to.byte) continue; // both boundaries at the same record: nothing here
    mine.push({ split: all[i]!.split, sliced });
  }
  return splits.map((s, i) => ({ split: s.split, files: mine.filter((m) => m.split === i).map((m) => m.sliced) }));
}

/**
 * How Python's `push_to_hub` cuts a split into Parquet shards (docs/dataset-layout.md#shards,
 * docs/parquet.md#row-groups): the count from the split's Arrow size, rows divided evenly and
 * contiguously, names `{data_dir}/{split}-{i:05d}-of-{n:05d}.parquet`.
 */

const DECIMAL_UNITS: Record<string, number> = { KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15 };
const BINARY_UNITS: Record<string, number> = { KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40, PIB: 2 ** 50 };

/**
 * Parses `max-shard-size`: bytes (`1000000`) or a number with a unit
 * (`500MB`, `1.5GB` decimal; `512MiB` binary, any case). Python reads a
 * decimal unit with a lowercase trailing `b` (`10Mb`) as bits; we refuse it
 * rather than guess.
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a size; write bytes or a number with a unit such as 500MB or 1GiB`);
  const n = Number(m[1]);
  const unit = m[2]!;
  if (unit === "" || unit.toUpperCase() === "B") return Math.floor(n);
  const upper = unit.toUpperCase();
  const factor = DECIMAL_UNITS[upper] ?? BINARY_UNITS[upper];
  if (factor === undefined) throw new Error(`unknown unit '${unit}' in '${text}'; use KB, MB, GB, TB (decimal) or KiB, MiB, GiB, TiB (binary)`);
  // Python reads a decimal unit ending in a lowercase b (`10Mb`) as bits; binary units (`KiB`, `kib`) are always bytes.
  if (unit.endsWith("b") && factor === DECIMAL_UNITS[upper])
    throw new Error(`'${text}': write the unit with a capital B (${upper}); a lowercase b means bits`);
  return Math.floor(n * factor);
}

/** Python's count: always one more than whole multiples, so exactly 500 MB makes 2 shards. */
export function shardCount(nbytes: number, maxShardSize: number): number {
  return Math.floor(nbytes / maxShardSize) + 1;
}

/** Contiguous row ranges `[start, end)`: the first `rows % n` shards get one extra row. */
export function shardRanges(rows: number, n: number): Array<[number, number]> {
  const div = Math.floor(rows / n);
  const mod = rows % n;
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const start = div * i + Math.min(i, mod);
    ranges.push([start, start + div + (i < mod ? 1 : 0)]);
  }
  return ranges;
}

/**
 * Contiguous row ranges for about `n` shards of rows of these sizes (media
 * files: docs/dataset-layout.md#media-shards): each cut at the row edge
 * nearest to an even share of the bytes, every shard keeping at least one
 * row. With `maxBytes`, while a shard of more than one row would exceed it,
 * the split gets one more shard: so no shard exceeds `maxBytes` by more than
 * its last file. Python cuts by rows, so its shards of uneven files can be
 * far larger.
 */
export function sizedRanges(sizes: ArrayLike<number>, n: number, maxBytes?: number): Array<[number, number]> {
  const rows = sizes.length;
  if (rows === 0) return shardRanges(0, n);
  const edges = new Float64Array(rows + 1);
  for (let i = 0; i < rows; i++) edges[i + 1] = edges[i]! + sizes[i]!;
  for (let count = Math.max(1, Math.min(n, rows)); ; count++) {
    const cuts = [0];
    for (let i = 1; i < count; i++) {
      const target = (edges[rows]! * i) / count;
      let j = nearestEdge(edges, target);
      j = Math.min(Math.max(j, cuts[i - 1]! + 1), rows - (count - i));
      cuts.push(j);
    }
    cuts.push(rows);
    const ranges = cuts.slice(0, -1).map((c, i): [number, number] => [c, cuts[i + 1]!]);
    const fits = ([start, end]: [number, number]) => end - start <= 1 || edges[end]! - edges[start]! <= maxBytes!;
    if (maxBytes === undefined || count >= rows || ranges.every(fits)) return ranges;
  }
}

/** The index of the edge (a prefix sum) nearest to `target`; the earlier one on a tie. */
function nearestEdge(edges: Float64Array, target: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && target - edges[lo - 1]! <= edges[lo]! - target ? lo - 1 : lo;
}

/**
 * Where to cut a run of row groups (their row counts) into `n` shards when
 * the row groups are copied whole: at the row group edge nearest to each of
 * shardRanges's cuts. Undefined when some shard would then hold more than
 * 10 % more or fewer rows than its even share (row groups too big for `n`
 * shards), or none. Returns n + 1 indexes into the row groups, from 0 to
 * their count.
 */
export function rowGroupCuts(groupRows: number[], n: number): number[] | undefined {
  const total = groupRows.reduce((a, b) => a + b, 0);
  const ranges = shardRanges(total, n);
  const edges = [0];
  for (const r of groupRows) edges.push(edges[edges.length - 1]! + r);
  const cuts = [0];
  let at = 0;
  for (const [, end] of ranges.slice(0, -1)) {
    while (at + 1 < edges.length && Math.abs(edges[at + 1]! - end) <= Math.abs(edges[at]! - end)) at++;
    cuts.push(at);
  }
  cuts.push(groupRows.length);
  for (const [i, [start, end]] of ranges.entries()) {
    const rows = edges[cuts[i + 1]!]! - edges[cuts[i]!]!;
    if (cuts[i + 1]! <= cuts[i]! || Math.abs(rows - (end - start)) > 0.1 * (end - start)) return undefined;
  }
  return cuts;
}

export function shardPath(dataDir: string, split: string, index: number, count: number): string {
  return `${dataDir}/${split}-${String(index).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.parquet`;
}

/**
 * Arrow bytes per row group, as Python targets them (`config.MAX_ROW_GROUP_SIZE`); the most a copied row
 * group may hold without a page index (the dataset viewer's limit). Where encoded shards are cut into row
 * groups: ./row-groups.ts.
 */
export const ROW_GROUP_TARGET_BYTES = 100_000_000;
const MAX_ROW_GROUP_ROWS = 1_048_576;

/**
 * The most rows a media shard's row group holds (its files' bytes cut it first, ./media/media-encoder.ts):
 * about 100 MB of Arrow data, computed over the whole split, capped as pyarrow caps it.
 */
export function mediaRowGroupRows(rows: number, nbytes: number): number {
  if (nbytes <= 0 || rows <= 0) return MAX_ROW_GROUP_ROWS;
  return Math.min(MAX_ROW_GROUP_ROWS, Math.max(1, Math.floor((rows * ROW_GROUP_TARGET_BYTES) / nbytes)));
}

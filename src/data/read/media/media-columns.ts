/**
 * A table whose text columns name media files, read through its format's
 * reader: the metadata file of a media folder (`file_name` becomes the
 * `image` or `audio` column, `<x>_file_name` becomes `<x>`, paths relative
 * to the metadata file's folder, as Python's folder builders read them), or a
 * CSV/JSON/Parquet file with columns the `features` input types `image` or
 * `audio` (paths relative to the table's folder, inside the workspace).
 *
 * Pass 1 profiles the table, then reads those columns once more to check
 * every file they name (./media-files.ts), so a missing or broken file is an
 * error naming the table's line before anything is written. Pass 2 turns the
 * paths into references the shard writer embeds (./references.ts).
 */
import path from "node:path";
import { type Feature, type NamedFeature, featureToString, value } from "../../../model/features.js";
import { DataError } from "../../errors.js";
import { toPosix } from "../discover.js";
import type { BatchCursor, ColumnProfile, FileProfile, MediaProfile, TableReader } from "../reader.js";
import { FEATURE_TYPE, type MediaKind } from "./kinds.js";
import { CHECK_CONCURRENCY, MediaFileError, checkMediaFile, forEachLimited, resolveMediaPath } from "./media-files.js";
import { mediaReferences, utf8Values } from "./references.js";
import { examplesOf } from "./summary.js";

/** Where the media columns come from and what their paths are relative to. */
export type MediaColumnSource =
  /** A media folder's metadata file: its `file_name` / `*_file_name` columns, files of `kind`. */
  | { from: "metadata"; kind: MediaKind }
  /** A table's columns typed image or audio by the `features` input (name → feature). */
  | { from: "features"; columns: ReadonlyMap<string, Feature> };

interface MediaColumn {
  /** The table's column. */
  source: string;
  /** The dataset's column. */
  name: string;
  feature: Feature;
  kind: MediaKind;
}

const KIND_OF: Record<string, MediaKind> = { Image: "image", Audio: "audio" };

/** Whether a feature is one a table's paths can be embedded as (Image, Audio). */
export function isMediaFeature(feature: Feature | undefined): boolean {
  return feature?.kind === "custom" && feature.typeName in KIND_OF;
}

export class MediaTableReader implements TableReader {
  readonly file: string;
  private columns: MediaColumn[] = [];
  /** Absolute paths of every file the table names (after profile). */
  readonly named = new Set<string>();
  private readonly baseDir: string;

  constructor(
    private readonly inner: TableReader,
    /** The table on disk (absolute): paths in it are relative to its folder. */
    localPath: string,
    private readonly source: MediaColumnSource,
    private readonly workspace: string,
  ) {
    this.file = inner.file;
    this.baseDir = path.dirname(localPath);
  }

  /** Whether this is a media folder's metadata file (rather than a table with path columns). */
  get isMetadata(): boolean {
    return this.source.from === "metadata";
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const innerOverrides = new Map(overrides);
    if (this.source.from === "features") for (const name of this.source.columns.keys()) innerOverrides.set(name, value("string"));
    const table = await this.inner.profile(innerOverrides);
    this.columns = this.mediaColumns(table, overrides);
    const media = await this.checkFiles(table);
    const columns: ColumnProfile[] = table.columns.map((c) => {
      const m = this.columns.find((x) => x.source === c.name);
      if (!m) return c;
      const files = media.columns.find((x) => x.name === m.name)!;
      return { name: m.name, feature: m.feature, stats: { count: table.rows, nulls: table.rows - files.files, bytes: 0, embedded: files.bytes } };
    });
    return { ...table, columns, media };
  }

  /** The table's media columns; for a metadata file, as Python's `FolderBasedBuilder._set_feature` finds and names them. */
  private mediaColumns(table: FileProfile, overrides: ReadonlyMap<string, Feature>): MediaColumn[] {
    if (this.source.from === "features") {
      const out: MediaColumn[] = [];
      for (const [name, feature] of this.source.columns)
        if (table.columns.some((c) => c.name === name)) out.push({ source: name, name, feature, kind: KIND_OF[(feature as { typeName: string }).typeName]! });
      return out;
    }
    const kind = this.source.kind;
    const typeName = FEATURE_TYPE[kind];
    const out: MediaColumn[] = [];
    for (const c of table.columns) {
      if (c.name === "file_names" || c.name.endsWith("_file_names"))
        throw new DataError(this.file, undefined, `column '${c.name}': lists of files in one row are not supported; give each file its own '*_file_name' column`);
      if (c.name !== "file_name" && !c.name.endsWith("_file_name")) continue;
      const text = c.feature?.kind === "value" && (c.feature.dtype === "string" || c.feature.dtype === "large_string");
      if (!text)
        throw new DataError(this.file, undefined, `column '${c.name}' must hold file names (text), not ${c.feature ? featureToString(c.feature) : "only empty values"}`);
      const name = c.name === "file_name" ? kind : c.name.slice(0, -"_file_name".length);
      const override = overrides.get(name);
      if (override && !(override.kind === "custom" && override.typeName === typeName))
        throw new DataError(this.file, undefined, `column '${c.name}' names ${kind} files, so column '${name}' can only be ${kind}, not ${featureToString(override)} (the 'features' input)`);
      out.push({ source: c.name, name, feature: override ?? { kind: "custom", typeName, params: {} }, kind });
    }
    if (out.length === 0)
      throw new DataError(this.file, 1, "a metadata file needs a 'file_name' column (or '<name>_file_name' columns) naming the files, as Python's folder loaders require");
    for (const m of out)
      if (table.columns.some((c) => c.name === m.name && c.name !== m.source))
        throw new DataError(this.file, 1, `column '${m.source}' becomes column '${m.name}', which the file already has`);
    return out;
  }

  /** Checks every file the media columns name; their sizes per row, per column, and a few examples. */
  private async checkFiles(table: FileProfile): Promise<MediaProfile> {
    let rowBytes = new Float64Array(Math.max(16, table.rows));
    const sums = this.columns.map((m) => ({ name: m.name, files: 0, bytes: 0 }));
    const examples: { label: string; file: string }[] = [];
    const features: NamedFeature[] = table.columns.map((c) => ({ name: c.name, feature: c.feature ?? table.nullFeature }));
    const indexes = this.columns.map((m) => features.findIndex((f) => f.name === m.source));
    const cursor = await this.inner.open(features);
    try {
      let row = 0;
      for (let batch = await cursor.next(4096); batch; batch = await cursor.next(4096)) {
        const values = indexes.map((i) => utf8Values(batch!.columns[i]!));
        const tasks: { row: number; column: number; value: string }[] = [];
        for (let r = 0; r < batch.rows; r++)
          values.forEach((column, c) => {
            const v = column[r];
            if (v !== null && v !== undefined) tasks.push({ row: row + r, column: c, value: v });
          });
        await forEachLimited(tasks, CHECK_CONCURRENCY, async (t) => {
          const m = this.columns[t.column]!;
          const size = await this.checkOne(m, t.value, t.row);
          if (t.row >= rowBytes.length) {
            const grown = new Float64Array(rowBytes.length * 2);
            grown.set(rowBytes);
            rowBytes = grown;
          }
          rowBytes[t.row]! += size;
          sums[t.column]!.files++;
          sums[t.column]!.bytes += size;
        });
        for (const t of tasks) if (examples.length < 3) examples.push({ label: "", file: this.shown(this.resolve(t.value)) });
        row += batch.rows;
      }
    } finally {
      await cursor.close();
    }
    return { rowBytes: rowBytes.slice(0, table.rows), columns: sums, examples: examplesOf(examples) };
  }

  /** Checks the file a row names; its size. Errors name the table, the row's line and the file. */
  private async checkOne(m: MediaColumn, text: string, row: number): Promise<number> {
    let local: string | undefined;
    try {
      local = this.resolve(text);
      this.named.add(local);
      return (await checkMediaFile(local, m.kind, this.workspace)).size;
    } catch (e) {
      if (!(e instanceof MediaFileError)) throw e;
      const line = await this.inner.lineOfRow?.(row);
      const where = line === undefined ? `row ${row + 1}: ` : "";
      const what = local === undefined ? e.message : `${this.shown(local)}: ${e.message}`;
      throw new DataError(this.file, line, `${where}column '${m.source}' names '${text}': ${what}`);
    }
  }

  /** The absolute path a value names (Python's rule for metadata: inside the metadata file's folder). */
  private resolve(text: string): string {
    const within =
      this.source.from === "metadata"
        ? { dir: this.baseDir, what: `the folder of ${this.file} (Python's rule for file names in metadata)` }
        : { dir: this.workspace, what: "the workspace" };
    return resolveMediaPath(text, this.baseDir, within);
  }

  /** A local path as users see it: workspace-relative, `/`-separated. */
  private shown(local: string): string {
    return toPosix(path.relative(this.workspace, local));
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const byName = new Map(this.columns.map((m) => [m.name, m]));
    const inner = await this.inner.open(features.map((f) => (byName.has(f.name) ? { name: byName.get(f.name)!.source, feature: value("string") } : f)));
    return {
      next: async (maxRows) => {
        const batch = await inner.next(maxRows);
        if (!batch) return undefined;
        const columns = batch.columns.map((data, i) => {
          const f = features[i]!;
          if (!byName.has(f.name)) return data;
          return mediaReferences(f.feature, utf8Values(data).map((v) => (v === null ? null : this.resolve(v))));
        });
        return { rows: batch.rows, columns };
      },
      close: () => inner.close(),
    };
  }
}

/**
 * A split of a media folder without metadata, as one table: one row per
 * image (or audio) file in path order, column `image` (or `audio`), and
 * `label` — the name of the file's folder — when the folder layout gives
 * labels (./folders.ts). Pass 1 checks every file (./media-files.ts); pass 2
 * hands out references to them (./references.ts).
 */
import * as arrow from "apache-arrow";
import { type Feature, type NamedFeature, featureToString } from "../../../model/features.js";
import { DataError, OverrideError } from "../../errors.js";
import type { DataFile } from "../discover.js";
import type { Batch, BatchCursor, ColumnProfile, FileProfile, TableReader } from "../reader.js";
import { labelOf } from "./folders.js";
import { FEATURE_TYPE, type MediaKind } from "./kinds.js";
import { CHECK_CONCURRENCY, MediaFileError, checkMediaFile, forEachLimited } from "./media-files.js";
import { mediaReferences } from "./references.js";
import { examplesOf } from "./summary.js";

export class FolderReader implements TableReader {
  readonly file: string;
  private readonly column: string;
  private names: string[] | undefined;

  constructor(
    private readonly files: DataFile[],
    private readonly kind: MediaKind,
    /** Class names when the layout gives labels (./folders.ts inferLabels). */
    labels: string[] | undefined,
    private readonly workspace: string,
  ) {
    this.file = commonFolder(files.map((f) => f.file));
    this.column = kind;
    this.names = labels;
  }

  async profile(overrides: ReadonlyMap<string, Feature>): Promise<FileProfile> {
    const media = this.mediaFeature(overrides.get(this.column));
    const label = overrides.get("label");
    if (label && this.names) {
      if (label.kind !== "class_label") throw new OverrideError(`column 'label' holds the folder names of the files: it can only be a class_label, not ${featureToString(label)}`);
      this.names = label.names;
    }
    const rowBytes = new Float64Array(this.files.length);
    await forEachLimited(this.files, CHECK_CONCURRENCY, async (f, i) => {
      try {
        rowBytes[i] = (await checkMediaFile(f.localPath, this.kind, this.workspace)).size;
      } catch (e) {
        if (e instanceof MediaFileError) throw new DataError(f.file, undefined, e.message);
        throw e;
      }
    });
    const names = this.names;
    if (names)
      for (const f of this.files)
        if (!names.includes(labelOf(f.file)))
          throw new DataError(f.file, undefined, `its folder '${labelOf(f.file)}' is not one of the class names the 'features' input gives 'label' (${names.join(", ")})`);
    const rows = this.files.length;
    const bytes = rowBytes.reduce((a, b) => a + b, 0);
    const columns: ColumnProfile[] = [{ name: this.column, feature: media, stats: { count: rows, nulls: 0, bytes: 0, embedded: bytes } }];
    if (names) columns.push({ name: "label", feature: { kind: "class_label", names }, stats: { count: rows, nulls: 0, bytes: 0 } });
    const examples = examplesOf(this.files.map((f) => ({ label: names ? labelOf(f.file) : "", file: f.file })));
    return { file: this.file, rows, columns, nullFeature: media, media: { rowBytes, columns: [{ name: this.column, files: rows, bytes }], examples } };
  }

  /** `Image()` / `Audio()`, with the parameters a `features` override of the column gives (e.g. `decode: false`). */
  private mediaFeature(override: Feature | undefined): Feature {
    const typeName = FEATURE_TYPE[this.kind];
    if (!override) return { kind: "custom", typeName, params: {} };
    if (override.kind !== "custom" || override.typeName !== typeName)
      throw new OverrideError(`column '${this.column}' holds the ${this.kind} files: it can only be ${this.kind} (with parameters), not ${featureToString(override)}`);
    return override;
  }

  async open(features: NamedFeature[]): Promise<BatchCursor> {
    const files = this.files;
    const ids = new Map((this.names ?? []).map((n, i) => [n, BigInt(i)]));
    let at = 0;
    return {
      next: async (maxRows: number): Promise<Batch | undefined> => {
        if (at >= files.length) return undefined;
        const slice = files.slice(at, at + maxRows);
        at += slice.length;
        const columns = features.map((f) => {
          if (f.name === this.column) return mediaReferences(f.feature, slice.map((s) => s.localPath));
          if (f.name === "label") return arrow.vectorFromArray(slice.map((s) => ids.get(labelOf(s.file))!), new arrow.Int64()).data[0]!;
          throw new Error(`a media folder has no column '${f.name}'`);
        });
        return { rows: slice.length, columns };
      },
      close: async () => {},
    };
  }
}

/** The deepest folder holding all `files` (workspace-relative), with a trailing `/`; `.` for the root. */
export function commonFolder(files: string[]): string {
  if (files.length === 0) return ".";
  let parts = files[0]!.split("/").slice(0, -1);
  for (const f of files.slice(1)) {
    const other = f.split("/");
    let i = 0;
    while (i < parts.length && i < other.length - 1 && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.length === 0 ? "." : `${parts.join("/")}/`;
}

/**
 * What Python's folder loaders read from the folder layout itself
 * (docs/dataset-layout.md#image-and-audio-folders): the splits of a root
 * folder from its folder and file names (`datasets.data_files`' default
 * patterns), and the `label` class names from the files' parent folders
 * (`FolderBasedBuilder._split_generators`).
 */
import path from "node:path";
import { FileSelectionError } from "../../errors.js";
import type { DataFile } from "../discover.js";

/** Split keywords, in Python's split order (data_files.SPLIT_KEYWORDS). */
const SPLIT_KEYWORDS: [string, string[]][] = [
  ["train", ["train", "training"]],
  ["validation", ["validation", "valid", "dev", "val"]],
  ["test", ["test", "testing", "eval", "evaluation"]],
];

/** Python's NON_WORDS_CHARS: what may stand beside a keyword in a name. */
const SEP = "[-._ 0-9]";

function keywordPatterns(keyword: string): { dir: RegExp; file: RegExp } {
  return {
    // `**/{kw}/**`, `**/{kw}[sep]*/**`, `**/*[sep]{kw}/**`, `**/*[sep]{kw}[sep]*/**`: a folder name.
    dir: new RegExp(`^(?:${keyword}|${keyword}${SEP}.*|.*${SEP}${keyword}|.*${SEP}${keyword}${SEP}.*)$`, "s"),
    // `**/{kw}[sep]*`, `**/*[sep]{kw}[sep]*`: a file name.
    file: new RegExp(`^(?:${keyword}${SEP}.*|.*${SEP}${keyword}${SEP}.*)$`, "s"),
  };
}

const PATTERNS = SPLIT_KEYWORDS.map(([split, keywords]) => ({ split, patterns: keywords.map(keywordPatterns) }));

/**
 * The splits of the files under `root` (workspace-relative, `/`-separated),
 * as `load_dataset(<folder>, data_dir=root)` names them: split keywords as
 * folder names first (`train/`, `val_2024/`, `my-test/`), else in file names
 * (`train_001.png`), else everything is `train`. Case-sensitive, as Python's
 * globs are. Python leaves files that match no split out, and puts a file
 * that matches two in both; here both are errors naming the file.
 */
export function inferSplits(files: DataFile[], root: string): { name: string; files: DataFile[] }[] {
  const prefix = root === "" || root === "." ? "" : `${root.replace(/\/+$/, "")}/`;
  const parts = files.map((f) => (f.file.startsWith(prefix) ? f.file.slice(prefix.length) : f.file).split("/"));
  for (const by of ["dir", "file"] as const) {
    const matches = (segments: string[], test: RegExp) =>
      by === "dir" ? segments.slice(0, -1).some((s) => test.test(s)) : test.test(segments[segments.length - 1]!);
    const splitsOf = parts.map((segments) => PATTERNS.filter((p) => p.patterns.some((k) => matches(segments, k[by]))).map((p) => p.split));
    if (splitsOf.every((s) => s.length === 0)) continue;
    const where = by === "dir" ? "folder" : "file";
    files.forEach((f, i) => {
      const found = splitsOf[i]!;
      if (found.length === 0)
        throw new FileSelectionError(
          `'${f.file}' is in no split: '${root}' has split ${where}s (${describeSplits(splitsOf)}), and this file's ${where} name matches none ` +
            `(Python's loader would leave it out). Move it, or name the splits with the 'splits' input.`,
        );
      if (found.length > 1)
        throw new FileSelectionError(`'${f.file}' matches the splits ${found.map((s) => `'${s}'`).join(" and ")}; name the splits with the 'splits' input`);
    });
    return PATTERNS.map((p) => ({ name: p.split, files: files.filter((_, i) => splitsOf[i]![0] === p.split) })).filter((s) => s.files.length > 0);
  }
  return [{ name: "train", files }];
}

function describeSplits(splitsOf: string[][]): string {
  return [...new Set(splitsOf.flat())].join(", ");
}

/** The label of a media file: the name of the folder holding it. */
export function labelOf(file: string): string {
  return path.posix.basename(path.posix.dirname(file));
}

/**
 * The class names of a folder dataset without metadata, or undefined when it
 * has no labels: Python adds a `label` column when every media file sits at
 * the same depth and their parent folders have more than one name; names are
 * sorted by code point. Python decides split by split, with names gathered
 * over the splits seen so far (so an early split can get no labels while a
 * later one has them); here the rule is applied once, to all the splits'
 * files together (src/data/README.md).
 */
export function inferLabels(files: DataFile[]): string[] | undefined {
  const names = new Set<string>();
  const depths = new Set<number>();
  for (const f of files) {
    names.add(labelOf(f.file));
    depths.add(f.file.split("/").length);
  }
  if (names.size <= 1 || depths.size !== 1) return undefined;
  return [...names].sort(byCodePoint);
}

/** Python's `sorted()` of strings: by code point (JS compares UTF-16 units, which differs above U+FFFF). */
export function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

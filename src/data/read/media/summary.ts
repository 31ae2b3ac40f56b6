/**
 * What the job summary shows of a split's media: a few file names per label
 * (or overall, without labels), and the counts and sizes of its media
 * columns, added up over the split's files.
 */
import type { MediaProfile } from "../reader.js";

/** File names kept per label for the summary. */
export const EXAMPLES_PER_LABEL = 3;

/** The first few files of each label, labels in order of first appearance. */
export function examplesOf(rows: Iterable<{ label: string; file: string }>): MediaProfile["examples"] {
  const byLabel = new Map<string, string[]>();
  for (const { label, file } of rows) {
    const files = byLabel.get(label) ?? [];
    if (!byLabel.has(label)) byLabel.set(label, files);
    if (files.length < EXAMPLES_PER_LABEL) files.push(file);
  }
  return [...byLabel].map(([label, files]) => ({ label, files }));
}

/** A split's media: its files' profiles added up (columns by name, examples by label). */
export function splitMedia(profiles: (MediaProfile | undefined)[]): Omit<MediaProfile, "rowBytes"> | undefined {
  const present = profiles.filter((p): p is MediaProfile => p !== undefined);
  if (present.length === 0) return undefined;
  const columns = new Map<string, { name: string; files: number; bytes: number }>();
  for (const p of present)
    for (const c of p.columns) {
      const sum = columns.get(c.name) ?? { name: c.name, files: 0, bytes: 0 };
      sum.files += c.files;
      sum.bytes += c.bytes;
      columns.set(c.name, sum);
    }
  const examples = examplesOf(present.flatMap((p) => p.examples.flatMap((e) => e.files.map((file) => ({ label: e.label, file })))));
  return { columns: [...columns.values()], examples };
}

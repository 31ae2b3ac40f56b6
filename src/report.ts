/**
 * What a run reports: the action's outputs, the job summary (Markdown), and
 * how data errors are shown. Plain functions of the run's result; main.ts
 * hands them to @actions/core.
 *
 * Both stay readable, and within GitHub's limits, whatever the number of
 * files: tables list the first rows and count the rest; GitHub shows 10
 * error annotations per step and refuses a step summary over 1 MiB.
 */
import type { DataError } from "./data/errors.js";
import { describeUpload } from "./hub/upload.js";
import { featureToString } from "./model/features.js";
import type { RunResult } from "./pipeline.js";
import { formatBytes, formatCount } from "./units.js";
import { sliceName } from "./slices/slice.js";

/** Error annotations GitHub shows per step (more are dropped): see docs/github-limits.md. */
export const MAX_ERROR_ANNOTATIONS = 10;
/** Data errors written to the log at the default level; the others only at debug level. */
export const LOGGED_ERRORS = 50;
/** Rows of a table in the job summary (columns, changed files, errors); the rest are counted. */
export const SUMMARY_TABLE_ROWS = 20;
/** GitHub refuses a step summary over 1 MiB; ours is cut well before (a safety net: tables are bounded already). */
export const SUMMARY_MAX_BYTES = 512 * 1024;

export type Outputs = Record<
  "commit-url" | "commit-sha" | "pr-url" | "repo-url" | "changed" | "num-rows" | "num-shards" | "files" | "manifest",
  string
>;

export function outputsOf(result: RunResult): Outputs {
  const conversion = result.conversion;
  const published = result.publish;
  const touched = (result.plan?.changes ?? []).filter((c) => c.change === "added" || c.change === "updated").map((c) => c.path);
  return {
    "commit-url": published?.changed ? (published.commit?.url ?? "") : "",
    "commit-sha": published?.changed ? (published.commit?.oid ?? "") : "",
    "pr-url": published?.pullRequestUrl ?? "",
    "repo-url": result.repoUrl,
    changed: String(published?.changed ?? false),
    "num-rows": String(conversion?.splits.reduce((n, s) => n + s.rows, 0) ?? 0),
    "num-shards": String(conversion?.splits.reduce((n, s) => n + s.shards.length, 0) ?? 0),
    files: JSON.stringify(published?.changed || result.settings.dryRun ? touched : []),
    manifest: result.manifest ?? "",
  };
}

export function summaryMarkdown(result: RunResult): string {
  const { settings, conversion, plan, publish } = result;
  const lines: string[] = [];
  const slice = settings.slice ? `slice ${sliceName(settings.slice)} ` : "";
  const title = settings.operation === "prepare"
    ? `${settings.dryRun ? "Dry run: " : ""}Prepared ${slice}of [${settings.repo}](${result.repoUrl}) (not committed)`
    : settings.dryRun
    ? `Dry run: what would be published to [${settings.repo}](${result.repoUrl})`
    : publish?.changed
      ? `Published to [${settings.repo}](${result.repoUrl})`
      : `[${settings.repo}](${result.repoUrl}) is up to date`;
  lines.push(`### ${title}`, "");
  const facts: string[] = [`config \`${settings.config}\``, `branch \`${settings.branch}\``];
  if (publish?.commit && publish.changed) facts.push(`commit [\`${publish.commit.oid.slice(0, 8)}\`](${publish.commit.url})`);
  if (publish?.pullRequestUrl) facts.push(`pull request [${publish.pullRequestUrl.split("/").pop()}](${publish.pullRequestUrl})`);
  if (publish?.tag)
    facts.push(`tag [\`${publish.tag.name}\`](${result.repoUrl}/tree/${encodeURIComponent(publish.tag.name)})${publish.tag.created ? "" : " (already there)"}`);
  if (settings.operation !== "push") facts.unshift(`operation \`${settings.operation}\``);
  if (result.slices !== undefined) facts.push(`${result.slices} slices`);
  lines.push(facts.join(" · "), "");

  if (conversion) {
    const inputs = result.slices !== undefined ? result.sliceInputFiles! : new Map(result.files.map((s) => [s.split, s.files.length]));
    lines.push("| split | rows | shards | Parquet | Arrow | input files |", "|---|---:|---:|---:|---:|---:|");
    for (const s of conversion.splits) {
      const bytes = s.shards.reduce((n, x) => n + x.bytes, 0);
      lines.push(`| ${escape(s.name)} | ${formatCount(s.rows)} | ${s.shards.length} | ${formatBytes(bytes)} | ${formatBytes(s.numBytes)} | ${formatCount(inputs.get(s.name) ?? 0)} |`);
    }
    lines.push(...mediaLines(conversion.splits));
    lines.push("", "<details><summary>Features</summary>", "", "| column | type |", "|---|---|");
    for (const f of conversion.features.slice(0, SUMMARY_TABLE_ROWS * 5)) lines.push(`| ${escape(f.name)} | \`${escape(featureToString(f.feature))}\` |`);
    lines.push(...more(conversion.features.length, SUMMARY_TABLE_ROWS * 5, "columns"), "", "</details>", "");
  }

  if (plan) {
    const counts = { added: 0, updated: 0, unchanged: 0, deleted: 0 };
    for (const c of plan.changes) counts[c.change]++;
    lines.push(
      `Files: ${counts.added} added, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.unchanged} unchanged.`,
      "",
      "<details><summary>Files</summary>",
      "",
      "| path | change |",
      "|---|---|",
      ...changedFirst(plan.changes)
        .slice(0, SUMMARY_TABLE_ROWS)
        .map((c) => `| \`${escape(c.path)}\` | ${c.change} |`),
      ...more(plan.changes.length, SUMMARY_TABLE_ROWS, "files"),
      "",
      "</details>",
      "",
    );
  }
  if (publish && publish.upload.files > 0) lines.push(describeUpload(publish.upload), "");
  if (result.sliceUpload) lines.push(describeUpload(result.sliceUpload), "");
  if (result.manifest) lines.push(`Manifest: \`${result.manifest}\` (the commit job gathers it).`, "");
  if (settings.dryRun) {
    // A prepare job writes its slice's shards and no card; a commit job the card and no shards.
    const written = settings.operation === "prepare" ? "This slice's shards were" : settings.operation === "commit" ? "README.md was" : "Shards and README.md were";
    lines.push(`${written} written to \`${result.outputDir}\`; nothing was sent to the Hub.`, "");
  }
  lines.push(`Hub API requests: ${result.requests}.`);
  return bounded(lines.join("\n"));
}

/** Labels whose example files the summary lists per split (a dataset may have thousands of classes). */
const LABELS_SHOWN = 20;

/** Media files embedded per split and column, and a few example files per label. */
function mediaLines(splits: NonNullable<RunResult["conversion"]>["splits"]): string[] {
  const media = splits.filter((s) => s.media);
  if (media.length === 0) return [];
  const lines = ["", "| split | media column | files | size |", "|---|---|---:|---:|"];
  for (const s of media) for (const c of s.media!.columns) lines.push(`| ${s.name} | ${escape(c.name)} | ${formatCount(c.files)} | ${formatBytes(c.bytes)} |`);
  lines.push("", "<details><summary>Example files</summary>", "", "| split | label | files |", "|---|---|---|");
  for (const s of media) {
    const examples = s.media!.examples;
    for (const e of examples.slice(0, LABELS_SHOWN))
      lines.push(`| ${s.name} | ${e.label === "" ? "—" : escape(e.label)} | ${e.files.map((f) => `\`${escape(f)}\``).join(", ")} |`);
    if (examples.length > LABELS_SHOWN) lines.push(`| ${s.name} | … | and ${formatCount(examples.length - LABELS_SHOWN)} more labels |`);
  }
  lines.push("", "</details>");
  return lines;
}

/** The changes that matter first (added, updated, deleted), then the unchanged files. */
function changedFirst<T extends { change: string }>(changes: T[]): T[] {
  return [...changes.filter((c) => c.change !== "unchanged"), ...changes.filter((c) => c.change === "unchanged")];
}

/** A table's closing note when it lists only the first `shown` of `total` rows. */
function more(total: number, shown: number, what: string): string[] {
  return total > shown ? ["", `… and ${formatCount(total - shown)} more ${what}.`] : [];
}

/** `markdown` cut at a line end when it passes SUMMARY_MAX_BYTES (GitHub would drop the whole summary). */
export function bounded(markdown: string): string {
  if (Buffer.byteLength(markdown) <= SUMMARY_MAX_BYTES) return markdown;
  const kept: string[] = [];
  let bytes = 0;
  for (const line of markdown.split("\n")) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > SUMMARY_MAX_BYTES - 100) break;
    kept.push(line);
  }
  return `${kept.join("\n")}\n\n… (the summary is cut here: GitHub shows at most 1 MiB.)\n`;
}

/**
 * How a run's data errors are shown: annotations (on the file and line, at
 * most MAX_ERROR_ANNOTATIONS; past that the last one counts the rest),
 * plain log lines for the next ones up to LOGGED_ERRORS, and every one of
 * them at debug level.
 */
export interface DataErrorReport {
  annotations: { message: string; file?: string; line?: number }[];
  lines: string[];
  debug: string[];
}

export function dataErrorReport(errors: DataError[]): DataErrorReport {
  const files = new Set(errors.map((e) => e.file)).size;
  const anchored = errors.length <= MAX_ERROR_ANNOTATIONS ? errors : errors.slice(0, MAX_ERROR_ANNOTATIONS - 1);
  const annotations: DataErrorReport["annotations"] = anchored.map((e) => ({ message: e.message, file: e.file, line: e.line }));
  const lines: string[] = [];
  const debug: string[] = [];
  if (errors.length > anchored.length) {
    const rest = errors.length - anchored.length;
    annotations.push({
      message: `${formatCount(errors.length)} data errors in ${formatCount(files)} files: ${formatCount(rest)} more than annotated here. ` +
        `The log lists the first ${formatCount(Math.min(errors.length, LOGGED_ERRORS))} and the job summary counts them; with debug logging (ACTIONS_STEP_DEBUG) the log lists all.`,
    });
    lines.push(...errors.slice(anchored.length, LOGGED_ERRORS).map((e) => `Invalid data: ${e.message}`));
    if (errors.length > LOGGED_ERRORS) {
      lines.push(`… and ${formatCount(errors.length - LOGGED_ERRORS)} more data errors, listed at debug level.`);
      debug.push(...errors.slice(LOGGED_ERRORS).map((e) => `Invalid data: ${e.message}`));
    }
  }
  return { annotations, lines, debug };
}

/** The job summary of a run that found bad data: counts and the first errors (nothing was published). */
export function dataErrorsMarkdown(errors: DataError[]): string {
  const files = new Set(errors.map((e) => e.file)).size;
  const lines = [
    "### Invalid data: nothing was published",
    "",
    `${formatCount(errors.length)} data error${errors.length === 1 ? "" : "s"} in ${formatCount(files)} file${files === 1 ? "" : "s"}.`,
    "",
    "| file | line | error |",
    "|---|---:|---|",
    ...errors.slice(0, SUMMARY_TABLE_ROWS).map((e) => `| \`${escape(e.file)}\` | ${e.line ?? ""} | ${escape(clip(e.detail, 300))} |`),
    ...more(errors.length, SUMMARY_TABLE_ROWS, "errors: the log lists the first " + formatCount(LOGGED_ERRORS) + ", and all of them with debug logging (ACTIONS_STEP_DEBUG)"),
  ];
  return bounded(lines.join("\n"));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Text safe in a table cell: pipes escaped, line breaks as spaces. */
function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n|\r/g, " ");
}

/**
 * What a run reports: the action's outputs, and the job summary (Markdown).
 * Plain functions of the run's result; main.ts hands them to @actions/core.
 */
import { featureToString } from "./model/features.js";
import type { RunResult } from "./pipeline.js";
import { formatBytes, formatCount } from "./units.js";

export type Outputs = Record<
  "commit-url" | "commit-sha" | "pr-url" | "repo-url" | "changed" | "num-rows" | "num-shards" | "files",
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
  };
}

export function summaryMarkdown(result: RunResult): string {
  const { settings, conversion, plan, publish } = result;
  const lines: string[] = [];
  const title = settings.dryRun
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
  if (settings.operation === "delete-config") facts.unshift("operation `delete-config`");
  lines.push(facts.join(" · "), "");

  if (conversion) {
    lines.push("| split | rows | shards | Parquet | Arrow |", "|---|---:|---:|---:|---:|");
    for (const s of conversion.splits) {
      const bytes = s.shards.reduce((n, x) => n + x.bytes, 0);
      lines.push(`| ${s.name} | ${formatCount(s.rows)} | ${s.shards.length} | ${formatBytes(bytes)} | ${formatBytes(s.numBytes)} |`);
    }
    lines.push(...mediaLines(conversion.splits));
    lines.push("", "<details><summary>Features</summary>", "", "| column | type |", "|---|---|");
    for (const f of conversion.features) lines.push(`| ${escape(f.name)} | \`${escape(featureToString(f.feature))}\` |`);
    lines.push("", "</details>", "");
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
      ...plan.changes.map((c) => `| \`${escape(c.path)}\` | ${c.change} |`),
      "",
      "</details>",
      "",
    );
  }
  if (settings.dryRun) lines.push(`Shards and README.md were written to \`${result.outputDir}\`; nothing was sent to the Hub.`, "");
  lines.push(`Hub API requests: ${result.requests}.`);
  return lines.join("\n");
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

function escape(text: string): string {
  return text.replace(/\|/g, "\\|");
}

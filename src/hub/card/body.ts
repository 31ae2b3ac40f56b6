/**
 * The Markdown body the action writes for a dataset that has no card yet.
 * Its generated part sits between two HTML comments and is refreshed on
 * every push; humans own everything else, and deleting the markers hands
 * the whole body over to them.
 */
import { type NamedFeature, featureToString } from "../../model/features.js";
import { formatBytes, formatCount } from "../../units.js";

export const BEGIN_MARK = "<!-- hf-dataset-publish:begin (this section is rewritten on every publish; remove both markers to edit it) -->";
export const END_MARK = "<!-- hf-dataset-publish:end -->";

export interface BodyFacts {
  repo: string;
  config: string;
  /** All configs of the card with their splits (rows, Arrow bytes). */
  splits: { config: string; name: string; rows: number; numBytes: number }[];
  features: NamedFeature[];
  /** e.g. "owner/repo" on GitHub, for the provenance line. */
  source?: string;
  /** Whether load_dataset(repo) picks `config` without naming it. */
  isDefaultConfig: boolean;
}

export function generatedSection(facts: BodyFacts): string {
  const lines: string[] = [BEGIN_MARK, "", "## Splits", "", "| config | split | rows | size (Arrow) |", "|---|---|---:|---:|"];
  for (const s of facts.splits)
    lines.push(`| ${escapeCell(s.config)} | ${escapeCell(s.name)} | ${formatCount(s.rows)} | ${formatBytes(s.numBytes)} |`);
  lines.push("", `## Features (\`${escapeCell(facts.config)}\`)`, "", "| column | type |", "|---|---|");
  for (const f of facts.features) lines.push(`| ${escapeCell(f.name)} | \`${escapeCell(featureToString(f.feature))}\` |`);
  const args = facts.isDefaultConfig ? `"${facts.repo}"` : `"${facts.repo}", "${facts.config}"`;
  lines.push("", "## Usage", "", "```python", "from datasets import load_dataset", "", `ds = load_dataset(${args})`, "```", "", END_MARK);
  return lines.join("\n");
}

export function newBody(facts: BodyFacts): string {
  const name = facts.repo.split("/").pop() ?? facts.repo;
  const provenance = facts.source
    ? `Published from the GitHub repository [${facts.source}](https://github.com/${facts.source}) with the hf-dataset-publish action.`
    : "Published with the hf-dataset-publish action.";
  return `\n# ${name}\n\n${provenance}\n\n${generatedSection(facts)}\n`;
}

/** Replaces the generated section of an existing body, if it still has both markers; otherwise returns the body unchanged. */
export function refreshBody(body: string, facts: BodyFacts): string {
  const begin = body.indexOf(BEGIN_MARK);
  const end = body.indexOf(END_MARK);
  if (begin === -1 || end === -1 || end < begin) return body;
  const lb = body.includes("\r\n") ? "\r\n" : "\n";
  return body.slice(0, begin) + generatedSection(facts).replace(/\n/g, lb) + body.slice(end + END_MARK.length);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

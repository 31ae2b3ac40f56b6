/**
 * Differences between the action and Python, per corpus file, and the checked-in list of those
 * that are known (expected-differences.json). A run fails on a difference the list does not
 * have, and on a listed one that no longer occurs, so the list shrinks as fixes land.
 * INTEROP_UPDATE_EXPECTED=1 rewrites the list from what the run saw (keeping the reasons given);
 * a new entry whose kind has no reason is written with why "UNEXPLAINED", which fails until
 * someone explains it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../../scripts/action-runner.js";

export const EXPECTED_FILE = path.join(PROJECT_ROOT, "__tests__", "interop", "expected-differences.json");
export const UNEXPLAINED = "UNEXPLAINED";

/** "load": test 1 (load_dataset of the action's repo vs Python's loader); "layout": test 2 (vs push_to_hub). */
export type TestName = "load" | "layout";

export interface Difference {
  file: string;
  test: TestName;
  kind: string;
  detail: string;
  /** why it differs, when the kind's reason in `reasons` does not say it */
  why?: string;
}

export interface ExpectedList {
  about: string;
  /** kind → why this kind of difference exists */
  reasons: Record<string, string>;
  differences: Difference[];
}

export function readExpected(): ExpectedList {
  return JSON.parse(readFileSync(EXPECTED_FILE, "utf8")) as ExpectedList;
}

const key = (d: Difference) => `${d.file}\u0000${d.test}\u0000${d.kind}\u0000${d.detail}`;

export function reasonOf(d: Difference, list: ExpectedList): string | undefined {
  const why = d.why ?? list.reasons[d.kind];
  return why && why !== UNEXPLAINED ? why : undefined;
}

/** What a run saw for one file and test, against the list: new differences, and listed ones gone. */
export function checkAgainstExpected(
  file: string,
  test: TestName,
  observed: Difference[],
  list: ExpectedList,
): { unexpected: Difference[]; gone: Difference[] } {
  const listed = list.differences.filter((d) => d.file === file && d.test === test);
  const seen = new Set(observed.map(key));
  const known = new Set(listed.map(key));
  return { unexpected: observed.filter((d) => !known.has(key(d))), gone: listed.filter((d) => !seen.has(key(d))) };
}

export function explainFailure(file: string, test: TestName, result: { unexpected: Difference[]; gone: Difference[] }): string {
  const lines: string[] = [];
  for (const d of result.unexpected) lines.push(`NEW difference (${test}) ${file}: [${d.kind}] ${d.detail}`);
  for (const d of result.gone) {
    lines.push(`GONE (${test}) ${file}: [${d.kind}] ${d.detail} no longer occurs: remove it from expected-differences.json`);
  }
  if (result.unexpected.length) {
    lines.push("If a new difference is deliberate or known, list it with its reason (INTEROP_UPDATE_EXPECTED=1 writes the list).");
  }
  return lines.join("\n");
}

/** Rewrites expected-differences.json from a run's observations, keeping reasons already given. */
export function writeExpected(observed: Difference[], list: ExpectedList): void {
  const whyOf = new Map(
    list.differences.filter((d) => d.why && d.why !== UNEXPLAINED).map((d) => [`${d.file}\u0000${d.test}\u0000${d.kind}`, d.why!]),
  );
  const differences = observed.map((d) => {
    const why = whyOf.get(`${d.file}\u0000${d.test}\u0000${d.kind}`) ?? (list.reasons[d.kind] ? undefined : UNEXPLAINED);
    return { ...d, ...(why ? { why } : {}) };
  });
  writeFileSync(EXPECTED_FILE, JSON.stringify({ ...list, differences }, null, 2) + "\n");
}

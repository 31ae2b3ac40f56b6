/**
 * Test 2's comparison: the repo the action wrote against the one Python's push_to_hub wrote for
 * the same data — paths, and the card's front matter (configs, dataset_info keys and order,
 * splits, num_examples, and num_bytes where the features are the same).
 */
import { isDeepStrictEqual } from "node:util";
import { parse as parseYaml } from "yaml";
import type { HubEmulator } from "../../../emulator/server.js";

export interface LayoutDifference {
  kind: string;
  detail: string;
}

type Card = Record<string, unknown>;
interface Split {
  name: string;
  num_examples: number;
  num_bytes: number;
}

export function frontMatter(hub: HubEmulator, repo: string): Card {
  const readme = hub.readFile(repo, "README.md")?.toString("utf8");
  if (!readme) throw new Error(`${repo} has no README.md`);
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  if (!m) throw new Error(`${repo}: README.md has no front matter`);
  return parseYaml(m[1]!) as Card;
}

const show = (v: unknown) => JSON.stringify(v);

export function layoutDifferences(hub: HubEmulator, pythonRepo: string, actionRepo: string): LayoutDifference[] {
  const out: LayoutDifference[] = [];
  const files = (repo: string) => hub.files(repo).filter((f) => f !== ".gitattributes");
  if (!isDeepStrictEqual(files(pythonRepo), files(actionRepo))) {
    out.push({ kind: "paths", detail: `python ${show(files(pythonRepo))} action ${show(files(actionRepo))}` });
  }
  const py = frontMatter(hub, pythonRepo);
  const act = frontMatter(hub, actionRepo);
  if (!isDeepStrictEqual(Object.keys(py), Object.keys(act))) {
    out.push({ kind: "card-keys", detail: `python ${show(Object.keys(py))} action ${show(Object.keys(act))}` });
  }
  if (!isDeepStrictEqual(py.configs, act.configs)) {
    out.push({ kind: "configs", detail: `python ${show(py.configs)} action ${show(act.configs)}` });
  }
  const pyInfo = (py.dataset_info ?? {}) as Card;
  const actInfo = (act.dataset_info ?? {}) as Card;
  if (!isDeepStrictEqual(Object.keys(pyInfo), Object.keys(actInfo))) {
    out.push({ kind: "dataset-info-keys", detail: `python ${show(Object.keys(pyInfo))} action ${show(Object.keys(actInfo))}` });
  }
  const pySplits = (pyInfo.splits ?? []) as Split[];
  const actSplits = (actInfo.splits ?? []) as Split[];
  const counts = (splits: Split[]) => splits.map((s) => ({ name: s.name, num_examples: s.num_examples }));
  if (!isDeepStrictEqual(counts(pySplits), counts(actSplits))) {
    out.push({ kind: "splits", detail: `python ${show(counts(pySplits))} action ${show(counts(actSplits))}` });
  } else if (isDeepStrictEqual(pyInfo.features, actInfo.features)) {
    // num_bytes measures the Arrow data, so it can only agree for the same Arrow types.
    const bytes = pySplits
      .map((s, i) => ({ name: s.name, python: s.num_bytes, action: actSplits[i]!.num_bytes }))
      .filter((s) => s.python !== s.action);
    if (bytes.length) {
      out.push({ kind: "num-bytes", detail: bytes.map((s) => `${s.name}: python ${s.python} action ${s.action}`).join("; ") });
    }
  }
  return out;
}

/**
 * The repository documents itself: no file refers to notes that live outside
 * it (the team's old reference notes in a shared folder) or cites sections by
 * number with a section mark, and every `docs/<file>.md#<anchor>` cited
 * anywhere names a doc that exists and one of its headings, by GitHub's
 * anchor rules. Forbidden words are spelled in pieces here, so that this file
 * passes its own check.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/readme-inputs.js";

const SECTION_MARK = "\u00a7";
const HUB_API_MD = ["hub-api", "md"].join(".");
const OUTSIDE_NOTES = [
  { pattern: new RegExp(["datasets", "push", "spec"].join("-"), "g"), what: "the old push spec (outside the repo)" },
  { pattern: new RegExp(["engineering", "md"].join("\\."), "g"), what: "the old engineering notes (outside the repo)" },
  { pattern: new RegExp(["\\.\\.", "shared"].join("/"), "g"), what: "a path outside the repo" },
  { pattern: new RegExp(["shared", "reference"].join("/"), "g"), what: "the team's reference folder (outside the repo)" },
  { pattern: new RegExp(SECTION_MARK, "g"), what: `a "${SECTION_MARK}" section number (cite a docs/<file>.md#<anchor> instead)` },
];
const HUB_API = /hub-api\.md/g;

interface Finding {
  file: string;
  line: number;
  text: string;
  what: string;
}

function lineAt(text: string, index: number): { line: number; text: string } {
  const start = text.lastIndexOf("\n", index - 1) + 1;
  const end = text.indexOf("\n", index);
  return { line: text.slice(0, index).split("\n").length, text: text.slice(start, end === -1 ? undefined : end).trim() };
}

/** References to notes outside the repository in one file (`file` is repo-relative, `/`-separated). */
function outsideReferences(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  for (const { pattern, what } of OUTSIDE_NOTES)
    for (const m of text.matchAll(pattern)) found.push({ file, ...lineAt(text, m.index), what });
  // docs/hub-api.md is this repository's; the same name elsewhere is the old outside note, except as a link inside docs/
  for (const m of text.matchAll(HUB_API)) {
    const before = text.slice(Math.max(0, m.index - 5), m.index);
    const inRepo = before === "docs/" || (file.startsWith("docs/") && /\]\((?:\.\/)?$/.test(before));
    if (!inRepo) found.push({ file, ...lineAt(text, m.index), what: `a bare ${HUB_API_MD} (write docs/${HUB_API_MD})` });
  }
  return found.sort((a, b) => a.line - b.line);
}

/** GitHub's heading anchor: lower case, markup and punctuation dropped, each space turned into "-". */
function githubAnchor(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Anchors of a Markdown document: its headings (outside code fences, repeats suffixed -1, -2...) and explicit ids. */
function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split(/\r?\n/)) {
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1];
      else if (f[1] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const h = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (h) {
      const base = githubAnchor(h[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const id of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id[1]!);
  }
  return anchors;
}

interface Citation {
  file: string;
  line: number;
  /** Repo-relative path of the cited doc. */
  doc: string;
  anchor: string;
}

/**
 * `docs/<file>.md#<anchor>` anywhere; inside docs/, also Markdown links `(<file>.md#anchor)` and `(#anchor)`.
 * A path without an anchor may be data (a test fixture's `docs/card.md`), so only anchored ones count.
 */
function citations(file: string, text: string): Citation[] {
  const found: Citation[] = [];
  for (const m of text.matchAll(/(?<![\w-])docs\/([\w.-]+\.md)#([\w-]+)/g)) {
    const token = /\S*$/.exec(text.slice(0, m.index))![0];
    if (token.includes("://")) continue; // a URL elsewhere, not this repository's docs/
    found.push({ file, line: lineAt(text, m.index).line, doc: `docs/${m[1]}`, anchor: m[2]! });
  }
  if (file.startsWith("docs/")) {
    for (const m of text.matchAll(/\]\((?:\.\/)?([\w.-]+\.md)?#([\w-]+)\)/g))
      found.push({ file, line: lineAt(text, m.index).line, doc: m[1] ? `docs/${m[1]}` : file, anchor: m[2]! });
  }
  return found;
}

/** Text files of the repository (tracked, or new and not ignored), without node_modules and dist. */
function repositoryTextFiles(): { file: string; text: string }[] {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_ROOT })
    .toString("utf8")
    .split("\0")
    .filter((f) => f !== "" && !/^(node_modules|dist)\//.test(f));
  const files: { file: string; text: string }[] = [];
  for (const file of [...new Set(listed)].sort()) {
    const full = path.join(PROJECT_ROOT, file);
    if (!existsSync(full)) continue; // deleted in the work tree
    const bytes = readFileSync(full);
    if (bytes.includes(0)) continue; // binary
    files.push({ file, text: bytes.toString("utf8") });
  }
  return files;
}

describe("the scanners (on planted text, so the repository checks below can fail)", () => {
  it("flag references to the outside notes and section marks", () => {
    const planted = [
      `see ${["datasets", "push", "spec"].join("-")}.md ${SECTION_MARK}2.3`,
      `(${["engineering", "md"].join(".")}, "Data path")`,
      `${HUB_API_MD} ${SECTION_MARK}7`,
      `${["..", "shared", "reference"].join("/")}/x.md`,
    ].join("\n");
    const found = outsideReferences("src/x.ts", planted);
    expect(found.map((f) => f.line)).toEqual([1, 1, 2, 3, 3, 4, 4]);
  });

  it("accept this repository's docs/hub-api, and relative links to it inside docs/", () => {
    expect(outsideReferences("src/hub/http.ts", `(docs/${HUB_API_MD}#retries-and-rate-limits)`)).toEqual([]);
    expect(outsideReferences("docs/parquet.md", `[the API](${HUB_API_MD}#xet), [again](./${HUB_API_MD})`)).toEqual([]);
    expect(outsideReferences("emulator/README.md", `[docs](../docs/${HUB_API_MD})`)).toEqual([]);
    expect(outsideReferences("emulator/README.md", `[notes](${HUB_API_MD})`)).toHaveLength(1);
    expect(outsideReferences("docs/parquet.md", `see ${HUB_API_MD} for more`)).toHaveLength(1);
  });

  it("make anchors as GitHub does", () => {
    expect(githubAnchor("Retries and rate limits")).toBe("retries-and-rate-limits");
    expect(githubAnchor("dataset_info")).toBe("dataset_info");
    expect(githubAnchor("The `huggingface` metadata")).toBe("the-huggingface-metadata");
    expect(githubAnchor("CSV and TSV")).toBe("csv-and-tsv");
    expect(githubAnchor("Basic and multipart upload")).toBe("basic-and-multipart-upload");
    expect(githubAnchor("Shards (count, names): 1.2")).toBe("shards-count-names-12");
    expect(githubAnchor("Data-file patterns")).toBe("data-file-patterns");
    expect(githubAnchor("[Linked](https://example.com) heading")).toBe("linked-heading");
    const anchors = markdownAnchors("# Title\n## Usage\n```\n## not a heading\n```\n## Usage\n<a id=\"custom\"></a>\n");
    expect([...anchors].sort()).toEqual(["custom", "title", "usage", "usage-1"]);
  });

  it("find cited docs and anchors", () => {
    expect(citations("src/a.ts", " * (docs/dataset-layout.md#shard-count,\n * docs/parquet.md#row-groups), docs/parquet.md.")).toEqual([
      { file: "src/a.ts", line: 1, doc: "docs/dataset-layout.md", anchor: "shard-count" },
      { file: "src/a.ts", line: 2, doc: "docs/parquet.md", anchor: "row-groups" },
    ]);
    expect(citations("docs/parquet.md", `see [x](#row-groups) and [y](${HUB_API_MD}#xet)`).map((c) => `${c.doc}#${c.anchor}`)).toEqual([
      "docs/parquet.md#row-groups",
      `docs/${HUB_API_MD}#xet`,
    ]);
    expect(citations("README.md", "https://github.com/o/r/blob/main/docs/other.md#x")).toEqual([]);
  });
});

describe("the repository is self-contained in documentation", () => {
  const files = repositoryTextFiles();

  it("reads the repository's files", () => {
    expect(files.some((f) => f.file === "src/main.ts")).toBe(true);
  });

  it("refers to no notes outside the repository and uses no section marks", () => {
    const found = files.flatMap(({ file, text }) => outsideReferences(file, text));
    expect(found.map((f) => `${f.file}:${f.line}: ${f.what}: ${f.text}`)).toEqual([]);
  });

  it("cites only docs and headings that exist", () => {
    const anchorsOf = new Map<string, Set<string> | undefined>();
    const broken: string[] = [];
    for (const { file, text } of files) {
      for (const c of citations(file, text)) {
        if (!anchorsOf.has(c.doc)) {
          const full = path.join(PROJECT_ROOT, c.doc);
          anchorsOf.set(c.doc, existsSync(full) ? markdownAnchors(readFileSync(full, "utf8")) : undefined);
        }
        const anchors = anchorsOf.get(c.doc);
        if (!anchors) broken.push(`${c.file}:${c.line}: ${c.doc} does not exist`);
        else if (!anchors.has(c.anchor))
          broken.push(`${c.file}:${c.line}: ${c.doc} has no heading with anchor #${c.anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

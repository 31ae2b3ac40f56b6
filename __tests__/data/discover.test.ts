/**
 * discoverFiles: globs resolved inside the workspace only, in a stable
 * byte-wise order, with `!` excludes, brace globs, formats from extensions
 * (`.gz` looked through) or forced, and Windows-style separators.
 */
import { mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileSelectionError } from "../../src/data/errors.js";
import { discoverFiles, formatOf, normalizePattern } from "../../src/data/read/discover.js";
import { rejection, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

async function workspace(): Promise<string> {
  const dir = await tempDir("workspace-");
  await writeFiles(dir, {
    "data/b.csv": "a\n1\n",
    "data/a.csv": "a\n1\n",
    "data/B.csv": "a\n1\n",
    "data/sub/c.csv": "a\n1\n",
    "data/sub/d.jsonl": "{}\n",
    "data/x.tsv.gz": "",
    "data/y.ndjson": "",
    "data/z.txt": "",
    "data/w.parquet": "",
    "data/.hidden.csv": "a\n1\n",
    "data/notes.md": "",
    "other/e.json": "[]",
  });
  return dir;
}

describe("discoverFiles", () => {
  it("returns matches sorted byte-wise (uppercase first), with workspace-relative '/' paths and formats", async () => {
    const ws = await workspace();
    const files = await discoverFiles(["data/**/*.csv"], ws, "auto");
    expect(files.map((f) => f.file)).toEqual(["data/B.csv", "data/a.csv", "data/b.csv", "data/sub/c.csv"]);
    expect(files[0]).toEqual({ localPath: path.join(ws, "data/B.csv"), file: "data/B.csv", format: "csv" });
  });

  it("applies '!' excludes, brace globs and several patterns, each file once", async () => {
    const ws = await workspace();
    const files = await discoverFiles(["data/*.{csv,ndjson}", "data/a.csv", "!data/b.csv", "  !data/B.csv  ", "other/*.json"], ws, "auto");
    expect(files.map((f) => [f.file, f.format])).toEqual([
      ["data/a.csv", "csv"],
      ["data/y.ndjson", "jsonl"],
      ["other/e.json", "json"],
    ]);
  });

  it("decides formats from extensions, looking through .gz", () => {
    expect(["a.csv", "a.TSV", "a.json", "a.jsonl", "a.ndjson", "a.parquet", "a.txt", "a.csv.gz", "a.jsonl.GZ", "a.parquet.gz", "a.xlsx", "a.gz", "csv"].map(formatOf)).toEqual([
      "csv", "tsv", "json", "jsonl", "jsonl", "parquet", "text", "csv", "jsonl", "parquet", undefined, undefined, undefined,
    ]);
  });

  it("forces the format input on every file, whatever its extension", async () => {
    const ws = await workspace();
    const files = await discoverFiles(["data/*"], ws, "text");
    expect(new Set(files.map((f) => f.format))).toEqual(new Set(["text"]));
    expect(files.map((f) => f.file)).toContain("data/notes.md");
  });

  it("names a file whose format it cannot tell, and how to fix it", async () => {
    const ws = await workspace();
    const e = await rejection(discoverFiles(["data/*"], ws, "auto"));
    expect(e).toBeInstanceOf(FileSelectionError);
    expect(e.message).toBe(
      "cannot tell the format of 'data/notes.md' from its extension; use .csv, .tsv, .json, .jsonl, .ndjson, .parquet or .txt (optionally .gz), or set 'format'",
    );
  });

  it("skips hidden files unless named, and returns nothing for no match", async () => {
    const ws = await workspace();
    expect((await discoverFiles(["data/*.csv"], ws, "auto")).map((f) => f.file)).not.toContain("data/.hidden.csv");
    expect((await discoverFiles(["data/.hidden.csv"], ws, "auto")).map((f) => f.file)).toEqual(["data/.hidden.csv"]);
    expect(await discoverFiles(["nothing/*.csv"], ws, "auto")).toEqual([]);
    expect(await discoverFiles(["", "  "], ws, "auto")).toEqual([]);
  });

  it("refuses patterns that leave the workspace", async () => {
    const ws = await workspace();
    for (const p of ["../secret.csv", "data/../../x.csv", "/etc/passwd", "C:/data/x.csv", "c:\\data\\x.csv", "!../x.csv"]) {
      const e = await rejection(discoverFiles([p], ws, "auto"));
      expect(e, p).toBeInstanceOf(FileSelectionError);
      expect(e.message).toMatch(/^'.*' points outside the workspace/);
    }
  });

  it("refuses files reached through a symbolic link that points outside the workspace, and follows links inside it", async () => {
    const ws = await workspace();
    const outside = await tempDir("outside-");
    await writeFiles(outside, { "secret.csv": "a\n1\n" });
    await mkdir(path.join(ws, "links"));
    await symlink(path.join(outside, "secret.csv"), path.join(ws, "links/out.csv"));
    await symlink(path.join(ws, "data/a.csv"), path.join(ws, "links/in.csv"));
    const e = await rejection(discoverFiles(["links/*.csv"], ws, "auto"));
    expect(e).toBeInstanceOf(FileSelectionError);
    expect(e.message).toBe("'links/out.csv' resolves (through a symbolic link) outside the workspace");
    expect((await discoverFiles(["links/in.csv"], ws, "auto")).map((f) => f.file)).toEqual(["links/in.csv"]);
    await symlink(outside, path.join(ws, "linked-dir"));
    const d = await rejection(discoverFiles(["linked-dir/**/*.csv"], ws, "auto"));
    expect(d.message).toMatch(/resolves \(through a symbolic link\) outside the workspace/);
  });

  it("reads backslashes as path separators (all of them on Windows; elsewhere unless they escape a glob character)", async () => {
    expect(normalizePattern("data\\sub\\*.csv", "win32")).toBe("data/sub/*.csv");
    expect(normalizePattern("data\\sub\\c.csv", "linux")).toBe("data/sub/c.csv");
    expect(normalizePattern("data\\*.csv", "linux")).toBe("data\\*.csv");
    expect(normalizePattern(".\\data\\a.csv", "win32")).toBe("data/a.csv");
    expect(normalizePattern("./data/a.csv", "linux")).toBe("data/a.csv");
    const ws = await workspace();
    const files = await discoverFiles(["data\\sub\\c.csv", ".\\data\\a.csv"], ws, "auto");
    expect(files.map((f) => f.file)).toEqual(["data/a.csv", "data/sub/c.csv"]);
  });
});

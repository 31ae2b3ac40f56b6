import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../emulator/server.js";
import { DataError } from "../src/data/errors.js";
import { LOGGED_ERRORS, MAX_ERROR_ANNOTATIONS, SUMMARY_MAX_BYTES, bounded, dataErrorReport, dataErrorsMarkdown, outputsOf, summaryMarkdown } from "../src/report.js";
import { makeWorkspace, publishRun } from "./helpers/publish-run.js";

let hub: HubEmulator;
let workspace: string;

beforeAll(async () => {
  hub = await startHubEmulator();
  workspace = await makeWorkspace({ "a.csv": "x,y\n1,one\n2,two\n3,three\n", "b.jsonl": '{"x": 4, "y": "four"}\n' });
});
afterAll(() => hub?.close());

describe("outputs and job summary", () => {
  it("reports a commit with splits, features, file changes and links", async () => {
    const { result } = await publishRun(workspace, {
      repo: "tester/report",
      token: hub.tokens.write,
      endpoint: hub.url,
      splits: "train: a.csv\ntest: b.jsonl",
      tag: "v1.2.0",
    });
    const outputs = outputsOf(result);
    const commit = hub.headOf("tester/report")!;
    expect(outputs).toEqual({
      "commit-url": `${hub.url}/datasets/tester/report/commit/${commit}`,
      "commit-sha": commit,
      "pr-url": "",
      "repo-url": `${hub.url}/datasets/tester/report`,
      changed: "true",
      "num-rows": "4",
      "num-shards": "2",
      files: JSON.stringify(["data/train-00000-of-00001.parquet", "data/test-00000-of-00001.parquet", "README.md"]),
      manifest: "",
    });
    const md = summaryMarkdown(result);
    expect(md).toContain(`### Published to [tester/report](${hub.url}/datasets/tester/report)`);
    expect(md).toContain(`commit [\`${commit.slice(0, 8)}\`](${hub.url}/datasets/tester/report/commit/${commit})`);
    expect(md).toContain(`tag [\`v1.2.0\`](${hub.url}/datasets/tester/report/tree/v1.2.0)`);
    expect(md).toMatch(/\| train \| 3 \| 1 \| [\d.]+ kB \| \d+ B \|/);
    expect(md).toMatch(/\| test \| 1 \| 1 \|/);
    expect(md).toContain("| x | `int64` |");
    expect(md).toContain("Files: 3 added, 0 updated, 0 deleted, 0 unchanged.");
    expect(md).toMatch(/^Uploaded 2 shards \([\d.]+ kB\) through Git LFS: sent [\d.]+ kB\.$/m);
    expect(md).not.toContain(hub.tokens.write);

    const again = await publishRun(workspace, { repo: "tester/report", token: hub.tokens.write, endpoint: hub.url, splits: "train: a.csv\ntest: b.jsonl" });
    expect(outputsOf(again.result)).toMatchObject({ changed: "false", "commit-url": "", "commit-sha": "", files: "[]" });
    expect(summaryMarkdown(again.result)).toContain("is up to date");
    expect(summaryMarkdown(again.result)).toContain("Files: 0 added, 0 updated, 0 deleted, 3 unchanged.");
    expect(summaryMarkdown(again.result)).not.toContain("Uploaded");
  });

  it("says how many bytes went over the wire and how many the Hub already had", async () => {
    const xetHub = await startHubEmulator({ xet: true });
    try {
      const inputs = (repo: string) => ({ repo, token: xetHub.tokens.write, endpoint: xetHub.url, splits: "train: a.csv\ntest: b.jsonl" });
      const first = await publishRun(workspace, inputs("tester/first"));
      expect(summaryMarkdown(first.result)).toMatch(/^Uploaded 2 shards \(([\d.]+ kB)\) through Xet: sent [\d.]+ kB\.$/m);
      // The same shards for another repo: the CAS has every chunk, only the shard listing goes.
      const second = await publishRun(workspace, inputs("tester/second"));
      const line = /^Uploaded 2 shards \(([\d.]+ kB)\) through Xet: sent (\d+) B; the Hub already had ([\d.]+ kB) of it\.$/m.exec(summaryMarkdown(second.result));
      expect(line).not.toBeNull();
      expect(line![3]).toBe(line![1]);
      expect(second.log.lines).toContain(line![0]);
    } finally {
      await xetHub.close();
    }
  });

  it("says what a dry run wrote: shards and the card, a slice's shards, or the card alone", async () => {
    const inputs = (extra: Record<string, string>) => ({ repo: "tester/dry", token: hub.tokens.write, endpoint: hub.url, "dry-run": "true", ...extra });
    const push = await publishRun(workspace, inputs({ paths: "a.csv" }));
    expect(summaryMarkdown(push.result)).toMatch(/^Shards and README\.md were written to `.+`; nothing was sent to the Hub\.$/m);
    const prepare = await publishRun(workspace, inputs({ paths: "a.csv", operation: "prepare", slice: "1/1", manifest: "dry/m.json" }));
    expect(summaryMarkdown(prepare.result)).toMatch(/^This slice's shards were written to `.+`; nothing was sent to the Hub\.$/m);
    const commit = await publishRun(workspace, inputs({ operation: "commit", manifests: "dry/*.json" }));
    expect(summaryMarkdown(commit.result)).toMatch(/^README\.md was written to `.+`; nothing was sent to the Hub\.$/m);
  });
});

describe("reports that scale with the number of files", () => {
  it("keeps the job summary short whatever the number of files, columns and changes", async () => {
    const { result } = await publishRun(workspace, { repo: "tester/report-big", token: hub.tokens.write, endpoint: hub.url, splits: "train: a.csv" });
    const files = Array.from({ length: 30_000 }, (_, i) => ({ localPath: `/w/data/day-${i}.csv`, file: `data/day-${String(i).padStart(5, "0")}.csv`, format: "csv" as const }));
    const big = {
      ...result,
      files: [{ split: "train", files }],
      conversion: { ...result.conversion!, features: Array.from({ length: 5000 }, (_, i) => ({ name: `column_${i}`, feature: { kind: "value" as const, dtype: "string" } })) },
      plan: { ...result.plan!, changes: Array.from({ length: 30_000 }, (_, i) => ({ path: `data/train-${String(i).padStart(5, "0")}-of-30000.parquet`, change: i % 3 === 0 ? ("deleted" as const) : ("unchanged" as const) })) },
    };
    const md = summaryMarkdown(big as typeof result);
    expect(Buffer.byteLength(md)).toBeLessThan(32 * 1024);
    expect(md).toMatch(/\| train \| 3 \| 1 \| [\d.]+ kB \| \d+ B \| 30,000 \|/);
    expect(md).toContain("Files: 0 added, 0 updated, 10000 deleted, 20000 unchanged.");
    expect(md).toContain("… and 29,980 more files.");
    expect(md).toContain("… and 4,900 more columns.");
    // The changes that matter come first.
    expect(md).toContain("| `data/train-00000-of-30000.parquet` | deleted |");
    expect(md).not.toContain("| `data/train-00001-of-30000.parquet` | unchanged |");
  });

  it("cuts a summary that would still pass GitHub's limit at a line end", () => {
    const long = Array.from({ length: 40_000 }, (_, i) => `| row ${i} | ${"é".repeat(20)} |`).join("\n");
    const cut = bounded(long);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(cut).toMatch(/\| row \d+ \| é{20} \|\n\n… \(the summary is cut here: GitHub shows at most 1 MiB\.\)\n$/);
    expect(bounded("short")).toBe("short");
  });

  const errorsOf = (n: number) => Array.from({ length: n }, (_, i) => new DataError(`data/day-${i}.csv`, i + 2, `expected 5 fields (as in the header), found ${i % 2 ? 6 : 4}`));

  it("annotates every data error while they are at most 10", () => {
    const report = dataErrorReport(errorsOf(10));
    expect(report.annotations).toHaveLength(10);
    expect(report.annotations[9]).toEqual({ message: "data/day-9.csv:11: expected 5 fields (as in the header), found 6", file: "data/day-9.csv", line: 11 });
    expect(report.lines).toEqual([]);
    expect(report.debug).toEqual([]);
  });

  it("past 10 data errors: 9 annotations on files, one counting the rest, 50 in the log, all at debug level", () => {
    const report = dataErrorReport(errorsOf(30_000));
    expect(report.annotations).toHaveLength(MAX_ERROR_ANNOTATIONS);
    expect(report.annotations.slice(0, 9).every((a) => a.file !== undefined && a.line !== undefined)).toBe(true);
    expect(report.annotations[9]).toEqual({
      message:
        "30,000 data errors in 30,000 files: 29,991 more than annotated here. The log lists the first 50 and the job summary counts them; with debug logging (ACTIONS_STEP_DEBUG) the log lists all.",
    });
    expect(report.lines).toHaveLength(LOGGED_ERRORS - 9 + 1);
    expect(report.lines[0]).toBe("Invalid data: data/day-9.csv:11: expected 5 fields (as in the header), found 6");
    expect(report.lines.at(-1)).toBe("… and 29,950 more data errors, listed at debug level.");
    expect(report.debug).toHaveLength(30_000 - LOGGED_ERRORS);
  });

  it("sums data errors up in the job summary: counts and the first 20", () => {
    const md = dataErrorsMarkdown([...errorsOf(29_999), new DataError("data/x|y.csv", undefined, "a | b\nc")]);
    expect(Buffer.byteLength(md)).toBeLessThan(16 * 1024);
    expect(md).toContain("30,000 data errors in 30,000 files.");
    expect(md).toContain("| `data/day-0.csv` | 2 | expected 5 fields (as in the header), found 4 |");
    expect(md).toContain("… and 29,980 more errors");
    expect(dataErrorsMarkdown([new DataError("data/x|y.csv", undefined, "a | b\nc")])).toContain("| `data/x\\|y.csv` |  | a \\| b c |");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../emulator/server.js";
import { outputsOf, summaryMarkdown } from "../src/report.js";
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
});

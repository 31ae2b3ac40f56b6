/**
 * Planning, as the pure function it is: a conversion and a snapshot of the
 * branch in, the uploads, deletions and card out — no Hub, no files.
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { RemoteFile } from "../../src/hub/api.js";
import { CardError } from "../../src/hub/card/card.js";
import { type PushRequest, planDeleteConfig, planPush } from "../../src/hub/plan.js";
import type { RemoteSnapshot } from "../../src/hub/snapshot.js";
import type { ConvertedSplit, ShardFile } from "../../src/model/conversion.js";

const sha = (c: string) => c.repeat(64);

function shard(repoPath: string, bytes = 100, oid = sha("a")): ShardFile {
  return { repoPath, localPath: `/out/${repoPath}`, bytes, sha256: oid, rows: 3 };
}

function split(name: string, shards: ShardFile[], numBytes = 24): ConvertedSplit {
  return { name, rows: shards.reduce((n, s) => n + s.rows, 0), numBytes, shards };
}

function request(splits: ConvertedSplit[], extra: Partial<PushRequest> = {}): PushRequest {
  return {
    repo: "org/data",
    config: "default",
    dataDir: "data",
    conversion: { features: [{ name: "id", feature: { kind: "value", dtype: "int64" } }], splits },
    replaceAllSplits: false,
    setDefault: false,
    ...extra,
  };
}

const remote = (files: RemoteFile[], readme?: string): RemoteSnapshot => ({ head: "c0ffee", files, readme });
const lfs = (path: string, size = 100, oid = sha("a")): RemoteFile => ({ path, size, lfsOid: oid });
const NEW: RemoteSnapshot = { head: undefined, files: [], readme: undefined };

/** The front matter and body of a planned card. */
function card(readme: string | undefined): { data: Record<string, any>; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(readme ?? "")!;
  return { data: parseYaml(m[1]!) as Record<string, any>, body: m[2]! };
}

describe("planPush", () => {
  it("uploads everything to a new dataset, with a card that describes the config and a generated body", () => {
    const plan = planPush(request([split("train", [shard("data/train-00000-of-00001.parquet")])], { source: "gh/repo" }), NEW);
    expect(plan.uploads.map((s) => s.repoPath)).toEqual(["data/train-00000-of-00001.parquet"]);
    expect(plan).toMatchObject({ deletions: [], unchanged: [], readmeChange: "added", changed: true });
    expect(plan.changes).toEqual([
      { path: "data/train-00000-of-00001.parquet", change: "added" },
      { path: "README.md", change: "added" },
    ]);
    const { data, body } = card(plan.readme);
    expect(data.configs).toEqual([{ config_name: "default", data_files: [{ split: "train", path: "data/train-*" }] }]);
    expect(data.dataset_info).toEqual({
      features: [{ name: "id", dtype: "int64" }],
      splits: [{ name: "train", num_bytes: 24, num_examples: 3 }],
      download_size: 100,
      dataset_size: 24,
    });
    expect(body).toContain("# data\n\nPublished from the GitHub repository [gh/repo](https://github.com/gh/repo)");
    expect(body).toContain('ds = load_dataset("org/data")');
  });

  it("changes nothing when the Hub holds the same shards (LFS oid and size) and the same card", () => {
    const first = planPush(request([split("train", [shard("data/train-00000-of-00001.parquet")])]), NEW);
    const again = planPush(request([split("train", [shard("data/train-00000-of-00001.parquet")])]), remote([lfs("data/train-00000-of-00001.parquet")], first.readme));
    expect(again).toMatchObject({ uploads: [], deletions: [], readme: undefined, readmeChange: "unchanged", changed: false });
    expect(again.unchanged.map((s) => s.repoPath)).toEqual(["data/train-00000-of-00001.parquet"]);
    // Another oid, or the same oid with another size, is an update.
    for (const there of [lfs("data/train-00000-of-00001.parquet", 100, sha("b")), lfs("data/train-00000-of-00001.parquet", 101)]) {
      const plan = planPush(request([split("train", [shard("data/train-00000-of-00001.parquet")])]), remote([there], first.readme));
      expect(plan.changes[0]).toEqual({ path: "data/train-00000-of-00001.parquet", change: "updated" });
      expect(plan.changed).toBe(true);
    }
  });

  it("with paths, deletes the pushed split's old shards only; with splits, every file of the config's folder it did not write", () => {
    const files = [
      lfs("data/train-00000-of-00002.parquet"),
      lfs("data/train-00001-of-00002.parquet"),
      lfs("data/test-00000-of-00001.parquet"),
      lfs("data/notes/train-extra.parquet"),
      lfs("other/train-00000-of-00001.parquet"),
      { path: ".gitattributes", size: 10 },
    ];
    const pushed = [split("train", [shard("data/train-00000-of-00001.parquet")])];
    expect(planPush(request(pushed), remote(files)).deletions).toEqual(["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]);
    expect(planPush(request(pushed, { replaceAllSplits: true }), remote(files)).deletions).toEqual([
      "data/notes/train-extra.parquet",
      "data/test-00000-of-00001.parquet",
      "data/train-00000-of-00002.parquet",
      "data/train-00001-of-00002.parquet",
    ]);
  });

  it("counts in download_size what the config's data_files match once the commit lands", () => {
    const first = planPush(request([split("test", [shard("data/test-00000-of-00001.parquet", 70)])]), NEW);
    const files = [lfs("data/test-00000-of-00001.parquet", 70), lfs("data/train-00000-of-00002.parquet", 500), lfs("elsewhere/big.parquet", 9999)];
    const plan = planPush(request([split("train", [shard("data/train-00000-of-00001.parquet", 100)])]), remote(files, first.readme));
    const { data } = card(plan.readme);
    expect(data.configs[0].data_files).toEqual([
      { split: "test", path: "data/test-*" },
      { split: "train", path: "data/train-*" },
    ]);
    // test (kept, 70) + the new train shard (100); the old train shard is deleted.
    expect(data.dataset_info.download_size).toBe(170);
    expect(data.dataset_info.splits.map((s: { name: string }) => s.name)).toEqual(["test", "train"]);
  });

  it("merges card-metadata and uses card-body as the body; refreshes a generated section and leaves a body without markers alone", () => {
    const withBody = planPush(request([split("train", [shard("data/train-00000-of-00001.parquet")])], { cardMetadata: { license: "mit" }, cardBody: "# Mine\n" }), NEW);
    expect(card(withBody.readme)).toMatchObject({ data: { license: "mit" }, body: "# Mine\n" });

    const generated = planPush(request([split("train", [shard("data/train-00000-of-00001.parquet")])]), NEW).readme!;
    const edited = generated.replace("# data\n", "# data\n\nA human paragraph.\n");
    const refreshed = planPush(request([split("train", [shard("data/train-00000-of-00001.parquet")], 2048)]), remote([], edited));
    expect(card(refreshed.readme).body).toContain("A human paragraph.");
    expect(card(refreshed.readme).body).toContain("| default | train | 3 | 2.05 kB |");

    const human = "---\nlicense: mit\n---\n# Written by hand, no markers\n";
    expect(card(planPush(request([split("train", [shard("data/train-00000-of-00001.parquet")])]), remote([], human)).readme).body).toBe("# Written by hand, no markers\n");
  });

  it("keeps an older Python push's splits reachable when another config is published next to them", () => {
    const files = [lfs("data/train-00000-of-00001.parquet"), lfs("data/test-00000-of-00001.parquet")];
    const plan = planPush(request([split("train", [shard("fr/train-00000-of-00001.parquet")])], { config: "fr", dataDir: "fr" }), remote(files));
    expect(card(plan.readme).data.configs).toEqual([
      { config_name: "default", data_files: [{ split: "test", path: "data/test-*" }, { split: "train", path: "data/train-*" }] },
      { config_name: "fr", data_files: [{ split: "train", path: "fr/train-*" }] },
    ]);
    expect(plan.deletions).toEqual([]);
  });

  it("refuses card-metadata that sets the keys the action owns, and a card it cannot read", () => {
    const pushed = [split("train", [shard("data/train-00000-of-00001.parquet")])];
    expect(() => planPush(request(pushed, { cardMetadata: { configs: [] } }), NEW)).toThrow(CardError);
    expect(() => planPush(request(pushed), remote([], "---\nlicense: [mit\n---\n"))).toThrow(/README.md on the Hub: invalid YAML in the front matter/);
  });
});

describe("planDeleteConfig", () => {
  const twoConfigs = planPush(request([split("train", [shard("b/train-00000-of-00001.parquet")])], { config: "b", dataDir: "b" }), {
    head: "c0",
    files: [lfs("a/train-00000-of-00001.parquet")],
    readme: planPush(request([split("train", [shard("a/train-00000-of-00001.parquet")])], { config: "a", dataDir: "a" }), NEW).readme,
  }).readme;
  const files = [lfs("a/train-00000-of-00001.parquet"), lfs("b/train-00000-of-00001.parquet"), { path: "README.md", size: 1 }];

  it("deletes the config's files and its card entries, and nothing else", () => {
    const plan = planDeleteConfig("a", "a", remote(files, twoConfigs));
    expect(plan).toMatchObject({ uploads: [], deletions: ["a/train-00000-of-00001.parquet"], readmeChange: "updated", changed: true });
    const { data } = card(plan.readme);
    expect(data.configs.map((c: { config_name: string }) => c.config_name)).toEqual(["b"]);
    expect(data.dataset_info.config_name).toBe("b");
  });

  it("refuses a config that does not exist, unless an earlier attempt may have deleted it", () => {
    expect(() => planDeleteConfig("zzz", "zzz", remote(files, twoConfigs))).toThrow("config 'zzz' does not exist in the card, and no files match zzz/");
    expect(() => planDeleteConfig("a", "a", NEW)).toThrow("config 'a' does not exist: the repository has no card and no a/ folder");
    expect(planDeleteConfig("zzz", "zzz", remote(files, twoConfigs), true)).toMatchObject({ deletions: [], readme: undefined, changed: false });
  });

  it("deletes the folder of a config that has files but no card", () => {
    expect(planDeleteConfig("a", "a", remote(files)).deletions).toEqual(["a/train-00000-of-00001.parquet"]);
  });
});

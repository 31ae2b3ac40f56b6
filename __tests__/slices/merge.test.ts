import { describe, expect, it } from "vitest";
import { type Manifest, ManifestError, type ManifestSettings, buildManifest, parseManifest } from "../../src/slices/manifest.js";
import { mergeManifests } from "../../src/slices/merge.js";
import { value } from "../../src/model/features.js";
import type { Conversion } from "../../src/model/conversion.js";

const SETTINGS: ManifestSettings = {
  repo: "org/data",
  config: "default",
  dataDir: "data",
  splits: ["train", "test"],
  replaceAllSplits: true,
  format: "auto",
  featuresInput: null,
  maxShardSize: 500_000_000,
  compression: "snappy",
  inputFiles: "f".repeat(64),
  endpoint: "https://huggingface.co",
  private: false,
  dryRun: false,
  sourceCommit: null,
};

const sha = (n: number) => n.toString(16).padStart(64, "0");

/** Slice `index` of `count`, with `shards` shards of `split` (1 row each) and an `x` column of type `dtype`. */
function manifest(index: number, count: number, parts: { split: string; shards: number }[], dtype = "int64", settings: Partial<ManifestSettings> = {}): Manifest {
  const conversion: Conversion = {
    features: [
      { name: "id", feature: value("string") },
      { name: "x", feature: value(dtype) },
    ],
    splits: parts.map((p, j) => ({
      name: p.split,
      rows: p.shards * 2,
      numBytes: p.shards * 100,
      shards: Array.from({ length: p.shards }, (_, k) => ({ repoPath: `tmp/${k}`, localPath: "/tmp/x", bytes: 1000 + index, sha256: sha(index * 100 + j * 10 + k), rows: 2 })),
    })),
  };
  const files = parts.map((p) => ({ split: p.split, files: [`${p.split}-${index}.csv`] }));
  // Through JSON and back, as the commit job reads it.
  return parseManifest(JSON.stringify(buildManifest({ index, count }, { ...SETTINGS, ...settings }, conversion, files)), `slice-${index}.json`);
}

const file = (m: Manifest, name = `m${m.slice.index}.json`) => ({ file: name, manifest: m });

function mergeError(manifests: Manifest[]): string {
  try {
    mergeManifests(manifests.map((m) => file(m)));
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as Error).message;
  }
  throw new Error("merged");
}

describe("mergeManifests", () => {
  it("names the shards across slices in slice order, as one run names them, and sums rows and bytes", () => {
    const merged = mergeManifests([
      file(manifest(3, 3, [{ split: "test", shards: 1 }])),
      file(manifest(1, 3, [{ split: "train", shards: 2 }])),
      file(manifest(2, 3, [{ split: "train", shards: 1 }, { split: "test", shards: 1 }])),
    ]);
    expect(merged.count).toBe(3);
    const [train, test] = merged.conversion.splits;
    expect(train!.shards.map((s) => [s.repoPath, s.sha256])).toEqual([
      ["data/train-00000-of-00003.parquet", sha(100)],
      ["data/train-00001-of-00003.parquet", sha(101)],
      ["data/train-00002-of-00003.parquet", sha(200)],
    ]);
    expect(test!.shards.map((s) => [s.repoPath, s.sha256])).toEqual([
      ["data/test-00000-of-00002.parquet", sha(210)],
      ["data/test-00001-of-00002.parquet", sha(300)],
    ]);
    expect(train).toMatchObject({ rows: 6, numBytes: 300 });
    expect(test).toMatchObject({ rows: 4, numBytes: 200 });
    expect(train!.shards.every((s) => s.localPath === "")).toBe(true);
  });

  it("refuses a missing slice, naming it", () => {
    expect(mergeError([manifest(1, 3, [{ split: "train", shards: 1 }]), manifest(3, 3, [{ split: "test", shards: 1 }])])).toMatch(
      /slice 2\/3 of 3 is missing \(2 manifests found\).*nothing was committed/,
    );
  });

  it("refuses a slice given twice, naming both files", () => {
    const one = manifest(1, 2, [{ split: "train", shards: 1 }]);
    const two = manifest(2, 2, [{ split: "test", shards: 1 }]);
    expect(() => mergeManifests([file(one, "a/m1.json"), file(one, "b/m1.json"), file(two)])).toThrow(/slice 1\/2 appears 2 times \(a\/m1.json, b\/m1.json\)/);
  });

  it("refuses manifests of matrices of different sizes", () => {
    expect(mergeError([manifest(1, 2, [{ split: "train", shards: 1 }]), manifest(2, 3, [{ split: "test", shards: 1 }])])).toMatch(/different numbers of slices: 2 \(m1.json\), 3 \(m2.json\)/);
  });

  it("refuses settings that differ, naming the input and the slices", () => {
    const message = mergeError([
      manifest(1, 3, [{ split: "train", shards: 1 }]),
      manifest(2, 3, [{ split: "train", shards: 1 }], "int64", { maxShardSize: 1000 }),
      manifest(3, 3, [{ split: "test", shards: 1 }]),
    ]);
    expect(message).toMatch(/max-shard-size is 500000000 in slices 1\/3, 3\/3, 1000 in slice 2\/3/);
    expect(mergeError([manifest(1, 2, [{ split: "train", shards: 1 }]), manifest(2, 2, [{ split: "test", shards: 1 }], "int64", { inputFiles: "0".repeat(64) })])).toMatch(/the matched files/);
  });

  it("refuses column types one run would have unified by reading the files together, naming the column, the types and the slices", () => {
    const message = mergeError([manifest(1, 3, [{ split: "train", shards: 1 }]), manifest(2, 3, [{ split: "train", shards: 1 }], "float64"), manifest(3, 3, [{ split: "test", shards: 1 }])]);
    expect(message).toMatch(/column 'x' is int64 in slices 1\/3, 3\/3, float64 in slice 2\/3/);
    expect(message).toMatch(/'features' input/);
  });

  it("refuses a column all null in some slices and typed in others (their shards could not be read together), suggesting the type", () => {
    const message = mergeError([manifest(1, 2, [{ split: "train", shards: 1 }], "null"), manifest(2, 2, [{ split: "test", shards: 1 }])]);
    expect(message).toMatch(/column 'x' is null \(no value at all\) in slice 1\/2, int64 in slice 2\/2/);
    expect(message).toMatch(/'- name: x\\n {2}dtype: int64'/);
  });

  it("accepts slices without files (more slices than files)", () => {
    const empty = parseManifest(JSON.stringify(buildManifest({ index: 2, count: 2 }, SETTINGS, undefined, [])), "m2.json");
    const merged = mergeManifests([file(manifest(1, 2, [{ split: "train", shards: 1 }, { split: "test", shards: 1 }])), file(empty)]);
    expect(merged.conversion.splits.map((s) => s.shards.length)).toEqual([1, 1]);
  });
});

describe("parseManifest", () => {
  it("says which file is not a manifest, or of another version", () => {
    expect(() => parseManifest("{", "x.json")).toThrow(/x.json is not JSON/);
    expect(() => parseManifest('{"a":1}', "x.json")).toThrow(/x.json is not a slice manifest/);
    const m = JSON.parse(JSON.stringify(manifest(1, 1, [{ split: "train", shards: 1 }])));
    // Version 1 manifests came from prepare jobs that never cut a file: a matrix mixing them with cut ones would lose or repeat rows.
    expect(() => parseManifest(JSON.stringify({ ...m, version: 1 }), "x.json")).toThrow(/x.json is a version 1 manifest; this version of the action reads version 2/);
    expect(() => parseManifest(JSON.stringify({ ...m, version: 3 }), "x.json")).toThrow(/version 3 manifest/);
    m.splits[0].shards[0].sha256 = "nothex";
    expect(() => parseManifest(JSON.stringify(m), "x.json")).toThrow(/its splits/);
  });
});

describe("bounds", () => {
  it("merges 500 slices of 8 shards each into one run's names, in slice order", () => {
    const n = 500;
    const merged = mergeManifests(Array.from({ length: n }, (_, i) => file(manifest(n - i, n, [{ split: "train", shards: 8 }], "int64", { splits: ["train"] }))));
    const shards = merged.conversion.splits[0]!.shards;
    expect(shards).toHaveLength(4000);
    expect(shards[0]!.repoPath).toBe("data/train-00000-of-04000.parquet");
    expect(shards[3999]!.repoPath).toBe("data/train-03999-of-04000.parquet");
    expect(shards[8]!.sha256).toBe(sha(2 * 100));
    expect(merged.conversion.splits[0]!.rows).toBe(n * 16);
  });
});

describe("a file cut between slices", () => {
  /** Slice `index` of 3 holding bytes [start, end) of train's big.csv (1000 bytes). */
  function withPiece(index: number, start: number, end: number, size = 1000): Manifest {
    const m = manifest(index, 3, [{ split: "train", shards: 1 }], "int64", { splits: ["train"] });
    m.splits[0]!.files = ["big.csv"];
    m.splits[0]!.pieces = [{ file: "big.csv", start, end, size }];
    return parseManifest(JSON.stringify(m), `slice-${index}.json`);
  }

  it("is one input file whose pieces follow each other and cover it", () => {
    const merged = mergeManifests([withPiece(1, 0, 300), withPiece(2, 300, 700), withPiece(3, 700, 1000)].map((m) => file(m)));
    expect(merged.inputFiles.get("train")).toBe(1);
    expect(merged.conversion.splits[0]!.shards).toHaveLength(3);
  });

  it("is refused when the pieces leave a gap, overlap, miss the start or the end, or a slice holds it whole", () => {
    expect(mergeError([withPiece(1, 0, 300), withPiece(2, 310, 700), withPiece(3, 700, 1000)])).toMatch(
      /the prepare jobs cut train file big.csv differently: slice 1\/3 ends its piece at byte 300, slice 2\/3 starts the next at byte 310, so rows would be lost or repeated; run every prepare job with the same version/,
    );
    expect(mergeError([withPiece(1, 0, 300), withPiece(2, 200, 700), withPiece(3, 700, 1000)])).toMatch(/slice 1\/3 ends its piece at byte 300, slice 2\/3 starts the next at byte 200/);
    expect(mergeError([withPiece(1, 5, 300), withPiece(2, 300, 700), withPiece(3, 700, 1000)])).toMatch(/its first piece \(slice 1\/3\) starts at byte 5/);
    expect(mergeError([withPiece(1, 0, 300), withPiece(2, 300, 700), withPiece(3, 700, 990)])).toMatch(/its last piece \(slice 3\/3\) ends at byte 990 of 1000/);
    const whole = manifest(3, 3, [{ split: "train", shards: 1 }], "int64", { splits: ["train"] });
    whole.splits[0]!.files = ["big.csv"];
    expect(mergeError([withPiece(1, 0, 300), withPiece(2, 300, 1000), whole])).toMatch(/slice 3\/3 holds all of it, and 1\/3, 2\/3 hold pieces of it/);
    const wholeToo = manifest(2, 3, [{ split: "train", shards: 1 }], "int64", { splits: ["train"] });
    wholeToo.splits[0]!.files = ["big.csv"];
    expect(mergeError([withPiece(1, 0, 300), wholeToo, whole])).toMatch(/slices 2\/3, 3\/3 each hold all of it/);
  });

  it("refuses a manifest whose pieces are not {file, start, end, size}", () => {
    const m = JSON.parse(JSON.stringify(withPiece(1, 0, 300)));
    m.splits[0].pieces = [{ file: "big.csv", start: -1, end: 300, size: 1000 }];
    expect(() => parseManifest(JSON.stringify(m), "bad.json")).toThrow(/bad.json is not a slice manifest of this action: its splits are not a list of/);
  });
});

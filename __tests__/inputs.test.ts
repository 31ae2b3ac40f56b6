/**
 * The action's inputs (strings, as the runner passes them) → Settings: the
 * defaults, what each input accepts, and the exact message of every input
 * error, which is all a user sees when a workflow is misconfigured.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { type Settings, parseGlobLines, parseSplits, readSettings } from "../src/inputs.js";

const WORKSPACE = path.resolve("/work/space");
const ENV = { GITHUB_WORKSPACE: WORKSPACE, RUNNER_TEMP: "/runner/temp" };

/** Settings for `inputs` (every other input empty, as the runner gives an unset input without a default). */
function settings(inputs: Record<string, string>, env: Record<string, string> = {}): Settings {
  return readSettings((name) => inputs[name] ?? "", { ...ENV, ...env });
}

/** The minimal valid inputs: a repo, a token, and files. */
function valid(extra: Record<string, string> = {}): Record<string, string> {
  return { repo: "my-org/my-data", token: "hf_x", paths: "data/*.csv", ...extra };
}

/** The InputError `inputs` give: its input and its message. */
function refusal(inputs: Record<string, string>, env: Record<string, string> = {}): { input: string; message: string } {
  try {
    settings(inputs, env);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { input: e.input, message: e.message };
  }
  throw new Error(`accepted: ${JSON.stringify(inputs)}`);
}

describe("defaults", () => {
  it("fills in every default of action.yml's documented behaviour", () => {
    expect(settings(valid())).toEqual({
      repo: "my-org/my-data",
      token: "hf_x",
      operation: "push",
      splits: [{ name: "train", globs: ["data/*.csv"] }],
      replaceAllSplits: false,
      inferSplits: true,
      config: "default",
      dataDir: "data",
      setDefault: false,
      format: "auto",
      features: undefined,
      maxShardSize: 500_000_000,
      numShards: undefined,
      compression: "snappy",
      private: false,
      branch: "main",
      createPr: false,
      commitMessage: "Upload dataset",
      commitDescription: undefined,
      tag: undefined,
      cardMetadata: undefined,
      cardBody: undefined,
      ifNoFilesFound: "error",
      dryRun: false,
      outputDir: undefined,
      tempDir: "/runner/temp",
      endpoint: "https://huggingface.co",
      xet: true,
      workspace: WORKSPACE,
      slice: undefined,
      manifest: undefined,
      manifests: undefined,
    } satisfies Settings);
  });

  it("uploads through Xet unless HF_HUB_DISABLE_XET says not to, as in Python's huggingface_hub", () => {
    for (const value of ["1", "true", "YES", "on"]) expect(settings(valid(), { HF_HUB_DISABLE_XET: value }).xet).toBe(false);
    for (const value of ["", "0", "false", "no"]) expect(settings(valid(), { HF_HUB_DISABLE_XET: value }).xet).toBe(true);
  });

  it("reads the token and endpoint from HF_TOKEN and HF_ENDPOINT when the inputs are empty", () => {
    const s = settings({ ...valid(), token: "" }, { HF_TOKEN: " hf_env ", HF_ENDPOINT: "http://127.0.0.1:8555/" });
    expect(s.token).toBe("hf_env");
    expect(s.endpoint).toBe("http://127.0.0.1:8555");
    expect(settings(valid({ endpoint: "https://hub.example//" }), { HF_ENDPOINT: "http://other" }).endpoint).toBe("https://hub.example");
  });

  it("keeps the data of a config other than 'default' in a folder named after it, and names a deletion's commit", () => {
    expect(settings(valid({ config: "fr" })).dataDir).toBe("fr");
    expect(settings({ repo: "a/b", token: "hf_x", config: "fr", operation: "delete-config" })).toMatchObject({
      splits: [],
      commitMessage: "Delete 'fr' config",
    });
    expect(settings({ repo: "a/b", token: "hf_x", operation: "delete-config", "commit-message": "Drop it" }).commitMessage).toBe("Drop it");
  });

  it("resolves output-dir and card-body against the workspace", () => {
    const s = settings(valid({ "output-dir": "out/preview", "card-body": "docs/card.md" }));
    expect(s.outputDir).toBe(path.join(WORKSPACE, "out", "preview"));
    expect(s.cardBody).toBe(path.join(WORKSPACE, "docs", "card.md"));
  });
});

describe("repo", () => {
  it("accepts an id, or a dataset URL", () => {
    expect(settings(valid({ repo: "https://huggingface.co/datasets/org-1/data.set_2" })).repo).toBe("org-1/data.set_2");
    expect(settings(valid({ repo: "datasets/org/name" })).repo).toBe("org/name");
  });

  it("is required, and must be namespace/name", () => {
    expect(refusal({ ...valid(), repo: "" })).toEqual({ input: "repo", message: "Input 'repo': required: the dataset repository id, e.g. my-org/my-dataset" });
    for (const repo of ["just-a-name", "a/b/c", "a/-b", "a--b/c", "a/b..c", "a/b c"])
      expect(refusal(valid({ repo })), repo).toEqual({
        input: "repo",
        message: `Input 'repo': '${repo}' is not a dataset repository id of the form namespace/name (letters, digits, '-', '_', '.')`,
      });
  });
});

describe("token", () => {
  it("is required unless it is a dry run", () => {
    expect(refusal({ ...valid(), token: "" })).toEqual({
      input: "token",
      message:
        "Input 'token': a Hugging Face token with write access is required: pass `token: ${{ secrets.HF_TOKEN }}` or set the HF_TOKEN environment variable",
    });
    expect(settings({ ...valid(), token: "", "dry-run": "true" }).token).toBeUndefined();
  });
});

describe("config", () => {
  it("refuses 'data' and names that are not config names", () => {
    expect(refusal(valid({ config: "data" })).message).toBe("Input 'config': 'data' is reserved: it is the folder of the 'default' config");
    for (const config of ["-x", ".x", "a b", "fr/ca"])
      expect(refusal(valid({ config })), config).toEqual({
        input: "config",
        message: `Input 'config': '${config}' is not a valid config name: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'`,
      });
    expect(settings(valid({ config: "_x.v-2" })).config).toBe("_x.v-2");
  });
});

describe("paths, split and splits", () => {
  it("needs one of paths and splits, not both", () => {
    expect(refusal({ repo: "a/b", token: "hf_x" })).toEqual({
      input: "paths",
      message: "Input 'paths': say which files to publish, with 'paths' (globs, one per line) or 'splits'",
    });
    expect(refusal(valid({ splits: "train: a.csv" }))).toEqual({
      input: "splits",
      message: "Input 'splits': give either 'paths' (one split) or 'splits' (several), not both",
    });
  });

  it("reads paths as one glob per line, without blanks and comments, and checks the split name", () => {
    expect(parseGlobLines("data/*.csv\n\n  # old files\n  more/{a,b}.csv  \r\n!data/x.csv")).toEqual(["data/*.csv", "more/{a,b}.csv", "!data/x.csv"]);
    expect(settings(valid({ split: "validation.fr" })).splits).toEqual([{ name: "validation.fr", globs: ["data/*.csv"] }]);
    expect(refusal(valid({ split: "my-split" }))).toEqual({
      input: "split",
      message: "Input 'split': 'my-split' is not a valid split name: use letters, digits and '_', optionally dot-separated (no '-')",
    });
  });

  it("reads splits as a YAML mapping, or as plain 'split: glob' lines when a glob is not valid YAML", () => {
    expect(parseSplits("train: data/train-*.csv\ntest: [a.csv, b.csv]")).toEqual([
      { name: "train", globs: ["data/train-*.csv"] },
      { name: "test", globs: ["a.csv", "b.csv"] },
    ]);
    expect(parseSplits("train: *.csv\n# comment\ntest: **/test.jsonl")).toEqual([
      { name: "train", globs: ["*.csv"] },
      { name: "test", globs: ["**/test.jsonl"] },
    ]);
    const s = settings({ repo: "a/b", token: "hf_x", splits: "train: a.csv" });
    expect(s.replaceAllSplits).toBe(true);
  });

  it("explains each way a splits value can be wrong", () => {
    const splits = (text: string) => refusal({ repo: "a/b", token: "hf_x", splits: text });
    expect(splits("*.csv")).toEqual({ input: "splits", message: "Input 'splits': cannot read '*.csv': write one 'split: glob' per line, or a YAML mapping" });
    expect(splits("{}").message).toBe("Input 'splits': name at least one split");
    expect(splits("my-split: a.csv").message).toBe(
      "Input 'splits': 'my-split' is not a valid split name: use letters, digits and '_', optionally dot-separated (no '-')",
    );
    expect(splits("train: []").message).toBe("Input 'splits': split 'train' needs a glob or a list of globs");
    expect(splits("train: {a: 1}").message).toBe("Input 'splits': split 'train' needs a glob or a list of globs");
  });
});

describe("sizes and shard counts", () => {
  it("reads max-shard-size with decimal and binary units", () => {
    expect(settings(valid({ "max-shard-size": "1.5GB" })).maxShardSize).toBe(1_500_000_000);
    expect(settings(valid({ "max-shard-size": "512MiB" })).maxShardSize).toBe(512 * 2 ** 20);
  });

  it("refuses a size it cannot read, with the reason", () => {
    const size = (text: string) => refusal(valid({ "max-shard-size": text }));
    expect(size("10Mb")).toEqual({ input: "max-shard-size", message: "Input 'max-shard-size': '10Mb': write the unit with a capital B (MB); a lowercase b means bits" });
    expect(size("12XB").message).toBe("Input 'max-shard-size': unknown unit 'XB' in '12XB'; use KB, MB, GB, TB (decimal) or KiB, MiB, GiB, TiB (binary)");
    expect(size("big").message).toBe("Input 'max-shard-size': 'big' is not a size; write bytes or a number with a unit such as 500MB or 1GiB");
    expect(size("0").message).toBe("Input 'max-shard-size': must be at least 1 byte");
  });

  it("takes num-shards as a positive whole number, and not together with max-shard-size", () => {
    expect(settings(valid({ "num-shards": "3" })).numShards).toBe(3);
    // max-shard-size at its default counts as not given.
    expect(settings(valid({ "num-shards": "3", "max-shard-size": "500MB" })).numShards).toBe(3);
    for (const n of ["0", "-1", "1.5", "two"])
      expect(refusal(valid({ "num-shards": n })), n).toEqual({ input: "num-shards", message: `Input 'num-shards': '${n}' is not a positive whole number` });
    expect(refusal(valid({ "num-shards": "3", "max-shard-size": "1GB" }))).toEqual({
      input: "num-shards",
      message: "Input 'num-shards': give either 'num-shards' or 'max-shard-size', not both",
    });
  });
});

describe("branch and tag", () => {
  it("accepts git ref names", () => {
    expect(settings(valid({ branch: "release/v2.0", tag: "v2.0.0-rc.1" }))).toMatchObject({ branch: "release/v2.0", tag: "v2.0.0-rc.1" });
  });

  it("refuses what git would refuse, and full ref paths", () => {
    for (const branch of ["with space", "a..b", "/lead", "trail/", "a//b", "a~1", "a^b", "a:b", "a?b", "a*b", "a[b", "a\\b", "refs/heads/main"])
      expect(refusal(valid({ branch })), branch).toEqual({ input: "branch", message: `Input 'branch': '${branch}' is not a valid branch name` });
    for (const tag of ["v 1", "v1..2", "refs/tags/v1"])
      expect(refusal(valid({ tag })), tag).toEqual({
        input: "tag",
        message: `Input 'tag': '${tag}' is not a valid tag name (no spaces, '..', '~', '^', ':' or '\\')`,
      });
  });
});

describe("endpoint", () => {
  it("must be an http(s) URL", () => {
    for (const endpoint of ["huggingface.co", "ftp://hub", "https:///hub"])
      expect(refusal(valid({ endpoint })), endpoint).toEqual({ input: "endpoint", message: `Input 'endpoint': '${endpoint}' is not an http(s) URL` });
  });
});

describe("choices and booleans", () => {
  it("names the choices of an input that has them", () => {
    expect(refusal(valid({ compression: "lz4" }))).toEqual({ input: "compression", message: "Input 'compression': 'lz4' is not one of snappy, zstd, gzip, none" });
    expect(refusal(valid({ format: "xlsx" })).message).toBe("Input 'format': 'xlsx' is not one of auto, csv, tsv, json, jsonl, parquet, text, imagefolder, audiofolder");
    expect(refusal(valid({ operation: "delete" })).message).toBe("Input 'operation': 'delete' is not one of push, delete-config, prepare, commit");
    expect(refusal(valid({ "if-no-files-found": "fail" })).message).toBe("Input 'if-no-files-found': 'fail' is not one of error, warn, ignore");
  });

  it("reads booleans as GitHub documents them, and nothing else", () => {
    expect(settings(valid({ "dry-run": "True", private: "TRUE", "create-pr": "false", "set-default": "true" }))).toMatchObject({
      dryRun: true,
      private: true,
      createPr: false,
      setDefault: true,
    });
    for (const name of ["dry-run", "private", "create-pr", "set-default"])
      expect(refusal(valid({ [name]: "yes" })), name).toEqual({ input: name, message: `Input '${name}': 'yes' is not a boolean: use true or false` });
  });
});

describe("features", () => {
  it("reads the card's dataset_info.features form", () => {
    expect(settings(valid({ features: "- name: label\n  dtype:\n    class_label:\n      names: [neg, pos]\n- name: id\n  dtype: int32" })).features).toEqual([
      { name: "label", feature: { kind: "class_label", names: ["neg", "pos"] } },
      { name: "id", feature: { kind: "value", dtype: "int32" } },
    ]);
  });

  it("explains YAML it cannot read, and features it cannot use", () => {
    const features = (text: string) => refusal(valid({ features: text }));
    expect(features("- name: [unclosed").message).toMatch(/^Input 'features': invalid YAML: /);
    expect(features("label: int64")).toEqual({ input: "features", message: "Input 'features': expected a list of {name, dtype|list|struct} entries" });
    expect(features("- dtype: int64").message).toBe("Input 'features': [0]: each entry needs a 'name'");
    expect(features("- {name: a, dtype: int64}\n- {name: a, dtype: string}").message).toBe("Input 'features': column 'a' is listed twice");
    expect(features("- {name: a, dtype: int65}").message).toBe("Input 'features': .a: unknown dtype 'int65'");
    expect(features("- {name: a}").message).toBe("Input 'features': .a: needs one of 'dtype', 'list', 'struct'");
  });
});

describe("card-metadata and card-body", () => {
  it("merges a YAML 1.1 mapping into the card", () => {
    expect(settings(valid({ "card-metadata": "license: mit\ntags: [a, b]\nflag: yes" })).cardMetadata).toEqual({ license: "mit", tags: ["a", "b"], flag: true });
  });

  it("refuses what is not a mapping, and the keys the action writes", () => {
    const metadata = (text: string) => refusal(valid({ "card-metadata": text }));
    expect(metadata("license: [mit").message).toMatch(/^Input 'card-metadata': invalid YAML: /);
    expect(metadata("- mit")).toEqual({ input: "card-metadata", message: "Input 'card-metadata': must be a YAML mapping, e.g. `license: mit`" });
    expect(metadata("just text").message).toBe("Input 'card-metadata': must be a YAML mapping, e.g. `license: mit`");
    expect(metadata("configs: []").message).toBe("Input 'card-metadata': 'configs' is written by the action from the data; remove it");
    expect(metadata("dataset_info: {}").message).toBe("Input 'card-metadata': 'dataset_info' is written by the action from the data; remove it");
  });

  it("keeps card-body inside the workspace", () => {
    for (const body of ["../card.md", "/etc/motd"])
      expect(refusal(valid({ "card-body": body })), body).toEqual({ input: "card-body", message: `Input 'card-body': '${body}' is outside the workspace` });
  });
});

describe("slices (prepare and commit)", () => {
  it("reads a prepare job's slice and where its manifest goes", () => {
    expect(settings(valid({ operation: "prepare", slice: "3/16" }))).toMatchObject({
      operation: "prepare",
      slice: { index: 3, count: 16 },
      manifest: path.join("/runner/temp", "hf-dataset-manifest-default-00003-of-00016.json"),
      manifests: undefined,
    });
    expect(settings(valid({ operation: "prepare", slice: "3/16", config: "fr" })).manifest).toBe(path.join("/runner/temp", "hf-dataset-manifest-fr-00003-of-00016.json"));
    expect(settings(valid({ operation: "prepare", slice: "1/2", manifest: "out/m.json" })).manifest).toBe(path.join(WORKSPACE, "out", "m.json"));
  });

  it("reads a commit job's manifests glob; it needs no paths", () => {
    expect(settings({ repo: "a/b", token: "hf_x", operation: "commit", manifests: "manifests/*.json" })).toMatchObject({
      operation: "commit",
      manifests: "manifests/*.json",
      splits: [],
    });
  });

  it("refuses a prepare without a slice, a bad slice, num-shards, and the inputs of the other operation", () => {
    expect(refusal(valid({ operation: "prepare" })).input).toBe("slice");
    expect(refusal(valid({ operation: "prepare", slice: "9/8" })).message).toBe("Input 'slice': '9/8': the slice number must be between 1 and 8");
    expect(refusal(valid({ operation: "prepare", slice: "1/8", "num-shards": "4" })).input).toBe("num-shards");
    expect(refusal(valid({ slice: "1/8" })).message).toBe("Input 'slice': only used with operation 'prepare'");
    expect(refusal(valid({ operation: "prepare", slice: "1/2", manifests: "*.json" })).input).toBe("manifests");
    expect(refusal({ repo: "a/b", token: "hf_x", operation: "commit" }).input).toBe("manifests");
  });

  it("refuses the inputs only the other kind of job uses, where they would do nothing; their defaults pass", () => {
    const commit = { repo: "a/b", token: "hf_x", operation: "commit", manifests: "m/*.json" };
    expect(refusal({ ...commit, features: "- {name: x, dtype: int64}" })).toEqual({
      input: "features",
      message: "Input 'features': only the prepare jobs (operation 'prepare') use it; with operation 'commit' it would do nothing: leave it out here",
    });
    for (const [name, value] of [["paths", "data/*.csv"], ["compression", "zstd"], ["max-shard-size", "1GB"], ["split", "test"]])
      expect(refusal({ ...commit, [name]: value }).input, name).toBe(name);
    // The runner passes every input's default from action.yml.
    expect(settings({ ...commit, compression: "snappy", "max-shard-size": "500MB", split: "train", format: "auto" }).operation).toBe("commit");
    const prepare = valid({ operation: "prepare", slice: "1/2" });
    expect(refusal({ ...prepare, tag: "v1" }).message).toBe(
      "Input 'tag': only the commit job (operation 'commit') and one-job pushes use it; with operation 'prepare' it would do nothing: leave it out here",
    );
    for (const [name, value] of [["card-metadata", "license: mit"], ["commit-message", "Hi"], ["set-default", "true"]])
      expect(refusal({ ...prepare, [name]: value }).input, name).toBe(name);
    expect(settings({ ...prepare, "commit-message": "Upload dataset", "set-default": "false" }).operation).toBe("prepare");
    expect(refusal({ ...prepare, "if-no-files-found": "warn" }).input).toBe("if-no-files-found");
  });
});

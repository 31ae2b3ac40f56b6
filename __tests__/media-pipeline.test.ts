/**
 * Media folders through the whole pipeline, published to the emulator:
 * splits from the folder names when `paths` is one folder and `split` is
 * not set, the card's `dtype: image` and class names, the job summary's
 * media counts and example files, and bad input that commits nothing.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../emulator/server.js";
import { DataError } from "../src/data/errors.js";
import { summaryMarkdown } from "../src/report.js";
import { REAL, copyMedia } from "./data/media/real-media.js";
import { makeWorkspace, publishRun } from "./helpers/publish-run.js";

let hub: HubEmulator;
let workspace: string;

beforeAll(async () => {
  hub = await startHubEmulator();
  workspace = await makeWorkspace({ "photos/README.md": "# not data\n" });
  await copyMedia(workspace, {
    "photos/train/cat/cat.jpg": REAL.catJpg,
    "photos/train/cat/xtc.jpg": REAL.xtcJpg,
    "photos/train/dog/gimp.png": REAL.gimpPng,
    "photos/test/cat/ffox.png": REAL.ffoxPng,
    "photos/test/dog/x.bmp": REAL.bmp8,
  });
});
afterAll(() => hub?.close());

const card = (repo: string) => parseYaml(/^---\n([\s\S]*?)\n---/.exec(hub.readFile(repo, "README.md")!.toString("utf8"))![1]!) as Record<string, never>;

describe("a media folder published", () => {
  it("paths naming one folder, no split: splits from its folder names, labels from the class folders", async () => {
    const repo = "tester/pets";
    const { result, log } = await publishRun(workspace, { repo, token: hub.tokens.write, endpoint: hub.url, paths: "photos" });
    expect(log.lines).toContain("Splits from the folder names under photos/: train (3 files), test (2 files)");
    expect(log.lines.some((l) => l.includes("left out photos/README.md"))).toBe(true);
    expect(hub.files(repo).filter((f) => f.endsWith(".parquet"))).toEqual(["data/test-00000-of-00001.parquet", "data/train-00000-of-00001.parquet"]);
    const info = card(repo).dataset_info as { features: unknown; splits: { name: string; num_examples: number }[] };
    expect(info.features).toEqual([
      { name: "image", dtype: "image" },
      { name: "label", dtype: { class_label: { names: { "0": "cat", "1": "dog" } } } },
    ]);
    expect(info.splits.map((s) => [s.name, s.num_examples])).toEqual([["train", 3], ["test", 2]]);
    const md = summaryMarkdown(result);
    expect(md).toContain("| split | media column | files | size |");
    expect(md).toMatch(/\| train \| image \| 3 \| [\d.]+ kB \|/);
    expect(md).toContain("| train | cat | `photos/train/cat/cat.jpg`, `photos/train/cat/xtc.jpg` |");
    expect(md).toContain("| test | dog | `photos/test/dog/x.bmp` |");
  });

  it("with split set, the folder is one split (as Python's data_files given by hand)", async () => {
    const repo = "tester/pets-one";
    await publishRun(workspace, { repo, token: hub.tokens.write, endpoint: hub.url, paths: "photos", split: "all" });
    expect(hub.files(repo).filter((f) => f.endsWith(".parquet"))).toEqual(["data/all-00000-of-00001.parquet"]);
  });

  it("a broken image fails the run naming the file, and nothing is committed", async () => {
    const repo = "tester/pets";
    const head = hub.headOf(repo);
    const broken = await makeWorkspace({});
    await copyMedia(broken, { "photos/cat/a.png": REAL.gimpPng, "photos/dog/b.png": REAL.ffoxPng });
    await writeFile(path.join(broken, "photos/dog/c.png"), "GIF89a? not really");
    const error = await publishRun(broken, { repo, token: hub.tokens.write, endpoint: hub.url, paths: "photos" }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).file).toBe("photos/dog/c.png");
    expect((error as Error).message).toBe("photos/dog/c.png: cannot identify image file: broken GIF (no image in the file)");
    expect(hub.headOf(repo)).toBe(head);
    const fresh = await publishRun(broken, { repo: "tester/never", token: hub.tokens.write, endpoint: hub.url, paths: "photos" }).catch(() => undefined);
    expect(fresh).toBeUndefined();
    expect(hub.repoExists("tester/never")).toBe(false);
  });
});

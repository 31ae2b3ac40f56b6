/**
 * How a media folder is read, as Python's imagefolder / audiofolder read it
 * (datasets 5.0.1; the cases are the experiments of docs/dataset-layout.md#image-and-audio-folders):
 * which files are taken, split names from folder and file names, and when
 * and how labels come from the parent folders.
 */
import { afterAll, describe, expect, it } from "vitest";
import { FileSelectionError } from "../../../src/data/errors.js";
import { type DataFile, discoverFiles } from "../../../src/data/read/discover.js";
import { byCodePoint, inferLabels, inferSplits } from "../../../src/data/read/media/folders.js";
import { rejection, removeTempDirs, tempDir, writeFiles } from "../helpers.js";

afterAll(removeTempDirs);

const files = (...names: string[]): DataFile[] => names.map((file) => ({ localPath: `/ws/${file}`, file, format: "image" }));
const splitsOf = (root: string, ...names: string[]) => Object.fromEntries(inferSplits(files(...names), root).map((s) => [s.name, s.files.map((f) => f.file)]));

describe("which files a media folder takes", () => {
  it("images of any extension case and metadata files; other files left out and listed; hidden and __ folders skipped", async () => {
    const ws = await tempDir("media-ws-");
    await writeFiles(ws, {
      "photos/cat/a.png": "",
      "photos/cat/b.JPG": "",
      "photos/dog/UPPER.PNG": "",
      "photos/dog/notes.txt": "",
      "photos/README.md": "",
      "photos/metadata.csv": "",
      "photos/Metadata.csv": "",
      "photos/extra.csv": "",
      "photos/.hidden.jpg": "",
      "photos/.git/y.png": "",
      "photos/__pycache__/z.png": "",
    });
    const ignored: string[] = [];
    const found = await discoverFiles(["photos"], ws, "auto", ignored);
    expect(found.map((f) => [f.file, f.format])).toEqual([
      ["photos/cat/a.png", "image"],
      ["photos/cat/b.JPG", "image"],
      ["photos/dog/UPPER.PNG", "image"],
      ["photos/metadata.csv", "csv"],
    ]);
    expect(ignored).toEqual(["photos/Metadata.csv", "photos/README.md", "photos/__pycache__/z.png", "photos/dog/notes.txt", "photos/extra.csv"]);
  });

  it("format imagefolder takes the images only (as Python's imagefolder leaves .wav out); audiofolder the audio", async () => {
    const ws = await tempDir("media-ws-");
    await writeFiles(ws, { "m/a.png": "", "m/b.jpg": "", "m/c.wav": "" });
    expect((await discoverFiles(["m"], ws, "imagefolder")).map((f) => f.file)).toEqual(["m/a.png", "m/b.jpg"]);
    expect((await discoverFiles(["m"], ws, "audiofolder")).map((f) => f.file)).toEqual(["m/c.wav"]);
    // auto keeps both: the reader then refuses the mix (see convert tests).
    expect((await discoverFiles(["m"], ws, "auto")).map((f) => f.format)).toEqual(["image", "image", "audio"]);
  });

  it("a media format Python would load but the action cannot check is an error naming the file", async () => {
    const ws = await tempDir("media-ws-");
    await writeFiles(ws, { "m/a.png": "", "m/icon.ico": "" });
    const e = await rejection(discoverFiles(["m"], ws, "auto"));
    expect(e).toBeInstanceOf(FileSelectionError);
    expect(e.message).toBe("'m/icon.ico' is an image format the action cannot embed (Python's imagefolder would load it); it embeds .png .apng .jpg .jpeg .jpe .jfif .gif .webp .bmp .tif .tiff");
    await writeFiles(ws, { "n/a.aiff": "" });
    expect((await rejection(discoverFiles(["n"], ws, "auto"))).message).toMatch(/^'n\/a\.aiff' is an audio format the action cannot embed; it embeds \.wav \.mp3/);
  });

  it("tables alone are read as before", async () => {
    const ws = await tempDir("media-ws-");
    await writeFiles(ws, { "d/a.csv": "x\n1\n", "d/metadata.csv": "x\n1\n" });
    expect((await discoverFiles(["d"], ws, "auto")).map((f) => [f.file, f.format])).toEqual([["d/a.csv", "csv"], ["d/metadata.csv", "csv"]]);
  });
});

describe("splits from folder and file names (a root folder given alone)", () => {
  it("split folders at any depth, in Python's split order", () => {
    expect(splitsOf("img3", "img3/test/cat/a.png", "img3/train/cat/b.png", "img3/validation/cat/c.png")).toEqual({
      train: ["img3/train/cat/b.png"],
      validation: ["img3/validation/cat/c.png"],
      test: ["img3/test/cat/a.png"],
    });
    expect(splitsOf("img15", "img15/data/test/cat/a.png", "img15/data/train/dog/b.png")).toEqual({
      train: ["img15/data/train/dog/b.png"],
      test: ["img15/data/test/cat/a.png"],
    });
  });

  it("keywords as a folder name or beside -._ and digits: training, train_2024, dev, eval_set", () => {
    expect(splitsOf("img14", "img14/dev/cat/a.png", "img14/eval_set/dog/b.png", "img14/train_2024/dog/c.png", "img14/training/cat/d.png")).toEqual({
      train: ["img14/train_2024/dog/c.png", "img14/training/cat/d.png"],
      validation: ["img14/dev/cat/a.png"],
      test: ["img14/eval_set/dog/b.png"],
    });
    expect(splitsOf("r", "r/my-val/a.png", "r/x.test.2/b.png")).toEqual({ validation: ["r/my-val/a.png"], test: ["r/x.test.2/b.png"] });
  });

  it("case-sensitive: Train/ and Test/ are no splits, everything is train", () => {
    expect(splitsOf("img13", "img13/Test/dog/a.png", "img13/Train/cat/b.png")).toEqual({ train: ["img13/Test/dog/a.png", "img13/Train/cat/b.png"] });
  });

  it("keywords in file names when no folder has one; a keyword must stand apart (trainer.png is not train)", () => {
    expect(splitsOf("f", "f/test_1.png", "f/train-001.png", "f/train-002.png", "f/pics.val.jpg")).toEqual({
      train: ["f/train-001.png", "f/train-002.png"],
      validation: ["f/pics.val.jpg"],
      test: ["f/test_1.png"],
    });
    expect(splitsOf("f", "f/trainer.png", "f/atest.png")).toEqual({ train: ["f/trainer.png", "f/atest.png"] });
  });

  it("the root folder's own name does not count", () => {
    expect(splitsOf("test", "test/a.png", "test/b.png")).toEqual({ train: ["test/a.png", "test/b.png"] });
  });

  it("a file in no split folder (Python leaves it out) or in two is an error naming it", () => {
    expect(() => inferSplits(files("r/train/a.png", "r/other/b.png", "r/metadata.csv"), "r")).toThrow(
      new FileSelectionError(
        "'r/other/b.png' is in no split: 'r' has split folders (train), and this file's folder name matches none (Python's loader would leave it out). Move it, or name the splits with the 'splits' input.",
      ),
    );
    expect(() => inferSplits(files("r/train/test/a.png"), "r")).toThrow("'r/train/test/a.png' matches the splits 'train' and 'test'");
  });
});

describe("labels from the parent folders (no metadata)", () => {
  it("more than one parent folder name, all files at one depth: names sorted by code point", () => {
    expect(inferLabels(files("img1/cat/f3.jpg", "img1/cat/python.png", "img1/dog/UPPER.PNG", "img1/dog/python.gif"))).toEqual(["cat", "dog"]);
    expect(inferLabels(files("a/zebra/1.png", "a/Zebra/2.png", "a/ábaco/3.png", "a/😀/4.png", "a/\uff5e/5.png"))).toEqual(["Zebra", "zebra", "ábaco", "\uff5e", "😀"]);
  });

  it("no labels when files sit at different depths (img4), or in one folder only (img20)", () => {
    expect(inferLabels(files("img4/cat/a.png", "img4/dog/sub/b.png"))).toBeUndefined();
    expect(inferLabels(files("img20/train/cat/a.png", "img20/test/cat/b.png"))).toBeUndefined();
  });

  it("over all splits at once: img12 (train/{a,b}, test/c) gets labels train and test in every split", () => {
    // Python decides split by split: its train rows get label None, its test row 0 (src/data/README.md).
    expect(inferLabels(files("img12/train/a.png", "img12/train/b.jpg", "img12/test/c.png"))).toEqual(["test", "train"]);
  });

  it("byCodePoint orders as Python's sorted() (UTF-16 order differs above U+FFFF)", () => {
    const names = ["\uff5e", "😀", "a"];
    expect([...names].sort()).toEqual(["a", "😀", "\uff5e"]);
    expect([...names].sort(byCodePoint)).toEqual(["a", "\uff5e", "😀"]);
  });
});

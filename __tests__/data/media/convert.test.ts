/**
 * Media folders and path columns converted to shards (convert() as the
 * pipeline runs it), read back by DuckDB and hyparquet: features as Python's
 * imagefolder / audiofolder give them, every row's bytes equal to its
 * source file, base names as paths, Python's storage settings and sizes;
 * and bad input refused with the file (and metadata line) named, before
 * anything is written.
 */
import { createHash } from "node:crypto";
import { readFile, readdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, readOffsetIndex } from "hyparquet";
import * as parquet from "parquet-wasm/node";
import * as arrow from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { type ConvertOptions, convert } from "../../../src/data/convert.js";
import { DataError, FileSelectionError } from "../../../src/data/errors.js";
import { type FormatSetting, discoverFiles } from "../../../src/data/read/discover.js";
import { featuresFromYaml } from "../../../src/model/features.js";
import type { Conversion } from "../../../src/model/conversion.js";
import { query } from "../../helpers/duckdb.js";
import { featureMap, rejection, removeTempDirs, silent, tempDir, writeFiles } from "../helpers.js";
import { REAL, copyMedia } from "./real-media.js";

afterAll(removeTempDirs);

/** Discovers `globs` (per split) in `ws` and converts them, as the pipeline does. */
async function publishFolder(
  ws: string,
  globs: Record<string, string[]>,
  options: Partial<ConvertOptions> & { format?: FormatSetting } = {},
): Promise<{ conversion: Conversion; outputDir: string }> {
  const splits = [];
  for (const [name, g] of Object.entries(globs)) splits.push({ name, files: await discoverFiles(g, ws, options.format ?? "auto") });
  const outputDir = await tempDir("media-out-");
  const conversion = await convert({ splits, dataDir: "data", outputDir, maxShardSize: 500_000_000, compression: "snappy", log: silent, workspace: ws, ...options });
  return { conversion, outputDir };
}

/** The error a publish fails with; nothing may have been written. */
async function refusal(ws: string, globs: Record<string, string[]>, options: Partial<ConvertOptions> = {}): Promise<Error> {
  const outputDir = await tempDir("media-out-");
  const e = await rejection(
    (async () => {
      const splits = [];
      for (const [name, g] of Object.entries(globs)) splits.push({ name, files: await discoverFiles(g, ws, "auto") });
      await convert({ splits, dataDir: "data", outputDir, maxShardSize: 500_000_000, compression: "snappy", log: silent, workspace: ws, ...options });
    })(),
  );
  expect(e.message).not.toMatch(/\n\s+at /);
  expect(await readdir(outputDir, { recursive: true })).toEqual([]);
  return e;
}

interface MediaValue {
  bytes: Uint8Array;
  path: string;
}

/** Rows of a split read by hyparquet (media values as {bytes, path}; byte arrays without a string type stay bytes). */
async function hypRows(conversion: Conversion, split = "train"): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const text = (v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v);
  for (const shard of conversion.splits.find((s) => s.name === split)!.shards)
    for (const row of await parquetReadObjects({ file: await asyncBufferFromFile(shard.localPath), utf8: false }))
      rows.push(
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, v && typeof v === "object" && "bytes" in v ? { bytes: (v as MediaValue).bytes, path: text((v as MediaValue).path) } : text(v)]),
        ),
      );
  return rows;
}

const bytesOf = async (file: string) => new Uint8Array(await readFile(file));

/** Byte equality (vitest's deep equality walks big arrays slowly). */
async function expectFileBytes(actual: unknown, source: string): Promise<void> {
  expect(actual).toBeInstanceOf(Uint8Array);
  const expected = await bytesOf(source);
  expect(Buffer.from(actual as Uint8Array).equals(expected), `bytes of ${source} (${(actual as Uint8Array).length} vs ${expected.length})`).toBe(true);
}

describe("an image folder without metadata", () => {
  it("labels from the class folders; each row holds its file's bytes and base name, in path order", async () => {
    const ws = await tempDir("media-ws-");
    const files = { "pets/cat/cat.jpg": REAL.catJpg, "pets/cat/cells.jpg": REAL.cellsJpg, "pets/dog/gimp.png": REAL.gimpPng, "pets/dog/x.bmp": REAL.bmp24 };
    await copyMedia(ws, files);
    const { conversion } = await publishFolder(ws, { train: ["pets"] });
    expect(featureMap(conversion.features)).toEqual({ image: "image", label: "class_label(2 names)" });
    expect(conversion.features[1]!.feature).toEqual({ kind: "class_label", names: ["cat", "dog"] });
    const rows = await hypRows(conversion);
    expect(rows.map((r) => [(r.image as MediaValue).path, r.label])).toEqual([["cat.jpg", 0n], ["cells.jpg", 0n], ["gimp.png", 1n], ["x.bmp", 1n]]);
    for (const [i, source] of Object.values(files).entries()) await expectFileBytes((rows[i]!.image as MediaValue).bytes, source);
    // DuckDB reads the same bytes.
    const shard = conversion.splits[0]!.shards[0]!.localPath;
    const duck = await query(`select image.path as path, md5(image.bytes) as md5, label from read_parquet('${shard}')`);
    const md5 = async (file: string) => createHash("md5").update(await bytesOf(file)).digest("hex");
    expect(duck).toEqual(await Promise.all(Object.entries(files).map(async ([name, src], i) => ({ path: path.basename(name), md5: await md5(src), label: String(i < 2 ? 0 : 1) }))));
  });

  it("Python's num_bytes: the files' sizes plus the label column and the null `bytes` child (pyarrow 25's count)", async () => {
    const ws = await tempDir("media-ws-");
    await copyMedia(ws, { "p/a/1.png": REAL.gimpPng, "p/a/2.png": REAL.ffoxPng, "p/b/3.jpg": REAL.xtcJpg });
    const { conversion } = await publishFolder(ws, { train: ["p"] });
    const sizes = (await Promise.all([REAL.gimpPng, REAL.ffoxPng, REAL.xtcJpg].map(bytesOf))).reduce((n, b) => n + b.length, 0);
    // label int64: 8 per row; image: bytes child = 1-byte bitmap + 4 per row; no `path` (Python takes the paths out).
    expect(conversion.splits[0]!.numBytes).toBe(sizes + 3 * 8 + 1 + 3 * 4);
  });

  it("media columns stored as Python writes them: uncompressed, PLAIN, no dictionary; `bytes` without min/max or column index", async () => {
    const ws = await tempDir("media-ws-");
    await copyMedia(ws, { "p/a/1.png": REAL.gimpPng, "p/b/2.jpg": REAL.xtcJpg });
    const { conversion } = await publishFolder(ws, { train: ["p"] });
    const file = await asyncBufferFromFile(conversion.splits[0]!.shards[0]!.localPath);
    const meta = await parquetMetadataAsync(file);
    const columns = meta.row_groups[0]!.columns.map((c) => c.meta_data!);
    const byPath = Object.fromEntries(columns.map((c) => [c.path_in_schema.join("."), c]));
    for (const leaf of ["image.bytes", "image.path"]) {
      expect(byPath[leaf]!.codec).toBe("UNCOMPRESSED");
      expect(byPath[leaf]!.encodings.sort()).toEqual(["PLAIN", "RLE"]);
      expect(byPath[leaf]!.dictionary_page_offset).toBeUndefined();
    }
    expect(byPath["image.bytes"]!.statistics).toEqual({ null_count: 0n });
    expect(byPath["image.path"]!.statistics).toMatchObject({ null_count: 0n, min_value: "1.png", max_value: "2.jpg" });
    expect(byPath.label!.codec).toBe("SNAPPY");
    const chunks = meta.row_groups[0]!.columns;
    expect(chunks[0]!.column_index_offset).toBeUndefined();
    expect(chunks[1]!.column_index_offset).toBeDefined();
    // The offset index lets a reader fetch one file's page alone.
    const index = readOffsetIndex({ view: new DataView(await file.slice(Number(chunks[0]!.offset_index_offset), Number(chunks[0]!.offset_index_offset) + chunks[0]!.offset_index_length!)), offset: 0 });
    expect(index.page_locations.map((p) => p.first_row_index)).toEqual([0n]);
    const kv = Object.fromEntries((meta.key_value_metadata ?? []).map((e) => [e.key, e.value]));
    expect(kv.huggingface).toBe('{"info": {"features": {"image": {"_type": "Image"}, "label": {"names": ["a", "b"], "_type": "ClassLabel"}}}}');
    expect(kv["ARROW:schema"]).toBeDefined();
    // The media columns' pages are cut by size, not by content (docs/parquet.md#media-columns): no claim otherwise.
    expect(kv.content_defined_chunking).toBeUndefined();
  });

  it("a JPEG named .png is published (Pillow reads the bytes, not the name)", async () => {
    const ws = await tempDir("media-ws-");
    await copyMedia(ws, { "p/a.png": REAL.catJpg });
    const { conversion } = await publishFolder(ws, { train: ["p"] });
    const rows = await hypRows(conversion);
    expect(rows).toHaveLength(1);
    await expectFileBytes((rows[0]!.image as MediaValue).bytes, REAL.catJpg);
  });

  it("the `features` input may set the media column's parameters and the label names", async () => {
    const ws = await tempDir("media-ws-");
    await copyMedia(ws, { "p/cat/1.png": REAL.gimpPng, "p/dog/2.png": REAL.ffoxPng });
    const overrides = featuresFromYaml([{ name: "image", dtype: { image: { decode: false } } }, { name: "label", dtype: { class_label: { names: ["dog", "cat", "bird"] } } }], "features");
    const { conversion } = await publishFolder(ws, { train: ["p"] }, { overrides });
    expect(conversion.features.map((f) => f.feature)).toEqual([
      { kind: "custom", typeName: "Image", params: { decode: false } },
      { kind: "class_label", names: ["dog", "cat", "bird"] },
    ]);
    expect((await hypRows(conversion)).map((r) => r.label)).toEqual([1n, 0n]);
    const e = await refusal(ws, { train: ["p"] }, { overrides: featuresFromYaml([{ name: "label", dtype: { class_label: { names: ["cat"] } } }], "features") });
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe("p/dog/2.png: its folder 'dog' is not one of the class names the 'features' input gives 'label' (cat)");
  });
});

describe("an audio folder", () => {
  it("every format embedded byte for byte, labels from the folders", async () => {
    const ws = await tempDir("media-ws-");
    const files = { "clips/lossless/lena.flac": REAL.flac, "clips/lossless/lena.wav": REAL.wav, "clips/lossy/lena.m4a": REAL.m4a, "clips/lossy/lena.mp3": REAL.mp3, "clips/lossy/lena.ogg": REAL.ogg, "clips/lossy/lena.opus": REAL.opus };
    await copyMedia(ws, files);
    const { conversion } = await publishFolder(ws, { train: ["clips"] });
    expect(conversion.features.map((f) => [f.name, f.feature])).toEqual([
      ["audio", { kind: "custom", typeName: "Audio", params: {} }],
      ["label", { kind: "class_label", names: ["lossless", "lossy"] }],
    ]);
    const rows = await hypRows(conversion);
    for (const [i, source] of Object.values(files).entries()) await expectFileBytes((rows[i]!.audio as MediaValue).bytes, source);
    expect(conversion.splits[0]!.media).toEqual({
      columns: [{ name: "audio", files: 6, bytes: (await Promise.all(Object.values(files).map(bytesOf))).reduce((n, b) => n + b.length, 0) }],
      examples: [
        { label: "lossless", files: ["clips/lossless/lena.flac", "clips/lossless/lena.wav"] },
        { label: "lossy", files: ["clips/lossy/lena.m4a", "clips/lossy/lena.mp3", "clips/lossy/lena.ogg"] },
      ],
    });
  });

  it("images and audio together are refused: a folder dataset holds one kind", async () => {
    const ws = await tempDir("media-ws-");
    await copyMedia(ws, { "m/a.png": REAL.gimpPng, "m/b.wav": REAL.wav });
    const e = await refusal(ws, { train: ["m"] });
    expect(e).toBeInstanceOf(FileSelectionError);
    expect(e.message).toBe("found both image files ('m/a.png') and audio files ('m/b.wav'); a folder dataset holds one kind: set 'format' to imagefolder or audiofolder, or narrow the globs");
  });
});

describe("a folder with metadata", () => {
  const setup = async (metadata: Record<string, string | Uint8Array>) => {
    const ws = await tempDir("media-ws-");
    await copyMedia(ws, { "ds/imgs/a.png": REAL.gimpPng, "ds/imgs/b.jpg": REAL.xtcJpg, "ds/imgs/mask.png": REAL.ffoxPng });
    await writeFiles(ws, metadata);
    return ws;
  };

  it("metadata.csv: file_name → image, mask_file_name → mask, in the metadata's column and row order", async () => {
    const ws = await setup({ "ds/metadata.csv": "caption,file_name,score,mask_file_name\nsecond,imgs/b.jpg,2,\nfirst,imgs/a.png,1,imgs/mask.png\nmask,imgs/mask.png,3,imgs/mask.png\n" });
    const { conversion } = await publishFolder(ws, { train: ["ds"] });
    expect(featureMap(conversion.features)).toEqual({ caption: "large_string", image: "image", score: "int64", mask: "image" });
    const rows = await hypRows(conversion);
    expect(rows.map((r) => [r.caption, (r.image as MediaValue).path, r.score, (r.mask as MediaValue | null)?.path ?? null])).toEqual([
      ["second", "b.jpg", 2n, null],
      ["first", "a.png", 1n, "mask.png"],
      ["mask", "mask.png", 3n, "mask.png"],
    ]);
    await expectFileBytes((rows[1]!.mask as MediaValue).bytes, REAL.ffoxPng);
    expect(conversion.splits[0]!.media!.columns).toEqual([
      { name: "image", files: 3, bytes: (await bytesOf(REAL.gimpPng)).length + (await bytesOf(REAL.xtcJpg)).length + (await bytesOf(REAL.ffoxPng)).length },
      { name: "mask", files: 2, bytes: 2 * (await bytesOf(REAL.ffoxPng)).length },
    ]);
  });

  it("metadata.jsonl and metadata.parquet are read the same way", async () => {
    const jsonl = await setup({ "ds/metadata.jsonl": '{"file_name": "imgs/a.png", "tags": ["x"]}\n{"file_name": "imgs/b.jpg", "tags": []}\n{"file_name": "imgs/mask.png", "tags": ["y", "z"]}\n' });
    const fromJsonl = await publishFolder(jsonl, { train: ["ds"] });
    expect(featureMap(fromJsonl.conversion.features)).toEqual({ image: "image", tags: "list<string>" });
    const table = arrow.tableFromArrays({ file_name: ["imgs/mask.png", "imgs/a.png", "imgs/b.jpg"], n: Int32Array.from([3, 1, 2]) });
    const pq = parquet.writeParquet(parquet.Table.fromIPCStream(arrow.tableToIPC(table, "stream")));
    const fromParquet = await publishFolder(await setup({ "ds/metadata.parquet": pq }), { train: ["ds"] });
    expect(featureMap(fromParquet.conversion.features)).toEqual({ image: "image", n: "int32" });
    expect((await hypRows(fromParquet.conversion)).map((r) => (r.image as MediaValue).path)).toEqual(["mask.png", "a.png", "b.jpg"]);
  });

  it("a row naming a file that is not there: the metadata file, its line and the file", async () => {
    const ws = await setup({ "ds/metadata.csv": 'file_name,text\nimgs/a.png,"two\nlines"\nimgs/missing.png,x\nimgs/b.jpg,y\n' });
    const e = await refusal(ws, { train: ["ds"] });
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe("ds/metadata.csv:4: column 'file_name' names 'imgs/missing.png': ds/imgs/missing.png: no such file");
    const jsonl = await setup({ "ds/metadata.jsonl": '{"file_name": "imgs/a.png"}\n\n{"file_name": "imgs/nope.jpg"}\n' });
    expect((await refusal(jsonl, { train: ["ds"] })).message).toBe("ds/metadata.jsonl:3: column 'file_name' names 'imgs/nope.jpg': ds/imgs/nope.jpg: no such file");
    // Parquet has no lines: the row is named.
    const table = arrow.tableFromArrays({ file_name: ["imgs/a.png", "imgs/gone.png"] });
    const parquetMeta = await setup({ "ds/metadata.parquet": parquet.writeParquet(parquet.Table.fromIPCStream(arrow.tableToIPC(table, "stream"))) });
    expect((await refusal(parquetMeta, { train: ["ds"] })).message).toBe("ds/metadata.parquet: row 2: column 'file_name' names 'imgs/gone.png': ds/imgs/gone.png: no such file");
    // A folder is not a file.
    const folder = await setup({ "ds/metadata.csv": "file_name\nimgs\n" });
    expect((await refusal(folder, { train: ["ds"] })).message).toBe("ds/metadata.csv:2: column 'file_name' names 'imgs': ds/imgs: not a regular file");
  });

  it("a file name leaving the metadata file's folder is refused, as Python refuses it", async () => {
    const ws = await setup({ "ds/metadata.csv": "file_name\nimgs/a.png\n../outside.png\n" });
    await copyMedia(ws, { "outside.png": REAL.gimpPng });
    expect((await refusal(ws, { train: ["ds"] })).message).toBe(
      "ds/metadata.csv:3: column 'file_name' names '../outside.png': '../outside.png' points outside the folder of ds/metadata.csv (Python's rule for file names in metadata)",
    );
  });

  it("an image no metadata row names is an error naming it (Python would leave it out)", async () => {
    const ws = await setup({ "ds/metadata.csv": "file_name\nimgs/a.png\nimgs/b.jpg\n" });
    const e = await refusal(ws, { train: ["ds"] });
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(/^ds\/imgs\/mask\.png: no row of ds\/metadata\.csv names this file: every file needs a row in the metadata/);
  });

  it("a broken image named by the metadata: the line, the file, and Pillow's words", async () => {
    const ws = await setup({ "ds/metadata.csv": "file_name\nimgs/a.png\nimgs/b.jpg\nimgs/mask.png\n" });
    const png = await bytesOf(REAL.gimpPng);
    png[20] ^= 0xff;
    await writeFile(path.join(ws, "ds/imgs/b.jpg"), png);
    expect((await refusal(ws, { train: ["ds"] })).message).toBe("ds/metadata.csv:3: column 'file_name' names 'imgs/b.jpg': ds/imgs/b.jpg: cannot identify image file: broken PNG (bad header checksum in IHDR)");
  });

  it("no file_name column, file_names lists, metadata formats mixed, a split without metadata", async () => {
    expect((await refusal(await setup({ "ds/metadata.csv": "name\nimgs/a.png\n" }), { train: ["ds"] })).message).toMatch(/^ds\/metadata\.csv:1: a metadata file needs a 'file_name' column/);
    expect((await refusal(await setup({ "ds/metadata.jsonl": '{"file_names": ["imgs/a.png"]}\n' }), { train: ["ds"] })).message).toMatch(/column 'file_names': lists of files in one row are not supported/);
    const mixed = await setup({ "ds/metadata.csv": "file_name\nimgs/a.png\n", "ds/imgs/metadata.jsonl": '{"file_name": "b.jpg"}\n' });
    expect((await refusal(mixed, { train: ["ds"] })).message).toBe("found metadata files with different extensions (.csv, .jsonl): use one format for all of them");
    const half = await setup({ "ds/metadata.csv": "file_name\nimgs/a.png\nimgs/b.jpg\nimgs/mask.png\n" });
    await copyMedia(half, { "other/c.png": REAL.gimpPng });
    expect((await refusal(half, { train: ["ds"], test: ["other"] })).message).toBe("split 'test' has no metadata file while other splits have one: give every split its own metadata file, or none");
  });
});

describe("tables whose columns the features input types image or audio", () => {
  it("paths relative to the table's folder, inside the workspace; other columns as usual", async () => {
    const ws = await tempDir("media-ws-");
    await copyMedia(ws, { "media/a.png": REAL.gimpPng, "media/b.jpg": REAL.xtcJpg, "media/s.wav": REAL.wav });
    await writeFiles(ws, { "tables/items.csv": "id,picture,sound\n1,../media/a.png,../media/s.wav\n2,../media/b.jpg,\n" });
    const overrides = featuresFromYaml([{ name: "picture", dtype: "image" }, { name: "sound", dtype: "audio" }], "features");
    const { conversion } = await publishFolder(ws, { train: ["tables/items.csv"] }, { overrides });
    expect(featureMap(conversion.features)).toEqual({ id: "int64", picture: "image", sound: "audio" });
    const rows = await hypRows(conversion);
    expect(rows.map((r) => [r.id, (r.picture as MediaValue).path, (r.sound as MediaValue | null)?.path ?? null])).toEqual([[1n, "a.png", "s.wav"], [2n, "b.jpg", null]]);
    await expectFileBytes((rows[0]!.sound as MediaValue).bytes, REAL.wav);
  });

  it("a path leaving the workspace, an absolute path, a URL, a symbolic link out: errors naming the line", async () => {
    const ws = await tempDir("media-ws-");
    const outside = await tempDir("media-outside-");
    await copyMedia(outside, { "secret.png": REAL.gimpPng });
    await symlink(path.join(outside, "secret.png"), path.join(ws, "link.png"));
    const overrides = featuresFromYaml([{ name: "image", dtype: "image" }], "features");
    const cases: [string, string][] = [
      ["../x.png", "'../x.png' points outside the workspace"],
      ["/etc/passwd", "'/etc/passwd' is an absolute path; write it relative to the workspace"],
      ["https://example.com/a.png", "'https://example.com/a.png' is a URL; only files of the repository can be published"],
      ["link.png", "link.png: resolves (through a symbolic link) outside the workspace"],
    ];
    for (const [value, reason] of cases) {
      await writeFiles(ws, { "t.jsonl": `{"image": null}\n${JSON.stringify({ image: value })}\n` });
      const e = await refusal(ws, { train: ["t.jsonl"] }, { overrides });
      expect(e.message).toBe(`t.jsonl:2: column 'image' names '${value}': ${reason}`);
    }
  });
});

describe("shards and row groups sized by the files they hold", () => {
  it("cut by bytes: every shard under max-shard-size unless it holds one file; more shards than Python's count when files are uneven", async () => {
    const ws = await tempDir("media-ws-");
    const sources = [REAL.cellsJpg, REAL.catJpg, REAL.xtcJpg, REAL.gimpPng, REAL.ecoliPng, REAL.ffoxPng];
    const files: Record<string, string> = {};
    for (let i = 0; i < 24; i++) files[`p/${i % 2 ? "a" : "b"}/${String(i).padStart(2, "0")}${path.extname(sources[i % 6]!)}`] = sources[i % 6]!;
    await copyMedia(ws, files);
    const max = 600_000;
    const { conversion } = await publishFolder(ws, { train: ["p"] }, { maxShardSize: max });
    const split = conversion.splits[0]!;
    expect(split.shards.length).toBeGreaterThanOrEqual(Math.floor(split.numBytes / max) + 1);
    const largest = Math.max(...(await Promise.all(sources.map(bytesOf))).map((b) => b.length));
    for (const shard of split.shards) {
      if (shard.rows > 1) expect(shard.bytes).toBeLessThanOrEqual(max + largest);
      expect(shard.rows).toBeGreaterThan(0);
    }
    expect(split.shards.reduce((n, s) => n + s.rows, 0)).toBe(24);
    expect(split.shards.map((s) => s.repoPath)).toEqual(split.shards.map((_, i) => `data/train-${String(i).padStart(5, "0")}-of-${String(split.shards.length).padStart(5, "0")}.parquet`));
  });
});

/**
 * Image and audio folders, and a table with a path column, published by the action (dist/, as the
 * runner runs it) and read back by Python's `load_dataset` from the emulator, against Python's own
 * reading of the same folder (`load_dataset("imagefolder" | "audiofolder", data_dir=...)`, or the CSV
 * with its column cast to Image): the same features and class names, splits and rows, every row's
 * embedded bytes equal to the source file's (sha256), every image decoded by Pillow and every audio
 * file's bytes by soundfile; and, where Python can push the folder itself, the layout of its
 * push_to_hub (shard paths, card, num_bytes). The media files are real files from packages
 * (corpus.json "media"); the deviations the action makes on purpose are checked as such.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import { PROJECT_ROOT } from "../../../scripts/action-runner.js";
import { type ActionOutcome, mapLimited, publishOne } from "../lib/action.js";
import { MANIFEST } from "../lib/corpus.js";
import { layoutDifferences } from "../lib/layout.js";
import { type Interop, WHEEL_DIR, pythonEnv, runPython } from "../lib/python.js";

interface FolderCase {
  name: string;
  /** How Python reads the folder itself. */
  builder: "imagefolder" | "audiofolder" | "csv";
  /** Action inputs besides repo, token, endpoint. */
  inputs: Record<string, string>;
  /** Files the test writes (metadata files, tables), under the media folder. */
  files?: Record<string, string>;
  /** csv: the table, and its columns Python casts to Image/Audio. */
  table?: string;
  cast?: Record<string, "image" | "audio">;
  /** Python's push_to_hub of its reading is the layout reference. */
  pythonPush: boolean;
}

type Row = Record<string, unknown>;
interface SplitRows {
  features: Record<string, unknown>;
  rows: Row[];
}
type Described = Record<string, SplitRows> | { error: string };
interface MediaResult {
  name: string;
  reference: Described;
  published?: Described;
  decoding?: Record<string, { decoded: number; errors: string[] }>;
  pythonPush?: { ok: true } | { error: string };
  /** Python decoding its own reading of the folder (for folders the action refuses). */
  decodeReference?: { errors: string[] };
}

const CASES: FolderCase[] = [
  { name: "images-labels", builder: "imagefolder", inputs: { paths: "images-labels" }, pythonPush: true },
  { name: "images-splits", builder: "imagefolder", inputs: { paths: "images-splits" }, pythonPush: true },
  {
    name: "images-metadata",
    builder: "imagefolder",
    inputs: { paths: "images-metadata" },
    files: {
      "images-metadata/metadata.jsonl": [
        { file_name: "imgs/coins.png", caption: "coins", mask_file_name: "masks/phantom.png", objects: 24 },
        { file_name: "imgs/astronaut.png", caption: "an astronaut", mask_file_name: null, objects: 1 },
        { file_name: "imgs/camera.png", caption: "a cameraman", mask_file_name: "masks/phantom.png", objects: 2 },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    },
    pythonPush: true,
  },
  {
    name: "images-metadata-csv",
    builder: "imagefolder",
    inputs: { paths: "images-metadata-csv" },
    files: { "images-metadata-csv/metadata.csv": 'file_name,caption\nsub/grass.png,"grass, green"\nbrick.png,a brick wall\nsub/gravel.png,gravel\n' },
    pythonPush: true,
  },
  { name: "audio-labels", builder: "audiofolder", inputs: { paths: "audio-labels" }, pythonPush: true },
  {
    name: "table-paths",
    builder: "csv",
    inputs: { paths: "table-paths/items.csv", features: "- {name: picture, dtype: image}" },
    files: { "table-paths/items.csv": "id,picture,caption\n1,../images-labels/animals/cat.jpg,a cat\n2,../images-labels/scenes/flower.webp,a flower\n3,,nothing\n" },
    table: "table-paths/items.csv",
    cast: { picture: "image" },
    pythonPush: true,
  },
  // A TIFF Pillow cannot open (64-bit float samples): refused by the action, as Python fails to decode it.
  { name: "images-bad-tiff", builder: "imagefolder", inputs: { paths: "images-bad-tiff" }, pythonPush: false },
  // Deviations, checked below.
  { name: "images-split-labels", builder: "imagefolder", inputs: { paths: "images-split-labels" }, pythonPush: false },
  { name: "audio-m4a", builder: "audiofolder", inputs: { paths: "audio-m4a" }, pythonPush: false },
];

const failed = (d: Described | undefined): d is { error: string } => d !== undefined && "error" in d;

export function mediaSuite(interop: Interop): void {
  describe("image and audio folders: the action against Python's imagefolder / audiofolder", () => {
    let hub: HubEmulator;
    let home: string;
    const action = new Map<string, ActionOutcome>();
    const python = new Map<string, MediaResult>();
    const actionRepo = (name: string) => `tester/action-media-${name}`;
    const pythonRepo = (name: string) => `tester/python-media-${name}`;

    beforeAll(async () => {
      if (!interop.ok) return;
      hub = await startHubEmulator();
      home = await mkdtemp(path.join(os.tmpdir(), "interop-media-"));
      const env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
      const root = path.join(home, "media");
      await runPython(interop.python, "media-materialize", { manifest: MANIFEST, projectRoot: PROJECT_ROOT, wheelDir: process.env.INTEROP_WHEELS || WHEEL_DIR, out: root }, env);
      for (const c of CASES)
        for (const [name, content] of Object.entries(c.files ?? {})) {
          await mkdir(path.dirname(path.join(root, name)), { recursive: true });
          await writeFile(path.join(root, name), content);
        }

      const outcomes = await mapLimited(CASES, 2, (c) => publishOne(root, { url: hub.url, token: hub.tokens.write }, actionRepo(c.name), c.inputs));
      CASES.forEach((c, i) => action.set(c.name, outcomes[i]!));
      const jobs = CASES.map((c) => ({
        name: c.name,
        builder: c.builder,
        folder: path.join(root, c.name),
        table: c.table && path.join(root, c.table),
        cast: c.cast,
        actionRepo: action.get(c.name)!.ok ? actionRepo(c.name) : null,
        pythonRepo: c.pythonPush ? pythonRepo(c.name) : null,
      }));
      const { results } = await runPython<{ results: MediaResult[] }>(interop.python, "media", { jobs }, env);
      for (const r of results) python.set(r.name, r);
    }, 20 * 60_000);

    afterAll(async () => {
      await hub?.close();
      if (home) await rm(home, { recursive: true, force: true });
    });

    /** The case's results, once the action published it and both sides read it. */
    const outcome = (name: string) => {
      const act = action.get(name)!;
      expect(act.ok, act.log.slice(-3000)).toBe(true);
      const py = python.get(name)!;
      expect(failed(py.reference) ? py.reference.error : "", "Python's own reading of the folder").toBe("");
      expect(failed(py.published) ? py.published.error : "", "Python's load_dataset of the action's repo").toBe("");
      return { reference: py.reference as Record<string, SplitRows>, published: py.published as Record<string, SplitRows>, py };
    };

    const decodedAll = (py: MediaResult, published: Record<string, SplitRows>) => {
      for (const [split, { rows }] of Object.entries(published)) {
        const files = rows.reduce((n, r) => n + Object.values(r).filter((v) => Array.isArray(v) && v.length === 2 && /^[0-9a-f]{64}$/.test(String(v[1]))).length, 0);
        expect(py.decoding![split], `decoding of ${split}`).toEqual({ decoded: files, errors: [] });
      }
    };

    it.each(CASES.filter((c) => c.pythonPush).map((c) => c.name))(
      "%s: Python reads the action's repo as it reads the folder; every file decodes; the layout of Python's push_to_hub",
      (name) => {
        const { reference, published, py } = outcome(name);
        expect(Object.keys(published)).toEqual(Object.keys(reference));
        for (const split of Object.keys(reference)) {
          expect(published[split]!.features, `features of ${split}`).toEqual(reference[split]!.features);
          expect(published[split]!.rows, `rows of ${split}: base names, sha256 of the bytes, other values`).toEqual(reference[split]!.rows);
        }
        decodedAll(py, published);
        expect(py.pythonPush).toEqual({ ok: true });
        expect(layoutDifferences(hub, pythonRepo(name), actionRepo(name))).toEqual([]);
      },
    );

    it("images-bad-tiff: a TIFF Pillow has no mode for is refused before publishing, naming the file; Python publishes it and fails to decode it", () => {
      const act = action.get("images-bad-tiff")!;
      expect(act.ok).toBe(false);
      expect(act.error).toEqual({
        message: "images-bad-tiff/float/multipage_rgb.tif: cannot identify image file: broken TIFF (unknown pixel mode (64, 64, 64 bits per sample))",
        file: "images-bad-tiff/float/multipage_rgb.tif",
        line: undefined,
      });
      expect(hub.repoExists(actionRepo("images-bad-tiff"))).toBe(false);
      const py = python.get("images-bad-tiff")!;
      expect(failed(py.reference) ? "" : py.reference, "Python's imagefolder reads the folder (it does not decode)").toBeTruthy();
      expect(py.decodeReference).toEqual({ errors: [expect.stringMatching(/^multipage_rgb\.tif: UnidentifiedImageError: cannot identify image file/)] });
    });

    it("images-split-labels (deviation): labels are decided over all splits at once, so every split has them", () => {
      const { reference, published, py } = outcome("images-split-labels");
      // Python decides split by split (train first, seeing one folder name): its train rows have no label.
      expect(reference.train!.features.label).toEqual({ names: ["test", "train"], _type: "ClassLabel" });
      expect(reference.train!.rows.map((r) => r.label)).toEqual([null, null]);
      expect(published.train!.features).toEqual(reference.train!.features);
      expect(published.train!.rows.map((r) => r.label)).toEqual([1, 1]);
      expect(published.test!.rows).toEqual(reference.test!.rows);
      expect(published.train!.rows.map((r) => r.image)).toEqual(reference.train!.rows.map((r) => r.image));
      decodedAll(py, published);
    });

    it("audio-m4a (deviation): .m4a files are published; Python's audiofolder leaves them out, and soundfile cannot decode them", () => {
      const { reference, published, py } = outcome("audio-m4a");
      expect(published.train!.features).toEqual(reference.train!.features);
      const names = (rows: Row[]) => rows.map((r) => (r.audio as [string, string])[0]);
      expect(names(reference.train!.rows)).toEqual(["lena.wav"]);
      expect(names(published.train!.rows)).toEqual(["lena.m4a", "lena.wav"]);
      expect(published.train!.rows[1]).toEqual(reference.train!.rows[0]);
      expect(py.decoding!.train!.decoded).toBe(1);
      expect(py.decoding!.train!.errors).toEqual([expect.stringMatching(/^lena\.m4a: LibsndfileError: Error opening <_io\.BytesIO object at 0x[0-9a-f]+>: Format not recognised\.$/)]);
    });
  });
}

/**
 * The CSV edge-case corpus (__tests__/fixtures/csv): each file converted and
 * read back by DuckDB must give exactly the expected features and rows. Each
 * is also read with tiny read buffers, so every record crosses a buffer
 * boundary somewhere; and generated cases cover very long fields and a record
 * spanning the real (default-size) read-buffer boundary.
 */
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CHUNK_BYTES } from "../../src/data/read/source.js";
import { convertFiles, dataFile, featureMap, readRows, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

const CORPUS = path.join(import.meta.dirname, "..", "fixtures", "csv");

interface Expected {
  note: string;
  features: Record<string, string>;
  rows: Record<string, unknown>[];
}

const cases = (await readdir(CORPUS)).filter((f) => /\.(csv|tsv)$/.test(f)).sort();

afterAll(removeTempDirs);

describe("CSV corpus", () => {
  it("has the cases the issue lists", () => {
    for (const name of ["quoted-commas", "doubled-quotes", "newlines-in-quotes", "crlf", "lone-cr", "bom", "trailing-delimiter", "blank-lines", "no-trailing-newline", "unicode"])
      expect(cases.some((c) => c.startsWith(`${name}.`)), name).toBe(true);
  });

  for (const name of cases) {
    it(`${name} reads as expected (default buffer, and 7-byte and 64-byte buffers)`, async () => {
      const expected = JSON.parse(await readFile(path.join(CORPUS, name.replace(/\.(csv|tsv)$/, ".expected.json")), "utf8")) as Expected;
      for (const readChunkBytes of [undefined, 7, 64]) {
        const { conversion } = await convertFiles([dataFile(CORPUS, name)], { readChunkBytes });
        expect(featureMap(conversion.features), `${name} (${expected.note}) chunk ${readChunkBytes}`).toEqual(expected.features);
        expect(conversion.splits[0]!.rows).toBe(expected.rows.length);
        expect(await readRows(conversion), `${name}: ${expected.note}`).toEqual(expected.rows);
      }
    });
  }
});

describe("CSV records and buffers", () => {
  it("keeps very long fields (1 MB quoted with commas, quotes and newlines; 3 MB unquoted) intact", async () => {
    const dir = await tempDir();
    const quoted = `${"x,y \"z\"\n".repeat(125_000)}end`;
    const unquoted = "a".repeat(3_000_000);
    const csv = `id,long,other\n1,"${quoted.replaceAll('"', '""')}",${unquoted}\n2,short,b\n`;
    await writeFiles(dir, { "long.csv": csv });
    for (const readChunkBytes of [undefined, 65_536]) {
      const { conversion } = await convertFiles([dataFile(dir, "long.csv")], { readChunkBytes });
      const rows = await readRows(conversion);
      expect(rows.map((r) => r.id)).toEqual(["1", "2"]);
      expect(rows[0]!.long).toBe(quoted);
      expect(rows[0]!.other).toBe(unquoted);
      expect(rows[1]).toEqual({ id: "2", long: "short", other: "b" });
    }
  });

  it("reads a quoted record that spans the real (default-size) read-buffer boundary", async () => {
    const dir = await tempDir();
    const header = "id,text,n\n";
    const filler: string[] = [];
    let size = header.length;
    let i = 0;
    // Rows up to just before the boundary, then one multi-line quoted record across it.
    while (size < DEFAULT_CHUNK_BYTES - 1000) {
      const line = `${i},"row ${i}, padded ${"p".repeat(40)}",${i * 2}\n`;
      filler.push(line);
      size += Buffer.byteLength(line);
      i++;
    }
    const spanning = `"${"before the boundary ".repeat(60)}\n${'after, with ""quotes"" '.repeat(60)}"`;
    const tail = `${i},${spanning},${i * 2}\n${i + 1},last,${(i + 1) * 2}\n`;
    await writeFiles(dir, { "big.csv": header + filler.join("") + tail });
    const start = size + String(i).length + 1;
    expect(start).toBeLessThan(DEFAULT_CHUNK_BYTES);
    expect(start + spanning.length).toBeGreaterThan(DEFAULT_CHUNK_BYTES);
    const { conversion } = await convertFiles([dataFile(dir, "big.csv")]);
    expect(featureMap(conversion.features)).toEqual({ id: "int64", text: "large_string", n: "int64" });
    expect(conversion.splits[0]!.rows).toBe(i + 2);
    const rows = await readRows(conversion);
    expect(rows[i]).toEqual({ id: String(i), text: spanning.slice(1, -1).replaceAll('""', '"'), n: String(i * 2) });
    expect(rows[i + 1]).toEqual({ id: String(i + 1), text: "last", n: String((i + 1) * 2) });
    expect(rows[0]).toEqual({ id: "0", text: `row 0, padded ${"p".repeat(40)}`, n: "0" });
  });
});

/** Values that are always null, nested in lists and objects: Arrow's Null type all the way to Parquet. */
import { afterAll, describe, expect, it } from "vitest";
import { convertFiles, dataFile, featureMap, readRows, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

describe("always-null values inside lists and objects", () => {
  it("are typed null and written (a list of objects with an always-null field, a list of nulls)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "x.jsonl": ['{"a": [{"z": null, "k": 1}], "b": [null], "c": {"n": null}}', '{"a": [], "b": [null, null], "c": {"n": null}}'].join("\n") + "\n",
    });
    const { conversion } = await convertFiles([dataFile(dir, "x.jsonl")]);
    expect(featureMap(conversion.features)).toEqual({
      a: "list<struct<z: null, k: int64>>",
      b: "list<null>",
      c: "struct<n: null>",
    });
    expect(await readRows(conversion)).toEqual([
      { a: [{ z: null, k: "1" }], b: [null], c: { n: null } },
      { a: [], b: [null, null], c: { n: null } },
    ]);
  });
});

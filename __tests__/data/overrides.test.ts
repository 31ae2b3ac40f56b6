/**
 * The `features` input: types set by the user for the columns it names, for
 * CSV, TSV and JSON inputs — every Value dtype text can become, class labels
 * (names or an id → name mapping), lists (JSON arrays in CSV cells), and the
 * checks that turn bad values and impossible types into clear errors.
 */
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DataError, OverrideError } from "../../src/data/errors.js";
import { type NamedFeature, featuresFromYaml } from "../../src/model/features.js";
import { columnTypes } from "../helpers/duckdb.js";
import { convertFiles, dataFile, featureMap, readRows, rejection, removeTempDirs, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

const features = (yaml: string): NamedFeature[] => featuresFromYaml(parse(yaml), "features");

const ALL_TYPES = features(`
- {name: i8, dtype: int8}
- {name: i16, dtype: int16}
- {name: i32, dtype: int32}
- {name: i64, dtype: int64}
- {name: u8, dtype: uint8}
- {name: u16, dtype: uint16}
- {name: u32, dtype: uint32}
- {name: u64, dtype: uint64}
- {name: f16, dtype: float16}
- {name: f32, dtype: float32}
- {name: f64, dtype: float64}
- {name: b, dtype: bool}
- {name: s, dtype: string}
- {name: ls, dtype: large_string}
- {name: ts, dtype: "timestamp[s]"}
- {name: tms, dtype: "timestamp[ms]"}
- {name: tus, dtype: "timestamp[us, tz=UTC]"}
- {name: tns, dtype: "timestamp[ns]"}
- {name: d32, dtype: date32}
- {name: d64, dtype: date64}
- {name: t32, dtype: "time32[s]"}
- {name: t64, dtype: "time64[us]"}
- {name: dec, dtype: "decimal128(10, 2)"}
- {name: lbl, dtype: {class_label: {names: [neg, pos]}}}
- {name: lst, list: int64}
- {name: lbls, list: {class_label: {names: {"0": cat, "1": dog}}}}
- {name: obj, struct: [{name: x, dtype: float32}, {name: when, dtype: date32}]}
- {name: dur, dtype: "duration[ms]"}
`);

const ROW1 = {
  i8: "-128", i16: "32767", i32: "-2147483648", i64: "9223372036854775807", u8: "255", u16: "65535", u32: "4294967295",
  u64: "18446744073709551615", f16: "0.5", f32: "1.5", f64: "1e-300", b: "TRUE", s: "007", ls: "long", ts: "2024-02-29 12:00:00",
  tms: "2024-02-29T12:00:00.123", tus: "2024-02-29T14:00:00.000001+02:00", tns: "1970-01-01T00:00:00.000000001", d32: "2024-02-29",
  d64: "1969-12-31", t32: "23:59:59", t64: "10:11:12.131415", dec: "-12.5", lbl: "pos", lst: "[1, 2, 9007199254740993]",
  lbls: '["dog", "cat", 1]', obj: '{"x": 0.25, "when": "2000-01-01"}', dur: "1500",
};

const EXPECTED_TYPES = {
  i8: "TINYINT", i16: "SMALLINT", i32: "INTEGER", i64: "BIGINT", u8: "UTINYINT", u16: "USMALLINT", u32: "UINTEGER", u64: "UBIGINT",
  f16: "FLOAT", f32: "FLOAT", f64: "DOUBLE", b: "BOOLEAN", s: "VARCHAR", ls: "VARCHAR", ts: "TIMESTAMP", tms: "TIMESTAMP",
  tus: "TIMESTAMP WITH TIME ZONE", tns: "TIMESTAMP_NS", d32: "DATE", d64: "DATE", t32: "TIME", t64: "TIME", dec: "DECIMAL(10,2)",
  lbl: "BIGINT", lst: "BIGINT[]", lbls: "BIGINT[]", obj: "STRUCT(x FLOAT, \"when\" DATE)",
  // Parquet has no duration type: stored as int64 (as pyarrow does), restored by pyarrow from ARROW:schema.
  dur: "BIGINT",
};

const EXPECTED_ROW1 = {
  i8: -128, i16: 32767, i32: -2147483648, i64: "9223372036854775807", u8: 255, u16: 65535, u32: 4294967295,
  u64: "18446744073709551615", f16: 0.5, f32: 1.5, f64: 1e-300, b: true, s: "007", ls: "long", ts: "2024-02-29 12:00:00",
  tms: "2024-02-29 12:00:00.123", tus: "2024-02-29 12:00:00.000001+00", tns: "1970-01-01 00:00:00.000000001", d32: "2024-02-29",
  d64: "1969-12-31", t32: "23:59:59", t64: "10:11:12.131415", dec: "-12.50", lbl: "1", lst: ["1", "2", "9007199254740993"],
  lbls: ["1", "0", "1"], obj: { x: 0.25, when: "2000-01-01" }, dur: "1500",
};

function csvOf(rows: Record<string, string>[], sep = ","): string {
  const names = Object.keys(rows[0]!);
  const quote = (v: string) => (/[",\n\t]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return `${names.join(sep)}\n${rows.map((r) => names.map((n) => quote(r[n]!)).join(sep)).join("\n")}\n`;
}

describe("features overrides for CSV and TSV", () => {
  const nulls = Object.fromEntries(Object.keys(ROW1).map((k) => [k, k === "s" ? "NA" : ""]));

  for (const [ext, sep] of [["csv", ","], ["tsv", "\t"]] as const) {
    it(`${ext}: every dtype text can become, with nulls (empty cells and NA tokens) in every column`, async () => {
      const dir = await tempDir();
      await writeFiles(dir, { [`all.${ext}`]: csvOf([ROW1, nulls], sep) });
      const { conversion } = await convertFiles([dataFile(dir, `all.${ext}`)], { overrides: ALL_TYPES });
      expect(conversion.features).toEqual(ALL_TYPES);
      const shard = conversion.splits[0]!.shards[0]!.localPath;
      expect(await columnTypes(shard)).toEqual(EXPECTED_TYPES);
      const rows = await readRows(conversion);
      expect(rows[0]).toEqual(EXPECTED_ROW1);
      expect(rows[1]).toEqual(Object.fromEntries(Object.keys(ROW1).map((k) => [k, null])));
    });
  }

  it("overrides only the columns named; the others are inferred", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "p.csv": "zip,n,label\n01234,1,b\n99999,2,a\n" });
    const { conversion } = await convertFiles([dataFile(dir, "p.csv")], {
      overrides: features("- {name: zip, dtype: string}\n- {name: label, dtype: {class_label: {names: [a, b]}}}"),
    });
    expect(featureMap(conversion.features)).toEqual({ zip: "string", n: "int64", label: "class_label(2 names)" });
    expect(await readRows(conversion)).toEqual([
      { zip: "01234", n: "1", label: "1" },
      { zip: "99999", n: "2", label: "0" },
    ]);
  });
});

describe("class_label", () => {
  const labels = features("- name: label\n  dtype:\n    class_label:\n      names:\n        '0': neg\n        '1': pos\n        '2': neutral");

  it("maps names (also with surrounding spaces) and integer ids -1..n-1 to ids, in CSV and JSON", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "l.csv": "label\npos\n neutral \n0\n2\n-1\nNA\nneg\n",
      "l.jsonl": '{"label": "pos"}\n{"label": " neutral "}\n{"label": 0}\n{"label": "2"}\n{"label": -1}\n{"label": null}\n{"label": "neg"}\n',
    });
    for (const name of ["l.csv", "l.jsonl"]) {
      const { conversion } = await convertFiles([dataFile(dir, name)], { overrides: labels });
      expect(conversion.features[0]!.feature).toEqual({ kind: "class_label", names: ["neg", "pos", "neutral"] });
      expect((await readRows(conversion)).map((r) => r.label), name).toEqual(["1", "2", "0", "2", "-1", null, "0"]);
    }
  });

  it("refuses an unknown label or an id out of range, naming file, line and some known names", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "u.csv": "label\npos\nneg\npositive\n", "u.jsonl": '{"label": 1}\n{"label": 3}\n' });
    const e = await rejection(convertFiles([dataFile(dir, "u.csv")], { overrides: labels }));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe('u.csv:4: column \'label\' (class_label): "positive" is not a label; known labels: "neg", "pos", "neutral"');
    const j = await rejection(convertFiles([dataFile(dir, "u.jsonl")], { overrides: labels }));
    expect(j.message).toMatch(/^u\.jsonl:2: column 'label' \(class_label\(3 names\)\): id 3 is not between -1 and 2/);
  });

  it("lists only the first ten names of a long label set", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "m.csv": "c\nzzz\n" });
    const many = features(`- {name: c, dtype: {class_label: {names: [${Array.from({ length: 30 }, (_, i) => `n${i}`).join(", ")}]}}}`);
    const e = await rejection(convertFiles([dataFile(dir, "m.csv")], { overrides: many }));
    expect(e.message).toMatch(/"n9", \.\.\. \(30 names\)$/);
  });
});

describe("features overrides for JSON", () => {
  it("converts JSON values: ISO strings and epoch integers to times, numbers and strings to decimals, scalars to strings, labels in lists", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "j.jsonl": [
        '{"ts": "2024-01-01T00:00:01Z", "epoch": 1700000000, "day": "2024-01-02", "dec": 1.25, "dec2": "3.10", "s": 42, "s2": true, "l": ["a", "b"], "f": 3, "i": 1.0, "u": 18446744073709551615}',
        '{"ts": null, "epoch": null, "day": null, "dec": null, "dec2": null, "s": "x", "s2": null, "l": null, "f": null, "i": null, "u": null}',
      ].join("\n"),
    });
    const overrides = features(`
- {name: ts, dtype: "timestamp[ms]"}
- {name: epoch, dtype: "timestamp[s]"}
- {name: day, dtype: date32}
- {name: dec, dtype: "decimal128(5, 2)"}
- {name: dec2, dtype: "decimal128(5, 2)"}
- {name: s, dtype: string}
- {name: s2, dtype: large_string}
- {name: l, list: {class_label: {names: [a, b]}}}
- {name: f, dtype: float32}
- {name: i, dtype: int16}
- {name: u, dtype: uint64}
`);
    const { conversion } = await convertFiles([dataFile(dir, "j.jsonl")], { overrides });
    expect(conversion.features).toEqual(overrides);
    expect(await readRows(conversion)).toEqual([
      { ts: "2024-01-01 00:00:01", epoch: "2023-11-14 22:13:20", day: "2024-01-02", dec: "1.25", dec2: "3.10", s: "42", s2: "true", l: ["0", "1"], f: 3, i: 1, u: "18446744073709551615" },
      { ...Object.fromEntries(overrides.map((f) => [f.name, null])), s: "x" },
    ]);
  });

  it("keeps an overridden JSON column in its place (order of first appearance), null where its key is missing", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "o.jsonl": '{"a": 1}\n{"a": 2, "late": "x", "b": true}\n' });
    const { conversion } = await convertFiles([dataFile(dir, "o.jsonl")], { overrides: features("- {name: late, dtype: large_string}") });
    expect(featureMap(conversion.features)).toEqual({ a: "int64", late: "large_string", b: "bool" });
    expect(await readRows(conversion)).toEqual([
      { a: "1", late: null, b: null },
      { a: "2", late: "x", b: true },
    ]);
  });

  it("keeps mixed JSON values as JSON text with dtype: json, written as inferred Json is (pandas' ujson text)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.jsonl": '{"v": 1}\n{"v": "two"}\n{"v": {"three": [3, 2.50], "2": "é/"}}\n{"v": null}\n',
      "m.csv": 'v,w\n1,a\n"""two""",b\n"{""three"": [3, 2.50], ""2"": ""é/""}",c\n,d\n',
    });
    for (const name of ["m.jsonl", "m.csv"]) {
      const { conversion } = await convertFiles([dataFile(dir, name)], { overrides: features("- {name: v, dtype: json}") });
      expect(featureMap(conversion.features).v).toBe("json");
      expect((await readRows(conversion)).map((r) => r.v), name).toEqual(["1", '"two"', String.raw`{"three":[3,2.5],"2":"\u00e9\/"}`, null]);
    }
  });
});

describe("bad values for an overridden type", () => {
  const cases: [string, string, string, RegExp][] = [
    ["- {name: v, dtype: int8}", "v\n1\n300\n", "x.csv:3", /"300" is not in the range of int8/],
    ["- {name: v, dtype: uint8}", "v\n-1\n", "x.csv:2", /"-1" is not in the range of uint8/],
    ["- {name: v, dtype: uint64}", "v\n-1\n", "x.csv:2", /not a uint64 \(it is negative\)/],
    ["- {name: v, dtype: int64}", "v\n1.5\n", "x.csv:2", /"1.5" is not an integer/],
    ["- {name: v, dtype: float32}", "v\nabc\n", "x.csv:2", /"abc" is not a number/],
    ["- {name: v, dtype: bool}", "v\nyes\n", "x.csv:2", /"yes" is not a boolean/],
    ["- {name: v, dtype: 'timestamp[s]'}", "v\n2024-01-01\n01/02/2024\n", "x.csv:3", /"01\/02\/2024" is not a date or date-time/],
    ["- {name: v, dtype: 'timestamp[s]'}", "v\n2024-01-01T00:00:00.5\n", "x.csv:2", /more precision than timestamp\[s\]/],
    ["- {name: v, dtype: date32}", "v\n2023-02-29\n", "x.csv:2", /is not a date/],
    ["- {name: v, dtype: 'decimal128(4, 1)'}", "v\n1.25\n", "x.csv:2", /at most 1 digits after the point/],
    ["- {name: v, dtype: 'decimal128(4, 1)'}", "v\n12345\n", "x.csv:2", /does not fit decimal precision 4/],
    ["- {name: v, list: int64}", 'v\n"[1, 2]"\n"1, 2"\n', "x.csv:3", /not valid JSON; write lists as JSON arrays/],
    ["- {name: v, list: int64}", 'v\n"[1, ""a""]"\n', "x.csv:2", /expected an integer, got "a"/],
    ["- {name: v, dtype: json}", 'v\n"{""a"": 1}"\nhello\n', "x.csv:3", /"hello" is not valid JSON/],
    ["- {name: v, dtype: 'null'}", "v\n\nx\n", "x.csv:3", /null/],
  ];
  for (const [yaml, csv, where, detail] of cases)
    it(`${yaml} refuses ${JSON.stringify(csv.split("\n").at(-2))} at ${where}`, async () => {
      const dir = await tempDir();
      await writeFiles(dir, { "x.csv": csv });
      const e = await rejection(convertFiles([dataFile(dir, "x.csv")], { overrides: features(yaml) }));
      expect(e).toBeInstanceOf(DataError);
      expect(e.message.startsWith(`${where}: column 'v'`), e.message).toBe(true);
      expect(e.message).toMatch(detail);
    });
});

describe("features that cannot apply", () => {
  it("refuses types text cannot become, before reading any file", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "v\nx\n", "t.txt": "line\n" });
    for (const [yaml, detail] of [
      ["- {name: v, dtype: binary}", /column 'v' cannot be binary when read from CSV or JSON: dtype 'binary' cannot be made from text/],
      // image and audio embed the files a column names (__tests__/data/media/); other media types cannot come from text.
      ["- {name: v, dtype: video}", /column 'v' cannot be video .*only come from Parquet files/],
      ["- {name: v, struct: []}", /struct without fields/],
    ] as const) {
      const e = await rejection(convertFiles([dataFile(dir, "a.csv")], { overrides: features(yaml) }));
      expect(e, yaml).toBeInstanceOf(OverrideError);
      expect(e.message).toMatch(detail);
    }
    for (const dtype of ["int64", "image"]) {
      const t = await rejection(convertFiles([dataFile(dir, "t.txt")], { overrides: features(`- {name: text, dtype: ${dtype}}`) }));
      expect(t).toBeInstanceOf(OverrideError);
      expect(t.message).toMatch(/text files have one column 'text' of type string/);
    }
  });

  it("refuses a column no file has, listing the columns there are", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "a.csv": "x,y\n1,2\n" });
    const e = await rejection(convertFiles([dataFile(dir, "a.csv")], { overrides: features("- {name: z, dtype: int8}") }));
    expect(e).toBeInstanceOf(OverrideError);
    expect(e.message).toBe("it sets the type of column 'z', which none of the files has (their columns: x, y)");
  });
});

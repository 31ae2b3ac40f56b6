/**
 * Test 5: the action's deliberate differences from Python (src/data/README.md, "where we differ
 * from Python"), each shown on a small file: the bundled action publishes it, Python's packaged
 * loader reads it, and exactly the difference the README names is seen — no other. (The corpus
 * shows the others on real files: rows with fewer or more fields than the CSV header, JSON array
 * floats.)
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../../emulator/server.js";
import { type ActionOutcome, mapLimited, publishOne } from "../lib/action.js";
import { type Interop, pythonEnv, runPython } from "../lib/python.js";

interface Case {
  /** The deviation, as the README names it. */
  name: string;
  files: Record<string, string>;
  format: "csv" | "json" | "jsonl" | "text";
  /** The `features` input, and the same for Python's loader (`Features.from_dict` form). */
  features?: { action: string; python: Record<string, unknown> };
  /** Compare floats bit for bit (else within 1e-8). */
  exactFloats?: boolean;
  /** What is seen: the action's error, Python's error, or the differences between Python's load of the file and of the action's repo. */
  expect: { action?: RegExp; python?: RegExp; differences?: { kind: string; detail: RegExp }[] };
}

const CASES: Case[] = [
  {
    name: "Json: a string that holds JSON stays a string (Python stores it unquoted: '004' reads back as 4)",
    files: { "code.jsonl": '{"id": 1}\n{"id": 2}\n{"id": "004"}\n' },
    format: "jsonl",
    expect: { differences: [{ kind: "json-text", detail: /^id: 1 of 3 rows differ, first row 2: python 4 action '004'$/ }] },
  },
  {
    name: "Json: the floats of a batch holding Json are exact (Python rounds them to 10 decimals)",
    files: { "mixed.jsonl": '{"f": 0.12345678901234567, "n": 1}\n{"f": 0.5, "n": "x"}\n' },
    format: "jsonl",
    exactFloats: true,
    expect: { differences: [{ kind: "float-rounding", detail: /^f: 1 of 2 rows differ, first row 0: python 0\.123456789 action 0\.12345678901234566$/ }] },
  },
  {
    name: "text: a BOM at the start is dropped (Python keeps U+FEFF in the first row)",
    files: { "bom.txt": "\ufeffline1\nline2\n" },
    format: "text",
    expect: { differences: [{ kind: "values", detail: /^text: 1 of 2 rows differ, first row 0: python '\\ufeffline1' action 'line1'$/ }] },
  },
  {
    name: "CSV: floats of 16 or more significant digits are correctly rounded (pandas' parser is off by one ulp)",
    files: { "digits.csv": "x,y\n92008.64349327219,a\n0.74314666042249777,b\n0.5,c\n" },
    format: "csv",
    exactFloats: true,
    expect: { differences: [{ kind: "values", detail: /^x: 2 of 3 rows differ, first row 0: python 92008\.6434932722 action 92008\.64349327219$/ }] },
  },
  {
    name: "CSV: every row decides a column's type (Python: the first 10,000-row chunk, later chunks cast or fail)",
    files: { "late.csv": `a,b\n${Array.from({ length: 10_000 }, (_, i) => `${i},x`).join("\n")}\ntext,y\n` },
    format: "csv",
    expect: { python: /Failed to parse string: 'text' as a scalar of type int64/ },
  },
  {
    name: "CSV: text after a closing quote is an error (pandas glues it on)",
    files: { "glued.csv": 'a,b\n"ab"c,1\n' },
    format: "csv",
    expect: { action: /^glued\.csv:2: / },
  },
  {
    name: "CSV: integers past uint64 beside decimals are float64 whatever comes first (pandas: text when the integer comes first)",
    files: { "order.csv": "a,b\n18446744073709551616,x\n1.5,y\n" },
    format: "csv",
    expect: {
      differences: [
        { kind: "features", detail: /^a: python Value\('large_string'\) action Value\('float64'\)$/ },
        { kind: "values", detail: /^a: 2 of 2 rows differ, first row 0: python '18446744073709551616' action 1\.8446744073709552e\+19$/ },
      ],
    },
  },
  {
    name: "CSV: an empty cell beside integers past int64 stays null (pandas gives the text '')",
    files: { "big.csv": "a,b\n9223372036854775808,x\n,y\n" },
    format: "csv",
    expect: { differences: [{ kind: "values", detail: /^a: 1 of 2 rows differ, first row 1: python '' action None$/ }] },
  },
  {
    name: "CSV: integers past uint64 are text (Python fails)",
    files: { "huge.csv": "a,b\n18446744073709551616,x\n1,y\n" },
    format: "csv",
    expect: { python: /OverflowError|too large/ },
  },
  {
    name: "CSV: a header-only file is published with no rows (Python fails)",
    files: { "header.csv": "a,b\n" },
    format: "csv",
    expect: { python: /corresponds to no data|no data/ },
  },
  {
    name: "CSV: a column set to json by `features` holds JSON, as Python reads JSON cells (the same values)",
    files: { "cells.csv": 'v,w\n"{""a"": 1}",1\n"[1, 2.50]",2\n' },
    format: "csv",
    features: { action: "- {name: v, dtype: json}\n- {name: w, dtype: int64}", python: { v: { _type: "Json" }, w: { dtype: "int64", _type: "Value" } } },
    expect: { differences: [] },
  },
  {
    name: "CSV: a cell of a json column that is not JSON is an error (Python then stores every cell as a JSON string)",
    files: { "words.csv": 'v,w\nhello,1\n"{""a"": 1}",2\n' },
    format: "csv",
    features: { action: "- {name: v, dtype: json}\n- {name: w, dtype: int64}", python: { v: { _type: "Json" }, w: { dtype: "int64", _type: "Value" } } },
    expect: { action: /^words\.csv:2: column 'v' \(json\): "hello" is not valid JSON/ },
  },
  {
    name: "JSON: every row of every file decides the types (Python: the first file's first 10 MiB, then casts or fails)",
    files: { "a.jsonl": '{"v": "x"}\n', "b.jsonl": '{"v": 1}\n' },
    format: "jsonl",
    // Python casts the second file's 1 to the string '1'; the action keeps the number (as JSON).
    expect: {
      differences: [
        { kind: "features", detail: /^v: python Value\('string'\) action Json\(decode=True\)$/ },
        { kind: "values", detail: /^v: 1 of 2 rows differ, first row 1: python '1' action 1$/ },
      ],
    },
  },
  {
    name: "JSON: values another file holds of another kind make the column Json (Python fails: it casts to the first file's type)",
    files: { "a.jsonl": '{"v": 1}\n', "b.jsonl": '{"v": "x"}\n' },
    format: "jsonl",
    expect: { python: /Failed to parse string|Couldn't cast/ },
  },
  {
    name: "JSON: integers past uint64 in a batch holding Json are read (Python fails: ujson reads at most 2^64 - 1)",
    files: { "huge.jsonl": '{"v": 1, "n": 18446744073709551616}\n{"v": "x", "n": 2}\n' },
    format: "jsonl",
    expect: { python: /Value is too big/ },
  },
  {
    name: "JSON Lines: a repeated key takes its last value (Python fails)",
    files: { "dup.jsonl": '{"a": 1, "a": 2}\n{"a": 3}\n' },
    format: "jsonl",
    expect: { python: /specified twice/ },
  },
  {
    name: "JSON: an array after blanks is read (Python fails: it wants '[' first)",
    files: { "blank.json": '  [{"x": 1}, {"x": 2}]' },
    format: "json",
    expect: { python: /mapping|Expected|Trailing/ },
  },
  {
    name: "JSON Lines: a line holding part of an object is an error (Python reads the objects across lines)",
    files: { "part.json": '{"a": 1}\n{\n  "a": 2\n}\n' },
    format: "json",
    expect: { action: /^part\.json:2: invalid JSON: .*spread over several lines/ },
  },
  {
    name: "JSON: only empty objects where Python makes a struct without fields (which it cannot push) is an error",
    files: { "empty.json": '{\n  "c": {},\n  "d": 1\n}\n' },
    format: "json",
    expect: { action: /^empty\.json:1: 'c' only holds empty objects/ },
  },
];

export function deviationsSuite(interop: Interop): void {
  describe("the deliberate differences from Python, each on a small file", () => {
    let hub: HubEmulator;
    let home: string;
    const outcomes = new Map<string, { action: ActionOutcome; python: PythonCase }>();

    beforeAll(async () => {
      if (!interop.ok) return;
      hub = await startHubEmulator();
      home = await mkdtemp(path.join(os.tmpdir(), "interop-deviations-"));
      const repo = (i: number) => `tester/deviation-${i}`;
      const actions = await mapLimited(CASES, 2, async (c) => {
        const i = CASES.indexOf(c);
        const dir = path.join(home, `case-${i}`);
        await mkdir(dir, { recursive: true });
        for (const [name, content] of Object.entries(c.files)) await writeFile(path.join(dir, name), content);
        const inputs: Record<string, string> = { paths: Object.keys(c.files).join("\n") };
        if (c.features) inputs.features = c.features.action;
        return publishOne(dir, { url: hub.url, token: hub.tokens.write }, repo(i), inputs);
      });
      const cases = CASES.map((c, i) => ({
        name: c.name,
        paths: Object.keys(c.files).map((f) => path.join(home, `case-${i}`, f)),
        format: c.format,
        features: c.features?.python,
        exactFloats: c.exactFloats === true,
        actionRepo: actions[i]!.ok ? repo(i) : null,
      }));
      const env = pythonEnv({ url: hub.url, token: hub.tokens.write }, home);
      const { results } = await runPython<{ results: PythonCase[] }>(interop.python, "deviations", { cases }, env);
      CASES.forEach((c, i) => outcomes.set(c.name, { action: actions[i]!, python: results[i]! }));
    }, 10 * 60_000);

    afterAll(async () => {
      await hub?.close();
      if (home) await rm(home, { recursive: true, force: true });
    });

    it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
      const { action, python } = outcomes.get(c.name)!;
      const pythonError = "error" in python.reference ? python.reference.error : undefined;
      if (c.expect.action) {
        expect(action.ok, action.log.slice(-400)).toBe(false);
        expect(action.error?.message).toMatch(c.expect.action);
      } else expect(action.ok, action.error?.message).toBe(true);
      if (c.expect.python) expect(pythonError).toMatch(c.expect.python);
      else expect(pythonError).toBeUndefined();
      if (action.ok && !pythonError) {
        expect(python.published && "error" in python.published ? python.published.error : undefined).toBeUndefined();
        const seen = python.differences ?? [];
        expect(seen.map((d) => d.kind), JSON.stringify(seen)).toEqual((c.expect.differences ?? []).map((d) => d.kind));
        seen.forEach((d, k) => expect(d.detail).toMatch(c.expect.differences![k]!.detail));
      }
    });
  });
}

type Loaded = { columns: string[]; numRows: number; features: Record<string, unknown> } | { error: string };
interface PythonCase {
  name: string;
  reference: Loaded;
  published?: Loaded;
  differences?: { kind: string; detail: string }[];
}

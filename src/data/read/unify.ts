/**
 * How the files of a dataset are brought to one schema: int64 + float64 →
 * float64, all-null + T → T, lists by their items, structs field by field.
 * When every file is JSON read with datasets' Json rules (FileProfile.mixedToJson),
 * the rules of ./json/infer.ts carry over from file to file — as if they were
 * one file: two kinds of values at one place, or objects with other keys,
 * make that place `Json`. Anything else is a conflict reported with both
 * files, the column and both types.
 */
import { DataError, throwDataErrors } from "../errors.js";
import { type Feature, JSON_FEATURE, type NamedFeature, featureToString, isJson, value } from "../../model/features.js";
import type { FileProfile } from "./reader.js";

export class UnifyConflict extends Error {
  constructor(
    readonly a: Feature,
    readonly b: Feature,
    readonly path: string,
  ) {
    super(`${featureToString(a)} vs ${featureToString(b)}`);
  }
}

/** Where two files made a place Json (unify's `json` mode), for the log. */
export interface JsonMerge {
  path: string;
  a: Feature;
  b: Feature;
}

/**
 * The common type of two inferred features (undefined = only nulls seen so
 * far). With `json` (datasets' Json rules), what would be a conflict makes the
 * place Json, reported to `merged`.
 */
export function unify(a: Feature | undefined, b: Feature | undefined, path = "", json = false, merged?: JsonMerge[]): Feature | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const conflict = (): Feature => {
    if (!json) throw new UnifyConflict(a, b, path);
    // A place one file already made Json was reported with that file.
    if (!isJson(a) && !isJson(b)) merged?.push({ path, a, b });
    return JSON_FEATURE;
  };
  if (isJson(a) && isJson(b)) return a;
  if (a.kind === "value" && b.kind === "value") {
    if (a.dtype === b.dtype) return a;
    if (a.dtype === "null") return b;
    if (b.dtype === "null") return a;
    const numeric = new Set(["int64", "float64"]);
    if (numeric.has(a.dtype) && numeric.has(b.dtype)) return value("float64");
    // JSON strings inferred as timestamp[s] in one file and text in another: pyarrow's promotion gives string;
    // CSV text (large_string, as pandas 3 gives it) and JSON text (string): large_string.
    const text = new Set(["timestamp[s]", "string", "large_string"]);
    if (text.has(a.dtype) && text.has(b.dtype)) return value(a.dtype === "large_string" || b.dtype === "large_string" ? "large_string" : "string");
    return conflict();
  }
  if (a.kind === "value" && a.dtype === "null") return b;
  if (b.kind === "value" && b.dtype === "null") return a;
  if (isJson(a) || isJson(b)) return conflict();
  if (a.kind === "list" && b.kind === "list" && a.length === b.length && Boolean(a.large) === Boolean(b.large)) {
    const item = unify(a.item, b.item, `${path}[]`, json, merged) ?? value("null");
    return { ...a, item };
  }
  if (a.kind === "struct" && b.kind === "struct") {
    // With Json rules, objects at one place have the same keys, or the place is Json.
    const sameKeys = a.fields.length === b.fields.length && a.fields.every((f) => b.fields.some((g) => g.name === f.name));
    if (json && !sameKeys) return conflict();
    const fields: NamedFeature[] = a.fields.map((f) => {
      const other = b.fields.find((g) => g.name === f.name);
      return other ? { name: f.name, feature: unify(f.feature, other.feature, `${path}.${f.name}`, json, merged)! } : f;
    });
    for (const g of b.fields) if (!a.fields.some((f) => f.name === g.name)) fields.push(g);
    return { kind: "struct", fields };
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return a;
  return conflict();
}

export interface SplitSchema {
  features: NamedFeature[];
  /** Places that became Json because files disagree there (each file alone did not make them Json). */
  merged: (JsonMerge & { fileA: string; fileB: string })[];
}

/**
 * One schema for a set of files (the files of one split, or of all splits).
 * Column sets must match; types are unified; `overrides` (from the
 * `features` input) are already applied in the profiles. Every file that
 * does not fit is reported (DataErrors), not only the first.
 */
export function unifyProfiles(profiles: FileProfile[]): SplitSchema {
  if (profiles.length === 0) return { features: [], merged: [] };
  const first = profiles[0]!;
  const json = profiles.every((p) => p.mixedToJson === true);
  const merged: SplitSchema["merged"] = [];
  const names = first.columns.map((c) => c.name);
  const types = new Map<string, { feature: Feature | undefined; from: string }>();
  for (const c of first.columns) types.set(c.name, { feature: c.feature, from: first.file });
  const errors: DataError[] = [];
  for (const p of profiles.slice(1)) {
    const theirs = new Set(p.columns.map((c) => c.name));
    const missing = names.filter((n) => !theirs.has(n));
    const extra = p.columns.map((c) => c.name).filter((n) => !types.has(n));
    if (missing.length > 0 || extra.length > 0) {
      errors.push(new DataError(
        p.file,
        1,
        `its columns differ from ${first.file}: ` +
          [missing.length ? `missing ${quoteList(missing)}` : "", extra.length ? `unexpected ${quoteList(extra)}` : ""]
            .filter(Boolean)
            .join(", ") +
          ". All files published together must have the same columns.",
      ));
      continue;
    }
    for (const c of p.columns) {
      const known = types.get(c.name)!;
      try {
        const found: JsonMerge[] = [];
        const feature = unify(known.feature, c.feature, "", json, found);
        for (const m of found) merged.push({ ...m, path: `${c.name}${m.path}`, fileA: known.from, fileB: p.file });
        types.set(c.name, { feature, from: known.feature === undefined ? p.file : known.from });
      } catch (e) {
        if (!(e instanceof UnifyConflict)) throw e;
        errors.push(new DataError(
          p.file,
          undefined,
          `column '${c.name}${e.path}' is ${featureToString(e.b)} here but ${featureToString(e.a)} in ${known.from}; ` +
            `these types cannot be combined. Make the files agree, or set the column's type with the 'features' input.`,
        ));
      }
    }
  }
  throwDataErrors(errors);
  // A column with no value anywhere takes the all-null type of the first file that has rows
  // (float64 for CSV as pandas gives, null for JSON as pyarrow gives).
  const nullFeature = (profiles.find((p) => p.rows > 0) ?? first).nullFeature;
  return {
    features: names.map((name) => ({ name, feature: types.get(name)!.feature ?? nullFeature })),
    merged,
  };
}

function quoteList(names: string[]): string {
  return names.map((n) => `'${n}'`).join(", ");
}

/**
 * The type overrides (the `features` setting, by column) checked against the
 * files: before any file is read, that their formats can produce each type;
 * after pass 1, that every column they name exists. Both are OverrideErrors.
 */
import { type Feature, type NamedFeature, featureToString } from "../../model/features.js";
import { OverrideError } from "../errors.js";
import { unsupportedReason } from "./columns.js";
import type { DataFile } from "./discover.js";
import { isMediaFeature } from "./media/media-columns.js";

const TEXT_FORMATS = new Set<DataFile["format"]>(["csv", "tsv", "json", "jsonl"]);

/**
 * The overrides must name types the files' formats can produce (checked
 * before reading anything). Image and audio types are the media readers'
 * (read/media/): the column's paths are embedded.
 */
export function checkOverrides(overrides: ReadonlyMap<string, Feature>, formats: ReadonlySet<DataFile["format"]>): void {
  for (const [name, feature] of overrides) {
    if ([...formats].some((f) => TEXT_FORMATS.has(f)) && !isMediaFeature(feature)) {
      const reason = unsupportedReason(feature);
      if (reason !== undefined) throw new OverrideError(`column '${name}' cannot be ${featureToString(feature)} when read from CSV or JSON: ${reason}`);
    }
    if (formats.has("text") && name === "text" && !(feature.kind === "value" && (feature.dtype === "string" || feature.dtype === "large_string")))
      throw new OverrideError(`text files have one column 'text' of type string; it cannot be ${featureToString(feature)}`);
  }
}

/** Every overridden column must be one of the dataset's (checked once the files' columns are known). */
export function checkOverridesUsed(overrides: ReadonlyMap<string, Feature>, features: NamedFeature[]): void {
  for (const name of overrides.keys())
    if (!features.some((f) => f.name === name))
      throw new OverrideError(
        `it sets the type of column '${name}', which none of the files has (their columns: ${features.map((f) => f.name).join(", ") || "none"})`,
      );
}

/**
 * What the shards of a dataset store: the dataset's Arrow schema with the
 * `huggingface` features entry, the schema as stored (timestamp[s] as
 * timestamp[ms], ...: ../model/storage.ts), and the `ARROW:schema` footer
 * entry (the dataset's schema, as pyarrow writes it: ../model/arrow-schema.ts).
 * Also the one thing Parquet cannot store at all: a struct without fields.
 */
import type * as arrow from "apache-arrow";
import { type Feature, type NamedFeature, featureToString, featuresToArrowSchema, huggingfaceMetadata } from "../../model/features.js";
import { DataError } from "../errors.js";
import { encodeArrowSchema } from "../model/arrow-schema.js";
import { type HashRule, hashRules, storageSchema } from "../model/storage.js";
import type { FileProfile } from "../read/reader.js";

export interface ShardSchema {
  /** The dataset's schema (pass 2 hands out batches of it), with the `huggingface` metadata. */
  schema: arrow.Schema;
  /** The schema the shards store. */
  stored: arrow.Schema;
  /** File key-value metadata: the `huggingface` features entry. */
  metadata: Map<string, string>;
  /** The `ARROW:schema` footer entry. */
  arrowSchema: string;
  /** How the content-defined chunker hashes leaves whose stored values are not the dataset's (model/storage.ts). */
  hashRules: Record<string, HashRule>;
}

export function shardSchema(features: NamedFeature[]): ShardSchema {
  const metadata = new Map([["huggingface", huggingfaceMetadata(features)]]);
  const schema = featuresToArrowSchema(features, metadata);
  return { schema, stored: storageSchema(schema), metadata, arrowSchema: encodeArrowSchema(schema), hashRules: hashRules(schema) };
}

/** Parquet cannot store a struct without fields: say which column, and where it comes from. */
export function checkStorable(features: NamedFeature[], profiles: FileProfile[]): void {
  const empty = (f: Feature): boolean =>
    f.kind === "struct" ? f.fields.length === 0 || f.fields.some((g) => empty(g.feature)) : f.kind === "list" ? empty(f.item) : false;
  for (const f of features)
    if (empty(f.feature)) {
      const from = profiles.find((p) => p.columns.some((c) => c.name === f.name));
      throw new DataError(
        from?.file ?? "(no file)",
        undefined,
        `column '${f.name}' (${featureToString(f.feature)}) holds an object without fields, which Parquet cannot store; ` +
          `set its type with the 'features' input (for example dtype: json), or remove it`,
      );
    }
}

/**
 * One row group of a shard — all its fields, or the share of them one
 * thread encodes — written by our page writer (./pages/) as a
 * one-row-group Parquet part, which ./merge.ts joins with its siblings
 * into the shard.
 */
import type * as arrow from "apache-arrow";
import { DATASETS_CDC } from "./pages/cdc.js";
import type { Kernels } from "./pages/kernels.js";
import { leavesOf } from "./pages/leaf.js";
import { PartWriter } from "./pages/part-writer.js";
import type { EncoderSettings } from "./properties.js";
import type { FooterTemplates } from "./templates.js";

/** What writing pages on a thread needs, made once per thread. */
export interface PageWriterContext {
  kernels: Kernels;
  templates: FooterTemplates;
}

/**
 * Encodes the batches `next` gives (until null; all of one row group, at
 * least one batch, possibly empty) into the part file `path`; returns its
 * size.
 */
export async function encodePart(
  path: string,
  settings: EncoderSettings,
  next: () => Promise<arrow.RecordBatch | null>,
  context: PageWriterContext,
): Promise<number> {
  const first = await next();
  if (!first) throw new Error("a part needs at least one batch");
  const template = context.templates.get(first.schema, settings);
  const writer = new PartWriter(first.schema, leavesOf(template), {
    compression: settings.compression,
    cdc: settings.cdc ? DATASETS_CDC : null,
    kernels: context.kernels,
    hashRules: settings.hashRules,
  });
  for (let batch: arrow.RecordBatch | null = first; batch; batch = await next()) writer.write(batch);
  return writer.writeFile(path, template);
}

/**
 * One row group of a shard — all its fields, or the share of them one
 * thread encodes — written as a one-row-group Parquet part, which
 * ./merge.ts joins with its siblings into the shard.
 *
 * Flat columns go through our page writer (./pages/): content-defined
 * pages, as `datasets` 5 writes them. Nested columns (lists, structs) are
 * still written by parquet-wasm (./encode.ts) into a part of their own,
 * joined with ours into this part.
 */
import * as arrow from "apache-arrow";
import { rm } from "node:fs/promises";
import { ThriftStruct } from "../model/thrift.js";
import { encodeParquetFile } from "./encode.js";
import { batchToIPC } from "./ipc.js";
import { assembleFile, fileSource, openPart } from "./merge.js";
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

/** Whether our page writer writes `field` (flat columns); parquet-wasm writes the others. */
export function writtenByPageWriter(field: arrow.Field): boolean {
  return (field.type.children?.length ?? 0) === 0;
}

/** parquet-wasm's row group limit for a part: never reached, a part is one row group. */
const ONE_ROW_GROUP = 1 << 30;

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
  const schema = first.schema;
  const ours = schema.fields.flatMap((f, i) => (writtenByPageWriter(f) ? [i] : []));
  const theirs = schema.fields.flatMap((f, i) => (writtenByPageWriter(f) ? [] : [i]));
  const oursSchema = new arrow.Schema(ours.map((i) => schema.fields[i]!));
  const options = { compression: settings.compression, cdc: settings.cdc ? DATASETS_CDC : null, kernels: context.kernels, hashRules: settings.hashRules };
  const template = context.templates.get(oursSchema, settings);
  const writer = new PartWriter(
    leavesOf(template).map((leaves) => leaves[0]!),
    options,
  );
  if (theirs.length === 0) {
    for (let batch: arrow.RecordBatch | null = first; batch; batch = await next()) writer.write(batch);
    return writer.writeFile(path, template);
  }

  // Nested columns: parquet-wasm writes them into a part of their own while we write the flat ones.
  const oursPath = `${path}.pages`;
  const theirsPath = `${path}.nested`;
  try {
    let pending: arrow.RecordBatch | null = first;
    await encodeParquetFile(theirsPath, { compression: settings.compression, metadata: settings.metadata, rowGroupRows: ONE_ROW_GROUP }, async () => {
      const batch = pending ?? (await next());
      pending = null;
      if (!batch) return null;
      if (ours.length > 0) writer.write(batch.selectAt(ours));
      return batchToIPC(batch.selectAt(theirs));
    });
    if (ours.length > 0) await writer.writeFile(oursPath, template);
    const paths = ours.length > 0 ? [oursPath, theirsPath] : [theirsPath];
    const sources = await Promise.all(paths.map(fileSource));
    try {
      const parts = await Promise.all(sources.map((s) => openPart(s)));
      const owner = schema.fields.map((f) => (ours.length > 0 && writtenByPageWriter(f) ? 0 : parts.length - 1));
      const plans = parts[0]!.rowGroups.map((_, r) => ({ cells: parts.map((part) => ({ part, rowGroup: r })), owner }));
      const { bytes } = await assembleFile(path, context.templates.get(schema, settings) as ThriftStruct, plans);
      return bytes;
    } finally {
      await Promise.all(sources.map((s) => s.close()));
    }
  } finally {
    await Promise.all([oursPath, theirsPath].map((p) => rm(p, { force: true }).catch(() => undefined)));
  }
}

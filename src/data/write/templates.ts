/**
 * Footer templates: the footer arrow-rs (parquet-wasm) writes for an empty
 * file of an Arrow schema. The page writer takes its schema elements from
 * there (physical types, annotations, repetition), so a shard's schema is
 * exactly what arrow-rs gives the shard's Arrow schema; and the key-value
 * entries and column orders with them. Kept per schema by the encoder that
 * owns the instance (one per thread).
 */
import * as arrow from "apache-arrow";
import * as parquet from "parquet-wasm/node";
import { type ThriftStruct, decodeStruct } from "../model/thrift.js";
import { batchToIPC } from "./ipc.js";
import { type EncoderSettings, writerProperties } from "./properties.js";

export class FooterTemplates {
  private readonly cache = new Map<string, ThriftStruct>();

  /** The footer of an empty file of `schema` with these settings' metadata (the caller may not change it). */
  get(schema: arrow.Schema, settings: Pick<EncoderSettings, "compression" | "metadata">): ThriftStruct {
    const ipc = batchToIPC(emptyBatch(schema));
    const key = `${settings.compression}\n${JSON.stringify(settings.metadata)}\n${Buffer.from(ipc).toString("base64")}`;
    let template = this.cache.get(key);
    if (!template) {
      const table = parquet.Table.fromIPCStream(ipc);
      const file = parquet.writeParquet(table, writerProperties({ compression: settings.compression, metadata: settings.metadata, rowGroupRows: 1 }));
      const length = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(file.length - 8, true);
      template = decodeStruct(file, file.length - 8 - length).struct;
      this.cache.set(key, template);
    }
    return template;
  }
}

/** A batch of no rows: an empty shard is still a valid Parquet file with the schema. */
export function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: 0,
      nullCount: 0,
      children: schema.fields.map((f) => arrow.makeBuilder({ type: f.type }).flush()),
    }),
  );
}

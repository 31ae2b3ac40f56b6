/**
 * The `ARROW:schema` entry of a shard's footer, as pyarrow writes it: the
 * dataset's own Arrow schema (with its `huggingface` metadata), so pyarrow
 * restores exact types on read — e.g. `timestamp[s]`, which Parquet can only
 * store as milliseconds (docs/parquet.md#the-arrow-schema-entry).
 *
 * arrow-rs (inside parquet-wasm) derives the entry from the batches it was
 * given, which carry the storage types (storage.ts); the shard writer
 * replaces it in the joined footer (`setKeyValue`). The value is the base64 of one Arrow IPC schema
 * message with its continuation marker and length prefix, as arrow-rs and
 * pyarrow encode it.
 */
import * as arrow from "apache-arrow";
import { TType, ThriftStruct } from "./thrift.js";

export const ARROW_SCHEMA_KEY = "ARROW:schema";

/** FileMetaData field ids (parquet.thrift). */
const FILE_KEY_VALUE_METADATA = 5;
const KV_KEY = 1;
const KV_VALUE = 2;


/** base64 of the IPC schema message of `schema`. */
export function encodeArrowSchema(schema: arrow.Schema): string {
  const stream = arrow.tableToIPC(new arrow.Table(schema), "stream");
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  if (view.getUint32(0, true) !== 0xffffffff) throw new Error("unexpected IPC stream layout");
  const length = view.getInt32(4, true);
  return Buffer.from(stream.subarray(0, 8 + length)).toString("base64");
}

/** The value of `key` in a decoded FileMetaData's key-value entries, if any. */
export function keyValue(meta: ThriftStruct, key: string): string | undefined {
  const decoder = new TextDecoder();
  for (const item of (meta.list(FILE_KEY_VALUE_METADATA)?.items ?? []) as ThriftStruct[]) {
    const k = item.get(KV_KEY);
    const v = item.get(KV_VALUE);
    if (k instanceof Uint8Array && decoder.decode(k) === key) return v instanceof Uint8Array ? decoder.decode(v) : undefined;
  }
  return undefined;
}

/** Sets `key` to `value` in a decoded FileMetaData, keeping the entries' order. */
export function setKeyValue(meta: ThriftStruct, key: string, value: string): void {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let list = meta.list(FILE_KEY_VALUE_METADATA);
  if (!list) {
    list = { kind: "list", elementType: TType.Struct, items: [] };
    meta.set(FILE_KEY_VALUE_METADATA, TType.List, list);
  }
  for (const item of list.items as ThriftStruct[]) {
    const k = item.get(KV_KEY);
    if (k instanceof Uint8Array && decoder.decode(k) === key) {
      item.set(KV_VALUE, TType.Binary, encoder.encode(value));
      return;
    }
  }
  list.items.push(new ThriftStruct([
    { id: KV_KEY, type: TType.Binary, value: encoder.encode(key) },
    { id: KV_VALUE, type: TType.Binary, value: encoder.encode(value) },
  ]));
}

/**
 * The `ARROW:schema` entry of a shard's footer, as pyarrow writes it: the
 * dataset's own Arrow schema (with its `huggingface` metadata), so pyarrow
 * restores exact types on read — e.g. `timestamp[s]`, which Parquet can only
 * store as milliseconds (spec §3.6, §3.8).
 *
 * arrow-rs (inside parquet-wasm) derives the entry from the batches it was
 * given, which carry the storage types (storage.ts); `patchFooter` replaces
 * it in the encoded footer. The value is the base64 of one Arrow IPC schema
 * message with its continuation marker and length prefix, as arrow-rs and
 * pyarrow encode it.
 */
import * as arrow from "apache-arrow";
import { TType, ThriftStruct, decodeStruct, encodeStruct } from "./parquet/thrift.js";

export const ARROW_SCHEMA_KEY = "ARROW:schema";

/** FileMetaData field ids (parquet.thrift). */
const FILE_KEY_VALUE_METADATA = 5;
const KV_KEY = 1;
const KV_VALUE = 2;

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // PAR1

/** base64 of the IPC schema message of `schema`. */
export function encodeArrowSchema(schema: arrow.Schema): string {
  const stream = arrow.tableToIPC(new arrow.Table(schema), "stream");
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  if (view.getUint32(0, true) !== 0xffffffff) throw new Error("unexpected IPC stream layout");
  const length = view.getInt32(4, true);
  return Buffer.from(stream.subarray(0, 8 + length)).toString("base64");
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

/**
 * `tail` holds the end of a Parquet file (at least its footer, its length
 * and the closing magic). Returns the same tail with the footer's
 * `ARROW:schema` replaced by `encoded`, or undefined when `tail` does not
 * hold the whole footer.
 */
export function patchFooter(tail: Uint8Array, encoded: string): Uint8Array | undefined {
  const n = tail.length;
  if (n < 12 || MAGIC.some((b, i) => tail[n - 4 + i] !== b)) return undefined;
  const length = new DataView(tail.buffer, tail.byteOffset + n - 8, 4).getUint32(0, true);
  const start = n - 8 - length;
  if (start < 0) return undefined;
  const { struct } = decodeStruct(tail.subarray(start, n - 8));
  setKeyValue(struct, ARROW_SCHEMA_KEY, encoded);
  const footer = encodeStruct(struct);
  const out = new Uint8Array(start + footer.length + 8);
  out.set(tail.subarray(0, start), 0);
  out.set(footer, start);
  new DataView(out.buffer, out.byteOffset + start + footer.length, 4).setUint32(0, footer.length, true);
  out.set(MAGIC, start + footer.length + 4);
  return out;
}

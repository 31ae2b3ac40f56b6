/**
 * Arrow record batches as IPC stream bytes: how batches reach the Parquet
 * encoder (parquet-wasm, that is arrow-rs), in this thread or another.
 *
 * apache-arrow 21 reports a null count of -1 ("unknown") for a slice of an
 * array of the Null type, and its IPC writer slices the children of lists;
 * arrow-rs then rejects the stream ("NullArray has unequal null_count -1"),
 * so a JSON list whose items, or whose objects' fields, are always null
 * could not be written. apache-arrow counts a slice's nulls from its
 * validity bitmap, which Null arrays lack: batchToIPC gives each of them an
 * all-null one (which the writer does not write: Null arrays have no
 * buffers), so every slice counts as many nulls as it has values.
 */
import * as arrow from "apache-arrow";

/** The IPC stream (schema and one record batch) of `batch`. */
export function batchToIPC(batch: arrow.RecordBatch): Uint8Array {
  const data = withNullBitmaps(batch.data);
  return arrow.tableToIPC(new arrow.Table([data === batch.data ? batch : new arrow.RecordBatch(batch.schema, data)]), "stream");
}

/** `data` with an all-null validity bitmap on every array of the Null type, at any depth (the same data when there is none). */
function withNullBitmaps<T extends arrow.DataType>(data: arrow.Data<T>): arrow.Data<T> {
  if (data.typeId === arrow.Type.Null) {
    if (data.nullBitmap) return data;
    const bitmap = new Uint8Array((data.offset + data.length + 7) >> 3);
    return new arrow.Data(data.type, data.offset, data.length, data.length, { [arrow.BufferType.VALIDITY]: bitmap });
  }
  if (data.children.length === 0) return data;
  const children = data.children.map(withNullBitmaps);
  if (children.every((child, i) => child === data.children[i])) return data;
  return data.clone(data.type, data.offset, data.length, undefined, undefined, children);
}

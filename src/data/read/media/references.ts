/**
 * How pass 2 hands a media column built from files to the shard writer: as
 * references, never as the files' bytes. The column has the feature's own
 * type, `struct<bytes: binary, path: string>`, with `bytes` all null and
 * `path` the file's absolute local path (`{"bytes": None, "path": ...}`, as
 * Python holds such a column before embedding); the writer
 * (../../write/media/) streams each file into the shard and stores its base
 * name as `path`, as `embed_external_files` does.
 */
import * as arrow from "apache-arrow";
import { type Feature, featureToArrow } from "../../../model/features.js";

const encoder = new TextEncoder();

/** A media column of `feature`'s type referring to `paths` (null: no file in that row). */
export function mediaReferences(feature: Feature, paths: (string | null)[]): arrow.Data {
  const type = featureToArrow(feature) as arrow.Struct;
  const n = paths.length;
  const encoded = paths.map((p) => (p === null ? new Uint8Array(0) : encoder.encode(p)));
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + encoded[i]!.length;
  const values = new Uint8Array(offsets[n]!);
  encoded.forEach((bytes, i) => values.set(bytes, offsets[i]));
  let validity: Uint8Array | undefined;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (paths[i] !== null) continue;
    validity ??= new Uint8Array((n + 7) >> 3).fill(0xff);
    validity[i >> 3]! &= ~(1 << (i & 7));
    nulls++;
  }
  if (validity && n & 7) validity[validity.length - 1]! &= (1 << (n & 7)) - 1;
  const [bytesField, pathField] = type.children as [arrow.Field, arrow.Field];
  const bytes = arrow.makeData({
    type: bytesField.type as arrow.Binary,
    length: n,
    nullCount: n,
    nullBitmap: new Uint8Array((n + 7) >> 3),
    valueOffsets: new Int32Array(n + 1),
    data: new Uint8Array(0),
  });
  const pathData = arrow.makeData({ type: pathField.type as arrow.Utf8, length: n, nullCount: nulls, nullBitmap: validity, valueOffsets: offsets, data: values });
  return arrow.makeData({ type, length: n, nullCount: nulls, nullBitmap: validity, children: [bytes, pathData] });
}

/** The local paths a references column holds (null where the row has no file). */
export function referencedPaths(data: arrow.Data): (string | null)[] {
  const paths = utf8Values(data.children[1]!);
  return paths.map((p, i) => (data.getValid(i) ? p : null));
}

/** The values of a string column (Utf8 or LargeUtf8), null where null. */
export function utf8Values(data: arrow.Data): (string | null)[] {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const values = data.values as Uint8Array;
  const decoder = new TextDecoder();
  const out: (string | null)[] = [];
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) out.push(null);
    else out.push(decoder.decode(values.subarray(Number(offsets[i]!), Number(offsets[i + 1]!))));
  }
  return out;
}

/**
 * apache-arrow 21 reports a null count of -1 ("unknown") for a sliced array
 * of the Null type, and its IPC writer slices the children of lists; arrow-rs
 * then rejects the stream ("NullArray has unequal null_count -1"), so a JSON
 * list whose items, or whose objects' fields, are always null could not be
 * written. Every value of a Null array is null: say so. Imported for its
 * effect by the modules that serialise Arrow data.
 */
import * as arrow from "apache-arrow";

const descriptor = Object.getOwnPropertyDescriptor(arrow.Data.prototype, "nullCount");
if (descriptor?.get && !(descriptor.get as { nullTypeFixed?: boolean }).nullTypeFixed) {
  const original = descriptor.get;
  const patched = function (this: arrow.Data) {
    return this.type.typeId === arrow.Type.Null ? this.length : (original.call(this) as number);
  };
  (patched as { nullTypeFixed?: boolean }).nullTypeFixed = true;
  Object.defineProperty(arrow.Data.prototype, "nullCount", { ...descriptor, get: patched });
}

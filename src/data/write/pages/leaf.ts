/**
 * The leaf columns of a Parquet schema as the page writer needs them:
 * physical type, width, the sort order its statistics follow, and its
 * definition and repetition levels. Read from the schema a footer holds —
 * the one parquet-wasm (arrow-rs) gives the shard's Arrow schema — so the
 * file's schema stays exactly what it was; the writer only writes pages.
 */
import { type ThriftStruct, TType } from "../../model/thrift.js";
import { FM, INT, LT, Physical, Repetition, SE } from "./format.js";

/** How min and max compare (parquet-format's column orders, as arrow-rs picks them). */
export type SortOrder = "signed" | "unsigned" | "undefined";

export interface Leaf {
  /** Names from the top-level field down. */
  path: string[];
  physical: number;
  /** FIXED_LEN_BYTE_ARRAY width. */
  typeLength: number;
  sortOrder: SortOrder;
  /** BYTE_ARRAY holding UTF-8 (statistics are truncated on character boundaries). */
  utf8: boolean;
  float16: boolean;
  decimal: boolean;
  maxDef: number;
  maxRep: number;
}

/** Leaves per top-level field, in schema order, from a footer's flattened schema. */
export function leavesOf(meta: ThriftStruct): Leaf[][] {
  const elements = (meta.list(FM.SCHEMA)?.items ?? []) as ThriftStruct[];
  let at = 1;
  const walk = (path: string[], def: number, rep: number, out: Leaf[]): void => {
    const element = elements[at++];
    if (!element) throw new Error("the footer's schema ends early");
    const name = new TextDecoder().decode(element.get(SE.NAME) as Uint8Array);
    const repetition = Number(element.int(SE.REPETITION) ?? BigInt(Repetition.REQUIRED));
    const d = def + (repetition === Repetition.REQUIRED ? 0 : 1);
    const r = rep + (repetition === Repetition.REPEATED ? 1 : 0);
    const children = Number(element.int(SE.NUM_CHILDREN) ?? 0n);
    if (children > 0) {
      for (let i = 0; i < children; i++) walk([...path, name], d, r, out);
      return;
    }
    out.push(describe(element, [...path, name], d, r));
  };
  const fields = Number(elements[0]?.int(SE.NUM_CHILDREN) ?? 0n);
  return Array.from({ length: fields }, () => {
    const leaves: Leaf[] = [];
    walk([], 0, 0, leaves);
    return leaves;
  });
}

function describe(element: ThriftStruct, path: string[], maxDef: number, maxRep: number): Leaf {
  const physical = Number(element.int(SE.TYPE));
  const logical = element.struct(SE.LOGICAL_TYPE)?.fields[0];
  const logicalId = logical?.id;
  const decimal = logicalId === LT.DECIMAL;
  const float16 = logicalId === LT.FLOAT16;
  const utf8 = logicalId === LT.STRING;
  let sortOrder: SortOrder;
  if (logicalId === LT.UNKNOWN) sortOrder = "undefined";
  else if (physical === Physical.BOOLEAN || physical === Physical.BYTE_ARRAY) sortOrder = "unsigned";
  else if (physical === Physical.FIXED_LEN_BYTE_ARRAY) sortOrder = decimal || float16 ? "signed" : "unsigned";
  else if (logicalId === LT.INTEGER && logical!.type === TType.Struct) sortOrder = (logical!.value as ThriftStruct).get(INT.SIGNED) ? "signed" : "unsigned";
  else sortOrder = "signed";
  return { path, physical, typeLength: Number(element.int(SE.TYPE_LENGTH) ?? 0n), sortOrder, utf8, float16, decimal, maxDef, maxRep };
}

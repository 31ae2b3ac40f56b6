/**
 * The Hugging Face `datasets` feature model and its three serialisations:
 * the Arrow type a column is stored as, the JSON dict kept in Parquet metadata
 * (`Features.to_dict()`), and the YAML list written in the card's
 * `dataset_info.features` (`Features._to_yaml_list()`). See docs/dataset-layout.md#features.
 */
import * as arrow from "apache-arrow";

export type Feature =
  | { kind: "value"; dtype: string }
  | { kind: "class_label"; names: string[] }
  | { kind: "list"; item: Feature; length?: number; large?: boolean }
  | { kind: "struct"; fields: NamedFeature[] }
  /** Any other `_type` (Json, Image, Audio, ...): kept as-is, only passed through from Parquet inputs. */
  | { kind: "custom"; typeName: string; params: Record<string, unknown> };

export interface NamedFeature {
  name: string;
  feature: Feature;
}

export const value = (dtype: string): Feature => ({ kind: "value", dtype });

/** `datasets`' `Json` feature: values kept as JSON text (Arrow `arrow.json` over strings). */
export const JSON_FEATURE: Feature = { kind: "custom", typeName: "Json", params: {} };

export function isJson(feature: Feature): boolean {
  return feature.kind === "custom" && feature.typeName === "Json";
}

/** Whether `feature` is, or holds (in lists, structs), a Json feature. */
export function containsJson(feature: Feature): boolean {
  if (isJson(feature)) return true;
  if (feature.kind === "list") return containsJson(feature.item);
  if (feature.kind === "struct") return feature.fields.some((f) => containsJson(f.feature));
  return false;
}

const TIME_UNITS = ["s", "ms", "us", "ns"] as const;
type TimeUnitName = (typeof TIME_UNITS)[number];
const UNIT_TO_ARROW: Record<TimeUnitName, arrow.TimeUnit> = {
  s: arrow.TimeUnit.SECOND,
  ms: arrow.TimeUnit.MILLISECOND,
  us: arrow.TimeUnit.MICROSECOND,
  ns: arrow.TimeUnit.NANOSECOND,
};
const ARROW_TO_UNIT = ["s", "ms", "us", "ns"] as const;

const SIMPLE_DTYPES: Record<string, () => arrow.DataType> = {
  null: () => new arrow.Null(),
  bool: () => new arrow.Bool(),
  int8: () => new arrow.Int8(),
  int16: () => new arrow.Int16(),
  int32: () => new arrow.Int32(),
  int64: () => new arrow.Int64(),
  uint8: () => new arrow.Uint8(),
  uint16: () => new arrow.Uint16(),
  uint32: () => new arrow.Uint32(),
  uint64: () => new arrow.Uint64(),
  float16: () => new arrow.Float16(),
  float32: () => new arrow.Float32(),
  float64: () => new arrow.Float64(),
  string: () => new arrow.Utf8(),
  large_string: () => new arrow.LargeUtf8(),
  binary: () => new arrow.Binary(),
  large_binary: () => new arrow.LargeBinary(),
  date32: () => new arrow.DateDay(),
  date64: () => new arrow.DateMillisecond(),
};
/** Names Python accepts on read for the canonical ones. */
const DTYPE_ALIASES: Record<string, string> = { float: "float32", double: "float64", halffloat: "float16" };

const TIMESTAMP_RE = /^timestamp\[(s|ms|us|ns)(?:, tz=([a-zA-Z0-9/_+\-:]*))?\]$/;
const TIME_RE = /^time(32|64)\[(s|ms|us|ns)\]$/;
const DURATION_RE = /^duration\[(s|ms|us|ns)\]$/;
const DECIMAL_RE = /^decimal(128|256)\((\d+), *(-?\d+)\)$/;

/** Canonical dtype string for a user-written one, or undefined when it is not a Value dtype. */
export function canonicalDtype(dtype: string): string | undefined {
  const d = DTYPE_ALIASES[dtype] ?? dtype;
  if (d in SIMPLE_DTYPES) return d;
  const ts = TIMESTAMP_RE.exec(d);
  if (ts) return ts[2] === undefined ? `timestamp[${ts[1]}]` : `timestamp[${ts[1]}, tz=${ts[2]}]`;
  const t = TIME_RE.exec(d);
  if (t && ((t[1] === "32" && (t[2] === "s" || t[2] === "ms")) || (t[1] === "64" && (t[2] === "us" || t[2] === "ns"))))
    return d;
  if (DURATION_RE.test(d)) return d;
  const dec = DECIMAL_RE.exec(d);
  if (dec) return `decimal${dec[1]}(${dec[2]}, ${dec[3]})`;
  return undefined;
}

export function parseTimestampDtype(dtype: string): { unit: TimeUnitName; tz?: string } | undefined {
  const m = TIMESTAMP_RE.exec(dtype);
  if (!m) return undefined;
  return m[2] === undefined ? { unit: m[1] as TimeUnitName } : { unit: m[1] as TimeUnitName, tz: m[2] };
}

/** The Arrow type a `Value` dtype is stored as. */
export function dtypeToArrow(dtype: string): arrow.DataType {
  const simple = SIMPLE_DTYPES[dtype];
  if (simple) return simple();
  const ts = parseTimestampDtype(dtype);
  if (ts) return new arrow.Timestamp(UNIT_TO_ARROW[ts.unit], ts.tz ?? null);
  const t = TIME_RE.exec(dtype);
  if (t) return new arrow.Time(UNIT_TO_ARROW[t[2] as TimeUnitName], Number(t[1]) as 32 | 64);
  const du = DURATION_RE.exec(dtype);
  if (du) return new arrow.Duration(UNIT_TO_ARROW[du[1] as TimeUnitName]);
  const dec = DECIMAL_RE.exec(dtype);
  if (dec) return new arrow.Decimal(Number(dec[3]), Number(dec[2]), Number(dec[1]));
  throw new Error(`Unknown dtype '${dtype}'`);
}

/** Arrow storage of the media types Python stores as `struct<bytes: binary, path: string>`. */
const MEDIA_TYPES = new Set(["Image", "Audio", "Video", "Pdf", "Nifti", "Mesh"]);

export function featureToArrow(feature: Feature): arrow.DataType {
  switch (feature.kind) {
    case "value":
      return dtypeToArrow(feature.dtype);
    case "class_label":
      return new arrow.Int64();
    case "list": {
      const child = featureField("item", feature.item);
      if (feature.length !== undefined && feature.length >= 0) return new arrow.FixedSizeList(feature.length, child);
      return feature.large ? new arrow.LargeList(child) : new arrow.List(child);
    }
    case "struct":
      return new arrow.Struct(feature.fields.map((f) => featureField(f.name, f.feature)));
    case "custom":
      if (feature.typeName === "Json") return new arrow.Utf8();
      if (MEDIA_TYPES.has(feature.typeName))
        return new arrow.Struct([
          new arrow.Field("bytes", new arrow.Binary(), true),
          new arrow.Field("path", new arrow.Utf8(), true),
        ]);
      throw new Error(`No Arrow storage known for feature type ${feature.typeName}`);
  }
}

/**
 * The nullable Arrow field of a feature. A Json field carries the canonical
 * extension `arrow.json` (over utf8) in its metadata, as pyarrow writes it
 * (docs/parquet.md#json-columns): at any depth, since Json may be a list's items or a struct's field.
 */
export function featureField(name: string, feature: Feature): arrow.Field {
  const meta = isJson(feature) ? new Map([["ARROW:extension:name", "arrow.json"], ["ARROW:extension:metadata", ""]]) : undefined;
  return new arrow.Field(name, featureToArrow(feature), true, meta);
}

/** Arrow schema of a whole feature set: every column nullable, as Python writes it. */
export function featuresToArrowSchema(features: NamedFeature[], metadata?: Map<string, string>): arrow.Schema {
  return new arrow.Schema(
    features.map((f) => featureField(f.name, f.feature)),
    metadata,
  );
}

/** The feature Python infers for a Parquet column without `huggingface` metadata (docs/dataset-layout.md#features-from-a-parquet-schema). */
export function featureFromArrow(type: arrow.DataType, field?: arrow.Field): Feature {
  if (field?.metadata.get("ARROW:extension:name") === "arrow.json") return { kind: "custom", typeName: "Json", params: {} };
  if (type instanceof arrow.Struct)
    return { kind: "struct", fields: type.children.map((c) => ({ name: c.name, feature: featureFromArrow(c.type, c) })) };
  if (type instanceof arrow.FixedSizeList)
    return { kind: "list", item: featureFromArrow(type.children[0]!.type, type.children[0]), length: type.listSize };
  if (type instanceof arrow.LargeList)
    return { kind: "list", item: featureFromArrow(type.children[0]!.type, type.children[0]), large: true };
  if (type instanceof arrow.List) return { kind: "list", item: featureFromArrow(type.children[0]!.type, type.children[0]) };
  if (type instanceof arrow.Dictionary) return featureFromArrow(type.dictionary);
  return value(arrowToDtype(type));
}

export function arrowToDtype(type: arrow.DataType): string {
  const t = arrow.Type;
  switch (type.typeId) {
    case t.Null:
      return "null";
    case t.Bool:
      return "bool";
    case t.Int: {
      const i = type as arrow.Int;
      return `${i.isSigned ? "int" : "uint"}${i.bitWidth}`;
    }
    case t.Float: {
      const p = (type as arrow.Float).precision;
      return p === arrow.Precision.HALF ? "float16" : p === arrow.Precision.SINGLE ? "float32" : "float64";
    }
    case t.Utf8:
      return "string";
    case t.LargeUtf8:
      return "large_string";
    case t.Binary:
      return "binary";
    case t.LargeBinary:
      return "large_binary";
    case t.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY ? "date32" : "date64";
    case t.Timestamp: {
      const ts = type as arrow.Timestamp;
      const unit = ARROW_TO_UNIT[ts.unit];
      return ts.timezone ? `timestamp[${unit}, tz=${ts.timezone}]` : `timestamp[${unit}]`;
    }
    case t.Time: {
      const tm = type as arrow.Time;
      return `time${tm.bitWidth}[${ARROW_TO_UNIT[tm.unit]}]`;
    }
    case t.Duration:
      return `duration[${ARROW_TO_UNIT[(type as arrow.Duration).unit]}]`;
    case t.Decimal: {
      const d = type as arrow.Decimal;
      return `decimal${d.bitWidth}(${d.precision}, ${d.scale})`;
    }
    default:
      throw new Error(`Arrow type ${String(type)} has no datasets equivalent`);
  }
}

// ---------------------------------------------------------------------------
// JSON dict form (Parquet `huggingface` metadata).

export function featureToJson(feature: Feature): unknown {
  switch (feature.kind) {
    case "value":
      return { dtype: feature.dtype, _type: "Value" };
    case "class_label":
      return { names: feature.names, _type: "ClassLabel" };
    case "list": {
      const out: Record<string, unknown> = { feature: featureToJson(feature.item) };
      if (feature.length !== undefined && feature.length >= 0) out.length = feature.length;
      out._type = feature.large ? "LargeList" : "List";
      return out;
    }
    case "struct":
      return Object.fromEntries(feature.fields.map((f) => [f.name, featureToJson(f.feature)]));
    case "custom":
      return { ...feature.params, _type: feature.typeName };
  }
}

export function featuresToJson(features: NamedFeature[]): Record<string, unknown> {
  return Object.fromEntries(features.map((f) => [f.name, featureToJson(f.feature)]));
}

export function featureFromJson(json: unknown, where: string): Feature {
  if (Array.isArray(json)) {
    // Legacy: a list holding one feature means a list of it.
    if (json.length !== 1) throw new Error(`${where}: a list feature must hold exactly one item`);
    return { kind: "list", item: featureFromJson(json[0], where) };
  }
  if (!isRecord(json)) throw new Error(`${where}: expected a feature object`);
  const type = json._type;
  if (type === undefined)
    return {
      kind: "struct",
      fields: Object.entries(json).map(([name, f]) => ({ name, feature: featureFromJson(f, `${where}.${name}`) })),
    };
  switch (type) {
    case "Value": {
      const dtype = canonicalDtype(String(json.dtype));
      if (!dtype) throw new Error(`${where}: unknown dtype '${String(json.dtype)}'`);
      return value(dtype);
    }
    case "ClassLabel":
      if (!Array.isArray(json.names)) throw new Error(`${where}: ClassLabel without names`);
      return { kind: "class_label", names: json.names.map(String) };
    case "List":
    case "LargeList":
    case "Sequence": {
      const item = featureFromJson(json.feature, `${where}[]`);
      const length = typeof json.length === "number" && json.length >= 0 ? json.length : undefined;
      if (type === "Sequence" && item.kind === "struct")
        // TFDS-style Sequence of a dict is a dict of lists.
        return {
          kind: "struct",
          fields: item.fields.map((f) => ({ name: f.name, feature: { kind: "list", item: f.feature, length } })),
        };
      return { kind: "list", item, length, large: type === "LargeList" };
    }
    default: {
      const { _type, ...params } = json;
      return { kind: "custom", typeName: String(_type), params };
    }
  }
}

// ---------------------------------------------------------------------------
// YAML list form (card `dataset_info.features`).

/** `Array2D` → `array2_d`, `ClassLabel` → `class_label`, as Python's `camelcase_to_snakecase`. */
function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z\d])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

const KNOWN_CUSTOM_TYPES = ["Image", "Audio", "Video", "Pdf", "Nifti", "Mesh", "Json", "Translation", "TranslationVariableLanguages", "Array2D", "Array3D", "Array4D", "Array5D"];
const SNAKE_TO_TYPE = new Map(KNOWN_CUSTOM_TYPES.map((t) => [snakeCase(t), t]));

/** The simplified inner form used under `list:` and in `dtype:` (docs/dataset-layout.md#composite-types). */
function simplify(feature: Feature): unknown {
  switch (feature.kind) {
    case "value":
      return feature.dtype;
    case "class_label":
      return { class_label: { names: labelMapping(feature.names) } };
    case "list": {
      const out: Record<string, unknown> = { [feature.large ? "large_list" : "list"]: simplify(feature.item) };
      if (feature.length !== undefined && feature.length >= 0) out.length = feature.length;
      return out;
    }
    case "struct":
      return feature.fields.map(namedFeatureToYaml);
    case "custom": {
      const name = snakeCase(feature.typeName);
      return Object.keys(feature.params).length === 0 ? name : { [name]: feature.params };
    }
  }
}

/** ClassLabel names as a string-keyed mapping: the Hub requires string keys. */
function labelMapping(names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n, i) => [String(i), n]));
}

function namedFeatureToYaml(f: NamedFeature): Record<string, unknown> {
  const feature = f.feature;
  switch (feature.kind) {
    case "value":
    case "class_label":
    case "custom":
      return { name: f.name, dtype: simplify(feature) };
    case "list": {
      const out: Record<string, unknown> = { name: f.name, [feature.large ? "large_list" : "list"]: simplify(feature.item) };
      if (feature.length !== undefined && feature.length >= 0) out.length = feature.length;
      return out;
    }
    case "struct":
      return { name: f.name, struct: feature.fields.map(namedFeatureToYaml) };
  }
}

export function featuresToYaml(features: NamedFeature[]): Record<string, unknown>[] {
  return features.map(namedFeatureToYaml);
}

/** Parse the card / `features` input form. `where` prefixes error messages. */
export function featuresFromYaml(list: unknown, where: string): NamedFeature[] {
  if (!Array.isArray(list)) throw new Error(`${where}: expected a list of {name, dtype|list|struct} entries`);
  const seen = new Set<string>();
  return list.map((entry, i) => {
    if (!isRecord(entry) || typeof entry.name !== "string" || entry.name === "")
      throw new Error(`${where}[${i}]: each entry needs a 'name'`);
    if (seen.has(entry.name)) throw new Error(`${where}: column '${entry.name}' is listed twice`);
    seen.add(entry.name);
    return { name: entry.name, feature: entryToFeature(entry, `${where}.${entry.name}`) };
  });
}

function entryToFeature(entry: Record<string, unknown>, where: string): Feature {
  const length = typeof entry.length === "number" ? entry.length : undefined;
  if ("dtype" in entry) return unsimplify(entry.dtype, where);
  if ("list" in entry) return { kind: "list", item: unsimplify(entry.list, where), length };
  if ("large_list" in entry) return { kind: "list", item: unsimplify(entry.large_list, where), large: true };
  if ("sequence" in entry) {
    const item = unsimplify(entry.sequence, where);
    if (item.kind === "struct")
      return { kind: "struct", fields: item.fields.map((f) => ({ name: f.name, feature: { kind: "list", item: f.feature, length } })) };
    return { kind: "list", item, length };
  }
  if ("struct" in entry) return unsimplify(entry.struct, where);
  throw new Error(`${where}: needs one of 'dtype', 'list', 'struct'`);
}

function unsimplify(form: unknown, where: string): Feature {
  if (typeof form === "string") {
    const dtype = canonicalDtype(form);
    if (dtype) return value(dtype);
    const custom = SNAKE_TO_TYPE.get(form);
    if (custom) return { kind: "custom", typeName: custom, params: {} };
    throw new Error(`${where}: unknown dtype '${form}'`);
  }
  if (Array.isArray(form)) return { kind: "struct", fields: featuresFromYaml(form, where) };
  if (isRecord(form)) {
    const keys = Object.keys(form);
    if ("list" in form || "large_list" in form || "sequence" in form) return entryToFeature(form, where);
    if ("struct" in form) return unsimplify(form.struct, where);
    if (keys.length === 1) {
      const key = keys[0]!;
      const params = form[key];
      if (key === "class_label") return classLabelFromYaml(params, where);
      const custom = SNAKE_TO_TYPE.get(key);
      if (custom) return { kind: "custom", typeName: custom, params: isRecord(params) ? params : {} };
    }
  }
  throw new Error(`${where}: cannot read feature ${JSON.stringify(form)}`);
}

function classLabelFromYaml(params: unknown, where: string): Feature {
  const names = isRecord(params) ? params.names : undefined;
  if (Array.isArray(names)) return { kind: "class_label", names: names.map(String) };
  if (isRecord(names)) {
    const entries = Object.entries(names).map(([k, v]) => [Number(k), String(v)] as const);
    entries.sort((a, b) => a[0] - b[0]);
    entries.forEach(([id], i) => {
      if (id !== i) throw new Error(`${where}: class_label ids must be 0..n-1 without gaps`);
    });
    return { kind: "class_label", names: entries.map(([, n]) => n) };
  }
  throw new Error(`${where}: class_label needs 'names' (a list or an id → name mapping)`);
}

export function featureToString(feature: Feature): string {
  switch (feature.kind) {
    case "value":
      return feature.dtype;
    case "class_label":
      return `class_label(${feature.names.length} names)`;
    case "list":
      return `list<${featureToString(feature.item)}>${feature.length !== undefined ? `[${feature.length}]` : ""}`;
    case "struct":
      return `struct<${feature.fields.map((f) => `${f.name}: ${featureToString(f.feature)}`).join(", ")}>`;
    case "custom":
      return snakeCase(feature.typeName);
  }
}

export function featuresEqual(a: Feature, b: Feature): boolean {
  return JSON.stringify(featureToJson(a)) === JSON.stringify(featureToJson(b));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `json.dumps(obj)` as Python writes it: `", "` and `": "` separators and
 * non-ASCII characters escaped, so the metadata bytes match what Python stores.
 */
export function pythonJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : JSON.stringify(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(", ")}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(x)}`)
    .join(", ")}}`;
}

/** The Parquet key-value metadata value Python writes under `huggingface`. */
export function huggingfaceMetadata(features: NamedFeature[]): string {
  return pythonJsonDumps({ info: { features: featuresToJson(features) } });
}

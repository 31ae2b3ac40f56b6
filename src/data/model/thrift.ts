/**
 * A generic Thrift compact-protocol codec: enough to read a Parquet footer
 * (FileMetaData, OffsetIndex) into a tree of fields, change a few numbers,
 * and write it back. Fields keep their ids, types and order, so an
 * untouched structure re-encodes to the same bytes.
 */

export const enum TType {
  Stop = 0,
  True = 1,
  False = 2,
  Byte = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Set = 10,
  Map = 11,
  Struct = 12,
}

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftStruct | ThriftList | ThriftMap;

export interface ThriftField {
  id: number;
  type: TType;
  value: ThriftValue;
}

export interface ThriftList {
  kind: "list" | "set";
  elementType: TType;
  items: ThriftValue[];
}

export interface ThriftMap {
  kind: "map";
  keyType: TType;
  valueType: TType;
  entries: [ThriftValue, ThriftValue][];
}

export class ThriftStruct {
  constructor(readonly fields: ThriftField[] = []) {}

  field(id: number): ThriftField | undefined {
    return this.fields.find((f) => f.id === id);
  }

  get(id: number): ThriftValue | undefined {
    return this.field(id)?.value;
  }

  /** Replaces a field's value (keeping its type), or adds it in id order. */
  set(id: number, type: TType, value: ThriftValue): void {
    const existing = this.field(id);
    if (existing) {
      existing.value = value;
      return;
    }
    const at = this.fields.findIndex((f) => f.id > id);
    const field = { id, type, value };
    if (at === -1) this.fields.push(field);
    else this.fields.splice(at, 0, field);
  }

  /** Removes a field, if present. */
  remove(id: number): void {
    const at = this.fields.findIndex((f) => f.id === id);
    if (at !== -1) this.fields.splice(at, 1);
  }

  struct(id: number): ThriftStruct | undefined {
    const v = this.get(id);
    return v instanceof ThriftStruct ? v : undefined;
  }

  list(id: number): ThriftList | undefined {
    const v = this.get(id);
    return typeof v === "object" && v !== null && "kind" in v && v.kind !== "map" ? v : undefined;
  }

  /** An integer field as a bigint (i64 fields decode as bigint, smaller ones as number). */
  int(id: number): bigint | undefined {
    const v = this.get(id);
    return typeof v === "bigint" ? v : typeof v === "number" ? BigInt(v) : undefined;
  }
}

// ---------------------------------------------------------------------------

export class ThriftReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    offset = 0,
  ) {
    this.pos = offset;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new Error("thrift: unexpected end of data");
    return this.bytes[this.pos++]!;
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error("thrift: varint too long");
    }
  }

  private zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  readStruct(): ThriftStruct {
    const fields: ThriftField[] = [];
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      const type = (header & 0x0f) as TType;
      if (type === TType.Stop) return new ThriftStruct(fields);
      const delta = header >> 4;
      const id = delta === 0 ? Number(this.zigzag()) : lastId + delta;
      lastId = id;
      const value = type === TType.True ? true : type === TType.False ? false : this.readValue(type);
      fields.push({ id, type, value });
    }
  }

  private readValue(type: TType): ThriftValue {
    switch (type) {
      case TType.True:
      case TType.False:
        // Inside collections a boolean is one byte: 1 true, 2 (or 0) false.
        return this.byte() === TType.True;
      case TType.Byte: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case TType.I16:
      case TType.I32:
        return Number(this.zigzag());
      case TType.I64:
        return this.zigzag();
      case TType.Double: {
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case TType.Binary: {
        const n = Number(this.varint());
        if (this.pos + n > this.bytes.length) throw new Error("thrift: binary past the end of data");
        const v = this.bytes.slice(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case TType.List:
      case TType.Set: {
        const header = this.byte();
        const elementType = (header & 0x0f) as TType;
        const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
        const items: ThriftValue[] = [];
        for (let i = 0; i < size; i++) items.push(this.readValue(elementType));
        return { kind: type === TType.List ? "list" : "set", elementType, items };
      }
      case TType.Map: {
        const size = Number(this.varint());
        if (size === 0) return { kind: "map", keyType: TType.Stop, valueType: TType.Stop, entries: [] };
        const types = this.byte();
        const keyType = (types >> 4) as TType;
        const valueType = (types & 0x0f) as TType;
        const entries: [ThriftValue, ThriftValue][] = [];
        for (let i = 0; i < size; i++) entries.push([this.readValue(keyType), this.readValue(valueType)]);
        return { kind: "map", keyType, valueType, entries };
      }
      case TType.Struct:
        return this.readStruct();
      default:
        throw new Error(`thrift: unknown type ${type as number}`);
    }
  }
}

// ---------------------------------------------------------------------------

export class ThriftWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b & 0xff;
  }

  private varint(v: bigint): void {
    let x = v;
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) b |= 0x80;
      this.byte(b);
    } while (x !== 0n);
  }

  private zigzag(v: bigint): void {
    this.varint(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  writeStruct(struct: ThriftStruct): void {
    let lastId = 0;
    for (const f of struct.fields) {
      const type = f.type === TType.True || f.type === TType.False ? (f.value ? TType.True : TType.False) : f.type;
      const delta = f.id - lastId;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(BigInt(f.id));
      }
      lastId = f.id;
      if (type !== TType.True && type !== TType.False) this.writeValue(type, f.value);
    }
    this.byte(TType.Stop);
  }

  private writeValue(type: TType, value: ThriftValue): void {
    switch (type) {
      case TType.True:
      case TType.False:
        this.byte(value ? TType.True : TType.False);
        return;
      case TType.Byte:
        this.byte(value as number);
        return;
      case TType.I16:
      case TType.I32:
        this.zigzag(BigInt(value as number));
        return;
      case TType.I64:
        this.zigzag(typeof value === "bigint" ? value : BigInt(value as number));
        return;
      case TType.Double: {
        this.ensure(8);
        new DataView(this.buf.buffer).setFloat64(this.length, value as number, true);
        this.length += 8;
        return;
      }
      case TType.Binary: {
        const b = value as Uint8Array;
        this.varint(BigInt(b.length));
        this.ensure(b.length);
        this.buf.set(b, this.length);
        this.length += b.length;
        return;
      }
      case TType.List:
      case TType.Set: {
        const list = value as ThriftList;
        const n = list.items.length;
        if (n < 15) this.byte((n << 4) | list.elementType);
        else {
          this.byte(0xf0 | list.elementType);
          this.varint(BigInt(n));
        }
        for (const item of list.items) this.writeValue(list.elementType, item);
        return;
      }
      case TType.Map: {
        const map = value as ThriftMap;
        this.varint(BigInt(map.entries.length));
        if (map.entries.length === 0) return;
        this.byte((map.keyType << 4) | map.valueType);
        for (const [k, v] of map.entries) {
          this.writeValue(map.keyType, k);
          this.writeValue(map.valueType, v);
        }
        return;
      }
      case TType.Struct:
        this.writeStruct(value as ThriftStruct);
        return;
      default:
        throw new Error(`thrift: cannot write type ${type as number}`);
    }
  }
}

export function decodeStruct(bytes: Uint8Array, offset = 0): { struct: ThriftStruct; end: number } {
  const reader = new ThriftReader(bytes, offset);
  const struct = reader.readStruct();
  return { struct, end: reader.pos };
}

export function encodeStruct(struct: ThriftStruct): Uint8Array {
  const writer = new ThriftWriter();
  writer.writeStruct(struct);
  return writer.bytes();
}

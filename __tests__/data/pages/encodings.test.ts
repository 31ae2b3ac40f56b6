/**
 * The page writer's encodings, each decoded by an independent reader
 * (hyparquet's): the RLE / bit-packing hybrid of levels and dictionary
 * indices, v1 level blocks, Snappy; and the dictionaries' first-appearance
 * order and page limit.
 */
import { describe, expect, it } from "vitest";
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { snappyUncompress } from "hyparquet/src/snappy.js";
import { rng } from "../../../bench/generate.js";
import { ByteBuffer } from "../../../src/data/write/pages/bytes.js";
import { BytesDictionary, DICTIONARY_PAGE_LIMIT, Dictionary32, Dictionary64, PageIndices } from "../../../src/data/write/pages/dictionary.js";
import { gearTables } from "../../../src/data/write/pages/gear.js";
import { Kernels } from "../../../src/data/write/pages/kernels.js";
import { bitWidth, encodeHybrid, encodeLevels } from "../../../src/data/write/pages/rle.js";

/** hyparquet's decoding of `count` values of `width` bits from `bytes`. */
function decodeHybrid(bytes: Uint8Array, width: number, count: number, withLength = false): number[] {
  const output = new Array<number>(count).fill(-1);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  readRleBitPackedHybrid(reader, width, output, withLength ? undefined : bytes.length);
  return output;
}

function encoded(values: number[], width: number): Uint8Array {
  const out = new ByteBuffer(16);
  encodeHybrid(values, 0, values.length, width, out);
  return out.copy();
}

describe("the RLE / bit-packing hybrid", () => {
  it("needs the bit width of the largest value", () => {
    expect([0, 1, 2, 3, 4, 255, 256, 131_071].map(bitWidth)).toEqual([0, 1, 2, 2, 3, 8, 9, 17]);
  });

  it("round-trips through hyparquet: runs, mixtures and random values of every width up to 24 bits", () => {
    const r = rng(5);
    for (let width = 1; width <= 24; width++)
      for (const length of [1, 7, 8, 9, 63, 64, 65, 500, 5000]) {
        const max = 2 ** width;
        const values: number[] = [];
        while (values.length < length) {
          const v = Math.floor(r() * max);
          // Long runs, short runs and noise.
          const run = r() < 0.2 ? 8 + Math.floor(r() * 40) : r() < 0.5 ? 1 + Math.floor(r() * 7) : 1;
          for (let k = 0; k < run && values.length < length; k++) values.push(v);
        }
        expect(decodeHybrid(encoded(values, width), width, length), `width ${width}, ${length} values`).toEqual(values);
      }
  });

  it("writes a run of 8 or more equal values as one repeated run, and zero-width values as one run", () => {
    expect([...encoded(new Array(1000).fill(5), 3)]).toEqual([0xd0, 0x0f, 5]); // varint(1000 << 1), then the value
    expect([...encoded(new Array(20).fill(0), 0)]).toEqual([40]);
    expect(decodeHybrid(encoded(new Array(20).fill(0), 0), 0, 20)).toEqual(new Array(20).fill(0));
  });

  it("bit-packs more than 63 groups under several headers", () => {
    const values = Array.from({ length: 8 * 200 }, (_, i) => i % 5);
    const bytes = encoded(values, 3);
    expect(decodeHybrid(bytes, 3, values.length)).toEqual(values);
    expect(bytes[0]).toBe((63 << 1) | 1);
  });

  it("prefixes v1 levels with their length, and writes none at all for a required column", () => {
    const levels = Uint8Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const out = new ByteBuffer(16);
    encodeLevels(levels, 1000, 1, out);
    expect(out.view.getUint32(0, true)).toBe(out.length - 4);
    expect(decodeHybrid(out.copy(), 1, 1000, true)).toEqual([...levels]);
    const none = new ByteBuffer(16);
    encodeLevels(levels, 1000, 0, none);
    expect(none.length).toBe(0);
  });
});

describe("Snappy (WebAssembly)", () => {
  const kernels = new Kernels(gearTables());
  const r = rng(9);
  const text = new TextEncoder().encode(Array.from({ length: 40_000 }, (_, i) => `row ${i % 977} lorem ipsum ${Math.floor(r() * 50)}`).join("\n"));
  const noise = Uint8Array.from({ length: 300_000 }, () => Math.floor(r() * 256));
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["tiny", new Uint8Array([1, 2, 3])],
    ["text over several 64 KiB fragments", text],
    ["incompressible bytes", noise],
    ["one repeated byte", new Uint8Array(200_000).fill(7)],
    ["long matches far back", new Uint8Array([...text.subarray(0, 60_000), ...noise.subarray(0, 3000), ...text.subarray(0, 60_000)])],
  ];
  for (const [name, input] of cases)
    it(`decodes back (hyparquet): ${name}`, () => {
      const compressed = kernels.snappy(input).slice();
      const output = new Uint8Array(input.length);
      snappyUncompress(compressed, output);
      expect(Buffer.from(output).equals(Buffer.from(input))).toBe(true);
      if (name.startsWith("text") || name.startsWith("one")) expect(compressed.length).toBeLessThan(input.length / 3);
    });
});

describe("dictionaries", () => {
  it("number entries in order of first appearance, -0.0 and +0.0 apart", () => {
    const d = new Dictionary32();
    const bits = (x: number) => new Int32Array(new Float32Array([x]).buffer)[0]!;
    expect([7, 3, 7, 9, 3].map((v) => d.index(v))).toEqual([0, 1, 0, 2, 1]);
    expect(d.index(bits(-0))).not.toBe(d.index(bits(0)));
    const page = new PageIndices();
    const words = Int32Array.from([1, 0, 2, 0, 1, 0, 2, 1]);
    const d64 = new Dictionary64();
    expect(d64.encode(words, null, 0, 0, 4, page, null)).toBe(4);
    expect([...page.ids.subarray(0, page.count)]).toEqual([0, 1, 0, 2]);
  });

  it("leave nulls out of the indices", () => {
    const page = new PageIndices();
    const validity = Uint8Array.from([0b1011]);
    new Dictionary32().encode(Int32Array.from([5, 6, 5, 5]), validity, 0, 0, 4, page, null);
    expect([...page.ids.subarray(0, page.count)]).toEqual([0, 1, 0]);
  });

  it("take back the indices of a record the dictionary fills up inside: a record never spans pages", () => {
    const d = new BytesDictionary();
    const data = new TextEncoder().encode("aa" + "x".repeat(600_000) + "y".repeat(600_000));
    // Three records: [a], [a, x…], [y…]; the last value does not fit.
    const offsets = Int32Array.from([0, 1, 2, 600_002, 1_200_002]);
    const rep = Uint8Array.from([0, 0, 1, 0]);
    const page = new PageIndices();
    expect(d.encode(offsets.subarray(0), data, null, 0, 0, 4, page, rep)).toBe(3);
    expect([...page.ids.subarray(0, page.count)]).toEqual([0, 0, 1]);
    // Inside the second record: the record's indices are taken back.
    const second = new PageIndices();
    const tight = new BytesDictionary();
    tight.index(new TextEncoder().encode("z".repeat(1_000_000)), 0, 1_000_000);
    expect(tight.encode(offsets, data, null, 0, 0, 4, second, rep)).toBe(1);
    expect(second.count).toBe(1);
    expect(second.entryCount).toBe(1);
  });

  it("stop where the dictionary page would pass 1 MiB, and say at which row", () => {
    const d = new Dictionary64();
    const rows = DICTIONARY_PAGE_LIMIT / 8 + 10;
    const words = Int32Array.from({ length: 2 * rows }, (_, i) => (i % 2 === 0 ? i : 0));
    const page = new PageIndices();
    expect(d.encode(words, null, 0, 0, rows, page, null)).toBe(DICTIONARY_PAGE_LIMIT / 8);
    expect(d.size).toBe(DICTIONARY_PAGE_LIMIT / 8);
    expect(d.page().length).toBe(DICTIONARY_PAGE_LIMIT);
    const strings = new BytesDictionary();
    const data = new TextEncoder().encode("x".repeat(600_000) + "y".repeat(600_000));
    expect(strings.index(data, 0, 600_000)).toBe(0);
    expect(strings.index(data, 600_000, 1_200_000)).toBe(-1); // 2 × (4 + 600,000) bytes > 1 MiB
    expect(strings.index(data, 0, 600_000)).toBe(0);
  });

  it("write string dictionary pages PLAIN: a 4-byte length before each value", () => {
    const d = new BytesDictionary();
    const data = new TextEncoder().encode("abcab");
    d.index(data, 0, 2);
    d.index(data, 2, 3);
    d.index(data, 3, 5);
    expect([...d.page()]).toEqual([2, 0, 0, 0, 97, 98, 1, 0, 0, 0, 99]);
    expect(d.size).toBe(2);
  });
});

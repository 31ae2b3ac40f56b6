/**
 * The header checks of media files (src/data/read/media/sniff.ts): real
 * files of every embedded format pass and are recognised from their bytes;
 * damaged copies of them fail with the decoder's words (Pillow's "cannot
 * identify image file", libsndfile's "Format not recognised") and the reason.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { MediaKind } from "../../../src/data/read/media/kinds.js";
import { MediaFormatError, sniffMedia } from "../../../src/data/read/media/sniff.js";
import { REAL } from "./real-media.js";

function reader(bytes: Uint8Array) {
  return { size: bytes.length, read: async (offset: number, length: number) => bytes.slice(offset, offset + length) };
}

async function sniff(kind: MediaKind, bytes: Uint8Array): Promise<string> {
  return sniffMedia(kind, reader(bytes));
}

async function failure(kind: MediaKind, bytes: Uint8Array): Promise<string> {
  try {
    await sniff(kind, bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(MediaFormatError);
    return (e as Error).message;
  }
  throw new Error("accepted");
}

const real = async (file: string) => new Uint8Array(await readFile(file));

/** A copy of `bytes` with `patch` written at `at`. */
function patched(bytes: Uint8Array, at: number, patch: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(patch, at);
  return out;
}

describe("real files pass, recognised from their bytes", () => {
  it.each([
    ["image", REAL.catJpg, "JPEG"],
    ["image", REAL.cellsJpg, "JPEG"],
    ["image", REAL.xtcJpg, "JPEG"],
    ["image", REAL.rgb24Png, "PNG"],
    ["image", REAL.grey16Png, "PNG"],
    ["image", REAL.gimpPng, "PNG"],
    ["image", REAL.bmp24, "BMP"],
    ["image", REAL.bmp8, "BMP"],
    ["audio", REAL.wav, "WAV"],
    ["audio", REAL.mp3, "MP3"],
    ["audio", REAL.flac, "FLAC"],
    ["audio", REAL.ogg, "Ogg"],
    ["audio", REAL.opus, "Ogg"],
    ["audio", REAL.m4a, "M4A"],
  ] as const)("%s %s is %s", async (kind, file, format) => {
    expect(await sniff(kind, await real(file))).toBe(format);
  });
});

describe("damaged files fail as the decoder would, with the reason", () => {
  it("bytes of no known format, or no bytes at all", async () => {
    const png = await real(REAL.rgb24Png);
    expect(await failure("image", patched(png, 0, [0x6d, 0x5d]))).toBe(
      "cannot identify image file: its bytes are not a PNG, JPEG, GIF, WebP, BMP or TIFF image (first bytes: 6d 5d 4e 47 0d 0a 1a 0a)",
    );
    expect(await failure("image", new Uint8Array(0))).toMatch(/first bytes: none: the file is empty/);
    expect(await failure("audio", png)).toMatch(/^Format not recognised: its bytes are not WAV, MP3, FLAC, Ogg \(Vorbis, Opus, FLAC\) or M4A audio/);
    expect(await failure("image", await real(REAL.wav))).toMatch(/^cannot identify image file/);
  });

  it("PNG: a header chunk whose CRC is wrong (Pillow checks them), a truncated header, no image data", async () => {
    const png = await real(REAL.rgb24Png);
    expect(await failure("image", patched(png, 16, [0xff]))).toBe("cannot identify image file: broken PNG (bad header checksum in IHDR)");
    expect(await failure("image", png.slice(0, 20))).toBe("cannot identify image file: broken PNG (the file ends inside the IHDR chunk)");
    const ihdrOnly = new Uint8Array([...png.slice(0, 33), 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
    expect(await failure("image", ihdrOnly)).toBe("cannot identify image file: broken PNG (no image data (IEND before any IDAT chunk))");
  });

  it("JPEG: no frame header before the scan, or the file ends among the markers", async () => {
    const jpg = await real(REAL.catJpg);
    expect(await failure("image", jpg.slice(0, 200))).toMatch(/^cannot identify image file: broken JPEG \(the file ends inside the /);
    expect(await failure("image", new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6]))).toBe(
      "cannot identify image file: broken JPEG (a scan before any frame header (SOF))",
    );
  });

  it("BMP: a DIB header size Pillow does not know", async () => {
    expect(await failure("image", patched(await real(REAL.bmp24), 14, [0x29]))).toBe("cannot identify image file: broken BMP (unsupported BMP header type (41))");
  });

  it("WAV: no 'fmt ' chunk before the data; FLAC: no STREAMINFO; Ogg: no known codec; MP3: no frame after the tag", async () => {
    const wav = await real(REAL.wav);
    const fmt = Buffer.from(wav).indexOf("fmt ");
    expect(await failure("audio", patched(wav, fmt, [...Buffer.from("junk")]))).toMatch(/^Format not recognised: broken WAV \(/);
    expect(await failure("audio", patched(await real(REAL.flac), 4, [0x04]))).toBe("Format not recognised: broken FLAC (the first metadata block is not STREAMINFO)");
    const ogg = await real(REAL.ogg);
    expect(await failure("audio", patched(ogg, 27 + ogg[26]! + 1, [...Buffer.from("XXXXXX")]))).toBe(
      "Format not recognised: broken Ogg (the stream is not Vorbis, Opus, FLAC or Speex)",
    );
    const mp3 = await real(REAL.mp3);
    const tag = mp3[0] === 0x49 ? 10 + (((mp3[6]! & 0x7f) << 21) | ((mp3[7]! & 0x7f) << 14) | ((mp3[8]! & 0x7f) << 7) | (mp3[9]! & 0x7f)) : 0;
    expect(await failure("audio", patched(mp3, tag, [0x12, 0x34]))).toMatch(/^Format not recognised: (broken MP3 \(no MPEG audio frame|its bytes are not)/);
  });
});

/**
 * Checks that an image or audio file's header is one a decoder can open,
 * before anything is published. Python's `datasets` embeds any bytes and
 * fails only when a row is decoded: an image with Pillow's `Image.open`
 * (PIL.UnidentifiedImageError, "cannot identify image file"), an audio file
 * with its decoder (soundfile / libsndfile: "Format not recognised"). This
 * module refuses what those would refuse, from the header alone: the checks
 * follow what Pillow's plugins read in `_open` (signature, header chunks and
 * their CRCs, the JPEG markers up to the scan, image size) and what libsndfile
 * needs to open a file (container signature, format chunk, stream info).
 * Like Pillow and libsndfile, the format is recognised from the bytes, not
 * from the extension. Truncated image data after a valid header is not
 * found here (decoding every file would be needed).
 */
import type { MediaKind } from "./kinds.js";

/** Random access to a file's bytes: `read` returns fewer bytes than asked at the end of the file. */
export interface ByteReader {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** The header is not one a decoder can open; `message` is worded as that decoder reports it. */
export class MediaFormatError extends Error {
  override name = "MediaFormatError";
}

const IMAGE_FORMATS = "PNG, JPEG, GIF, WebP, BMP or TIFF";
const AUDIO_FORMATS = "WAV, MP3, FLAC, Ogg (Vorbis, Opus, FLAC) or M4A";

/** Reasons a format's check gives; the caller words them as the decoder does. */
class Broken extends Error {}

/** The format the bytes hold ("PNG", "WAV", ...), or a MediaFormatError. */
export async function sniffMedia(kind: MediaKind, file: ByteReader): Promise<string> {
  // The headers checked here fit in a few hundred bytes; checks needing more read further themselves.
  const head = await file.read(0, Math.min(file.size, 4096));
  const checks = kind === "image" ? IMAGE_CHECKS : AUDIO_CHECKS;
  for (const check of checks) {
    if (!check.matches(head)) continue;
    try {
      await check.validate(head, file);
      return check.format;
    } catch (e) {
      if (!(e instanceof Broken)) throw e;
      throw new MediaFormatError(
        kind === "image"
          ? `cannot identify image file: broken ${check.format} (${e.message})`
          : `Format not recognised: broken ${check.format} (${e.message})`,
      );
    }
  }
  const shown = hex(head.subarray(0, 8)) || "none: the file is empty";
  throw new MediaFormatError(
    kind === "image"
      ? `cannot identify image file: its bytes are not a ${IMAGE_FORMATS} image (first bytes: ${shown})`
      : `Format not recognised: its bytes are not ${AUDIO_FORMATS} audio (first bytes: ${shown})`,
  );
}

interface Check {
  format: string;
  matches(head: Uint8Array): boolean;
  /** Throws Broken with the reason when the header is not one the decoder can open. */
  validate(head: Uint8Array, file: ByteReader): Promise<void> | void;
}

// ---------------------------------------------------------------------------
// Byte helpers

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

function startsWith(bytes: Uint8Array, prefix: string | number[], at = 0): boolean {
  const p = typeof prefix === "string" ? [...prefix].map((c) => c.charCodeAt(0)) : prefix;
  if (bytes.length < at + p.length) return false;
  return p.every((b, i) => bytes[at + i] === b);
}

const ascii = (bytes: Uint8Array, at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32le = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const i32le = (b: Uint8Array, at: number) => u32le(b, at) | 0;

/** Bytes [offset, offset + length) of the file, or Broken when the file ends first. */
async function readExactly(file: ByteReader, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (offset + length > file.size) throw new Broken(`the file ends inside the ${what}`);
  const bytes = await file.read(offset, length);
  if (bytes.length < length) throw new Broken(`the file ends inside the ${what}`);
  return bytes;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** zlib's CRC-32, as PNG chunks carry it. */
function crc32(parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const bytes of parts) for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------
// Images: what Pillow's plugins check when Image.open identifies a file.

/** PNG modes Pillow knows, as `bit depth/colour type` (PngImagePlugin._MODES). */
const PNG_MODES = new Set(["1/0", "2/0", "4/0", "8/0", "16/0", "8/2", "16/2", "1/3", "2/3", "4/3", "8/3", "8/4", "16/4", "8/6", "16/6"]);

const png: Check = {
  format: "PNG",
  matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  // Pillow reads every chunk up to the first IDAT and checks its CRC (PngImageFile._open, PngStream.crc).
  async validate(_head, file) {
    let pos = 8;
    let header = false;
    for (;;) {
      const top = await readExactly(file, pos, 8, "chunk list before the image data");
      const length = u32be(top, 0);
      const type = ascii(top, 4, 4);
      if (!/^[A-Za-z]{4}$/.test(type)) throw new Broken(`invalid chunk type at byte ${pos + 4}`);
      if (type === "IDAT" || type === "fdAT") {
        if (!header) throw new Broken("no IHDR chunk before the image data");
        return;
      }
      if (type === "IEND") throw new Broken("no image data (IEND before any IDAT chunk)");
      const body = await readExactly(file, pos + 8, length + 4, `${type} chunk`);
      const data = body.subarray(0, length);
      if (crc32([top.subarray(4, 8), data]) !== u32be(body, length)) throw new Broken(`bad header checksum in ${type}`);
      if (type === "IHDR") {
        if (length < 13) throw new Broken("truncated IHDR chunk");
        if (u32be(data, 0) === 0 || u32be(data, 4) === 0) throw new Broken("the image has no pixels");
        if (!PNG_MODES.has(`${data[8]}/${data[9]}`)) throw new Broken(`unknown bit depth ${data[8]} and colour type ${data[9]}`);
        if (data[11] !== 0) throw new Broken("unknown filter category");
        header = true;
      } else if (!header) throw new Broken(`the first chunk is ${type}, not IHDR`);
      pos += 12 + length;
    }
  },
};

/** SOF markers (baseline, progressive, lossless, arithmetic). */
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

const jpeg: Check = {
  format: "JPEG",
  matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]),
  // Pillow walks the markers up to the start of scan (JpegImageFile._open); the frame header gives size and layers.
  async validate(_head, file) {
    let pos = 2;
    let frame = false;
    for (;;) {
      const marker = await readExactly(file, pos, 2, "markers before the scan");
      if (marker[0] !== 0xff) throw new Broken(`no marker found at byte ${pos}`);
      const code = marker[1]!;
      if (code === 0xff) {
        pos += 1; // fill byte
        continue;
      }
      if (code === 0x00 || code === 0x01 || (code >= 0xd0 && code <= 0xd9)) {
        if (code === 0xd9) throw new Broken("end of image before any scan");
        pos += 2;
        continue;
      }
      if (code < 0xc0) throw new Broken(`no marker found at byte ${pos}`);
      const length = u16be(await readExactly(file, pos + 2, 2, "segment length"), 0);
      if (length < 2) throw new Broken(`invalid segment length at byte ${pos + 2}`);
      if (code === 0xda) {
        if (!frame) throw new Broken("a scan before any frame header (SOF)");
        return;
      }
      if (JPEG_SOF.has(code)) {
        const s = await readExactly(file, pos + 4, length - 2, "frame header");
        if (s.length < 6) throw new Broken("truncated frame header");
        const layers = s[5]!;
        if (![1, 3, 4].includes(layers)) throw new Broken(`cannot handle ${layers}-layer images`);
        if (u16be(s, 3) === 0) throw new Broken("the image has no width");
        frame = true;
      }
      pos += 2 + length;
    }
  },
};

const gif: Check = {
  format: "GIF",
  matches: (h) => startsWith(h, "GIF87a") || startsWith(h, "GIF89a"),
  // GifImageFile._open reads the screen descriptor, then the blocks up to the first image (`_seek(0)`).
  async validate(head, file) {
    if (head.length < 13) throw new Broken("truncated logical screen descriptor");
    if (u16le(head, 6) === 0 || u16le(head, 8) === 0) throw new Broken("the image has no pixels");
    let pos = 13 + (head[10]! & 0x80 ? 3 << ((head[10]! & 7) + 1) : 0);
    for (;;) {
      const block = await file.read(pos, 2);
      if (block.length === 0 || block[0] === 0x3b) throw new Broken("no image in the file");
      if (block[0] === 0x2c) return;
      pos += 1;
      if (block[0] !== 0x21) continue; // Pillow skips bytes it does not know
      pos += 1; // extension label, then data sub-blocks up to an empty one
      for (let size = (await file.read(pos, 1))[0]; size; size = (await file.read(pos, 1))[0]) pos += 1 + size;
      pos += 1;
    }
  },
};

const webp: Check = {
  format: "WebP",
  matches: (h) => startsWith(h, "RIFF") && startsWith(h, "WEBP", 8),
  // Pillow asks libwebp to decode it; the first chunk must be an image chunk it knows.
  validate(head, file) {
    const chunk = head.length >= 16 ? ascii(head, 12, 4) : "";
    if (!["VP8 ", "VP8L", "VP8X"].includes(chunk)) throw new Broken(`unknown first chunk '${chunk}'`);
    if (u32le(head, 4) + 8 > file.size) throw new Broken("the file is shorter than its RIFF header says");
    const data = 20;
    if (chunk === "VP8 " && !startsWith(head, [0x9d, 0x01, 0x2a], data + 3)) throw new Broken("no VP8 key frame");
    if (chunk === "VP8L" && head[data] !== 0x2f) throw new Broken("no VP8L signature");
    if (chunk === "VP8X" && u32le(head, 16) < 10) throw new Broken("truncated VP8X chunk");
  },
};

const bmp: Check = {
  format: "BMP",
  matches: (h) => startsWith(h, "BM"),
  // BmpImageFile._bitmap: the DIB header sizes and bit depths Pillow reads.
  validate(head) {
    if (head.length < 30) throw new Broken("truncated header");
    const size = u32le(head, 14);
    if (![12, 40, 52, 56, 64, 108, 124].includes(size)) throw new Broken(`unsupported BMP header type (${size})`);
    const core = size === 12;
    if (head.length < 14 + size) throw new Broken("truncated header");
    const width = core ? u16le(head, 18) : i32le(head, 18);
    const height = core ? u16le(head, 20) : i32le(head, 22);
    const bits = core ? u16le(head, 24) : u16le(head, 28);
    if (width <= 0 || height === 0) throw new Broken("the image has no pixels");
    if (![1, 2, 4, 8, 16, 24, 32].includes(bits)) throw new Broken(`unsupported BMP pixel depth (${bits})`);
  },
};

const tiff: Check = {
  format: "TIFF",
  matches: (h) => ["MM\x00\x2a", "II\x2a\x00", "MM\x2a\x00", "II\x00\x2a", "MM\x00\x2b", "II\x2b\x00"].some((p) => startsWith(h, p)),
  // TiffImageFile._open reads the first image file directory, then needs a pixel layout it knows (_setup).
  async validate(head, file) {
    const little = head[0] === 0x49;
    const u16 = (b: Uint8Array, at: number) => (little ? u16le(b, at) : u16be(b, at));
    const u32 = (b: Uint8Array, at: number) => (little ? u32le(b, at) : u32be(b, at));
    if (head[2] === 0x2b || head[3] === 0x2b) {
      const h = await readExactly(file, 0, 16, "BigTIFF header");
      const offset = u32(h, little ? 12 : 8) * 2 ** 32 + u32(h, little ? 8 : 12);
      const count = await readExactly(file, offset, 8, "first image directory");
      if ((little ? u32le(count, 0) : u32be(count, 4)) === 0) throw new Broken("the first image directory is empty");
      return;
    }
    const offset = u32(await readExactly(file, 0, 8, "header"), 4);
    if (offset < 8) throw new Broken(`invalid first directory offset ${offset}`);
    const entries = u16(await readExactly(file, offset, 2, "first image directory"), 0);
    if (entries === 0) throw new Broken("the first image directory is empty");
    const ifd = await readExactly(file, offset + 2, entries * 12, "first image directory");
    /** The SHORT values of a tag (inline when they fit in 4 bytes), or undefined when absent. */
    const shorts = async (tag: number): Promise<number[] | undefined> => {
      for (let i = 0; i < entries; i++) {
        const e = i * 12;
        if (u16(ifd, e) !== tag || u16(ifd, e + 2) !== 3) continue;
        const count = Math.min(u32(ifd, e + 4), 64);
        const values = count <= 2 ? ifd.subarray(e + 8, e + 12) : await readExactly(file, u32(ifd, e + 8), count * 2, "directory values");
        return Array.from({ length: count }, (_, k) => u16(values, 2 * k));
      }
      return undefined;
    };
    tiffPixelLayout((await shorts(262)) ?? [], (await shorts(258)) ?? [1], (await shorts(339)) ?? [1]);
  },
};

/**
 * Refuses pixel layouts Pillow has no mode for ("unknown pixel mode", its
 * OPEN_INFO table): photometric interpretations other than grey, RGB,
 * palette, CMYK, YCbCr and LAB; samples wider than 16 bits except single
 * 32-bit ones; floating point other than 32-bit. An approximation of that
 * table: the layouts it leaves out are rare.
 */
function tiffPixelLayout(photometric: number[], bits: number[], sampleFormat: number[]): void {
  const photo = photometric[0];
  if (photo !== undefined && ![0, 1, 2, 3, 5, 6, 8].includes(photo)) throw new Broken(`unknown pixel mode (photometric interpretation ${photo})`);
  const wide = bits.some((b) => b > 16);
  if (wide && (bits.length > 1 || bits[0] !== 32)) throw new Broken(`unknown pixel mode (${bits.join(", ")} bits per sample)`);
  if (sampleFormat.includes(3) && bits.some((b) => b !== 32)) throw new Broken(`unknown pixel mode (floating point samples of ${bits.join(", ")} bits)`);
}

const IMAGE_CHECKS: Check[] = [png, jpeg, gif, webp, bmp, tiff];

// ---------------------------------------------------------------------------
// Audio: what a decoder needs to open the file (libsndfile for soundfile; FFmpeg probes the same headers).

/** Bytes of an ID3v2 tag at the start (0 when there is none): MP3 and FLAC files may start with one. */
function id3Length(head: Uint8Array): number {
  if (!startsWith(head, "ID3") || head.length < 10) return 0;
  const size = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
  return 10 + size + (head[5]! & 0x10 ? 10 : 0);
}

const wav: Check = {
  format: "WAV",
  matches: (h) => ["RIFF", "RIFX", "RF64", "BW64"].some((p) => startsWith(h, p)) && startsWith(h, "WAVE", 8),
  // The 'fmt ' chunk must come before 'data' and describe a stream (channels, sample rate).
  async validate(head, file) {
    const big = startsWith(head, "RIFX");
    let pos = 12;
    let format = false;
    for (;;) {
      const top = await readExactly(file, pos, 8, "chunk list before the 'data' chunk");
      const id = ascii(top, 0, 4);
      const size = big ? u32be(top, 4) : u32le(top, 4);
      if (id === "data") {
        if (!format) throw new Broken("a 'data' chunk before the 'fmt ' chunk");
        return;
      }
      if (id === "fmt ") {
        if (size < 16) throw new Broken("truncated 'fmt ' chunk");
        const f = await readExactly(file, pos + 8, 16, "'fmt ' chunk");
        const channels = big ? u16be(f, 2) : u16le(f, 2);
        const rate = big ? u32be(f, 4) : u32le(f, 4);
        if (channels === 0) throw new Broken("no channels");
        if (rate === 0) throw new Broken("a sample rate of 0");
        format = true;
      }
      pos += 8 + size + (size & 1);
    }
  },
};

const flac: Check = {
  format: "FLAC",
  matches: (h) => startsWith(h, "fLaC", id3Length(h)),
  async validate(head, file) {
    const start = id3Length(head) + 4;
    const block = await readExactly(file, start, 4 + 34, "STREAMINFO block");
    if ((block[0]! & 0x7f) !== 0) throw new Broken("the first metadata block is not STREAMINFO");
    const rate = (block[14]! << 12) | (block[15]! << 4) | (block[16]! >> 4);
    if (rate === 0) throw new Broken("a sample rate of 0");
  },
};

const ogg: Check = {
  format: "Ogg",
  matches: (h) => startsWith(h, "OggS"),
  // The first page starts a stream (BOS) whose first packet names a codec decoders know.
  validate(head) {
    if (head.length < 28) throw new Broken("truncated first page");
    if (head[4] !== 0) throw new Broken(`unknown Ogg version ${head[4]}`);
    if ((head[5]! & 0x02) === 0) throw new Broken("the first page does not start a stream");
    const packet = 27 + head[26]!;
    const codec = ["\x01vorbis", "OpusHead", "\x7fFLAC", "Speex   "].find((id) => startsWith(head, id, packet));
    if (!codec) throw new Broken("the stream is not Vorbis, Opus, FLAC or Speex");
  },
};

const m4a: Check = {
  format: "M4A",
  matches: (h) => startsWith(h, "ftyp", 4),
  validate(head) {
    if (u32be(head, 0) < 8) throw new Broken("invalid 'ftyp' box size");
  },
};

const MP3_BITRATES: Record<string, number[]> = {
  "1/1": [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  "1/2": [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "1/3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2/1": [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  "2/2": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  "2/3": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** An MPEG audio frame header at `at`: its length in bytes (0 for free-format), or undefined when there is none. */
function mp3Frame(b: Uint8Array, at: number): number | undefined {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[at + 1]! >> 3) & 3; // 3: MPEG 1, 2: MPEG 2, 0: MPEG 2.5
  const layer = 4 - ((b[at + 1]! >> 1) & 3); // 1..3
  const bitrateIndex = b[at + 2]! >> 4;
  const rateIndex = (b[at + 2]! >> 2) & 3;
  if (version === 1 || layer === 4 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const kbps = MP3_BITRATES[`${version === 3 ? 1 : 2}/${layer}`]![bitrateIndex]!;
  const rate = MP3_RATES[version]![rateIndex]!;
  const padding = (b[at + 2]! >> 1) & 1;
  if (kbps === 0) return 0;
  if (layer === 1) return Math.floor((12 * kbps * 1000) / rate + padding) * 4;
  const factor = layer === 3 && version !== 3 ? 72 : 144;
  return Math.floor((factor * kbps * 1000) / rate) + padding;
}

const mp3: Check = {
  format: "MP3",
  matches: (h) => startsWith(h, "ID3") || mp3Frame(h, 0) !== undefined,
  // A frame header right after the tag (and padding), confirmed by the next frame's header when it is in reach.
  async validate(head, file) {
    let at = id3Length(head);
    const window = await file.read(at, 64 * 1024);
    let i = 0;
    while (i < window.length && window[i] === 0) i++;
    const length = mp3Frame(window, i);
    if (length === undefined) throw new Broken(`no MPEG audio frame at byte ${at + i}`);
    at += i;
    if (length > 0 && at + length + 4 <= file.size) {
      const next = await file.read(at + length, 4);
      if (mp3Frame(next, 0) === undefined) throw new Broken(`no MPEG audio frame at byte ${at + length} after the first one`);
    }
  },
};

const AUDIO_CHECKS: Check[] = [wav, flac, ogg, m4a, mp3];

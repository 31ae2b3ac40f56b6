/**
 * Which files are images and which are audio, by extension, as Python's
 * imagefolder / audiofolder pick them (`ImageFolder.EXTENSIONS`,
 * `AudioFolder.EXTENSIONS`, datasets 5.0.1; docs/dataset-layout.md#image-and-audio-folders).
 * The action embeds the formats it can check (./sniff.ts); a file with an
 * extension of Python's lists outside ours is refused, so no row Python would
 * load is silently left out.
 */
import path from "node:path";

export type MediaKind = "image" | "audio";

/** The feature type of a kind's column (`Image()`, `Audio()`), and its default column name. */
export const FEATURE_TYPE: Record<MediaKind, "Image" | "Audio"> = { image: "Image", audio: "Audio" };

/** Extensions the action embeds, with the format their bytes should hold. */
const SUPPORTED: Record<string, { kind: MediaKind; format: string }> = {
  ".png": { kind: "image", format: "PNG" },
  ".apng": { kind: "image", format: "PNG" },
  ".jpg": { kind: "image", format: "JPEG" },
  ".jpeg": { kind: "image", format: "JPEG" },
  ".jpe": { kind: "image", format: "JPEG" },
  ".jfif": { kind: "image", format: "JPEG" },
  ".gif": { kind: "image", format: "GIF" },
  ".webp": { kind: "image", format: "WebP" },
  ".bmp": { kind: "image", format: "BMP" },
  ".tif": { kind: "image", format: "TIFF" },
  ".tiff": { kind: "image", format: "TIFF" },
  ".wav": { kind: "audio", format: "WAV" },
  ".mp3": { kind: "audio", format: "MP3" },
  ".flac": { kind: "audio", format: "FLAC" },
  ".ogg": { kind: "audio", format: "Ogg" },
  ".opus": { kind: "audio", format: "Ogg" },
  // Not in Python's AudioFolder.EXTENSIONS (its audiofolder leaves .m4a files out): a deviation, see src/data/README.md.
  ".m4a": { kind: "audio", format: "M4A" },
};

/** The rest of Python's lists: files Python's loaders would take but whose format the action cannot check. */
const PYTHON_ONLY: Record<MediaKind, string[]> = {
  image:
    ".blp .dib .bufr .cur .pcx .dcx .dds .ps .eps .fit .fits .fli .flc .ftc .ftu .gbr .grib .jp2 .j2k .jpc .jpf .jpx .j2c .icns .ico .im .iim .mpg .mpeg .msp .pcd .pxr .pbm .pgm .ppm .pnm .psd .bw .rgb .rgba .sgi .ras .tga .icb .vda .vst .wmf .emf .xbm .xpm".split(" "),
  audio:
    ".aiff .au .avr .caf .htk .svx .mat4 .mat5 .mpc2k .paf .pvf .raw .rf64 .sd2 .sds .ircam .voc .w64 .nist .wavex .wve .xi .3gp .3g2 .avi .asf .flv .mp4 .mov .m4v .mkv .webm .f4v .wmv .wma .ogm .mxf .nut".split(" "),
};

export const SUPPORTED_EXTENSIONS: Record<MediaKind, string[]> = {
  image: Object.keys(SUPPORTED).filter((e) => SUPPORTED[e]!.kind === "image"),
  audio: Object.keys(SUPPORTED).filter((e) => SUPPORTED[e]!.kind === "audio"),
};

/** The last extension, lower-cased (Python compares extensions in lower case). */
function extensionOf(file: string): string {
  return path.extname(file).toLowerCase();
}

/** The media kind and expected format of a file from its extension (any case), or undefined. */
export function mediaTypeOf(file: string): { kind: MediaKind; format: string } | undefined {
  return SUPPORTED[extensionOf(file)];
}

/** The kind Python's loaders would give a file the action does not embed (e.g. `.ico`), or undefined. */
export function unsupportedMediaKind(file: string): MediaKind | undefined {
  const ext = extensionOf(file);
  if (PYTHON_ONLY.image.includes(ext)) return "image";
  if (PYTHON_ONLY.audio.includes(ext)) return "audio";
  return undefined;
}

/** The metadata file names of a media folder (exact, case-sensitive), as Python's folder builders read them. */
export const METADATA_NAMES = ["metadata.csv", "metadata.jsonl", "metadata.parquet"] as const;

export function isMetadataFile(file: string): boolean {
  return (METADATA_NAMES as readonly string[]).includes(path.posix.basename(file));
}

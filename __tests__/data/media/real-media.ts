/**
 * Real images and audio for the media tests, read from packages that ship
 * them (devDependencies; nothing here is made by the tests): ij-test (PNG,
 * JPEG; MIT), vega-datasets (PNG; BSD-3-Clause), bmp-js (BMP; MIT) and
 * audio-lena (WAV, MP3, FLAC, Ogg Vorbis, Ogg Opus, M4A; MIT). The interop
 * tests add GIF, TIFF and WebP (__tests__/interop/corpus.json).
 */
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { PROJECT_ROOT } from "../../../scripts/action-runner.js";

const MODULES = path.join(PROJECT_ROOT, "node_modules");

export const REAL = {
  catJpg: path.join(MODULES, "ij-test", "img", "cat.jpg"),
  cellsJpg: path.join(MODULES, "ij-test", "img", "cells.jpg"),
  xtcJpg: path.join(MODULES, "ij-test", "img", "xtc.jpg"),
  rgb24Png: path.join(MODULES, "ij-test", "img", "format", "rgb24.png"),
  grey16Png: path.join(MODULES, "ij-test", "img", "format", "grey16.png"),
  ecoliPng: path.join(MODULES, "ij-test", "img", "ecoli.png"),
  gimpPng: path.join(MODULES, "vega-datasets", "data", "gimp.png"),
  ffoxPng: path.join(MODULES, "vega-datasets", "data", "ffox.png"),
  bmp24: path.join(MODULES, "bmp-js", "test", "bit24.bmp"),
  bmp8: path.join(MODULES, "bmp-js", "test", "bit8.bmp"),
  wav: path.join(MODULES, "audio-lena", "lena.wav"),
  mp3: path.join(MODULES, "audio-lena", "lena.mp3"),
  flac: path.join(MODULES, "audio-lena", "lena.flac"),
  ogg: path.join(MODULES, "audio-lena", "lena.ogg"),
  opus: path.join(MODULES, "audio-lena", "lena.opus"),
  m4a: path.join(MODULES, "audio-lena", "lena.m4a"),
} as const;

/** Copies real files into `dir` (name → source), creating folders. */
export async function copyMedia(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, source] of Object.entries(files)) {
    const target = path.join(dir, name);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(source, target);
  }
}

/**
 * Writes dist/licenses.txt: the licence of every third-party package whose
 * code is in dist/, found from what the bundle really contains.
 *
 * - Packages: every `node_modules/<pkg>` path in the `sources` of the
 *   dist/*.js.map source maps (index.js and the chunk files), nested
 *   node_modules copies included, each with the version of that copy.
 * - Licence texts: every LICENSE / LICENCE / COPYING / NOTICE file at the
 *   package root, whatever its suffix (LICENSE.md, LICENSE-MIT,
 *   LICENSE_APACHE, LICENSE.txt, ...): ncc's own --license plugin only
 *   finds files named exactly LICENSE. A package without one is listed
 *   with its `license` field and a note saying so.
 * - dist/sourcemap-register.cjs, which ncc writes itself (it is not in the
 *   source maps), with the licences of the packages ncc builds it from.
 *
 * The output depends only on dist/*.js.map and node_modules: sorted, no
 * dates, LF line ends, so `npm run bundle` stays deterministic.
 *
 * `npm run licenses` (re)writes the file; `npm run bundle` runs it after ncc.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PROJECT_ROOT } from "./action-runner.js";

export { PROJECT_ROOT };
export const LICENSES_FILE = "licenses.txt";

export interface BundledPackage {
  name: string;
  version: string;
  /** Folder of this copy, relative to the project, `/`-separated (e.g. node_modules/a/node_modules/b). */
  dir: string;
  /** The package.json `license` field (or the legacy `licenses` list), as an SPDX-like expression. */
  license: string;
  /** Licence and notice files found at the package root, with their text. */
  files: { name: string; text: string }[];
  /** Bundled files that are not JavaScript (for example a .wasm module), relative to dist/. */
  assets: string[];
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice|unlicense)([-_.].*)?$/i;

/**
 * The package folders named by the source maps of dist/: `…/node_modules/<name>`
 * or `…/node_modules/@scope/<name>`, keeping nested node_modules chains.
 */
export async function bundledPackageDirs(distDir: string): Promise<string[]> {
  const maps = (await readdir(distDir)).filter((f) => f.endsWith(".js.map")).sort();
  const dirs = new Set<string>();
  for (const file of maps) {
    const map = JSON.parse(await readFile(path.join(distDir, file), "utf8")) as { sources?: string[] };
    for (const source of map.sources ?? []) {
      const dir = packageDirOf(source);
      if (dir) dirs.add(dir);
    }
  }
  return [...dirs].sort();
}

/** `../node_modules/@a/b/node_modules/c/lib/x.js` → `node_modules/@a/b/node_modules/c`. */
export function packageDirOf(source: string): string | undefined {
  const parts = source.replace(/\\/g, "/").split("/");
  let i = parts.indexOf("node_modules");
  if (i === -1) return undefined;
  const first = i;
  let end = -1;
  while (parts[i] === "node_modules") {
    const last = i + (parts[i + 1]?.startsWith("@") ? 2 : 1);
    if (last >= parts.length - 1) break; // a package folder must contain the file
    end = last;
    i = last + 1;
  }
  return end === -1 ? undefined : parts.slice(first, end + 1).join("/");
}

function licenseField(pkg: Record<string, unknown>): string {
  const license = pkg.license;
  if (typeof license === "string") return license;
  if (license && typeof license === "object" && "type" in license) return String((license as { type: unknown }).type);
  if (Array.isArray(pkg.licenses))
    return (pkg.licenses as { type?: string }[]).map((l) => l.type ?? "?").join(" OR ");
  return "UNKNOWN";
}

export async function describePackage(root: string, dir: string, distDir: string): Promise<BundledPackage> {
  const abs = path.join(root, ...dir.split("/"));
  const pkg = JSON.parse(await readFile(path.join(abs, "package.json"), "utf8")) as Record<string, unknown>;
  const names = (await readdir(abs)).filter((f) => LICENSE_FILE.test(f)).sort();
  const files = await Promise.all(names.map(async (name) => ({ name, text: normalize(await readFile(path.join(abs, name), "utf8")) })));
  return {
    name: String(pkg.name),
    version: String(pkg.version),
    dir,
    license: licenseField(pkg),
    files,
    assets: await assetsOf(abs, distDir),
  };
}

/** Non-JS files of dist/ that come from this package (same file name in the package, e.g. parquet_wasm_bg.wasm). */
async function assetsOf(abs: string, distDir: string): Promise<string[]> {
  const distFiles = (await readdir(distDir)).filter((f) => !/\.(js|cjs|mjs|map|txt|json)$/.test(f));
  const found: string[] = [];
  for (const f of distFiles) if (await containsFile(abs, f, 3)) found.push(f);
  return found.sort();
}

async function containsFile(dir: string, file: string, depth: number): Promise<boolean> {
  if (existsSync(path.join(dir, file))) return true;
  if (depth === 0) return false;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries)
    if (e.isDirectory() && e.name !== "node_modules" && (await containsFile(path.join(dir, e.name), file, depth - 1))) return true;
  return false;
}

function normalize(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "").trim();
}

/**
 * ncc writes dist/sourcemap-register.cjs from its own prebuilt copy of
 * source-map-support (which bundles source-map and buffer-from); those
 * packages are not in node_modules, so their licences are kept here.
 */
const NCC_RUNTIME = {
  file: "sourcemap-register.cjs",
  parts: [
    {
      name: "source-map-support",
      license: "MIT",
      text: mit("The MIT License (MIT)", "Copyright (c) 2014 evanw"),
    },
    {
      name: "source-map",
      license: "BSD-3-Clause",
      text: `Copyright (c) 2009-2011, Mozilla Foundation and contributors
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

* Redistributions of source code must retain the above copyright notice, this
  list of conditions and the following disclaimer.

* Redistributions in binary form must reproduce the above copyright notice,
  this list of conditions and the following disclaimer in the documentation
  and/or other materials provided with the distribution.

* Neither the names of the Mozilla Foundation nor the names of project
  contributors may be used to endorse or promote products derived from this
  software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND
ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.`,
    },
    {
      name: "buffer-from",
      license: "MIT",
      text: mit("MIT License", "Copyright (c) Linus Unnebäck <linus@folkdatorn.se>"),
    },
  ],
};

function mit(title: string, copyright: string): string {
  return `${title}

${copyright}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`;
}

const RULE = "=".repeat(80);
const THIN = "-".repeat(80);

/** The heading line of a package's entry; tests look entries up by it. */
export function entryHeading(p: { name: string; version: string }): string {
  return `${p.name}@${p.version}`;
}

export function renderLicenses(packages: BundledPackage[], options: { nccVersion?: string; distFiles: string[] }): string {
  const out: string[] = [
    "Third-party software bundled in dist/",
    "",
    "The action's own code is MIT-licensed (see LICENSE at the repository root). dist/ also",
    "contains the packages below, compiled in by @vercel/ncc. This file is generated by",
    "scripts/licenses.ts from the source maps of dist/ and the packages in node_modules;",
    "do not edit it by hand.",
    "",
    `Packages: ${packages.length}${options.distFiles.includes(NCC_RUNTIME.file) ? ", plus ncc's source-map runtime" : ""}.`,
    "",
  ];
  for (const p of packages) out.push(`  ${entryHeading(p).padEnd(52)} ${p.license}`);
  out.push("");
  for (const p of packages) {
    out.push(RULE, entryHeading(p), `License: ${p.license}`, `Path: ${p.dir}`);
    if (p.assets.length) out.push(`Bundled files: ${p.assets.map((a) => `dist/${a}`).join(", ")}`);
    if (p.name === "parquet-wasm")
      out.push(
        "Note: dist/parquet_wasm_bg.wasm is compiled from parquet-wasm's Rust code and the Rust crates",
        "it depends on (Apache Arrow and Parquet for Rust and the compression codecs); their licences",
        "are listed in the parquet-wasm source repository.",
      );
    if (p.files.length === 0)
      out.push(
        "",
        `No licence file is shipped in this package; its package.json declares the license "${p.license}".`,
      );
    for (const f of p.files) out.push(THIN, `${f.name}:`, "", f.text);
    out.push("");
  }
  if (options.distFiles.includes(NCC_RUNTIME.file)) {
    out.push(
      RULE,
      `dist/${NCC_RUNTIME.file} (written by @vercel/ncc${options.nccVersion ? ` ${options.nccVersion}` : ""} for --source-map)`,
      `License: ${NCC_RUNTIME.parts.map((p) => `${p.name}: ${p.license}`).join(", ")}`,
      "It contains source-map-support, which bundles source-map and buffer-from.",
    );
    for (const part of NCC_RUNTIME.parts) out.push(THIN, `${part.name} (${part.license}):`, "", part.text);
    out.push("");
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

export async function buildLicenses(root = PROJECT_ROOT): Promise<{ text: string; packages: BundledPackage[] }> {
  const distDir = path.join(root, "dist");
  const dirs = await bundledPackageDirs(distDir);
  if (dirs.length === 0) throw new Error("no node_modules sources in dist/*.js.map: run ncc with --source-map first");
  const packages = await Promise.all(dirs.map((dir) => describePackage(root, dir, distDir)));
  packages.sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) || a.dir.localeCompare(b.dir) : a.name < b.name ? -1 : 1));
  const ncc = path.join(root, "node_modules", "@vercel", "ncc", "package.json");
  const nccVersion = existsSync(ncc) ? String((JSON.parse(await readFile(ncc, "utf8")) as { version: unknown }).version) : undefined;
  const text = renderLicenses(packages, { nccVersion, distFiles: (await readdir(distDir)).sort() });
  return { text, packages };
}

async function main(): Promise<void> {
  const { text, packages } = await buildLicenses();
  await writeFile(path.join(PROJECT_ROOT, "dist", LICENSES_FILE), text);
  const missing = packages.filter((p) => p.files.length === 0).map(entryHeading);
  console.log(
    `dist/${LICENSES_FILE}: ${packages.length} bundled packages` +
      (missing.length ? ` (no licence file shipped, license field used: ${missing.join(", ")})` : ""),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

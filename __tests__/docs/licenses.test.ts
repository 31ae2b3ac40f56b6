/**
 * dist/licenses.txt lists every third-party package whose code is in dist/,
 * as the source maps of the bundle show it, with its licence text (or a
 * note saying the package ships none), and is what scripts/licenses.ts
 * generates (so `npm run bundle` output is reproducible).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LICENSES_FILE, PROJECT_ROOT, buildLicenses, bundledPackageDirs, entryHeading, packageDirOf } from "../../scripts/licenses.js";

const dist = path.join(PROJECT_ROOT, "dist");

describe("third-party licences of dist/", () => {
  it("finds package folders in source-map paths, nested copies included", () => {
    expect(packageDirOf("webpack://x/../node_modules/yaml/dist/index.js")).toBe("node_modules/yaml");
    expect(packageDirOf("../node_modules/@actions/github/node_modules/@actions/http-client/lib/index.js")).toBe(
      "node_modules/@actions/github/node_modules/@actions/http-client",
    );
    expect(packageDirOf("..\\node_modules\\@huggingface\\hub\\dist\\index.mjs")).toBe("node_modules/@huggingface/hub");
    expect(packageDirOf("../src/main.ts")).toBeUndefined();
  });

  it("the generated text has an entry, with a licence, for every package in the bundle", async () => {
    const dirs = await bundledPackageDirs(dist);
    expect(dirs.length).toBeGreaterThan(10);
    const { text, packages } = await buildLicenses();
    expect(packages.map((p) => p.dir).sort()).toEqual(dirs);
    for (const p of packages) {
      expect(text, p.dir).toContain(`\n${entryHeading(p)}\nLicense: ${p.license}\n`);
      expect(p.license, p.dir).not.toBe("UNKNOWN");
      if (p.files.length === 0) expect(text).toContain(`declares the license "${p.license}"`);
    }
    // Licence files not named LICENSE (which ncc's own plugin misses) are found.
    const byName = new Map(packages.map((p) => [p.name, p]));
    expect(byName.get("@actions/core")?.files.map((f) => f.name)).toContain("LICENSE.md");
    expect(byName.get("parquet-wasm")?.files.map((f) => f.name)).toEqual(expect.arrayContaining(["LICENSE_MIT", "LICENSE_APACHE"]));
    expect(byName.get("parquet-wasm")?.assets).toContain("parquet_wasm_bg.wasm");
    expect(byName.get("apache-arrow")?.files.map((f) => f.name)).toContain("NOTICE.txt");
    if (existsSync(path.join(dist, "sourcemap-register.cjs"))) expect(text).toContain("dist/sourcemap-register.cjs");
  });

  it("is deterministic", async () => {
    expect((await buildLicenses()).text).toBe((await buildLicenses()).text);
  });

  it(`dist/${LICENSES_FILE} is up to date (run \`npm run bundle\`)`, async () => {
    const committed = readFileSync(path.join(dist, LICENSES_FILE), "utf8");
    const { text, packages } = await buildLicenses();
    const missing = packages.map(entryHeading).filter((h) => !committed.includes(`\n${h}\nLicense: `));
    expect(missing, "packages in the bundle without an entry in dist/licenses.txt").toEqual([]);
    expect(committed).toBe(text);
  });
});

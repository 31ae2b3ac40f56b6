/**
 * `npm run local` (scripts/local-run.ts) as the README shows it: flags or a
 * .env file, the committed dist/index.js, against the Hub emulator; it must
 * really publish, print the outputs and summary, and never print the token.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HubEmulator, startHubEmulator } from "../../emulator/server.js";
import { LogRenderer, PROJECT_ROOT, UsageError, runLocal } from "../../scripts/local-run.js";
import { parseActionMetadata } from "../../scripts/readme-inputs.js";

/** Like the runner, local runs need a loadable action.yml; readme.test.ts reports when it is not. */
const actionLoads = (() => {
  try {
    parseActionMetadata(readFileSync(`${PROJECT_ROOT}/action.yml`, "utf8"));
    return true;
  } catch {
    return false;
  }
})();

let hub: HubEmulator;

beforeAll(async () => {
  hub = await startHubEmulator();
});
afterAll(async () => {
  await hub?.close();
});

function capture() {
  const lines = { out: "", err: "" };
  return { lines, io: { out: (t: string) => void (lines.out += t), err: (t: string) => void (lines.err += t) } };
}

const SPLITS = "train: examples/data/train.csv\ntest: examples/data/test.jsonl";

describe.skipIf(!actionLoads)("npm run local", () => {
  it("publishes examples/data to the emulator from flags, then makes no commit on a re-run", async () => {
    const argv = ["--repo", "tester/local-flags", "--token", hub.tokens.write, "--endpoint", hub.url, "--splits", SPLITS, "--dry-run", "false"];
    const first = capture();
    const run = await runLocal(argv, first.io, PROJECT_ROOT);
    expect(run.code, first.lines.out + first.lines.err).toBe(0);
    expect(run.outputs.changed).toBe("true");
    expect(run.outputs["num-rows"]).toBe("9");
    expect(run.outputs["commit-sha"]).toBe(hub.headOf("tester/local-flags"));
    expect(hub.files("tester/local-flags")).toEqual(
      expect.arrayContaining(["README.md", "data/train-00000-of-00001.parquet", "data/test-00000-of-00001.parquet"]),
    );
    // The log as the runner shows it, then outputs and the summary; never the token.
    expect(first.lines.out).toContain("▸ Convert to Parquet");
    expect(first.lines.out).toContain(`changed: true`);
    expect(first.lines.out).toContain("### Published to [tester/local-flags]");
    expect(first.lines.out + first.lines.err).not.toContain(hub.tokens.write);
    expect(first.lines.out).not.toMatch(/^::/m);

    const second = capture();
    const again = await runLocal(argv, second.io, PROJECT_ROOT);
    expect(again.code).toBe(0);
    expect(again.outputs.changed).toBe("false");
    expect(hub.commits("tester/local-flags")).toHaveLength(2); // the repo's initial commit + ours
  });

  it("reads inputs and HF_TOKEN / HF_ENDPOINT from a .env file, flags overriding it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "local-run-env-"));
    const envFile = path.join(dir, ".env");
    await writeFile(
      envFile,
      [
        "INPUT_REPO=tester/wrong-repo",
        `INPUT_SPLITS="${SPLITS}"`,
        "INPUT_CARD-METADATA='license: mit'",
        "INPUT_DRY-RUN=false",
        `HF_TOKEN=${hub.tokens.write}`,
        `HF_ENDPOINT=${hub.url}`,
        "",
      ].join("\n"),
    );
    const { lines, io } = capture();
    const run = await runLocal(["--env-file", envFile, "--repo", "tester/local-env"], io, PROJECT_ROOT);
    expect(run.code, lines.out + lines.err).toBe(0);
    expect(run.outputs.changed).toBe("true");
    expect(hub.repoExists("tester/wrong-repo")).toBe(false);
    expect(hub.readFile("tester/local-env", "README.md")?.toString()).toContain("license: mit");
    expect(lines.out + lines.err).not.toContain(hub.tokens.write);
  });

  it("--emulator runs against an emulator of its own and lists the files", async () => {
    const { lines, io } = capture();
    const run = await runLocal(["--emulator", "--repo", "tester/demo", "--paths", "examples/data/train.csv"], io, PROJECT_ROOT);
    expect(run.code, lines.out + lines.err).toBe(0);
    expect(run.outputs.changed).toBe("true");
    expect(lines.out).toContain("Files of datasets/tester/demo on the emulator");
    expect(lines.out).toContain("data/train-00000-of-00001.parquet");
  });

  it("runs .env.example as shipped (a dry run), with the emulator", async () => {
    const { lines, io } = capture();
    const run = await runLocal(["--env-file", ".env.example", "--emulator"], io, PROJECT_ROOT);
    expect(run.code, lines.out + lines.err).toBe(0);
    expect(run.outputs.changed).toBe("false");
    expect(run.outputs.files).toContain("data/train-00000-of-00001.parquet");
    expect(lines.out).toContain("Dry run: what would be published to [my-org/my-dataset]");
  });

  it("rejects a flag that is not an input, and a .env variable that is not one either", async () => {
    const { io } = capture();
    await expect(runLocal(["--repoo", "x"], io, PROJECT_ROOT)).rejects.toThrow(UsageError);
    const dir = await mkdtemp(path.join(os.tmpdir(), "local-run-env-"));
    await writeFile(path.join(dir, ".env"), "INPUT_DRYRUN=true\n");
    await expect(runLocal(["--env-file", path.join(dir, ".env")], io, PROJECT_ROOT)).rejects.toThrow(/INPUT_DRYRUN/);
  });

  it("fails with the action's exit code and shows data errors with file and line", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "local-run-bad-"));
    await writeFile(path.join(dir, "bad.csv"), "a,b\n1,2\n3,4,5\n");
    const { lines, io } = capture();
    const run = await runLocal(["--workspace", dir, "--repo", "tester/bad", "--paths", "bad.csv", "--dry-run"], io, PROJECT_ROOT);
    expect(run.code).toBe(1);
    expect(lines.out).toMatch(/^error: bad\.csv:3: .*expected 2 fields/m);
  });
});

describe("LogRenderer", () => {
  it("renders workflow commands as the log viewer does and masks secrets", () => {
    let out = "";
    const r = new LogRenderer((t) => (out += t));
    r.push("::add-mask::s3cret\n::group::Publish\nusing s3cret here\n::endgroup::\n");
    r.push("::warning file=data/a.csv,line=4,title=Odd%3A value::two%0Alines\n::debug::hidden\npartial");
    r.flush();
    expect(out).toBe("\n▸ Publish\nusing *** here\nwarning: data/a.csv:4: Odd: value: two\nlines\npartial\n");
  });
});

/**
 * `npm run demo`: starts the local Hub emulator, publishes `examples/` with
 * the bundled action exactly as a workflow step would, then shows the
 * commit, the repository's files and the dataset card. A second run shows
 * that publishing unchanged data makes no commit.
 */
import { startHubEmulator } from "../emulator/server.js";
import { PROJECT_ROOT, runAction } from "./action-runner.js";

const REPO = "tester/demo-dataset";

/** Renders workflow commands as the runner's log viewer would (masks are consumed, never shown). */
function asConsole(stdout: string): string {
  return stdout
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::"))
    .map((line) =>
      line
        .replace(/^::group::(.*)$/, "▸ $1")
        .replace(/^::endgroup::$/, "")
        .replace(/^::(notice|warning|error)[^:]*::(.*)$/, (_, kind: string, text: string) => `${kind}: ${text}`),
    )
    .join("\n");
}

const hub = await startHubEmulator({ xet: true });
try {
  console.log(`Local Hub emulator: ${hub.url}\n`);
  const inputs = {
    repo: REPO,
    token: hub.tokens.write,
    endpoint: hub.url,
    splits: "train: examples/data/train.csv\ntest: examples/data/test.jsonl",
    "card-metadata": "license: cc-by-4.0\npretty_name: Demo reviews\nlanguage:\n- en",
  };
  const first = await runAction({ inputs, workspace: PROJECT_ROOT });
  process.stdout.write(asConsole(first.stdout));
  if (first.code !== 0) {
    console.error(first.stderr);
    throw new Error(`the action failed (exit code ${first.code})`);
  }
  console.log("\nOutputs:");
  for (const [k, v] of Object.entries(first.outputs)) console.log(`  ${k}: ${v}`);

  console.log(`\nFiles of datasets/${REPO}@main:`);
  for (const path of hub.files(REPO)) console.log(`  ${path}  (${hub.entry(REPO, path)?.size ?? 0} bytes)`);

  console.log("\nREADME.md:\n");
  console.log(hub.readFile(REPO, "README.md")?.toString("utf8"));

  const second = await runAction({ inputs, workspace: PROJECT_ROOT });
  console.log(`Second run with the same data: changed=${second.outputs.changed}, commits on main: ${hub.commits(REPO).length}`);
  if (second.code !== 0) throw new Error(`the second run failed:\n${second.stdout}\n${second.stderr}`);
} finally {
  await hub.close();
}

/**
 * The action's entry: the only module that talks to @actions/core. It masks
 * the token first, reads the inputs, runs the pipeline in log groups, and
 * turns the result into outputs and a job summary — or a failure with a
 * clear message (and annotations on the files and lines for data errors,
 * with a job summary counting them).
 */
import * as core from "@actions/core";
import * as github from "@actions/github";
import { DataError, DataErrors } from "./data/errors.js";
import { InputError, isUserFacing } from "./errors.js";
import { redactTokens } from "./hub/errors.js";
import { readSettings } from "./inputs.js";
import type { Logger } from "./log.js";
import { runPipeline } from "./pipeline.js";
import { dataErrorReport, dataErrorsMarkdown, outputsOf, summaryMarkdown } from "./report.js";

const coreLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  // Debug lines (one per file for big datasets) are shown only with step debug logging (RUNNER_DEBUG=1): not written otherwise.
  debug: core.isDebug() ? (m) => core.debug(m) : () => {},
};

export async function run(): Promise<void> {
  // Mask the token before anything can print it.
  const token = core.getInput("token") || process.env.HF_TOKEN;
  if (token) core.setSecret(token.trim());
  try {
    const settings = readSettings((name) => core.getInput(name));
    const ctx = github.context;
    const source = process.env.GITHUB_REPOSITORY || undefined;
    const runUrl = source && ctx.runId ? `${ctx.serverUrl}/${source}/actions/runs/${ctx.runId}` : undefined;
    const result = await runPipeline(settings, {
      log: coreLogger,
      group: (name, fn) => core.group(name, fn),
      source,
      maskSecret: (value) => core.setSecret(value),
      runDescription: runUrl ? `Published by GitHub Actions from ${source}@${ctx.sha.slice(0, 7)}: ${runUrl}` : undefined,
    });
    for (const [name, value] of Object.entries(outputsOf(result))) core.setOutput(name, value);
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summaryMarkdown(result), true).write();
    const published = result.publish;
    if (published?.changed) core.notice(`Published ${published.commit?.url ?? result.repoUrl}${published.pullRequestUrl ? ` (pull request ${published.pullRequestUrl})` : ""}`);
  } catch (error) {
    await fail(error);
  }
}

async function fail(error: unknown): Promise<void> {
  if (error instanceof DataError || error instanceof DataErrors) {
    const errors = error instanceof DataErrors ? error.errors : [error];
    // Annotations on the file and line (at most GitHub's 10); setFailed would add another, unanchored one.
    const report = dataErrorReport(errors);
    for (const a of report.annotations)
      core.error(redactTokens(a.message), a.file === undefined ? { title: "Invalid data" } : { title: "Invalid data", file: a.file, startLine: a.line });
    for (const line of report.lines) core.info(redactTokens(line));
    if (core.isDebug()) for (const line of report.debug) core.debug(redactTokens(line));
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(redactTokens(dataErrorsMarkdown(errors)), true).write();
    process.exitCode = core.ExitCode.Failure;
  } else if (error instanceof InputError) {
    core.setFailed(redactTokens(error.message));
  } else if (isUserFacing(error)) {
    core.setFailed(redactTokens(error.message));
  } else {
    // A bug: keep the stack for the report, without secrets.
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    core.setFailed(`Unexpected error (please report it): ${redactTokens(text)}`);
  }
}

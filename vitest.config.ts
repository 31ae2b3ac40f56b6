import { defineConfig } from "vitest/config";

/**
 * Two groups: `fast` (unit, emulator and in-process pipeline tests; `npm run
 * test:fast`, under a minute on 2 cores) and `slow` (__tests__/slow/: the bundled
 * action end to end, local runs of dist/, the multi-hundred-MB memory run;
 * `npm run test:slow`). `npm test` runs both, as CI does.
 */
const SLOW = ["__tests__/slow/**/*.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machine is shared and small: keep worker count low so timings stay sane.
    maxWorkers: 2,
    reporters: ["default", "./scripts/count-reporter.ts"],
    projects: [
      { extends: true, test: { name: "fast", include: ["__tests__/**/*.test.ts"], exclude: SLOW } },
      { extends: true, test: { name: "slow", include: SLOW } },
    ],
  },
});

import { defineConfig } from "vitest/config";

/**
 * Three groups: `fast` (unit, emulator and in-process pipeline tests; `npm run
 * test:fast`, under a minute on 2 cores), `slow` (__tests__/slow/: the bundled
 * action end to end, local runs of dist/, the multi-hundred-MB memory run;
 * `npm run test:slow`) and `interop` (__tests__/interop/: the action against
 * Python's datasets, which needs the Python reference; `npm run test:interop`).
 * `npm test` runs them all, as CI does.
 */
const SLOW = ["__tests__/slow/**/*.test.ts"];
const INTEROP = ["__tests__/interop/**/*.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machine is shared and small: keep worker count low so timings stay sane.
    maxWorkers: 2,
    reporters: ["default", "./scripts/count-reporter.ts"],
    projects: [
      { extends: true, test: { name: "fast", include: ["__tests__/**/*.test.ts"], exclude: [...SLOW, ...INTEROP] } },
      { extends: true, test: { name: "slow", include: SLOW } },
      { extends: true, test: { name: "interop", include: INTEROP } },
    ],
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machine is shared and small: keep worker count low so timings stay sane.
    maxWorkers: 2,
    reporters: ["default", "./scripts/count-reporter.ts"],
  },
});

import { describe, expect, it } from "vitest";
import { ProgressReporter, formatDuration } from "../src/progress.js";

describe("progress lines", () => {
  it("logs at most once per interval, with amount, rate and time left, and the end once", () => {
    let clock = 0;
    const lines: string[] = [];
    const p = new ProgressReporter({ log: { info: (m) => lines.push(m), warning() {}, debug() {} }, label: "Uploading", intervalMs: 10_000, now: () => clock });
    clock = 5_000;
    p.update(10e6, 100e6);
    expect(lines).toEqual([]);
    clock = 10_000;
    p.update(20e6, 100e6);
    expect(lines).toEqual(["Uploading: 20.0 MB of 100 MB (20%) · 2.00 MB/s · about 40 s left"]);
    clock = 12_000;
    p.update(100e6, 100e6, true);
    p.update(100e6, 100e6, true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe("Uploading: 100 MB of 100 MB (100%) · 8.33 MB/s");
  });

  it("counts rows when asked, with extra detail", () => {
    let clock = 0;
    const lines: string[] = [];
    const p = new ProgressReporter({ log: { info: (m) => lines.push(m), warning() {}, debug() {} }, label: "Writing train", unit: "rows", intervalMs: 1000, now: () => clock });
    clock = 2000;
    p.update(50_000, 200_000, false, () => " · 10.0 MB of 40.0 MB (Arrow)");
    expect(lines).toEqual(["Writing train: 50,000 of 200,000 rows (25%) · 10.0 MB of 40.0 MB (Arrow) · 25,000 rows/s · about 6 s left"]);
  });

  it("formats durations for humans", () => {
    expect(formatDuration(3.2)).toBe("4 s");
    expect(formatDuration(125)).toBe("2 min 5 s");
    expect(formatDuration(7260)).toBe("2 h 1 min");
  });
});

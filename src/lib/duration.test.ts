import { expect, test } from "bun:test";
import { formatDuration, parseDuration } from "./duration";

test("durations: units, combinations and plain seconds, written back the short way", () => {
  expect(parseDuration("90m")).toBe(5_400_000);
  expect(parseDuration("4h")).toBe(14_400_000);
  expect(parseDuration("1h30m")).toBe(5_400_000);
  expect(parseDuration(" 45 ")).toBe(45_000);
  expect(parseDuration("2d")).toBe(172_800_000);
  expect(parseDuration("4 hours")).toBeNull();
  expect(parseDuration("h")).toBeNull();
  expect(parseDuration("-5")).toBeNull();
  expect(formatDuration(14_400_000)).toBe("4h");
  expect(formatDuration(5_400_000)).toBe("1h30m");
  expect(formatDuration(2_000)).toBe("2s");
  expect(formatDuration(90_061_000)).toBe("25h1m1s");
  expect(formatDuration(24 * 3_600_000)).toBe("24h");
  expect(formatDuration(250)).toBe("250ms");
});

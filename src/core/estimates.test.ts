import { describe, expect, test } from "bun:test";
import { Estimates, median } from "./estimates";

describe("Estimates", () => {
  test("median of odd and even counts", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(() => median([])).toThrow();
  });

  test("the median of the pkgbase's last five successful builds on the architecture", () => {
    const e = new Estimates(1_800_000);
    for (const ms of [900, 100, 200, 300, 400, 500]) e.record({ pkgbase: "llvm", arch: "x86_64", ms });
    // 900 is the sixth-newest: forgotten.
    expect(e.estimate("llvm", "x86_64")).toEqual({ ms: 300, source: "history" });
  });

  test("no history: the median of the architecture's builds; no builds on it: the default", () => {
    const e = new Estimates(1_800_000);
    e.record({ pkgbase: "a", arch: "x86_64", ms: 10 });
    e.record({ pkgbase: "b", arch: "x86_64", ms: 30 });
    e.record({ pkgbase: "c", arch: "x86_64", ms: 1000 });
    expect(e.estimate("unknown", "x86_64")).toEqual({ ms: 30, source: "arch" });
    expect(e.estimate("a", "aarch64")).toEqual({ ms: 1_800_000, source: "default" });
    const v = e.version;
    e.record({ pkgbase: "d", arch: "x86_64", ms: 2000 });
    expect(e.version).toBe(v + 1);
    expect(e.estimate("unknown", "x86_64")).toEqual({ ms: 515, source: "arch" });
  });
});

describe("estimate texts", () => {
  test("the unit follows the size; running builds speak the estimate's unit", async () => {
    const { estimateText, runningText } = await import("./estimates");
    expect(estimateText(45_000)).toBe("~45 s");
    expect(estimateText(14 * 60_000 + 10_000)).toBe("~14 min");
    expect(estimateText(2.5 * 3_600_000)).toBe("~2.5 h");
    expect(runningText(3 * 60_000, 14 * 60_000)).toBe("running 3 min of ~14");
    expect(runningText(500, 30_000)).toBe("running 1 s of ~30");
    expect(estimateText(120)).toBe("~1 s");
  });
});

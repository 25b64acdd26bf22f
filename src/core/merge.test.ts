import { describe, expect, test } from "bun:test";
import { builtFor, concreteArchitectures, mergeForArch } from "./merge";
import { parseSrcinfo } from "./srcinfo";

const srcinfo = parseSrcinfo(
  [
    "pkgbase = multi",
    "\tpkgver = 1",
    "\tpkgrel = 1",
    "\tarch = x86_64",
    "\tarch = aarch64",
    "\tdepends = glibc",
    "\tmakedepends = cmake",
    "\tdepends_x86_64 = x86-only",
    "\tmakedepends_aarch64 = arm-tool",
    "pkgname = multi",
    "\tdepends_aarch64 = arm-only",
    "pkgname = multi-data",
    "\tarch = any",
    "\tdepends =",
    "pkgname = multi-arm",
    "\tarch = aarch64",
    "\tarch = riscv64",
  ].join("\n"),
);

describe("mergeForArch", () => {
  test("generic lists followed by the architecture's own lists", () => {
    const [multi] = mergeForArch(srcinfo, "x86_64");
    expect(multi).toEqual({
      pkgname: "multi",
      arch: ["x86_64", "aarch64"],
      depends: ["glibc", "x86-only"],
      makedepends: ["cmake"],
      checkdepends: [],
      optdepends: [],
      provides: [],
      conflicts: [],
      replaces: [],
    });
    expect(mergeForArch(srcinfo, "aarch64")[0]).toMatchObject({
      depends: ["glibc", "arm-only"],
      makedepends: ["cmake", "arm-tool"],
    });
  });

  test("only packages whose arch contains the target or any, in file order", () => {
    expect(mergeForArch(srcinfo, "x86_64").map((p) => p.pkgname)).toEqual(["multi", "multi-data"]);
    expect(mergeForArch(srcinfo, "aarch64").map((p) => p.pkgname)).toEqual(["multi", "multi-data", "multi-arm"]);
    expect(mergeForArch(srcinfo, "riscv64").map((p) => p.pkgname)).toEqual(["multi-data", "multi-arm"]);
    expect(mergeForArch(srcinfo, "i686").map((p) => p.pkgname)).toEqual(["multi-data"]);
  });

  test("an any package keeps its own arch list and gets the target's suffixed pkgbase lists", () => {
    expect(mergeForArch(srcinfo, "x86_64")[1]).toMatchObject({
      arch: ["any"],
      depends: ["x86-only"],
      makedepends: ["cmake"],
    });
  });

  test("merged lists are copies", () => {
    const [first] = mergeForArch(srcinfo, "x86_64");
    first?.depends.push("mutated");
    expect(srcinfo.packages[0]?.depends).toEqual(["glibc"]);
    expect(mergeForArch(srcinfo, "x86_64")[0]?.depends).toEqual(["glibc", "x86-only"]);
  });
});

describe("builtFor and concreteArchitectures", () => {
  test("builtFor", () => {
    expect(builtFor({ arch: ["x86_64"] }, "x86_64")).toBe(true);
    expect(builtFor({ arch: ["x86_64"] }, "aarch64")).toBe(false);
    expect(builtFor({ arch: ["any"] }, "aarch64")).toBe(true);
  });

  test("every concrete architecture the file names, in file order, never any", () => {
    expect(concreteArchitectures(srcinfo)).toEqual(["x86_64", "aarch64", "riscv64"]);
    const anyOnly = parseSrcinfo("pkgbase = a\npkgver = 1\npkgrel = 1\narch = any\npkgname = a\n");
    expect(concreteArchitectures(anyOnly)).toEqual([]);
  });
});

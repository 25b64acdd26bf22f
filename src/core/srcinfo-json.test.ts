import { describe, expect, test } from "bun:test";
import { parseSrcinfo } from "./srcinfo";
import { srcinfoJson } from "./srcinfo-json";

const foo = parseSrcinfo(
  [
    "pkgbase = foo",
    "\tpkgver = 1.2",
    "\tpkgrel = 1",
    "\tarch = x86_64",
    "\tmakedepends = cmake",
    "\tdepends = glibc",
    "\tdepends = libbar.so=1-64",
    "\toptdepends = python: bindings",
    "\tprovides = libfoo.so=2-64",
    "",
    "pkgname = foo",
  ].join("\n"),
);

describe("srcinfoJson", () => {
  test("exactly the documented example, key order included", () => {
    const json = srcinfoJson(foo, { defaultArch: "x86_64" });
    expect(JSON.stringify(json)).toBe(
      JSON.stringify({
        pkgbase: "foo",
        version: { epoch: null, pkgver: "1.2", pkgrel: "1" },
        architectures: {
          x86_64: [
            {
              pkgname: "foo",
              arch: ["x86_64"],
              depends: ["glibc", "libbar.so=1-64"],
              makedepends: ["cmake"],
              checkdepends: [],
              optdepends: ["python: bindings"],
              provides: ["libfoo.so=2-64"],
              conflicts: [],
              replaces: [],
            },
          ],
        },
      }),
    );
  });

  const split = parseSrcinfo(
    [
      "pkgbase = split",
      "pkgver = 2",
      "pkgrel = 1",
      "epoch = 3",
      "arch = x86_64",
      "arch = aarch64",
      "depends_aarch64 = arm-dep",
      "pkgname = split",
      "pkgname = split-data",
      "arch = any",
      "pkgname = split-riscv",
      "arch = riscv64",
    ].join("\n"),
  );

  test("every concrete architecture the file names; any packages under each", () => {
    const json = srcinfoJson(split, { defaultArch: "x86_64" });
    expect(json.version).toEqual({ epoch: "3", pkgver: "2", pkgrel: "1" });
    expect(Object.keys(json.architectures)).toEqual(["x86_64", "aarch64", "riscv64"]);
    const names = (arch: string) => json.architectures[arch]?.map((p) => `${p.pkgname}:${p.arch.join(",")}`);
    expect(names("x86_64")).toEqual(["split:x86_64,aarch64", "split-data:any"]);
    expect(names("aarch64")).toEqual(["split:x86_64,aarch64", "split-data:any"]);
    expect(names("riscv64")).toEqual(["split-data:any", "split-riscv:riscv64"]);
    expect(json.architectures.aarch64?.[0]?.depends).toEqual(["arm-dep"]);
  });

  test("--arch narrows to that architecture, even one the file does not name", () => {
    expect(Object.keys(srcinfoJson(split, { arch: "aarch64", defaultArch: "x86_64" }).architectures)).toEqual([
      "aarch64",
    ]);
    expect(srcinfoJson(split, { arch: "i686", defaultArch: "x86_64" }).architectures).toEqual({
      i686: [expect.objectContaining({ pkgname: "split-data" })],
    });
  });

  test("a file that names only any is shown under the default architecture", () => {
    const anyOnly = parseSrcinfo("pkgbase = a\npkgver = 1\npkgrel = 1\narch = any\npkgname = a\npkgname = b\n");
    const json = srcinfoJson(anyOnly, { defaultArch: "x86_64" });
    expect(Object.keys(json.architectures)).toEqual(["x86_64"]);
    expect(json.architectures.x86_64?.map((p) => p.arch)).toEqual([["any"], ["any"]]);
    expect(Object.keys(srcinfoJson(anyOnly, { defaultArch: "aarch64" }).architectures)).toEqual(["aarch64"]);
  });
});

import { describe, expect, test } from "bun:test";
import {
  expectedPackageFiles,
  formatVersion,
  packageFileName,
  parseFullVersion,
  parsePackageFileName,
} from "./package-file";
import { parseSrcinfo } from "./srcinfo";
import type { Version } from "./types";

describe("formatVersion", () => {
  const cases: [string, Version][] = [
    ["1.2-1", { epoch: null, pkgver: "1.2", pkgrel: "1" }],
    ["2:1.2-3.1", { epoch: "2", pkgver: "1.2", pkgrel: "3.1" }],
    // makepkg's get_full_version drops an epoch of 0.
    ["1.2-1 (epoch 0)", { epoch: "0", pkgver: "1.2", pkgrel: "1" }],
  ];
  test.each(cases)("%s", (title, version) => {
    expect(formatVersion(version)).toBe(title.split(" ")[0] as string);
  });
});

describe("package file names", () => {
  test("packageFileName writes what makepkg writes", () => {
    expect(
      packageFileName({ pkgname: "zlib", version: { epoch: "1", pkgver: "1.3.1", pkgrel: "2" }, arch: "x86_64" }),
    ).toBe("zlib-1:1.3.1-2-x86_64.pkg.tar.zst");
    expect(
      packageFileName({ pkgname: "python-foo", version: { epoch: null, pkgver: "2.0", pkgrel: "1" }, arch: "any" }),
    ).toBe("python-foo-2.0-1-any.pkg.tar.zst");
  });

  test.each([
    [
      "zlib-1:1.3.1-2-x86_64.pkg.tar.zst",
      { pkgname: "zlib", version: { epoch: "1", pkgver: "1.3.1", pkgrel: "2" }, arch: "x86_64" },
    ],
    [
      "lib32-gcc-libs-14.2.1+r134+gab884fffe3fc-1.1-x86_64_v3.pkg.tar.zst",
      {
        pkgname: "lib32-gcc-libs",
        version: { epoch: null, pkgver: "14.2.1+r134+gab884fffe3fc", pkgrel: "1.1" },
        arch: "x86_64_v3",
      },
    ],
    [
      "a-b-c-d-1-1-any.pkg.tar.zst",
      { pkgname: "a-b-c-d", version: { epoch: null, pkgver: "1", pkgrel: "1" }, arch: "any" },
    ],
  ])("parsePackageFileName(%p)", (name, expected) => {
    expect(parsePackageFileName(name)).toEqual(expected);
    expect(packageFileName(expected)).toBe(name);
  });

  test.each([
    "zlib-1.3.1-2-x86_64.pkg.tar.zst.sig",
    "zlib-1.3.1-2-x86_64.pkg.tar.xz",
    "zlib-1.3.1-x86_64.pkg.tar.zst",
    "1.3.1-2-x86_64.pkg.tar.zst",
    "-1.3.1-2-x86_64.pkg.tar.zst",
    "zlib-1.3.1-2a-x86_64.pkg.tar.zst",
    "zlib-x:1.3.1-2-x86_64.pkg.tar.zst",
    "zlib-1:2:3-2-x86_64.pkg.tar.zst",
    "zlib-1.3.1-2-x86.64.pkg.tar.zst",
    "zlib-1.3.1-2-.pkg.tar.zst",
    "zlib--2-x86_64.pkg.tar.zst",
    "buildbtw-ns.db",
  ])("%p is not a package file name", (name) => {
    expect(parsePackageFileName(name)).toBeNull();
  });
});

describe("parseFullVersion", () => {
  test("splits [epoch:]pkgver-pkgrel, the reverse of formatVersion", () => {
    expect(parseFullVersion("1:2.0.r3.g1a2b-1.1")).toEqual({ epoch: "1", pkgver: "2.0.r3.g1a2b", pkgrel: "1.1" });
    expect(parseFullVersion("1.3-2")).toEqual({ epoch: null, pkgver: "1.3", pkgrel: "2" });
  });
  for (const bad of ["1.3", "-1", "1:-1", ":1.3-1", "a:1.3-1", "1:2:3-1", "1.3-a", "1.3-1.2.3", "1 3-1", "1/3-1"])
    test(`refuses ${JSON.stringify(bad)}`, () => expect(parseFullVersion(bad)).toBeNull());
});

describe("expectedPackageFiles", () => {
  const srcinfo = parseSrcinfo(
    [
      "pkgbase = foo",
      "pkgver = 1.2",
      "pkgrel = 3",
      "epoch = 1",
      "arch = x86_64",
      "arch = aarch64",
      "pkgname = foo",
      "pkgname = foo-docs",
      "arch = any",
      "pkgname = foo-x86-tools",
      "arch = x86_64",
    ].join("\n"),
  );

  test("one file per package built for the architecture; any packages end in -any", () => {
    expect(expectedPackageFiles(srcinfo, "x86_64")).toEqual([
      "foo-1:1.2-3-x86_64.pkg.tar.zst",
      "foo-docs-1:1.2-3-any.pkg.tar.zst",
      "foo-x86-tools-1:1.2-3-x86_64.pkg.tar.zst",
    ]);
    expect(expectedPackageFiles(srcinfo, "aarch64")).toEqual([
      "foo-1:1.2-3-aarch64.pkg.tar.zst",
      "foo-docs-1:1.2-3-any.pkg.tar.zst",
    ]);
    expect(expectedPackageFiles(srcinfo, "riscv64")).toEqual(["foo-docs-1:1.2-3-any.pkg.tar.zst"]);
  });
});

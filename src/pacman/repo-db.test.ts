import { describe, expect, test } from "bun:test";
import { Invalid } from "../core/errors";
import { buildPackage } from "./fake-package";
import { inspectPackage } from "./package";
import { databaseTree, parseRepoEntry, type RepoEntry, renderDesc, renderFiles, repoEntry } from "./repo-db";

const entry: RepoEntry = {
  filename: "libfoo-1:2.0-3-x86_64.pkg.tar.zst",
  pkginfo: {
    pkgname: "libfoo",
    pkgbase: "foo",
    version: "1:2.0-3",
    pkgdesc: "The  foo library",
    url: "https://example.org",
    builddate: 1700000000,
    packager: "Some One <some@example.org>",
    size: 4096,
    arch: "x86_64",
    license: ["MIT", "BSD-3-Clause"],
    groups: [],
    backup: ["etc/foo.conf"],
    depends: ["glibc>=2.38", "zlib"],
    makedepends: ["cmake"],
    checkdepends: [],
    optdepends: ["python: bindings"],
    provides: ["libfoo.so=2-64"],
    conflicts: [],
    replaces: ["oldfoo"],
  },
  files: ["etc/", "etc/foo.conf", "usr/", "usr/lib/", "usr/lib/libfoo.so.2"],
  csize: 1234,
  sha256: "a".repeat(64),
  md5: "b".repeat(32),
};

describe("renderDesc", () => {
  test("writes repo-add's fields in repo-add's order, leaving empty ones out", () => {
    expect(renderDesc(entry)).toBe(
      [
        "%FILENAME%",
        "libfoo-1:2.0-3-x86_64.pkg.tar.zst",
        "",
        "%NAME%",
        "libfoo",
        "",
        "%BASE%",
        "foo",
        "",
        "%VERSION%",
        "1:2.0-3",
        "",
        "%DESC%",
        "The foo library",
        "",
        "%CSIZE%",
        "1234",
        "",
        "%ISIZE%",
        "4096",
        "",
        "%MD5SUM%",
        "b".repeat(32),
        "",
        "%SHA256SUM%",
        "a".repeat(64),
        "",
        "%URL%",
        "https://example.org",
        "",
        "%LICENSE%",
        "MIT",
        "BSD-3-Clause",
        "",
        "%ARCH%",
        "x86_64",
        "",
        "%BUILDDATE%",
        "1700000000",
        "",
        "%PACKAGER%",
        "Some One <some@example.org>",
        "",
        "%REPLACES%",
        "oldfoo",
        "",
        "%PROVIDES%",
        "libfoo.so=2-64",
        "",
        "%DEPENDS%",
        "glibc>=2.38",
        "zlib",
        "",
        "%OPTDEPENDS%",
        "python: bindings",
        "",
        "%MAKEDEPENDS%",
        "cmake",
        "",
        "",
      ].join("\n"),
    );
  });

  test("writes %FILES% with one path per line", () => {
    expect(renderFiles(entry)).toBe("%FILES%\netc/\netc/foo.conf\nusr/\nusr/lib/\nusr/lib/libfoo.so.2\n");
    expect(renderFiles({ ...entry, files: [] })).toBe("%FILES%\n");
  });
});

describe("databaseTree", () => {
  test("one directory per package named <pkgname>-<version>, with desc (and files for .files)", () => {
    const other = { ...entry, pkginfo: { ...entry.pkginfo, pkgname: "app", version: "1.0-1" } };
    expect(databaseTree([entry, other], 0, false).map((e) => e.path)).toEqual([
      "app-1.0-1",
      "app-1.0-1/desc",
      "libfoo-1:2.0-3",
      "libfoo-1:2.0-3/desc",
    ]);
    expect(databaseTree([entry], 0, true).map((e) => e.path)).toEqual([
      "libfoo-1:2.0-3",
      "libfoo-1:2.0-3/desc",
      "libfoo-1:2.0-3/files",
    ]);
  });
});

describe("RepoEntry", () => {
  test("survives JSON, as the server stores it", () => {
    const built = repoEntry(
      "a-1.0-1-any.pkg.tar.zst",
      inspectPackage(buildPackage({ pkgname: "a", pkgbase: "a", version: "1.0-1", arch: "any" })),
    );
    expect(parseRepoEntry(JSON.parse(JSON.stringify(built)))).toEqual(built);
  });

  test("refuses a malformed stored entry", () => {
    expect(() => parseRepoEntry({ ...entry, sha256: "nope" })).toThrow(Invalid);
    expect(() => parseRepoEntry({ ...entry, filename: "../x.pkg.tar.zst\n" })).toThrow(Invalid);
    expect(() => parseRepoEntry(null)).toThrow(Invalid);
  });
});

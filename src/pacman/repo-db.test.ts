import { describe, expect, test } from "bun:test";
import { Invalid } from "../core/errors";
import { decompress } from "./compression";
import { buildPackage } from "./fake-package";
import { inspectPackage } from "./package";
import { entryTree, parseRepoEntry, type RepoEntry, RepoIndex, renderDesc, renderFiles, repoEntry } from "./repo-db";
import { readTar } from "./tar";

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

describe("entryTree", () => {
  test("a directory named <pkgname>-<version>, with desc (and files for .files)", () => {
    expect(entryTree(entry, 0, false).map((e) => [e.path, e.type])).toEqual([
      ["libfoo-1:2.0-3", "dir"],
      ["libfoo-1:2.0-3/desc", "file"],
    ]);
    expect(entryTree(entry, 0, true).map((e) => e.path)).toEqual([
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

describe("RepoIndex", () => {
  const pkg = (pkgname: string, pkgver: string) => {
    const bytes = buildPackage({
      pkgname,
      pkgbase: pkgname,
      version: { epoch: null, pkgver, pkgrel: "1" },
      arch: "x86_64",
      depends: [],
      optdepends: [],
      provides: [],
      conflicts: [],
      replaces: [],
      pkgdesc: pkgname,
    });
    return repoEntry(`${pkgname}-${pkgver}-1-x86_64.pkg.tar.zst`, inspectPackage(bytes));
  };
  const listing = (index: RepoIndex, which: "db" | "files") =>
    readTar(decompress(index.archive(which)))
      .filter((e) => e.type === "file")
      .map((e) => e.path);

  test("an archive of per-entry frames is one sorted tar, newest version per pkgname", () => {
    const index = new RepoIndex("buildbtw-t");
    index.put(pkg("zeta", "1.0"));
    index.put(pkg("alpha", "1.0"));
    expect(listing(index, "db")).toEqual(["alpha-1.0-1/desc", "zeta-1.0-1/desc"]);
    expect(listing(index, "files")).toEqual([
      "alpha-1.0-1/desc",
      "alpha-1.0-1/files",
      "zeta-1.0-1/desc",
      "zeta-1.0-1/files",
    ]);
    const before = index.archive("db");
    index.put(pkg("alpha", "2.0"));
    expect(index.archive("db")).not.toBe(before);
    expect(listing(index, "db")).toEqual(["alpha-2.0-1/desc", "zeta-1.0-1/desc"]);
    expect(index.size).toBe(3);
  });

  test("refuses a malformed entry and a bad repository name", () => {
    expect(() => new RepoIndex("../x")).toThrow(Invalid);
    expect(() => new RepoIndex("buildbtw-t").put({ filename: "x" })).toThrow(Invalid);
  });
});

describe("RepoIndex keeps the newest version listed", () => {
  const entryOf = (pkgname: string, pkgver: string) => {
    const e = structuredClone(entry);
    e.filename = `${pkgname}-${pkgver}-1-x86_64.pkg.tar.zst`;
    e.pkginfo.pkgname = pkgname;
    e.pkginfo.version = `${pkgver}-1`;
    return e;
  };
  const names = (index: RepoIndex) =>
    readTar(decompress(index.archive("db")))
      .filter((e) => e.type === "file")
      .map((e) => e.path);

  test("an older version put later does not replace a newer one; replacing the newest relists the next", () => {
    const index = new RepoIndex("buildbtw-t");
    index.put(entryOf("b", "2.0"));
    index.put(entryOf("b", "1.0"));
    index.put(entryOf("a", "1.0"));
    index.put(entryOf("c", "1.0"));
    expect(names(index)).toEqual(["a-1.0-1/desc", "b-2.0-1/desc", "c-1.0-1/desc"]);
    // The same file name stored again with other metadata (a rebuilt upload) replaces it in place.
    const rebuilt = entryOf("b", "2.0");
    rebuilt.pkginfo.pkgdesc = "rebuilt";
    index.put(rebuilt);
    expect(names(index)).toEqual(["a-1.0-1/desc", "b-2.0-1/desc", "c-1.0-1/desc"]);
    expect(
      new TextDecoder().decode(readTar(decompress(index.archive("db"))).find((e) => e.path === "b-2.0-1/desc")!.data),
    ).toContain("rebuilt");
    // That file stored again as an older version than b-1.0: b-1.0 is the newest left, so it is listed.
    const downgraded = entryOf("b", "2.0");
    downgraded.pkginfo.version = "0.5-1";
    index.put(downgraded);
    expect(names(index)).toEqual(["a-1.0-1/desc", "b-1.0-1/desc", "c-1.0-1/desc"]);
    index.put(entryOf("b", "3.0"));
    expect(names(index)).toEqual(["a-1.0-1/desc", "b-3.0-1/desc", "c-1.0-1/desc"]);
  });

  test("of two files with the same name and version, the one stored last is listed", () => {
    const index = new RepoIndex("buildbtw-t");
    const built = (filename: string, pkgdesc: string) => {
      const e = entryOf("b", "1.0");
      e.filename = filename;
      e.pkginfo.pkgdesc = pkgdesc;
      return e;
    };
    const desc = () =>
      new TextDecoder().decode(readTar(decompress(index.archive("db"))).find((e) => e.path === "b-1.0-1/desc")!.data);
    index.put(built("b-1.0-1-x86_64.pkg.tar.zst", "first"));
    index.put(built("b-1.0-1-any.pkg.tar.zst", "second"));
    expect(desc()).toContain("second");
    index.put(built("b-1.0-1-x86_64.pkg.tar.zst", "third"));
    expect(desc()).toContain("third");
  });
});

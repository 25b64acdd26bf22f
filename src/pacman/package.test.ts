import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { gzipSync, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { NotAPackage } from "./errors";
import { buildPackage, payloadPath } from "./fake-package";
import { inspectPackage } from "./package";
import { readTar, writeTar } from "./tar";

const meta = {
  pkgname: "libfoo",
  pkgbase: "foo",
  version: { epoch: "1", pkgver: "2.0", pkgrel: "3" },
  arch: "x86_64",
  depends: ["glibc>=2.38"],
  optdepends: ["python: bindings"],
  provides: ["libfoo.so=2-64"],
  conflicts: ["libfoo-git"],
  replaces: ["oldfoo"],
  pkgdesc: "The foo library",
  builddate: 1700000000,
};

describe("buildPackage", () => {
  const bytes = buildPackage(meta, { "etc/foo.conf": "setting = 1\n" });
  const entries = readTar(new Uint8Array(zstdDecompressSync(bytes)));

  test("lays the archive out as makepkg does: metadata files first, then the tree, all stamped with the build date", () => {
    expect(entries.map((e) => e.path)).toEqual([
      ".BUILDINFO",
      ".MTREE",
      ".PKGINFO",
      "etc/",
      "etc/foo.conf",
      "usr/",
      "usr/share/",
      "usr/share/buildbtw-fake/",
      "usr/share/buildbtw-fake/libfoo",
    ]);
    expect(entries.every((e) => e.mtime === 1700000000)).toBe(true);
    expect(new TextDecoder().decode(entries.find((e) => e.path === payloadPath("libfoo"))?.data)).toBe(
      "libfoo 1:2.0-3 x86_64\n",
    );
  });

  test("its .MTREE is a gzip'd mtree of every other entry", () => {
    const mtree = new TextDecoder().decode(
      Bun.gunzipSync(entries.find((e) => e.path === ".MTREE")?.data as Uint8Array<ArrayBuffer>),
    );
    const lines = mtree.trimEnd().split("\n");
    expect(lines.slice(0, 2)).toEqual(["#mtree", "/set type=file uid=0 gid=0 mode=644"]);
    expect(lines.slice(2).map((l) => l.split(" ")[0])).toEqual([
      "./.BUILDINFO",
      "./.PKGINFO",
      "./etc",
      "./etc/foo.conf",
      "./usr",
      "./usr/share",
      "./usr/share/buildbtw-fake",
      "./usr/share/buildbtw-fake/libfoo",
    ]);
    const conf = entries.find((e) => e.path === "etc/foo.conf")?.data as Uint8Array;
    expect(mtree).toContain(
      `./etc/foo.conf time=1700000000.0 size=12 md5digest=${createHash("md5").update(conf).digest("hex")} sha256digest=${createHash("sha256").update(conf).digest("hex")}\n`,
    );
  });

  test("its .BUILDINFO is format 2 and names the package", () => {
    const buildinfo = new TextDecoder().decode(entries.find((e) => e.path === ".BUILDINFO")?.data);
    expect(buildinfo).toStartWith("format = 2\npkgname = libfoo\npkgbase = foo\npkgver = 1:2.0-3\npkgarch = x86_64\n");
  });

  test("accepts the full version as a string (the fake driver's form)", () => {
    expect(inspectPackage(buildPackage({ ...meta, version: "2.0-1" })).pkginfo.version).toBe("2.0-1");
  });

  test("refuses names, versions and payload paths that makepkg would refuse", () => {
    expect(() => buildPackage({ ...meta, pkgname: "-bad" })).toThrow("not a valid pkgname");
    expect(() => buildPackage({ ...meta, arch: "x86 64" })).toThrow("not a valid architecture");
    expect(() => buildPackage({ ...meta, version: "1.0" })).toThrow("not [epoch:]pkgver-pkgrel");
    expect(() => buildPackage({ ...meta, pkgdesc: "two\nlines" })).toThrow("line break");
    expect(() => buildPackage(meta, { "../etc/passwd": "x" })).toThrow("not a relative path");
    expect(() => buildPackage(meta, { "/etc/passwd": "x" })).toThrow("not a relative path");
    expect(() => buildPackage(meta, { ".INSTALL": "x" })).toThrow("not a relative path");
  });
});

describe("inspectPackage", () => {
  test("reads .PKGINFO, the file list, size and checksums", () => {
    const bytes = buildPackage(meta);
    const info = inspectPackage(bytes);
    expect(info.pkginfo).toEqual({
      pkgname: "libfoo",
      pkgbase: "foo",
      version: "1:2.0-3",
      pkgdesc: "The foo library",
      url: "",
      builddate: 1700000000,
      packager: "buildbtw <buildbtw@localhost>",
      size: "libfoo 1:2.0-3 x86_64\n".length,
      arch: "x86_64",
      license: ["MIT"],
      groups: [],
      backup: [],
      depends: ["glibc>=2.38"],
      makedepends: [],
      checkdepends: [],
      optdepends: ["python: bindings"],
      provides: ["libfoo.so=2-64"],
      conflicts: ["libfoo-git"],
      replaces: ["oldfoo"],
    });
    expect(info.files).toEqual(["usr/", "usr/share/", "usr/share/buildbtw-fake/", "usr/share/buildbtw-fake/libfoo"]);
    expect(info.csize).toBe(bytes.length);
    expect(info.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(info.md5).toBe(createHash("md5").update(bytes).digest("hex"));
  });

  test("reads gzip'd packages too (Debian makepkg's default PKGEXT)", () => {
    const tar = new Uint8Array(zstdDecompressSync(buildPackage(meta)));
    expect(inspectPackage(new Uint8Array(gzipSync(tar))).pkginfo.pkgname).toBe("libfoo");
  });

  test("sorts the file list bytewise, as `LC_ALL=C sort -u` does", () => {
    const info = inspectPackage(
      buildPackage(meta, { "usr/share/Zeta": "", "usr/share/éclair": "", "usr/share/alpha": "" }),
    );
    expect(info.files.filter((f) => f.startsWith("usr/share/") && !f.includes("buildbtw"))).toEqual([
      "usr/share/",
      "usr/share/Zeta",
      "usr/share/alpha",
      "usr/share/éclair",
    ]);
  });

  const pkginfo = new TextEncoder().encode("pkgname = a\npkgbase = a\npkgver = 1-1\narch = any\n");
  const tarOf = (...entries: Parameters<typeof writeTar>[0]) => new Uint8Array(zstdCompressSync(writeTar(entries)));
  /** The package with its last entry's header (a symlink's) turned into a hard link's (writeTar writes none). */
  const hardlinked = (pkg: Uint8Array) => {
    const tar = new Uint8Array(zstdDecompressSync(pkg));
    const header = tar.subarray(tar.length - 3 * 512, tar.length - 2 * 512);
    header[156] = "1".charCodeAt(0);
    header.fill(0x20, 148, 156);
    header.set(
      new TextEncoder().encode(
        `${header
          .reduce((a, b) => a + b, 0)
          .toString(8)
          .padStart(6, "0")}\0 `,
      ),
      148,
    );
    expect(readTar(tar).at(-1)).toMatchObject({ path: "usr/x", type: "hardlink", linkname: "../../etc/shadow" });
    return new Uint8Array(zstdCompressSync(tar));
  };
  test.each([
    ["garbage", new TextEncoder().encode("this is not a package at all"), "neither zstd, gzip nor tar"],
    ["an empty file", new Uint8Array(), "neither zstd, gzip nor tar"],
    [
      "zstd that is not tar",
      new Uint8Array(zstdCompressSync(new TextEncoder().encode("hello ".repeat(200)))),
      "not a tar archive",
    ],
    [
      "a tar without .PKGINFO",
      tarOf({ path: "usr/x", type: "file", mode: 0o644, mtime: 0, data: new Uint8Array(1) }),
      "no .PKGINFO",
    ],
    [
      "a bad .PKGINFO",
      tarOf({ path: ".PKGINFO", type: "file", mode: 0o644, mtime: 0, data: new TextEncoder().encode("pkgname = a\n") }),
      "no pkgbase",
    ],
    [
      "an entry escaping the root",
      tarOf(
        { path: ".PKGINFO", type: "file", mode: 0o644, mtime: 0, data: pkginfo },
        { path: "../../etc/cron.d/x", type: "file", mode: 0o644, mtime: 0, data: new Uint8Array(1) },
      ),
      "points outside the installation root",
    ],
    [
      "a hard link to a file outside the root",
      hardlinked(
        tarOf(
          { path: ".PKGINFO", type: "file", mode: 0o644, mtime: 0, data: pkginfo },
          { path: "usr/x", type: "symlink", mode: 0o644, mtime: 0, linkname: "../../etc/shadow" },
        ),
      ),
      "points outside the installation root",
    ],
  ])("refuses %s with NotAPackage", (_, bytes, reason) => {
    expect(() => inspectPackage(bytes)).toThrow(NotAPackage);
    expect(() => inspectPackage(bytes)).toThrow("This file is not a valid package file: ");
    expect(() => inspectPackage(bytes)).toThrow(reason);
  });
});

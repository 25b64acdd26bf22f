import { describe, expect, test } from "bun:test";
import { formatSrcinfoError, parseSrcinfo, SrcinfoError } from "./srcinfo";

const HEAD = "pkgbase = foo\n\tpkgver = 1.2\n\tpkgrel = 1\n\tarch = x86_64\n";

/** The error parseSrcinfo throws for `text`, as plain data. */
function errorOf(text: string): { line: number; column: number; message: string } {
  try {
    parseSrcinfo(text);
  } catch (e) {
    if (!(e instanceof SrcinfoError)) throw e;
    return { line: e.line, column: e.column, message: e.message };
  }
  throw new Error("parsed without error");
}

describe("parseSrcinfo: structure", () => {
  test("pkgbase, version, arch and packages in file order", () => {
    const s = parseSrcinfo(
      "pkgbase = foo\n\tpkgver = 1.2\n\tpkgrel = 3.1\n\tepoch = 2\n\tarch = x86_64\n\tarch = aarch64\n\npkgname = foo\n\npkgname = foo-docs\n",
    );
    expect(s.pkgbase).toBe("foo");
    expect(s.version).toEqual({ epoch: "2", pkgver: "1.2", pkgrel: "3.1" });
    expect(s.arch).toEqual(["x86_64", "aarch64"]);
    expect(s.packages.map((p) => p.pkgname)).toEqual(["foo", "foo-docs"]);
    expect(s.packages[1]?.arch).toEqual(["x86_64", "aarch64"]);
  });

  test("without epoch the version's epoch is null", () => {
    expect(parseSrcinfo(`${HEAD}pkgname = foo`).version.epoch).toBeNull();
  });

  test("comments, blank lines, any indentation, tabs, CRLF and no final newline", () => {
    const text = [
      "# generated",
      "",
      "  \t",
      "pkgbase = foo",
      "    pkgver = 1.2",
      "\t\t  pkgrel = 1\r",
      "  # a comment inside a section",
      "arch = x86_64",
      "pkgname = foo",
      "\t depends = bar",
    ].join("\n");
    const s = parseSrcinfo(text);
    expect(s.version.pkgrel).toBe("1");
    expect(s.packages[0]?.depends).toEqual(["bar"]);
  });

  test("a pkgbase without arch is buildable anywhere, as alpm assumes", () => {
    const s = parseSrcinfo("pkgbase = foo\npkgver = 1\npkgrel = 1\npkgname = foo\n");
    expect(s.arch).toEqual(["any"]);
    expect(s.packages[0]?.arch).toEqual(["any"]);
  });

  test("repeated architectures count once", () => {
    expect(parseSrcinfo(`${HEAD}\tarch = x86_64\npkgname = foo`).arch).toEqual(["x86_64"]);
  });

  test("unknown architecture names are accepted", () => {
    expect(parseSrcinfo(`${HEAD}\tarch = my_special_arch\npkgname = foo`).arch).toEqual(["x86_64", "my_special_arch"]);
  });

  test("values are kept verbatim, including text keywords that are not stored", () => {
    const s = parseSrcinfo(
      `${HEAD}\tpkgdesc = A = B: c\n\tsource = foo::git+https://example.org/foo.git#tag=v1\n\tsha256sums = SKIP\npkgname = foo\n\tdepends = python>=3.12\n\toptdepends = tk: for the GUI: optional\n`,
    );
    expect(s.packages[0]?.depends).toEqual(["python>=3.12"]);
    expect(s.packages[0]?.optdepends).toEqual(["tk: for the GUI: optional"]);
  });
});

describe("parseSrcinfo: inheritance and overrides", () => {
  const text = [
    "pkgbase = base",
    "\tpkgver = 1",
    "\tpkgrel = 1",
    "\tarch = x86_64",
    "\tarch = aarch64",
    "\tdepends = glibc",
    "\tdepends = zlib",
    "\tmakedepends = cmake",
    "\tcheckdepends = pytest",
    "\tprovides = libbase.so=1-64",
    "\tconflicts = old-base",
    "\tdepends_x86_64 = x86-dep",
    "\tdepends_aarch64 = arm-dep",
    "\tmakedepends_x86_64 = nasm",
    "",
    "pkgname = inherits",
    "",
    "pkgname = overrides",
    "\tdepends = python",
    "\tdepends = gcc-libs",
    "\tdepends_x86_64 = own-x86-dep",
    "\tarch = x86_64",
    "",
    "pkgname = clears",
    "\tdepends =",
    "\tprovides = ",
    "\tconflicts =   ",
    "\tdepends_aarch64 =",
    "\tarch = any",
    "",
    "pkgname = clears-then-sets",
    "\tdepends =",
    "\tdepends = only-this",
  ].join("\n");
  const s = parseSrcinfo(text);
  const pkg = (name: string) => {
    const p = s.packages.find((x) => x.pkgname === name);
    if (!p) throw new Error(name);
    return p;
  };

  test("a package without a key inherits the pkgbase value", () => {
    expect(pkg("inherits")).toMatchObject({
      arch: ["x86_64", "aarch64"],
      depends: ["glibc", "zlib"],
      makedepends: ["cmake"],
      checkdepends: ["pytest"],
      provides: ["libbase.so=1-64"],
      conflicts: ["old-base"],
      optdepends: [],
      replaces: [],
    });
    expect(pkg("inherits").archSpecific).toEqual({
      x86_64: { depends: ["x86-dep"], makedepends: ["nasm"] },
      aarch64: { depends: ["arm-dep"] },
    });
  });

  test("a key set in the package replaces the pkgbase value, also per suffixed key", () => {
    const p = pkg("overrides");
    expect(p.depends).toEqual(["python", "gcc-libs"]);
    expect(p.arch).toEqual(["x86_64"]);
    expect(p.provides).toEqual(["libbase.so=1-64"]);
    expect(p.archSpecific).toEqual({
      x86_64: { depends: ["own-x86-dep"], makedepends: ["nasm"] },
      aarch64: { depends: ["arm-dep"] },
    });
  });

  test("`key =`, `key = ` and trailing blanks clear; suffixed keys clear on their own", () => {
    const p = pkg("clears");
    expect(p).toMatchObject({ depends: [], provides: [], conflicts: [], arch: ["any"] });
    // makedepends/checkdepends belong to the pkgbase and stay.
    expect(p.makedepends).toEqual(["cmake"]);
    expect(p.archSpecific).toEqual({ x86_64: { depends: ["x86-dep"], makedepends: ["nasm"] } });
  });

  test("values after a clear in the same section are the package's values", () => {
    expect(pkg("clears-then-sets").depends).toEqual(["only-this"]);
  });

  test("packages get their own arrays", () => {
    pkg("inherits").depends.push("mutated");
    expect(s.packages.find((p) => p.pkgname === "clears-then-sets")?.depends).toEqual(["only-this"]);
    expect(pkg("overrides").makedepends).not.toBe(pkg("inherits").makedepends);
  });
});

describe("parseSrcinfo: errors carry line, column and a sentence", () => {
  test.each([
    [
      "`key=value`",
      "pkgbase = foo\n\tpkgver=1.2\n",
      2,
      8,
      "expected `pkgver = value` with one space on each side of `=`",
    ],
    ["two spaces before `=`", "pkgbase = foo\npkgver  = 1\n", 2, 7, "expected `pkgver = value`"],
    ["no space after `=`", "pkgbase = foo\npkgver =1\n", 2, 7, "expected `pkgver = value`"],
    ["a line without `=`", "pkgbase = foo\nnot valid\n", 2, 4, "expected `not = value`"],
    ["a line starting with a symbol", "pkgbase = foo\n= 1\n", 2, 1, "expected a keyword at the start of the line"],
    ["an unknown keyword", `${HEAD}\tbogus_field = lol\npkgname = foo`, 5, 2, "unknown keyword `bogus_field`"],
    ["uppercase keywords", `${HEAD}Depends = x\npkgname = foo`, 5, 1, "unknown keyword `Depends`"],
    [
      "a pkgbase-only keyword in a package",
      `${HEAD}pkgname = foo\n  makedepends = cmake`,
      6,
      3,
      '`makedepends` belongs to the pkgbase section and cannot be set for package "foo"',
    ],
    ["pkgver in a package", `${HEAD}pkgname = foo\npkgver = 2`, 6, 1, "`pkgver` belongs to the pkgbase section"],
    [
      "a suffix on a keyword that takes none",
      `${HEAD}pkgdesc_x86_64 = x\npkgname = foo`,
      5,
      1,
      "`pkgdesc` cannot be architecture-specific",
    ],
    [
      "an `_any` suffix",
      `${HEAD}depends_any = x\npkgname = foo`,
      5,
      1,
      "`any` is not an architecture suffix; write `depends`",
    ],
    ["an empty suffix", `${HEAD}depends_ = x\npkgname = foo`, 5, 1, "expected an architecture after `_`"],
    ["a pkgver with a hyphen", "pkgbase = foo\npkgver = 1.0-2\n", 2, 13, 'invalid pkgver "1.0-2"'],
    ["a pkgver with a colon", "pkgbase = foo\npkgver = 1:2\n", 2, 11, 'invalid pkgver "1:2"'],
    ["a pkgver with non-ASCII", "pkgbase = foo\npkgver = 1.0é\n", 2, 13, "use ASCII characters"],
    ["an empty pkgver", "pkgbase = foo\npkgver =\n", 2, 9, "`pkgver` needs a value"],
    ["a pkgrel with letters", "pkgbase = foo\npkgrel = 1a\n", 2, 10, 'invalid pkgrel "1a"'],
    ["a pkgrel with two dots", "pkgbase = foo\npkgrel = 1.2.3\n", 2, 10, 'invalid pkgrel "1.2.3"'],
    ["a negative epoch", "pkgbase = foo\nepoch = -1\n", 2, 9, 'invalid epoch "-1": expected a non-negative integer'],
    ["pkgver set twice", "pkgbase = foo\npkgver = 1\npkgver = 2\n", 3, 1, "`pkgver` is set twice (first on line 2)"],
    [
      "a checksum that is too long",
      `${HEAD}sha256sums = ${"a".repeat(65)}\n`,
      5,
      14,
      "sha256sums entry is too long: expected 64",
    ],
    ["a checksum that is too short", `${HEAD}md5sums = abc\n`, 5, 11, "md5sums entry is too short: expected 32"],
    [
      "a checksum that is not hex",
      `${HEAD}sha1sums_x86_64 = ${"g".repeat(40)}\n`,
      5,
      19,
      "expected 40 hexadecimal digits or SKIP",
    ],
    ["a cksum that is not decimal", `${HEAD}cksums = 12ab\n`, 5, 10, "expected a decimal CRC or SKIP"],
    ["a bad validpgpkeys entry", `${HEAD}validpgpkeys = 1234\n`, 5, 16, "expected a 40-digit OpenPGP fingerprint"],
    ["`arch = any` with others", `${HEAD}\tarch = any\npkgname = foo`, 5, 9, "`arch = any` cannot be combined"],
    [
      "others after `arch = any`",
      "pkgbase = foo\narch = any\narch = x86_64\n",
      3,
      8,
      "`arch = any` cannot be combined",
    ],
    ["a cleared arch", `${HEAD}pkgname = foo\narch =\n`, 6, 7, "`arch` needs a value; it cannot be cleared"],
    ["an invalid architecture", `${HEAD}arch = x86-64\n`, 5, 11, 'invalid architecture "x86-64"'],
    [
      "a malformed dependency",
      `${HEAD}pkgname = foo\n\tdepends = bar>=\n`,
      6,
      17,
      'invalid depends entry "bar>=": expected a version after `>=`',
    ],
    ["a description in depends", `${HEAD}depends = python: bindings\n`, 5, 17, "only allowed in optdepends"],
    ["a dependency with a space", `${HEAD}conflicts = foo bar\n`, 5, 16, 'unexpected " "'],
    [
      "a file that starts with pkgname",
      "# hi\npkgname = test\n",
      2,
      1,
      "expected the file to begin with `pkgbase = NAME`, found `pkgname` first",
    ],
    ["a file that starts with another key", "\npkgver = 1\n", 2, 1, "found `pkgver` first"],
    [
      "a second pkgbase",
      `${HEAD}pkgname = foo\npkgbase = bar\n`,
      6,
      1,
      "found a second `pkgbase` (the first is on line 1)",
    ],
    [
      "a pkgname declared twice",
      `${HEAD}pkgname = foo\npkgname = foo\n`,
      6,
      11,
      'package "foo" is declared twice (first on line 5)',
    ],
    ["an invalid pkgname", `${HEAD}pkgname = -foo\n`, 5, 11, '"-foo" is not a valid pkgname'],
    ["an empty pkgbase", "pkgbase =\n", 1, 10, "`pkgbase` needs a name"],
  ])("%s", (_what, text, line, column, message) => {
    const e = errorOf(text);
    expect(e.message).toContain(message);
    expect([e.line, e.column]).toEqual([line, column]);
  });

  test("a file without pkgname sections fails at its last line", () => {
    expect(errorOf("pkgbase = foo\npkgver = 1\npkgrel = 1\n\n# nothing\n\n")).toMatchObject({
      line: 6,
      message: "expected a `pkgname = NAME` section after the pkgbase section, found the end of the file",
    });
  });

  test("an empty file fails on line 1", () => {
    expect(errorOf("")).toMatchObject({ line: 1, message: "expected `pkgbase = NAME`, found no pkgbase section" });
  });

  test("a pkgbase without pkgver or pkgrel fails on its header line", () => {
    expect(errorOf("\npkgbase = foo\npkgrel = 1\npkgname = foo")).toMatchObject({
      line: 2,
      message: 'pkgbase "foo" has no `pkgver`',
    });
    expect(errorOf("pkgbase = foo\npkgver = 1\npkgname = foo")).toMatchObject({
      line: 1,
      message: 'pkgbase "foo" has no `pkgrel`',
    });
  });

  test("columns count characters, not UTF-16 units", () => {
    expect(errorOf("pkgbase = foo\npkgdesc = 🐀\nbogus = 1\n")).toMatchObject({ line: 3, column: 1 });
    expect(errorOf("pkgbase = foo\n\tpkgver = 🐀1.0.0\n")).toMatchObject({ line: 2, column: 11 });
  });

  test("SrcinfoError is an Error with its own name", () => {
    let thrown: unknown;
    try {
      parseSrcinfo("nope");
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SrcinfoError);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe("SrcinfoError");
  });

  test("formatSrcinfoError prints FILE:LINE: sentence", () => {
    const e = new SrcinfoError("unknown keyword `bogus`", 4, 2);
    expect(formatSrcinfoError("repos/foo/.SRCINFO", e)).toBe("repos/foo/.SRCINFO:4: unknown keyword `bogus`");
  });
});

import { describe, expect, test } from "bun:test";
import { relationName as mergeRelationName } from "./merge";
import {
  formatRelation,
  InvalidRelation,
  isRelationProblem,
  parseRelation,
  provisionSatisfies,
  readRelation,
  relationName,
  satisfies,
} from "./relation";

describe("parseRelation", () => {
  test.each([
    ["glibc", { name: "glibc", op: null, version: null }],
    ["python>=3.12", { name: "python", op: ">=", version: "3.12" }],
    ["python<3.13", { name: "python", op: "<", version: "3.13" }],
    ["python<=3.13", { name: "python", op: "<=", version: "3.13" }],
    ["python>3", { name: "python", op: ">", version: "3" }],
    ["java-runtime=21", { name: "java-runtime", op: "=", version: "21" }],
    ["foo=1:2.0-3", { name: "foo", op: "=", version: "1:2.0-3" }],
    // alpm-sonamev1: the soname is the name, `1-64` its version.
    ["libfoo.so=1-64", { name: "libfoo.so", op: "=", version: "1-64" }],
    ["libfoo.so", { name: "libfoo.so", op: null, version: null }],
    // alpm-sonamev2: pacman matches the whole `prefix:soname`.
    ["lib:libfoo.so.1", { name: "lib:libfoo.so.1", op: null, version: null }],
    // optdepends: the description goes, even with colons in it or in the version's epoch.
    ["python: bindings", { name: "python", op: null, version: null }],
    ["python>=3: bindings: extra", { name: "python", op: ">=", version: "3" }],
    ["foo>=1:17.0.1-5: my dependency", { name: "foo", op: ">=", version: "1:17.0.1-5" }],
    ["qt6-base+x@y_z.1", { name: "qt6-base+x@y_z.1", op: null, version: null }],
  ])("%p", (input, expected) => {
    expect(parseRelation(input)).toEqual(expected as ReturnType<typeof parseRelation>);
  });

  test.each([
    ["", "expected a package name"],
    [">=1.0", "expected a package name"],
    ["-foo", "cannot start with `-` or `.`"],
    [".foo", "cannot start with `-` or `.`"],
    ["foo>=", "expected a version after `>=`"],
    ["foo=>1", "expected a version after `=`"],
    ["foo<>1", "expected a version after `<`"],
    ["foo bar", `unexpected " "`],
    ["foo>=1 bar", `unexpected " "`],
    ["foo/bar", `unexpected "/"`],
  ])("rejects %p", (input, reason) => {
    expect(() => parseRelation(input)).toThrow(InvalidRelation);
    expect(() => parseRelation(input)).toThrow(reason);
  });

  test("formatRelation writes it back without spaces", () => {
    for (const s of ["glibc", "python>=3.12", "libfoo.so=1-64", "foo<=1:2-3"]) {
      expect(formatRelation(parseRelation(s))).toBe(s);
    }
  });
});

describe("readRelation by keyword", () => {
  test("a description is only allowed in optdepends, with its offset", () => {
    expect(readRelation("python: bindings", "optdepends")).toEqual({
      name: "python",
      op: null,
      version: null,
      description: "bindings",
    });
    expect(readRelation("python: bindings", "depends")).toEqual({
      offset: 6,
      reason: "a description (`: …`) is only allowed in optdepends",
    });
  });

  test("prefix:soname names only in depends and provides", () => {
    expect(isRelationProblem(readRelation("lib:libfoo.so.1", "depends"))).toBe(false);
    expect(isRelationProblem(readRelation("lib:libfoo.so.1", "provides"))).toBe(false);
    expect(readRelation("lib:libfoo.so.1", "conflicts")).toMatchObject({ offset: 3 });
    // makepkg splits optdepends on `:` + blank, so `foo:bar` is a broken optdepends, not a soname.
    expect(readRelation("foo:bar", "optdepends")).toMatchObject({ offset: 3 });
  });
});

describe("relationName", () => {
  const samples = [
    "glibc",
    "python>=3.12",
    "libfoo.so=1-64",
    "python: bindings",
    "foo>=1:2-3: desc",
    "lib:libfoo.so.1",
    "java-environment<=21",
    "sh",
  ];

  test("strips constraints and descriptions", () => {
    expect(samples.map(relationName)).toEqual([
      "glibc",
      "python",
      "libfoo.so",
      "python",
      "foo",
      "lib:libfoo.so.1",
      "java-environment",
      "sh",
    ]);
  });

  test("agrees with parseRelation(...).name, and merge.ts exports the same function", () => {
    for (const s of samples) expect(relationName(s)).toBe(parseRelation(s).name);
    expect(mergeRelationName).toBe(relationName);
  });
});

describe("satisfies", () => {
  const rel = (s: string) => parseRelation(s);

  test.each([
    // alpm-comparison(7) examples.
    ["example<=1.0.0", "1.0.0-3", true],
    ["example>1.0.0", "1:1.0.0-1", true],
    ["example>=1.0.0", "0.9", false],
    // The pkgrel only counts when both sides have one.
    ["foo=1.0", "1.0-3", true],
    ["foo=1.0-2", "1.0-3", false],
    ["foo<1.0-3", "1.0-2", true],
    ["foo>1.0", "1.0-9", false],
    ["foo", "anything", true],
    ["foo>=2:1", "1:9", false],
  ])("%p by %p: %p", (relation, version, expected) => {
    expect(satisfies(rel(relation), version)).toBe(expected);
  });

  test("provisions: versioned dependencies need a provision with `=` and a fitting version", () => {
    expect(provisionSatisfies(rel("sh"), rel("sh"))).toBe(true);
    expect(provisionSatisfies(rel("sh"), rel("sh=5.2"))).toBe(true);
    expect(provisionSatisfies(rel("foo>=1.2"), rel("foo=1.2"))).toBe(true);
    expect(provisionSatisfies(rel("foo>=1.3"), rel("foo=1.2"))).toBe(false);
    expect(provisionSatisfies(rel("foo>=1.2"), rel("foo"))).toBe(false);
    expect(provisionSatisfies(rel("foo>=1.2"), rel("foo>=1.5"))).toBe(false);
    expect(provisionSatisfies(rel("foo"), rel("bar=1"))).toBe(false);
    expect(provisionSatisfies(rel("libfoo.so=1-64"), rel("libfoo.so=1-64"))).toBe(true);
    expect(provisionSatisfies(rel("libfoo.so=2-64"), rel("libfoo.so=1-64"))).toBe(false);
  });
});

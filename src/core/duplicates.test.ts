import { expect, test } from "bun:test";
import { duplicatePkgnames, duplicateSentence } from "./duplicates";

test("a pkgname built by two pkgbases is reported with both; a split package's own names are not", () => {
  const found = duplicatePkgnames([
    { pkgbase: "libfoo", pkgnames: ["libfoo", "libfoo-docs"] },
    { pkgbase: "libfoo-ng", pkgnames: ["libfoo"] },
    { pkgbase: "bar", pkgnames: ["bar"] },
  ]);
  expect(found).toEqual([{ pkgname: "libfoo", pkgbases: ["libfoo", "libfoo-ng"] }]);
  expect(duplicateSentence(found[0]!)).toBe(
    "libfoo is built by libfoo and libfoo-ng: only the first upload is kept, the other build fails",
  );
  expect(duplicatePkgnames([{ pkgbase: "a", pkgnames: ["a", "b"] }])).toEqual([]);
});

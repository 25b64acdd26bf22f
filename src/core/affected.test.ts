import { describe, expect, test } from "bun:test";
import { mayAffect } from "./affected";
import type { ArchGraph } from "./graph";
import type { CommitId, Pkgbase, SourceEntry, SrcinfoPackage } from "./types";

const pkg = (pkgname: string, lists: Partial<SrcinfoPackage> = {}): SrcinfoPackage => ({
  pkgname,
  arch: ["x86_64"],
  depends: [],
  makedepends: [],
  checkdepends: [],
  optdepends: [],
  provides: [],
  conflicts: [],
  replaces: [],
  archSpecific: {},
  ...lists,
});
const entry = (pkgbase: string, ...packages: SrcinfoPackage[]): SourceEntry => ({
  pkgbase: pkgbase as Pkgbase,
  ref: "main",
  commit: "0".repeat(40) as CommitId,
  srcinfo: { pkgbase, version: { epoch: null, pkgver: "1", pkgrel: "1" }, arch: ["x86_64"], packages },
});
const graph: Record<string, ArchGraph> = {
  x86_64: {
    nodes: [
      { pkgbase: "zlib", commit: "a", ref: "main", pkgnames: ["zlib", "minizip"] },
      { pkgbase: "provider", commit: "b", ref: "main", pkgnames: ["provider"] },
    ],
    edges: [["zlib", "provider"]],
    removed_edges: [],
    cycles: [],
    order: ["zlib", "provider"],
  },
};
const universe = new Map<string, SourceEntry>([
  ["zlib", entry("zlib", pkg("zlib"), pkg("minizip"))],
  ["provider", entry("provider", pkg("provider", { depends: ["zlib"], provides: ["virtual-thing=1"] }))],
  ["unrelated", entry("unrelated", pkg("unrelated", { depends: ["glibc"] }))],
  ["joins", entry("joins", pkg("joins", { depends: ["minizip>=1"] }))],
  ["via-provides", entry("via-provides", pkg("via-provides", { depends: ["virtual-thing"] }))],
  ["arch-only", entry("arch-only", pkg("arch-only", { archSpecific: { x86_64: { depends: ["zlib"] } } }))],
  ["now-provides", entry("now-provides", pkg("now-provides", { provides: ["minizip"] }))],
]);
const affects = (...changed: string[]) => mayAffect(graph, changed, (p) => universe.get(p));

describe("mayAffect", () => {
  test("a changed member or a vanished pkgbase affects the namespace", () => {
    expect(affects("provider")).toBe(true);
    expect(affects("gone")).toBe(true);
  });
  test("a non-member that mentions nothing of the members does not", () => {
    expect(affects("unrelated")).toBe(false);
    expect(affects()).toBe(false);
  });
  test("a non-member depending on a member's pkgname, on a name a member provides, or arch-specifically", () => {
    expect(affects("joins")).toBe(true);
    expect(affects("via-provides")).toBe(true);
    expect(affects("arch-only")).toBe(true);
  });
  test("a non-member that now provides a member's name (it may change resolution)", () => {
    expect(affects("now-provides")).toBe(true);
  });
});

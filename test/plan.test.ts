// `buildbtw plan` as a packager runs it: a real process over real git repositories (issue 2's scenarios).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli, runCliJson } from "./support/cli";
import { commit, git, makeRepo, makeTempDir, removeDir } from "./support/git";
import { srcinfo } from "./support/recipes";

interface ArchGraph {
  nodes: { pkgbase: string; commit: string; ref: string; pkgnames: string[] }[];
  edges: [string, string][];
  removed_edges: { from: string; to: string; kind: string; reason: string }[];
  cycles: string[][];
  order: string[];
}
interface Plan {
  origins: { pkgbase: string; ref: string; commit: string }[];
  architectures: Record<string, ArchGraph>;
  stats: { pkgbases: number; unresolved: number; skipped_srcinfo: number; ms: number };
}

let tmp: string;
let repos: string;
let dataDir: string;
let featureCommit: string;

beforeAll(() => {
  tmp = makeTempDir();
  repos = join(tmp, "repos");
  dataDir = join(tmp, "data");
  const add = (spec: Parameters<typeof srcinfo>[0]) => makeRepo(repos, spec.pkgbase, srcinfo(spec));
  // A diamond: base → left, right → top.
  add({ pkgbase: "base", arch: ["x86_64", "aarch64"] });
  add({ pkgbase: "left", depends: ["base"] });
  add({ pkgbase: "right", depends: ["base>=1.0"] });
  add({ pkgbase: "top", depends: ["left", "right"] });
  // A dependent of two members where one is also reachable through the other: both edges present.
  add({ pkgbase: "twodeps", depends: ["base", "left"] });
  // A split package; dependents use its second pkgname.
  add({ pkgbase: "splitbase", depends: ["base"], packages: ["splitbase", "splitbase-extra"] });
  add({ pkgbase: "usesplit", depends: ["splitbase-extra"] });
  // A name reached only through provides, and a soname dependency.
  add({ pkgbase: "provider", depends: ["base"], provides: ["virtual-thing"] });
  add({ pkgbase: "consumer", depends: ["virtual-thing"] });
  add({ pkgbase: "libsoname", depends: ["base"], provides: ["libsoname.so=1-64"] });
  add({ pkgbase: "sonameuser", depends: ["libsoname.so=1-64"] });
  // Architecture-specific depends: only the aarch64 graph has archdep.
  add({ pkgbase: "archdep", arch: ["x86_64", "aarch64"], lines: ["depends_aarch64 = base"] });
  // An `any` package belongs to every architecture's graph.
  add({ pkgbase: "anydep", arch: ["any"], depends: ["base"] });
  // Cycles: makedepends, checkdepends, runtime.
  add({ pkgbase: "mka", depends: ["base"], makedepends: ["mkb"] });
  add({ pkgbase: "mkb", depends: ["mka"] });
  add({ pkgbase: "cka", depends: ["base"], checkdepends: ["ckb"] });
  add({ pkgbase: "ckb", depends: ["cka"] });
  add({ pkgbase: "rta", depends: ["base", "rtb"] });
  add({ pkgbase: "rtb", depends: ["rta"] });
  // Makedepends-only dependent: a member only with --include makedepends.
  add({ pkgbase: "mkonly", makedepends: ["base"] });
  // Unrelated and broken repositories.
  add({ pkgbase: "unrelated", depends: ["glibc"] });
  makeRepo(repos, "broken", "pkgbase = broken\n\tpkgver=1\n");
  makeRepo(repos, "nosrcinfo", null);

  // A ref that exists only as origin/<ref>: clone an upstream that has a feature branch.
  const upstream = join(tmp, "upstream");
  const up = makeRepo(upstream, "zlib", srcinfo({ pkgbase: "zlib" }));
  git(up.path, "switch", "--quiet", "-c", "feature");
  featureCommit = commit(up.path, { ".SRCINFO": srcinfo({ pkgbase: "zlib", pkgver: "2.0.0" }) }, "feature");
  git(up.path, "switch", "--quiet", "main");
  git(repos, "clone", "--quiet", up.path, "zlib");
  add({ pkgbase: "zlibuser", depends: ["zlib"] });
});

afterAll(() => removeDir(tmp));

const plan = (...args: string[]) => runCliJson<Plan>(["plan", ...args, "--repos", repos, "--data-dir", dataDir]);
const edgeSet = (g: ArchGraph) => new Set(g.edges.map(([a, b]) => `${a}>${b}`));
const before = (g: ArchGraph, a: string, b: string) => g.order.indexOf(a) < g.order.indexOf(b);

describe("buildbtw plan", () => {
  test("the diamond and everything reachable through runtime depends, in a valid order", async () => {
    const p = await plan("base/main");
    expect(Object.keys(p.architectures).sort()).toEqual(["aarch64", "x86_64"]);
    const g = p.architectures.x86_64!;
    for (const member of [
      "base",
      "left",
      "right",
      "top",
      "twodeps",
      "splitbase",
      "usesplit",
      "provider",
      "consumer",
      "libsoname",
      "sonameuser",
      "anydep",
      "mka",
      "mkb",
      "cka",
      "ckb",
      "rta",
      "rtb",
    ]) {
      expect(g.order).toContain(member);
    }
    for (const outsider of ["unrelated", "mkonly", "archdep", "broken", "zlib"])
      expect(g.order).not.toContain(outsider);
    const edges = edgeSet(g);
    for (const e of ["base>left", "base>right", "left>top", "right>top", "base>twodeps", "left>twodeps"])
      expect(edges.has(e)).toBe(true);
    for (const [from, to] of g.edges) expect(before(g, from, to)).toBe(true);
    expect(g.order[0]).toBe("base");
    expect(g.nodes.map((n) => n.pkgbase)).toEqual(g.order);
    expect(p.origins).toEqual([{ pkgbase: "base", ref: "main", commit: expect.stringMatching(/^[0-9a-f]{40}$/) }]);
  });

  test("split packages, provides and sonames resolve to their pkgbase", async () => {
    const g = (await plan("base/main")).architectures.x86_64!;
    const edges = edgeSet(g);
    expect(edges.has("splitbase>usesplit")).toBe(true);
    expect(edges.has("provider>consumer")).toBe(true);
    expect(edges.has("libsoname>sonameuser")).toBe(true);
    expect(g.nodes.find((n) => n.pkgbase === "splitbase")?.pkgnames).toEqual(["splitbase", "splitbase-extra"]);
  });

  test("architecture-specific depends and any packages", async () => {
    const p = await plan("base/main");
    expect(p.architectures.aarch64!.order).toContain("archdep");
    expect(p.architectures.x86_64!.order).not.toContain("archdep");
    expect(p.architectures.aarch64!.order).toContain("anydep");
    // Only base and archdep/anydep build for aarch64 among these; x86_64-only dependents do not.
    expect(p.architectures.aarch64!.order).not.toContain("left");
    expect((await plan("base/main", "--arch", "aarch64")).architectures).not.toHaveProperty("x86_64");
  });

  test("cycles are broken by kind, then at the smallest name, and reported", async () => {
    const g = (await plan("base/main")).architectures.x86_64!;
    expect(g.cycles).toContainEqual(["mka", "mkb"]);
    expect(g.cycles).toContainEqual(["cka", "ckb"]);
    expect(g.cycles).toContainEqual(["rta", "rtb"]);
    expect(g.removed_edges).toContainEqual({ from: "mkb", to: "mka", kind: "makedepends", reason: "cycle" });
    expect(g.removed_edges).toContainEqual({ from: "ckb", to: "cka", kind: "checkdepends", reason: "cycle" });
    expect(g.removed_edges).toContainEqual({ from: "rtb", to: "rta", kind: "depends", reason: "cycle" });
    expect(before(g, "mka", "mkb")).toBe(true);
    expect(before(g, "rta", "rtb")).toBe(true);
  });

  test("--include makedepends widens membership", async () => {
    expect((await plan("base/main")).architectures.x86_64!.order).not.toContain("mkonly");
    const g = (await plan("base/main", "--include", "makedepends")).architectures.x86_64!;
    expect(g.order).toContain("mkonly");
    expect(edgeSet(g).has("base>mkonly")).toBe(true);
  });

  test("a malformed or missing .SRCINFO is skipped and counted, never fatal", async () => {
    const p = await plan("base/main");
    expect(p.stats.skipped_srcinfo).toBe(2);
    expect(p.stats.pkgbases).toBeGreaterThanOrEqual(22);
  });

  test("a ref that exists only as origin/<ref>", async () => {
    const p = await plan("zlib/feature");
    expect(p.origins[0]).toEqual({ pkgbase: "zlib", ref: "feature", commit: featureCommit });
    const g = p.architectures.x86_64!;
    expect(g.nodes[0]).toMatchObject({ pkgbase: "zlib", ref: "feature", commit: featureCommit });
    expect(g.order).toEqual(["zlib", "zlibuser"]);
  });

  test("human output: counts, order and cycles", async () => {
    const r = await runCli(["plan", "base/main", "--repos", repos, "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^x86_64: 18 packages to build/m);
    expect(r.stdout).toMatch(/^\s+1\. base$/m);
    expect(r.stdout).toMatch(/^ {2}cycles \(\d+\), broken by dropping \d+ edges?:$/m);
    expect(r.stdout).toContain("mka ↔ mkb");
    expect(r.stdout).toContain("dropped rtb → rta (depends)");
  });

  test("unknown pkgbase, unknown ref, unreadable directory, bad origin: exit 1 and one sentence", async () => {
    const cases: [string[], RegExp][] = [
      [["plan", "nope/main", "--repos", repos], /no source repository for pkgbase nope/],
      [["plan", "base/nope", "--repos", repos], /ref "nope" not found/],
      [["plan", "base/main", "--repos", join(tmp, "missing")], /does not exist/],
      [["plan", "base", "--repos", repos], /not an origin changeset; write pkgbase\/ref/],
      [["plan", "../etc/main", "--repos", repos], /not a valid pkgbase/],
      [["plan", "base/main", "--repos", repos, "--include", "optdepends"], /--include takes makedepends/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...args, "--data-dir", dataDir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
  });
});

import { describe, expect, test } from "bun:test";
import { type ArchGraph, createPlanner, type PlanOptions, planArchitectures } from "./graph";
import type { CommitId, Pkgbase, RelationLists, SourceEntry, Srcinfo, SrcinfoPackage } from "./types";

type Lists = Partial<RelationLists>;
interface PkgSpec extends Lists {
  pkgname: string;
  arch?: string[];
  archSpecific?: Record<string, Lists>;
}

const commitOf = (pkgbase: string, ref: string): CommitId =>
  [...`${pkgbase}@${ref}`]
    .reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
    .toString(16)
    .padStart(40, "0") as CommitId;

/** One pkgbase at a ref. `packages` defaults to a single package named like the pkgbase, carrying `lists`. */
function entry(
  pkgbase: string,
  lists: Lists & { arch?: string[]; packages?: PkgSpec[]; archSpecific?: Record<string, Lists> } = {},
  ref = "main",
): SourceEntry {
  const { arch = ["x86_64"], packages, archSpecific, ...rest } = lists;
  const specs: PkgSpec[] = packages ?? [{ pkgname: pkgbase, ...rest, archSpecific }];
  const srcinfo: Srcinfo = {
    pkgbase,
    version: { epoch: null, pkgver: "1", pkgrel: "1" },
    arch,
    packages: specs.map(
      (p): SrcinfoPackage => ({
        pkgname: p.pkgname,
        arch: p.arch ?? arch,
        archSpecific: p.archSpecific ?? {},
        depends: p.depends ?? [],
        makedepends: p.makedepends ?? [],
        checkdepends: p.checkdepends ?? [],
        optdepends: p.optdepends ?? [],
        provides: p.provides ?? [],
        conflicts: p.conflicts ?? [],
        replaces: p.replaces ?? [],
      }),
    ),
  };
  return { pkgbase: pkgbase as Pkgbase, ref, commit: commitOf(pkgbase, ref), srcinfo };
}

const universeOf = (...entries: SourceEntry[]): Map<string, SourceEntry> => new Map(entries.map((e) => [e.pkgbase, e]));

const OPTIONS: PlanOptions = { include: [], defaultArch: "x86_64" };

/** Plans the named origins (at their universe entries) and returns the x86_64 graph. */
function planX86(universe: Map<string, SourceEntry>, origins: string[], options: Partial<PlanOptions> = {}): ArchGraph {
  const result = createPlanner(universe).plan(
    origins.map((o) => universe.get(o) as SourceEntry),
    { ...OPTIONS, ...options },
  );
  return result.architectures.x86_64 as ArchGraph;
}

describe("membership and edges", () => {
  test("diamond: every dependent once, both paths as edges, in order", () => {
    const u = universeOf(
      entry("zlib"),
      entry("libpng", { depends: ["zlib"] }),
      entry("freetype2", { depends: ["zlib"] }),
      entry("cairo", { depends: ["libpng", "freetype2"] }),
      entry("unrelated", { depends: ["glibc"] }),
    );
    const g = planX86(u, ["zlib"]);
    expect(g.order).toEqual(["zlib", "freetype2", "libpng", "cairo"]);
    expect(g.nodes.map((n) => n.pkgbase)).toEqual(g.order);
    expect(g.edges).toEqual([
      ["zlib", "freetype2"],
      ["zlib", "libpng"],
      ["freetype2", "cairo"],
      ["libpng", "cairo"],
    ]);
    expect(g.removed_edges).toEqual([]);
    expect(g.cycles).toEqual([]);
  });

  test("a node carries its entry's commit, ref and the pkgnames it builds for the arch", () => {
    const u = universeOf(
      entry("zlib", {
        packages: [{ pkgname: "zlib" }, { pkgname: "minizip" }, { pkgname: "zlib-arm", arch: ["aarch64"] }],
      }),
    );
    const g = planX86(u, ["zlib"]);
    expect(g.nodes).toEqual([
      { pkgbase: "zlib", commit: commitOf("zlib", "main"), ref: "main", pkgnames: ["zlib", "minizip"] },
    ]);
  });

  test("split package: dependents of the second pkgname belong to the pkgbase", () => {
    const u = universeOf(
      entry("zlib", { packages: [{ pkgname: "zlib" }, { pkgname: "minizip", depends: ["zlib"] }] }),
      entry("unzip-tool", { depends: ["minizip"] }),
    );
    const g = planX86(u, ["zlib"]);
    expect(g.order).toEqual(["zlib", "unzip-tool"]);
    expect(g.edges).toEqual([["zlib", "unzip-tool"]]);
  });

  test("a name reached only through provides resolves to every provider", () => {
    const u = universeOf(
      entry("openssl", { provides: ["libssl.so=3-64", "ssl-impl"] }),
      entry("libressl", { provides: ["ssl-impl"] }),
      entry("curl", { depends: ["ssl-impl>=1"] }),
    );
    expect(planX86(u, ["openssl"]).edges).toEqual([["openssl", "curl"]]);
    expect(planX86(u, ["libressl"]).edges).toEqual([["libressl", "curl"]]);
    // Both providers in the graph: curl is built after each of them.
    expect(planX86(u, ["openssl", "libressl"]).edges).toEqual([
      ["libressl", "curl"],
      ["openssl", "curl"],
    ]);
  });

  test("an exact pkgname beats provides", () => {
    const u = universeOf(
      entry("jack2", { provides: ["jack"] }),
      entry("jack", {}),
      entry("ardour", { depends: ["jack"] }),
    );
    expect(planX86(u, ["jack2"]).order).toEqual(["jack2"]);
    expect(planX86(u, ["jack"]).order).toEqual(["jack", "ardour"]);
    expect(planX86(u, ["jack", "jack2"]).edges).toEqual([["jack", "ardour"]]);
  });

  test("a soname dependency resolves by its name through provides", () => {
    const u = universeOf(
      entry("libfoo", { provides: ["libfoo.so=1-64"] }),
      entry("bar", { depends: ["libfoo.so=1-64"] }),
    );
    const g = planX86(u, ["libfoo"]);
    expect(g.order).toEqual(["libfoo", "bar"]);
    expect(g.edges).toEqual([["libfoo", "bar"]]);
  });

  test("arch-specific depends only shape their own architecture's graph", () => {
    const arches = ["x86_64", "aarch64"];
    const u = universeOf(
      entry("zlib", { arch: arches }),
      entry("arm-tool", { arch: arches, archSpecific: { aarch64: { depends: ["zlib"] } } }),
    );
    const result = createPlanner(u).plan([u.get("zlib") as SourceEntry], OPTIONS);
    expect(Object.keys(result.architectures).sort()).toEqual(["aarch64", "x86_64"]);
    expect(result.architectures.x86_64?.order).toEqual(["zlib"]);
    expect(result.architectures.aarch64?.order).toEqual(["zlib", "arm-tool"]);
    expect(result.architectures.aarch64?.edges).toEqual([["zlib", "arm-tool"]]);
  });

  test("an `any` package appears in each architecture's graph; an x86_64-only one only in its own", () => {
    const u = universeOf(
      entry("python", { arch: ["x86_64", "aarch64"] }),
      entry("python-six", { arch: ["any"], depends: ["python"] }),
      entry("x86-only", { arch: ["x86_64"], depends: ["python"] }),
    );
    const result = createPlanner(u).plan([u.get("python") as SourceEntry], OPTIONS);
    expect(result.architectures.x86_64?.order).toEqual(["python", "python-six", "x86-only"]);
    expect(result.architectures.aarch64?.order).toEqual(["python", "python-six"]);
  });

  test("a dependent of two members gets an edge from each (induced subgraph, not the discovery path)", () => {
    const u = universeOf(
      entry("a"),
      entry("b", { depends: ["a"] }),
      entry("c", { depends: ["b"], makedepends: ["a"] }),
    );
    const g = planX86(u, ["a"]);
    expect(g.edges).toEqual([
      ["a", "b"],
      ["a", "c"],
      ["b", "c"],
    ]);
  });

  test("membership follows runtime depends only, unless include widens it; edges use every kind", () => {
    const u = universeOf(
      entry("cmake"),
      entry("uses-cmake", { makedepends: ["cmake"] }),
      entry("tests-cmake", { checkdepends: ["cmake"] }),
      entry("runs-cmake", { depends: ["cmake"] }),
    );
    expect(planX86(u, ["cmake"]).order).toEqual(["cmake", "runs-cmake"]);
    expect(planX86(u, ["cmake"], { include: ["makedepends"] }).order).toEqual(["cmake", "runs-cmake", "uses-cmake"]);
    expect(planX86(u, ["cmake"], { include: ["checkdepends"] }).order).toEqual(["cmake", "runs-cmake", "tests-cmake"]);
    const both = planX86(u, ["cmake"], { include: ["makedepends", "checkdepends"] });
    expect(both.order).toEqual(["cmake", "runs-cmake", "tests-cmake", "uses-cmake"]);
    expect(both.edges).toEqual([
      ["cmake", "runs-cmake"],
      ["cmake", "tests-cmake"],
      ["cmake", "uses-cmake"],
    ]);
  });

  test("a makedepends link between two members is an edge although it did not bring anyone in", () => {
    const u = universeOf(
      entry("a"),
      entry("b", { depends: ["a"] }),
      entry("c", { depends: ["a"], makedepends: ["b"] }),
    );
    expect(planX86(u, ["a"]).edges).toEqual([
      ["a", "b"],
      ["a", "c"],
      ["b", "c"],
    ]);
  });

  test("a pkgbase never depends on itself", () => {
    const u = universeOf(
      entry("gcc", {
        packages: [{ pkgname: "gcc-libs" }, { pkgname: "gcc", depends: ["gcc-libs"], makedepends: ["gcc"] }],
      }),
    );
    const g = planX86(u, ["gcc"]);
    expect(g.order).toEqual(["gcc"]);
    expect(g.edges).toEqual([]);
    expect(g.cycles).toEqual([]);
  });

  test("origins without packages for an architecture stay out of its graph", () => {
    const u = universeOf(entry("x86-lib", { arch: ["x86_64"] }), entry("arm-lib", { arch: ["aarch64"] }));
    const result = createPlanner(u).plan([u.get("x86-lib") as SourceEntry, u.get("arm-lib") as SourceEntry], OPTIONS);
    expect(result.architectures.x86_64?.order).toEqual(["x86-lib"]);
    expect(result.architectures.aarch64?.order).toEqual(["arm-lib"]);
  });
});

describe("unresolved names", () => {
  test("distinct unresolved names of members, all kinds, all architectures, counted once", () => {
    const arches = ["x86_64", "aarch64"];
    const u = universeOf(
      entry("a", { arch: arches, depends: ["ghost>=1"], makedepends: ["ghost", "phantom"] }),
      entry("b", {
        arch: arches,
        depends: ["a"],
        checkdepends: ["spectre"],
        archSpecific: { aarch64: { depends: ["wraith"] } },
      }),
      // Not a member: its unresolved names do not count.
      entry("c", { arch: arches, depends: ["banshee"] }),
    );
    const result = createPlanner(u).plan([u.get("a") as SourceEntry], OPTIONS);
    expect(result.architectures.x86_64?.order).toEqual(["a", "b"]);
    expect(result.unresolved).toBe(4); // ghost, phantom, spectre, wraith
    expect(createPlanner(u).plan([u.get("a") as SourceEntry], { ...OPTIONS, arch: "x86_64" }).unresolved).toBe(3);
  });

  test("names resolving to a non-member or to the pkgbase itself are not unresolved", () => {
    const u = universeOf(entry("glibc"), entry("a", { depends: ["glibc", "a-data"] }));
    const withSelf = universeOf(
      entry("glibc"),
      entry("a", { packages: [{ pkgname: "a", depends: ["glibc", "a-data"] }, { pkgname: "a-data" }] }),
    );
    expect(createPlanner(u).plan([u.get("a") as SourceEntry], OPTIONS).unresolved).toBe(1);
    expect(createPlanner(withSelf).plan([withSelf.get("a") as SourceEntry], OPTIONS).unresolved).toBe(0);
  });
});

describe("cycles", () => {
  test("a makedepends cycle loses its makedepends edge and is reported", () => {
    const u = universeOf(entry("a", { makedepends: ["b"] }), entry("b", { depends: ["a"] }));
    const g = planX86(u, ["a"]);
    expect(g.cycles).toEqual([["a", "b"]]);
    expect(g.removed_edges).toEqual([{ from: "b", to: "a", kind: "makedepends", reason: "cycle" }]);
    expect(g.edges).toEqual([["a", "b"]]);
    expect(g.order).toEqual(["a", "b"]);
  });

  test("a checkdepends cycle loses its checkdepends edge", () => {
    const u = universeOf(entry("pytest", { checkdepends: ["pluggy"] }), entry("pluggy", { depends: ["pytest"] }));
    const g = planX86(u, ["pytest"]);
    expect(g.cycles).toEqual([["pluggy", "pytest"]]);
    expect(g.removed_edges).toEqual([{ from: "pluggy", to: "pytest", kind: "checkdepends", reason: "cycle" }]);
    expect(g.order).toEqual(["pytest", "pluggy"]);
  });

  test("checkdepends edges go before makedepends edges", () => {
    const u = universeOf(
      entry("a", { checkdepends: ["b"] }),
      entry("b", { makedepends: ["c"] }),
      entry("c", { depends: ["a"] }),
    );
    const g = planX86(u, ["a"], { include: ["makedepends"] });
    expect(g.cycles).toEqual([["a", "b", "c"]]);
    expect(g.removed_edges).toEqual([{ from: "b", to: "a", kind: "checkdepends", reason: "cycle" }]);
    expect(g.order).toEqual(["a", "c", "b"]);
  });

  test("an edge with several reasons has its strongest kind and is not dropped as a weaker one", () => {
    // b needs a at runtime and for checks: one depends edge. a checks with b: the only checkdepends edge.
    const u = universeOf(entry("a", { checkdepends: ["b"] }), entry("b", { depends: ["a"], checkdepends: ["a"] }));
    const g = planX86(u, ["a"]);
    expect(g.removed_edges).toEqual([{ from: "b", to: "a", kind: "checkdepends", reason: "cycle" }]);
    expect(g.edges).toEqual([["a", "b"]]);
  });

  test("a runtime cycle loses the edges entering its smallest-named member, and only those", () => {
    const u = universeOf(
      entry("root"),
      entry("delta", { depends: ["root", "gamma"] }),
      entry("gamma", { depends: ["beta"] }),
      // root → beta enters beta from outside the cycle: kept.
      entry("beta", { depends: ["delta", "root"] }),
      entry("epsilon", { depends: ["beta"] }),
    );
    const g = planX86(u, ["root"]);
    expect(g.cycles).toEqual([["beta", "delta", "gamma"]]);
    expect(g.removed_edges).toEqual([{ from: "delta", to: "beta", kind: "depends", reason: "cycle" }]);
    expect(g.order).toEqual(["root", "beta", "epsilon", "gamma", "delta"]);
    expect(g.edges).toEqual([
      ["root", "beta"],
      ["root", "delta"],
      ["beta", "epsilon"],
      ["beta", "gamma"],
      ["gamma", "delta"],
    ]);
  });

  test("still-cyclic parts are broken again until acyclic", () => {
    // After dropping edges into "a", b and c still depend on each other: the edge into "b" goes next.
    const u = universeOf(
      entry("a", { depends: ["c"] }),
      entry("b", { depends: ["a", "c"] }),
      entry("c", { depends: ["b"] }),
    );
    const g = planX86(u, ["a"]);
    expect(g.cycles).toEqual([["a", "b", "c"]]);
    expect(g.removed_edges).toEqual([
      { from: "c", to: "a", kind: "depends", reason: "cycle" },
      { from: "c", to: "b", kind: "depends", reason: "cycle" },
    ]);
    expect(g.order).toEqual(["a", "b", "c"]);
  });

  test("two separate cycles are each reported and broken", () => {
    const u = universeOf(
      entry("base"),
      entry("x", { depends: ["base", "y"] }),
      entry("y", { depends: ["x"] }),
      entry("m", { depends: ["base"], makedepends: ["n"] }),
      entry("n", { depends: ["m"] }),
    );
    const g = planX86(u, ["base"], { include: ["makedepends"] });
    expect(g.cycles).toEqual([
      ["m", "n"],
      ["x", "y"],
    ]);
    expect(g.removed_edges).toEqual([
      { from: "n", to: "m", kind: "makedepends", reason: "cycle" },
      { from: "y", to: "x", kind: "depends", reason: "cycle" },
    ]);
    expect(g.order).toEqual(["base", "m", "n", "x", "y"]);
  });
});

describe("order", () => {
  test("ties are broken by pkgbase name, whatever the universe's insertion order", () => {
    const entries = [
      entry("root"),
      entry("zeta", { depends: ["root"] }),
      entry("alpha", { depends: ["root"] }),
      entry("mu", { depends: ["root"] }),
      entry("beta", { depends: ["zeta"] }),
    ];
    const forward = planX86(universeOf(...entries), ["root"]);
    const backward = planX86(universeOf(...[...entries].reverse()), ["root"]);
    expect(forward.order).toEqual(["root", "alpha", "mu", "zeta", "beta"]);
    expect(backward).toEqual(forward);
  });

  test("a name is never placed before what it depends on, even if it sorts first", () => {
    const u = universeOf(entry("zz-root"), entry("aa", { depends: ["mm"] }), entry("mm", { depends: ["zz-root"] }));
    expect(planX86(u, ["zz-root"]).order).toEqual(["zz-root", "mm", "aa"]);
  });
});

describe("origins at another ref", () => {
  test("an origin's branch is laid over the universe for that plan only", () => {
    const u = universeOf(
      entry("python"),
      entry("python-old", { depends: ["python"] }),
      // Depends on a split package that only the branch builds.
      entry("app-tests", { depends: ["python-tests"] }),
    );
    const planner = createPlanner(u);
    const main = u.get("python") as SourceEntry;
    const before = planner.plan([main], OPTIONS);
    expect(before.architectures.x86_64?.order).toEqual(["python", "python-old"]);

    const branch = entry("python", { packages: [{ pkgname: "python" }, { pkgname: "python-tests" }] }, "python-3.14");
    const g = planner.plan([branch], OPTIONS).architectures.x86_64 as ArchGraph;
    expect(g.order).toEqual(["python", "app-tests", "python-old"]);
    expect(g.nodes[0]).toEqual({
      pkgbase: "python",
      ref: "python-3.14",
      commit: commitOf("python", "python-3.14"),
      pkgnames: ["python", "python-tests"],
    });

    // The universe and the memoised index are untouched: planning main again gives the first answer.
    expect(planner.plan([main], OPTIONS)).toEqual(before);
    expect(u.get("python")).toBe(main);
    expect(main.srcinfo.packages.map((p) => p.pkgname)).toEqual(["python"]);
  });

  test("an origin that stops building a name loses the dependents that came through it", () => {
    const u = universeOf(
      entry("qt", { packages: [{ pkgname: "qt-base" }, { pkgname: "qt-legacy" }] }),
      entry("old-app", { depends: ["qt-legacy"] }),
      entry("new-app", { depends: ["qt-base"] }),
    );
    const planner = createPlanner(u);
    expect(planner.plan([u.get("qt") as SourceEntry], OPTIONS).architectures.x86_64?.order).toEqual([
      "qt",
      "new-app",
      "old-app",
    ]);
    const dropped = entry("qt", { packages: [{ pkgname: "qt-base" }] }, "drop-legacy");
    const result = planner.plan([dropped], OPTIONS);
    expect(result.architectures.x86_64?.order).toEqual(["qt", "new-app"]);
  });

  test("an origin's changed dependencies change its incoming edges and expose a provider shadowed before", () => {
    const u = universeOf(
      entry("lib"),
      entry("tool", { depends: ["lib"] }),
      entry("mid", { depends: ["lib"] }),
      entry("shim", { provides: ["gone"] }),
      entry("gone", { depends: ["lib"] }),
      entry("user", { depends: ["gone"] }),
    );
    const planner = createPlanner(u);
    expect(planner.plan([u.get("lib") as SourceEntry], OPTIONS).architectures.x86_64?.edges).toEqual([
      ["lib", "gone"],
      ["lib", "mid"],
      ["lib", "tool"],
      ["gone", "user"],
    ]);
    // tool at a branch also needs mid; gone at a branch builds nothing any more for x86_64, so its
    // name falls to the provider shim.
    const tool = entry("tool", { depends: ["lib", "mid"] }, "next");
    const gone = entry("gone", { arch: ["aarch64"], depends: ["lib"] }, "retire");
    const next = planner.plan([u.get("lib") as SourceEntry, tool, gone], { ...OPTIONS, arch: "x86_64" });
    expect(next.architectures.x86_64?.edges).toEqual([
      ["lib", "mid"],
      ["lib", "tool"],
      ["mid", "tool"],
    ]);
    const viaShim = planner.plan([u.get("shim") as SourceEntry, gone], { ...OPTIONS, arch: "x86_64" });
    expect(viaShim.architectures.x86_64?.edges).toEqual([["shim", "user"]]);
    // Without the overlay, the literal `gone` still shadows shim.
    expect(planner.plan([u.get("shim") as SourceEntry], OPTIONS).architectures.x86_64?.order).toEqual(["shim"]);
  });

  test("the index is built once per architecture: plans with overlays never scan the universe again", () => {
    /** Counts every full pass over the universe. */
    class ScannedMap extends Map<string, SourceEntry> {
      scans = 0;
      override [Symbol.iterator]() {
        this.scans++;
        return super[Symbol.iterator]();
      }
      override entries() {
        this.scans++;
        return super.entries();
      }
      override values() {
        this.scans++;
        return super.values();
      }
      override keys() {
        this.scans++;
        return super.keys();
      }
      override forEach(...args: Parameters<Map<string, SourceEntry>["forEach"]>) {
        this.scans++;
        super.forEach(...args);
      }
    }
    const arches = ["x86_64", "aarch64"];
    const u = new ScannedMap([
      ["lib", entry("lib", { arch: arches })],
      ["app", entry("app", { arch: arches, depends: ["lib"] })],
    ]);
    const planner = createPlanner(u);
    expect(u.scans).toBe(0);
    planner.plan([u.get("lib") as SourceEntry], { ...OPTIONS, arch: "x86_64" });
    expect(u.scans).toBe(1);
    const branch = entry("lib", { arch: arches, packages: [{ pkgname: "lib" }, { pkgname: "lib-new" }] }, "next");
    const result = planner.plan([branch, entry("tool", { depends: ["lib-new"] }, "init")], {
      ...OPTIONS,
      arch: "x86_64",
    });
    expect(result.architectures.x86_64?.order).toEqual(["lib", "app", "tool"]);
    expect(u.scans).toBe(1);
    planner.plan([branch], OPTIONS);
    expect(u.scans).toBe(2); // aarch64, once
    planner.plan([u.get("lib") as SourceEntry], OPTIONS);
    expect(u.scans).toBe(2);
  });

  test("an origin unknown to the universe (a new pkgbase) is planned too", () => {
    const u = universeOf(entry("lib"), entry("app", { depends: ["newlib"] }));
    const result = createPlanner(u).plan([entry("newlib", {}, "init")], OPTIONS);
    expect(result.architectures.x86_64?.order).toEqual(["newlib", "app"]);
    expect(result.architectures.x86_64?.nodes[0]?.ref).toBe("init");
  });
});

describe("architectures of a plan", () => {
  test("the union of the origins' concrete architectures", () => {
    const u = universeOf(entry("a", { arch: ["x86_64", "aarch64"] }), entry("b", { arch: ["riscv64", "x86_64"] }));
    const result = createPlanner(u).plan([u.get("a") as SourceEntry, u.get("b") as SourceEntry], OPTIONS);
    expect(Object.keys(result.architectures)).toEqual(["aarch64", "riscv64", "x86_64"]);
    expect(result.architectures.riscv64?.order).toEqual(["b"]);
  });

  test("the arch option restricts the plan to that one", () => {
    const u = universeOf(
      entry("a", { arch: ["x86_64", "aarch64"] }),
      entry("b", { arch: ["aarch64"], depends: ["a"] }),
    );
    const result = createPlanner(u).plan([u.get("a") as SourceEntry], { ...OPTIONS, arch: "aarch64" });
    expect(Object.keys(result.architectures)).toEqual(["aarch64"]);
    expect(result.architectures.aarch64?.order).toEqual(["a", "b"]);
  });

  test("an origin that names only `any` is planned for the default architecture", () => {
    const u = universeOf(
      entry("python-six", { arch: ["any"] }),
      entry("python-thing", { arch: ["x86_64", "riscv64"], depends: ["python-six"] }),
    );
    const six = u.get("python-six") as SourceEntry;
    expect(Object.keys(createPlanner(u).plan([six], OPTIONS).architectures)).toEqual(["x86_64"]);
    const riscv = createPlanner(u).plan([six], { ...OPTIONS, defaultArch: "riscv64" });
    expect(Object.keys(riscv.architectures)).toEqual(["riscv64"]);
    expect(riscv.architectures.riscv64?.order).toEqual(["python-six", "python-thing"]);
    expect(planArchitectures([six, u.get("python-thing") as SourceEntry], { defaultArch: "aarch64" })).toEqual([
      "aarch64",
      "riscv64",
      "x86_64",
    ]);
  });
});

describe("repeated plans", () => {
  test("the same input gives the same result on the same or a fresh planner", () => {
    const u = universeOf(
      entry("a"),
      entry("b", { depends: ["a"], makedepends: ["c"] }),
      entry("c", { depends: ["b"] }),
      entry("d", { depends: ["c", "a"] }),
    );
    const planner = createPlanner(u);
    const first = planner.plan([u.get("a") as SourceEntry], OPTIONS);
    expect(planner.plan([u.get("a") as SourceEntry], OPTIONS)).toEqual(first);
    expect(createPlanner(u).plan([u.get("a") as SourceEntry], OPTIONS)).toEqual(first);
  });
});

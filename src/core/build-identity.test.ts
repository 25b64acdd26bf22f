import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { graphIdentities } from "./build-identity";

const sha = (t: string) => createHash("sha256").update(t).digest("hex");
const node = (pkgbase: string, commit = "c0") => ({ pkgbase, commit, ref: "main", pkgnames: [pkgbase] });
// zlib → libpng → cairo; zlib → freetype; cairo and freetype are independent.
const graph = (commits: Record<string, string> = {}) => ({
  nodes: ["zlib", "libpng", "freetype", "cairo"].map((p) => node(p, commits[p] ?? "c0")),
  edges: [
    ["zlib", "libpng"],
    ["zlib", "freetype"],
    ["libpng", "cairo"],
  ] as [string, string][],
});

describe("graphIdentities", () => {
  test("the same inputs give the same identities; every node's differs", () => {
    const a = graphIdentities(graph(), "x86_64", sha);
    expect(graphIdentities(graph(), "x86_64", sha)).toEqual(a);
    expect(new Set(a.values()).size).toBe(4);
  });

  test("a leaf change changes only the leaf", () => {
    const a = graphIdentities(graph(), "x86_64", sha);
    const b = graphIdentities(graph({ cairo: "c1" }), "x86_64", sha);
    expect([...a.keys()].filter((k) => a.get(k) !== b.get(k))).toEqual(["cairo"]);
  });

  test("a changed dependency of a dependency changes the identity; siblings of the chain keep theirs", () => {
    const a = graphIdentities(graph(), "x86_64", sha);
    const b = graphIdentities(graph({ libpng: "c1" }), "x86_64", sha);
    expect([...a.keys()].filter((k) => a.get(k) !== b.get(k)).sort()).toEqual(["cairo", "libpng"]);
    const c = graphIdentities(graph({ zlib: "c1" }), "x86_64", sha);
    expect([...a.keys()].filter((k) => a.get(k) !== c.get(k))).toHaveLength(4);
  });

  test("architecture, bump and a new edge are inputs too", () => {
    const a = graphIdentities(graph(), "x86_64", sha);
    expect(graphIdentities(graph(), "aarch64", sha).get("zlib")).not.toBe(a.get("zlib"));
    const bumped = graphIdentities(graph(), "x86_64", sha, (p) => (p === "cairo" ? "1" : null));
    expect(bumped.get("cairo")).not.toBe(a.get("cairo"));
    expect(bumped.get("libpng")).toBe(a.get("libpng"));
    const g = graph();
    g.edges.push(["freetype", "cairo"]);
    expect(graphIdentities(g, "x86_64", sha).get("cairo")).not.toBe(a.get("cairo"));
  });

  test("node order does not matter, only the edges", () => {
    const g = graph();
    const shuffled = { ...g, nodes: [...g.nodes].reverse() };
    expect(graphIdentities(shuffled, "x86_64", sha)).toEqual(graphIdentities(g, "x86_64", sha));
  });
});

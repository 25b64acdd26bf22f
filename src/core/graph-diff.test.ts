import { describe, expect, test } from "bun:test";
import type { ArchGraph } from "./graph";
import { diffGraphs, isEmptyDiff } from "./graph-diff";

/** A graph from "pkgbase@commit" nodes (in order) and [from, to] edges. */
function graph(nodes: string[], edges: [string, string][] = []): ArchGraph {
  const parsed = nodes.map((n) => {
    const [pkgbase, commit = "c1"] = n.split("@") as [string, string?];
    return { pkgbase, commit, ref: "main", pkgnames: [pkgbase] };
  });
  return { nodes: parsed, edges, removed_edges: [], cycles: [], order: parsed.map((n) => n.pkgbase) };
}

describe("diffGraphs", () => {
  test("identical graphs: an empty diff", () => {
    const g = { x86_64: graph(["zlib", "libpng"], [["zlib", "libpng"]]) };
    const d = diffGraphs(g, structuredClone(g));
    expect(d).toEqual({ architectures_added: [], architectures_removed: [], per_arch: {} });
    expect(isEmptyDiff(d)).toBe(true);
  });

  test("order, cycles and removed edges alone are not a change", () => {
    const prev = graph(["a", "b"]);
    const next = { ...graph(["b", "a"]), cycles: [["a", "b"]] };
    expect(isEmptyDiff(diffGraphs({ x86_64: prev }, { x86_64: next }))).toBe(true);
  });

  test("nodes added and removed", () => {
    const d = diffGraphs(
      { x86_64: graph(["zlib", "old", "libpng"]) },
      { x86_64: graph(["zlib", "libpng", "new2", "new1"]) },
    );
    expect(d.per_arch.x86_64?.nodes_added).toEqual(["new1", "new2"]);
    expect(d.per_arch.x86_64?.nodes_removed).toEqual(["old"]);
    expect(d.per_arch.x86_64?.commits_changed).toEqual([]);
    expect(isEmptyDiff(d)).toBe(false);
  });

  test("a node's commit changed", () => {
    const d = diffGraphs({ x86_64: graph(["zlib@c1", "libpng@c1"]) }, { x86_64: graph(["zlib@c2", "libpng@c1"]) });
    expect(d.per_arch.x86_64).toEqual({
      nodes_added: [],
      nodes_removed: [],
      commits_changed: [{ pkgbase: "zlib", from: "c1", to: "c2" }],
      edges_added: [],
      edges_removed: [],
    });
    expect(isEmptyDiff(d)).toBe(false);
  });

  test("edges added and removed, compared as pairs", () => {
    const prev = graph(
      ["a", "b", "c"],
      [
        ["a", "b"],
        ["a", "c"],
      ],
    );
    const next = graph(
      ["a", "b", "c"],
      [
        ["a", "b"],
        ["b", "c"],
        ["b", "a"],
      ],
    );
    const d = diffGraphs({ x86_64: prev }, { x86_64: next });
    expect(d.per_arch.x86_64?.edges_added).toEqual([
      ["b", "a"],
      ["b", "c"],
    ]);
    expect(d.per_arch.x86_64?.edges_removed).toEqual([["a", "c"]]);
    expect(d.per_arch.x86_64?.nodes_added).toEqual([]);
    expect(isEmptyDiff(d)).toBe(false);
  });

  test("architectures added and removed; only changed architectures are listed", () => {
    const same = graph(["python"]);
    const d = diffGraphs(
      { x86_64: same, riscv64: graph(["python"]) },
      { x86_64: structuredClone(same), aarch64: graph(["python", "six"], [["python", "six"]]) },
    );
    expect(d.architectures_added).toEqual(["aarch64"]);
    expect(d.architectures_removed).toEqual(["riscv64"]);
    expect(Object.keys(d.per_arch).sort()).toEqual(["aarch64", "riscv64"]);
    expect(d.per_arch.aarch64?.nodes_added).toEqual(["python", "six"]);
    expect(d.per_arch.aarch64?.edges_added).toEqual([["python", "six"]]);
    expect(d.per_arch.riscv64?.nodes_removed).toEqual(["python"]);
    expect(isEmptyDiff(d)).toBe(false);
  });

  test("an architecture added with an empty graph is still a change", () => {
    const d = diffGraphs({}, { aarch64: graph([]) });
    expect(d.architectures_added).toEqual(["aarch64"]);
    expect(d.per_arch).toEqual({});
    expect(isEmptyDiff(d)).toBe(false);
  });

  test("architecture names are own keys only", () => {
    const d = diffGraphs({}, { constructor: graph(["a"]) });
    expect(d.architectures_added).toEqual(["constructor"]);
    expect(Object.entries(d.per_arch).map(([arch, diff]) => [arch, diff.nodes_added])).toEqual([
      ["constructor", ["a"]],
    ]);
  });
});

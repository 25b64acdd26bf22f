import { describe, expect, test } from "bun:test";
import { layersOf, layoutGraph, transitiveReduction } from "./graph-layout";

const width = (id: string) => 10 + id.length * 7;

function overlaps(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe("layoutGraph", () => {
  test("columns follow the longest chain of dependencies", () => {
    const layers = layersOf(
      ["zlib", "libpng", "freetype", "cairo"],
      [
        ["zlib", "libpng"],
        ["zlib", "freetype"],
        ["libpng", "freetype"],
        ["libpng", "cairo"],
        ["freetype", "cairo"],
      ],
    );
    expect(Object.fromEntries(layers)).toEqual({ zlib: 0, libpng: 1, freetype: 2, cairo: 3 });
  });

  test("every edge runs left to right, nodes never overlap, long edges pass every column between", () => {
    const nodes = ["a", "b", "c", "d", "e", "f", "g"];
    const edges: [string, string][] = [
      ["a", "b"],
      ["a", "c"],
      ["b", "d"],
      ["c", "d"],
      ["a", "g"],
      ["d", "g"],
      ["e", "f"],
    ];
    const layout = layoutGraph({ nodes, edges, width });
    const byId = new Map(layout.nodes.map((n) => [n.id, n]));
    expect(layout.nodes).toHaveLength(7);
    for (let i = 0; i < layout.nodes.length; i++)
      for (let j = i + 1; j < layout.nodes.length; j++)
        expect(overlaps(layout.nodes[i]!, layout.nodes[j]!)).toBe(false);
    for (const e of layout.edges) {
      const xs = e.points.map((p) => p[0]);
      expect(xs).toEqual([...xs].sort((p, q) => p - q));
      expect(xs[0]).toBe(byId.get(e.from)!.x + byId.get(e.from)!.width);
      expect(xs.at(-1)).toBe(byId.get(e.to)!.x);
    }
    // a (column 0) → g (column 3) crosses columns 1 and 2: two points each.
    expect(layout.edges.find((e) => e.from === "a" && e.to === "g")!.points).toHaveLength(6);
    for (const n of layout.nodes) {
      expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
      expect(n.y).toBeGreaterThanOrEqual(0);
    }
  });

  test("crossings are removed where an ordering without them exists", () => {
    // Initial order puts x1 above x2, but x1's only neighbour is below x2's.
    const nodes = ["r1", "r2", "x2", "x1"];
    const edges: [string, string][] = [
      ["r1", "x1"],
      ["r2", "x2"],
    ];
    const layout = layoutGraph({ nodes, edges, width });
    const y = Object.fromEntries(layout.nodes.map((n) => [n.id, n.y]));
    expect(Math.sign(y.r1! - y.r2!)).toBe(Math.sign(y.x1! - y.x2!));
  });

  test("the same graph always gives the same picture; an empty graph is empty", () => {
    const nodes = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const edges = nodes.slice(1).map((n, i): [string, string] => [nodes[Math.floor(i / 3)]!, n]);
    expect(layoutGraph({ nodes, edges, width })).toEqual(layoutGraph({ nodes, edges, width }));
    expect(layoutGraph({ nodes: [], edges: [], width }).nodes).toEqual([]);
  });
});

describe("transitiveReduction", () => {
  test("drops exactly the edges a longer chain implies", () => {
    const nodes = ["python", "setuptools", "wheel", "build", "solo"];
    const edges: [string, string][] = [
      ["python", "setuptools"],
      ["python", "wheel"],
      ["python", "build"],
      ["setuptools", "wheel"],
      ["wheel", "build"],
      ["setuptools", "build"],
      ["python", "solo"],
    ];
    expect(transitiveReduction(nodes, edges)).toEqual([
      ["python", "setuptools"],
      ["setuptools", "wheel"],
      ["wheel", "build"],
      ["python", "solo"],
    ]);
    expect(transitiveReduction(nodes, [])).toEqual([]);
  });
});

import { describe, expect, test } from "bun:test";
import { breakCycles, MinHeap, NumberedGraph, stronglyConnectedComponents, topologicalOrder } from "./graph-order";
import type { EdgeKind } from "./types";

/** A graph over nodes 0…size-1 from [from, to, kind?] triples. */
function graph(size: number, edges: [number, number, EdgeKind?][]): NumberedGraph {
  return new NumberedGraph(
    size,
    edges.map((e) => e[0]),
    edges.map((e) => e[1]),
    edges.map((e) => e[2] ?? "depends"),
  );
}

const normalised = (components: number[][]): number[][] =>
  components.map((c) => [...c].sort((a, b) => a - b)).sort((a, b) => (a[0] as number) - (b[0] as number));

/** The dropped edges as [from, to, kind], in the order breakCycles reports them, sorted for comparison. */
const droppedEdges = (g: NumberedGraph, dropped: number[]): [number, number, EdgeKind][] =>
  dropped
    .map((e): [number, number, EdgeKind] => [g.from[e] as number, g.to[e] as number, g.kind[e] as EdgeKind])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);

describe("stronglyConnectedComponents", () => {
  test("finds components, singletons included", () => {
    const g = graph(6, [
      [0, 1],
      [1, 2],
      [2, 0],
      [2, 3],
      [3, 4],
      [4, 3],
    ]);
    expect(normalised(stronglyConnectedComponents(g))).toEqual([[0, 1, 2], [3, 4], [5]]);
  });

  test("a 20,000-node ring and chain do not exhaust the stack", () => {
    const n = 20_000;
    const ring = graph(
      n,
      Array.from({ length: n }, (_, i): [number, number] => [i, (i + 1) % n]),
    );
    expect(stronglyConnectedComponents(ring).map((c) => c.length)).toEqual([n]);
    // A chain numbered against its direction: the order must follow edges, not numbers.
    const chain = graph(
      n,
      Array.from({ length: n - 1 }, (_, i): [number, number] => [n - 1 - i, n - 2 - i]),
    );
    expect(stronglyConnectedComponents(chain)).toHaveLength(n);
    expect(topologicalOrder(chain)).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
  });

  test("dead edges do not count", () => {
    const g = graph(2, [
      [0, 1],
      [1, 0],
    ]);
    g.alive[1] = 0;
    expect(normalised(stronglyConnectedComponents(g))).toEqual([[0], [1]]);
  });
});

describe("breakCycles", () => {
  test("drops every checkdepends edge of a component first, even when one would do", () => {
    const g = graph(3, [
      [0, 1, "checkdepends"],
      [1, 2, "checkdepends"],
      [2, 0],
    ]);
    const { dropped, cycles } = breakCycles(g);
    expect(cycles).toEqual([[0, 1, 2]]);
    expect(droppedEdges(g, dropped)).toEqual([
      [0, 1, "checkdepends"],
      [1, 2, "checkdepends"],
    ]);
    expect(topologicalOrder(g)).toEqual([1, 2, 0]);
  });

  test("makedepends edges in a part that became acyclic stay", () => {
    // Dropping 0→1 (checkdepends) splits {0,1,2,3}: only {2,3} is still cyclic, through a makedepends edge.
    const g = graph(4, [
      [0, 1, "checkdepends"],
      [1, 0, "makedepends"],
      [1, 2],
      [2, 3, "makedepends"],
      [3, 2],
      [2, 0],
    ]);
    const { dropped } = breakCycles(g);
    expect(droppedEdges(g, dropped)).toEqual([
      [0, 1, "checkdepends"],
      [2, 3, "makedepends"],
    ]);
    expect(g.alive[1]).toBe(1);
  });

  test("with runtime edges only, the edges entering the smallest member go, again and again", () => {
    // 0 → 1 → 2 → 0 and 1 ⇄ 2: dropping 2→0 leaves {1,2} cyclic, then 2→1 goes.
    const g = graph(3, [
      [0, 1],
      [1, 2],
      [2, 0],
      [2, 1],
    ]);
    const { dropped, cycles } = breakCycles(g);
    expect(cycles).toEqual([[0, 1, 2]]);
    expect(droppedEdges(g, dropped)).toEqual([
      [2, 0, "depends"],
      [2, 1, "depends"],
    ]);
    expect(topologicalOrder(g)).toEqual([0, 1, 2]);
  });

  test("edges into the smallest member from outside its component stay", () => {
    const g = graph(4, [
      [3, 1],
      [1, 2],
      [2, 1],
    ]);
    const { dropped } = breakCycles(g);
    expect(droppedEdges(g, dropped)).toEqual([[2, 1, "depends"]]);
    expect(topologicalOrder(g)).toEqual([0, 3, 1, 2]);
  });

  test("leaves an acyclic graph alone", () => {
    const g = graph(3, [
      [0, 1, "makedepends"],
      [1, 2, "checkdepends"],
    ]);
    expect(breakCycles(g)).toEqual({ dropped: [], cycles: [] });
    expect([...g.alive]).toEqual([1, 1]);
  });
});

describe("topologicalOrder", () => {
  test("takes the smallest ready node each time", () => {
    // 3 before 0, 4 before 1; 2 is free.
    const g = graph(5, [
      [3, 0],
      [4, 1],
    ]);
    expect(topologicalOrder(g)).toEqual([2, 3, 0, 4, 1]);
  });

  test("refuses a cyclic graph", () => {
    const g = graph(2, [
      [0, 1],
      [1, 0],
    ]);
    expect(() => topologicalOrder(g)).toThrow(/cycle/);
  });
});

test("MinHeap pops in ascending order", () => {
  const heap = new MinHeap();
  const values = [5, 3, 9, 1, 1, 7, 0, 12, 4, 8, 2];
  for (const v of values) heap.push(v);
  const out: number[] = [];
  while (heap.size > 0) out.push(heap.pop());
  expect(out).toEqual([...values].sort((a, b) => a - b));
});

import { describe, expect, test } from "bun:test";
import { type RemainingNode, remainingPaths, simulateRemaining } from "./critical-path";

// Build order puts the short, independent builds a1..a4 first; c1 (long) heads a chain c1 → c2 → c3.
const nodes = ["a1", "a2", "a3", "a4", "c1", "c2", "c3"];
const dependents = new Map([
  ["c1", ["c2"]],
  ["c2", ["c3"]],
]);
const ms: Record<string, number> = { a1: 10, a2: 10, a3: 10, a4: 10, c1: 30, c2: 20, c3: 20 };
const est = (n: string) => ms[n]!;
const waiting = (node: string): RemainingNode => ({
  node,
  deps: [...dependents].filter(([, ds]) => ds.includes(node)).map(([d]) => d),
  state: "waiting",
});

describe("critical path", () => {
  test("remaining path: own estimate plus the longest chain below", () => {
    const paths = remainingPaths({ nodes, dependents }, est);
    expect(paths.get("c1")).toBe(70);
    expect(paths.get("c2")).toBe(40);
    expect(paths.get("a1")).toBe(10);
  });

  test("simulation: critical-path order finishes sooner than build order on one slot pair", () => {
    const paths = remainingPaths({ nodes, dependents }, est);
    const all = nodes.map(waiting);
    const byPath = simulateRemaining(all, 2, est, (n) => paths.get(n)!);
    const byOrder = simulateRemaining(all, 2, est, (n) => -nodes.indexOf(n));
    // c1 starts at once: the chain takes 70 and the a's fit beside it.
    expect(byPath).toBe(70);
    expect(byOrder).toBeGreaterThan(70);
  });

  test("running builds count what they already ran; a finished graph takes no time", () => {
    const running: RemainingNode[] = [{ node: "c1", deps: [], state: "running", elapsedMs: 25 }, waiting("c2")];
    expect(simulateRemaining(running, 1, est, () => 0)).toBe(25);
    expect(simulateRemaining([], 4, est, () => 0)).toBe(0);
  });
});

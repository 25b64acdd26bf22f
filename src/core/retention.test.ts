import { describe, expect, test } from "bun:test";
import { decideRetention, type IterationState, type NamespaceState } from "./retention";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();

const it = (id: number, over: Partial<IterationState> = {}): IterationState => ({
  id,
  createdAt: daysAgo(40),
  prunedAt: null,
  open: 0,
  running: 0,
  lastFinishedAt: daysAgo(40),
  ...over,
});

const ns = (over: Partial<NamespaceState> & { iterations: IterationState[] }): NamespaceState => ({
  id: 1,
  name: "zlib",
  status: "active",
  updatedAt: daysAgo(40),
  ...over,
});

const rules = { keepIterations: 3, finishedDays: 30 };
const pruned = (n: NamespaceState[], r = rules) => decideRetention(n, r, NOW).map((d) => d.iterationId);

describe("decideRetention", () => {
  test("an active namespace still building keeps its newest N iterations, whatever their age", () => {
    const iterations = [it(9, { open: 4 }), it(8), it(7), it(6), it(5)];
    expect(pruned([ns({ iterations })])).toEqual([6, 5]);
    expect(pruned([ns({ iterations })], { keepIterations: 1, finishedDays: 0 })).toEqual([8, 7, 6, 5]);
  });

  test("a finished or cancelled namespace loses everything after D idle days, not before", () => {
    const old = [it(3), it(2), it(1)];
    expect(pruned([ns({ iterations: old })])).toEqual([3, 2, 1]);
    expect(pruned([ns({ status: "cancelled", iterations: old })])).toEqual([3, 2, 1]);
    const recent = [it(3, { lastFinishedAt: daysAgo(2) }), it(2), it(1)];
    expect(pruned([ns({ iterations: recent })])).toEqual([]);
    // Resuming or editing the namespace counts as activity.
    expect(pruned([ns({ status: "cancelled", updatedAt: daysAgo(1), iterations: old })])).toEqual([]);
  });

  test("an iteration with a running build is never removed; pruned ones are not pruned again", () => {
    const iterations = [
      it(6, { open: 1 }),
      it(5),
      it(4),
      it(3, { running: 1, open: 1 }),
      it(2, { prunedAt: daysAgo(5) }),
    ];
    expect(pruned([ns({ iterations })], { keepIterations: 1, finishedDays: 30 })).toEqual([5, 4]);
    const cancelled = [it(2, { running: 1, open: 1 }), it(1)];
    expect(
      pruned([ns({ status: "cancelled", iterations: cancelled })], { keepIterations: 1, finishedDays: 0 }),
    ).toEqual([1]);
  });

  test("each decision names its namespace and says why", () => {
    const d = decideRetention(
      [ns({ iterations: [it(5, { open: 1 }), it(4)] })],
      { keepIterations: 1, finishedDays: 30 },
      NOW,
    );
    expect(d).toEqual([
      { namespaceId: 1, namespace: "zlib", iterationId: 4, reason: "older than the newest 1 iteration(s)" },
    ]);
  });
});

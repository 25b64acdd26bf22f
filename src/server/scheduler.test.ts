import { describe, expect, test } from "bun:test";
import { Scheduler } from "./scheduler";

const b = (id: number, namespaceId: number, position: number, arch = "x86_64") => ({
  id,
  namespaceId,
  iterationId: namespaceId,
  arch,
  pkgbase: `p${id}`,
  position,
});

describe("Scheduler", () => {
  test("earliest build order first within a namespace", () => {
    const s = new Scheduler();
    s.enqueue(b(1, 1, 5));
    s.enqueue(b(2, 1, 1));
    s.enqueue(b(3, 1, 3));
    expect([s.take(["x86_64"])?.id, s.take(["x86_64"])?.id, s.take(["x86_64"])?.id]).toEqual([2, 3, 1]);
    expect(s.take(["x86_64"])).toBeNull();
  });

  test("round-robin across namespaces: a small namespace is not starved by a large one", () => {
    const s = new Scheduler();
    for (let i = 0; i < 100; i++) s.enqueue(b(1000 + i, 1, i));
    s.enqueue(b(1, 2, 0));
    s.enqueue(b(2, 2, 1));
    const firstFour = [1, 2, 3, 4].map(() => s.take(["x86_64"])!.namespaceId);
    expect(firstFour.filter((n) => n === 2)).toHaveLength(2);
    expect(firstFour.filter((n) => n === 1)).toHaveLength(2);
  });

  test("per architecture: a worker only gets builds of its architectures", () => {
    const s = new Scheduler();
    s.enqueue(b(1, 1, 0, "aarch64"));
    expect(s.take(["x86_64"])).toBeNull();
    expect(s.take(["x86_64", "aarch64"])?.id).toBe(1);
  });

  test("removed builds are never handed out; a build is queued once", () => {
    const s = new Scheduler();
    s.enqueue(b(1, 1, 0));
    s.enqueue(b(1, 1, 0));
    s.enqueue(b(2, 2, 0));
    expect(s.size).toBe(2);
    expect(s.remove((x) => x.namespaceId === 1)).toBe(1);
    expect(s.take(["x86_64"])?.id).toBe(2);
    expect(s.take(["x86_64"])).toBeNull();
  });

  test("a waiter wakes when matching work arrives, not for other architectures", async () => {
    const s = new Scheduler();
    let woke = false;
    const waiting = s.waitForWork(["x86_64"], 5_000).then(() => {
      woke = true;
    });
    s.enqueue(b(1, 1, 0, "aarch64"));
    await Bun.sleep(20);
    expect(woke).toBe(false);
    const t = performance.now();
    s.enqueue(b(2, 1, 0));
    await waiting;
    expect(woke).toBe(true);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  test("a waiter gives up at its deadline or on abort", async () => {
    const s = new Scheduler();
    const t = performance.now();
    await s.waitForWork(["x86_64"], 30);
    expect(performance.now() - t).toBeGreaterThanOrEqual(25);
    const abort = new AbortController();
    const w = s.waitForWork(["x86_64"], 60_000, abort.signal);
    abort.abort();
    await w;
  });

  test("higher priority first within a namespace, build order among equals", () => {
    const priority = new Map([
      [1, 5],
      [2, 50],
      [3, 5],
    ]);
    const s = new Scheduler((q) => priority.get(q.id) ?? 0);
    s.enqueue(b(1, 1, 0));
    s.enqueue(b(2, 1, 9));
    s.enqueue(b(3, 1, 4));
    expect([1, 2, 3].map(() => s.take(["x86_64"])?.id)).toEqual([2, 1, 3]);
  });

  test("reprioritize re-orders what is queued without losing or duplicating builds", () => {
    let favourite = 1;
    const s = new Scheduler((q) => (q.id === favourite ? 100 : 0));
    for (const id of [1, 2, 3]) s.enqueue(b(id, 1, id));
    favourite = 3;
    s.reprioritize();
    expect([1, 2, 3, 4].map(() => s.take(["x86_64"])?.id)).toEqual([3, 1, 2, undefined]);
  });

  test("priorities do not change fairness: namespaces still alternate", () => {
    const s = new Scheduler((q) => (q.namespaceId === 1 ? 1000 : 0));
    for (let i = 0; i < 4; i++) s.enqueue(b(10 + i, 1, i));
    for (let i = 0; i < 4; i++) s.enqueue(b(20 + i, 2, i));
    const order = [1, 2, 3, 4].map(() => s.take(["x86_64"])!.namespaceId);
    expect(order.sort()).toEqual([1, 1, 2, 2]);
  });
});

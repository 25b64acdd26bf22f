import { describe, expect, test } from "bun:test";
import { backoffDelay, DEFAULT_BACKOFF, retry, sleep } from "./backoff";

class Transient extends Error {}
class Permanent extends Error {}

/** A clock that never waits: records every requested delay. */
function fakeSleep() {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      waits.push(ms);
    },
  };
}

describe("backoffDelay", () => {
  const policy = { initialMs: 100, maxMs: 1000, factor: 2, maxAttempts: 10 };

  test("doubles the ceiling per attempt and stays within [ceiling/2, ceiling]", () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 1))).toEqual([100, 200, 400, 800]);
  });

  test("never exceeds maxMs", () => {
    expect(backoffDelay(30, policy, () => 1)).toBe(1000);
    expect(backoffDelay(1000, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
  });
});

describe("retry", () => {
  test("retries transient failures with growing waits, then returns the value", async () => {
    const clock = fakeSleep();
    let calls = 0;
    const value = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 4) throw new Transient("down");
        return "ok";
      },
      { shouldRetry: (e) => e instanceof Transient, initialMs: 10, maxMs: 1000, sleep: clock.sleep, random: () => 1 },
    );
    expect(value).toBe("ok");
    expect(calls).toBe(4);
    expect(clock.waits).toEqual([10, 20, 40]);
  });

  test("throws a non-retryable error at once", async () => {
    const clock = fakeSleep();
    let calls = 0;
    const run = retry(
      async () => {
        calls++;
        throw new Permanent("409");
      },
      { shouldRetry: (e) => e instanceof Transient, sleep: clock.sleep },
    );
    await expect(run).rejects.toBeInstanceOf(Permanent);
    expect(calls).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  test("gives up after maxAttempts with the last error", async () => {
    const clock = fakeSleep();
    const run = retry(
      async (attempt) => {
        throw new Transient(`attempt ${attempt}`);
      },
      { shouldRetry: () => true, maxAttempts: 3, sleep: clock.sleep },
    );
    await expect(run).rejects.toThrow("attempt 3");
    expect(clock.waits).toHaveLength(2);
  });

  test("tells onRetry about each wait", async () => {
    const seen: number[] = [];
    await retry(
      async (attempt) => {
        if (attempt < 3) throw new Transient("x");
      },
      {
        shouldRetry: () => true,
        sleep: fakeSleep().sleep,
        random: () => 0,
        initialMs: 8,
        onRetry: (i) => seen.push(i.attempt, i.delayMs),
      },
    );
    expect(seen).toEqual([1, 4, 2, 8]);
  });

  test("an abort during the wait rejects with the signal's reason and stops calling", async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = retry(
      async () => {
        calls++;
        throw new Transient("down");
      },
      { shouldRetry: () => true, signal: controller.signal, initialMs: 60_000 },
    );
    setTimeout(() => controller.abort(new Error("stopping")), 5);
    await expect(run).rejects.toThrow("stopping");
    expect(calls).toBe(1);
  });

  test("an abort during the call wins over the call's own error", async () => {
    const controller = new AbortController();
    const run = retry(
      async () => {
        controller.abort(new Error("cancelled"));
        throw new Permanent("fetch aborted");
      },
      { shouldRetry: () => false, signal: controller.signal },
    );
    await expect(run).rejects.toThrow("cancelled");
  });

  test("does not call at all when already aborted", async () => {
    let calls = 0;
    const run = retry(async () => calls++, { shouldRetry: () => true, signal: AbortSignal.abort(new Error("gone")) });
    await expect(run).rejects.toThrow("gone");
    expect(calls).toBe(0);
  });
});

describe("sleep", () => {
  test("resolves after the delay", async () => {
    const started = performance.now();
    await sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  test("rejects at once when the signal aborts", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

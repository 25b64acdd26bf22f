// Small pieces the GitLab loops share: a wake-up that can be waited for with a deadline, and a task that
// runs now, then every interval or when woken, and never dies.
import type { Logger } from "../../lib/log";

/** wait() resolves on wake(), after `ms`, or on abort — whichever comes first. */
export class Waker {
  private waiters: (() => void)[] = [];
  private pending = false;

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) this.pending = true;
    for (const w of waiters) w();
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.waiters.push(done);
    });
  }
}

/** Run `task` now and then every `intervalMs` (or at once when woken), until `signal` aborts. */
export function every(
  name: string,
  intervalMs: number,
  signal: AbortSignal,
  log: Logger,
  task: () => Promise<void>,
): { wake(): void } {
  const waker = new Waker();
  void (async () => {
    while (!signal.aborted) {
      try {
        await task();
      } catch (error) {
        log.error(`${name} failed`, { error: error instanceof Error ? error.message : String(error) });
      }
      await waker.wait(intervalMs, signal);
    }
  })();
  return { wake: () => waker.wake() };
}

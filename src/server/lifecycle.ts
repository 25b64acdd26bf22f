// The server's own state between start and stop: which requests are in flight (so a stop can say what it
// interrupted) and whether it is stopping (no new leases or uploads are taken then).
import type { MiddlewareHandler } from "hono";
import { DomainError } from "../core/errors";

/** The server is shutting down: come back later (503). */
export class Stopping extends DomainError {
  override name = "Stopping";
}

export class Lifecycle {
  stopping = false;
  private readonly abort = new AbortController();
  private readonly active = new Map<Request, string>();
  private idle: (() => void) | null = null;

  /** Aborted when the server starts stopping: long polls end at once. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Counts every request while it runs; refuses new leases and uploads once stopping. */
  middleware(refusedWhileStopping: (method: string, path: string) => boolean): MiddlewareHandler {
    return async (c, next) => {
      if (this.stopping && refusedWhileStopping(c.req.method, c.req.path))
        throw new Stopping("the server is stopping; try again when it is back");
      this.active.set(c.req.raw, `${c.req.method} ${c.req.path}`);
      try {
        await next();
      } finally {
        this.active.delete(c.req.raw);
        if (this.active.size === 0) this.idle?.();
      }
    };
  }

  beginStop(): void {
    this.stopping = true;
    this.abort.abort();
  }

  /** Resolves when no request is in flight, or after `ms`; returns what was still running then. */
  async drain(ms: number): Promise<string[]> {
    if (this.active.size > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          this.idle = resolve;
        }),
        Bun.sleep(ms),
      ]);
    }
    return [...this.active.values()];
  }
}

// Per-client rate limits for expensive reads anyone may call (plan, search), and for anything else that
// needs one: a token bucket per key, kept for a bounded number of keys.
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/bun";
import { TooManyRequests } from "../../core/errors";

export interface RateLimit {
  /** Requests a client may make at once. */
  burst: number;
  /** Requests a client regains per second. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets for at most this many clients; the least recently refilled are forgotten first. */
const MAX_KEYS = 10_000;

export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Take one request for `key`: null when allowed, else the seconds until the next one is. */
  take(key: string): number | null {
    const now = this.now();
    const old = this.buckets.get(key);
    const refilled = old
      ? Math.min(this.limit.burst, old.tokens + ((now - old.at) / 1000) * this.limit.perSecond)
      : this.limit.burst;
    this.buckets.delete(key);
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, at: now });
      return Math.max(1, Math.ceil((1 - refilled) / this.limit.perSecond));
    }
    this.buckets.set(key, { tokens: refilled - 1, at: now });
    if (this.buckets.size > MAX_KEYS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return null;
  }
}

/** The client's address as the socket saw it ("unknown" when there is no socket, as in app.request tests). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Refuse with 429, Retry-After and a sentence once a client passes `limiter`'s rate for `what`. */
export function rateLimited(
  limiter: RateLimiter,
  what: string,
  applies: (c: Context) => boolean = () => true,
  keyOf: (c: Context) => string = clientAddress,
): MiddlewareHandler {
  return async (c, next) => {
    if (applies(c)) {
      const wait = limiter.take(keyOf(c));
      if (wait !== null)
        throw new TooManyRequests(
          `too many ${what} from this address (at most ${limiter.limit.burst} at once, then ${limiter.limit.perSecond} a second); try again in ${wait} s`,
          wait,
        );
    }
    await next();
  };
}

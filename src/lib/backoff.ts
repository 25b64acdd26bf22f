// Retry with exponential backoff and jitter for calls that cross the network: a server that is briefly unreachable must
// cost a worker no build (README.md, Architecture: workers and leases). Every wait honours an AbortSignal.

export interface BackoffPolicy {
  /** Ceiling of the first wait; each later ceiling is `factor` times the previous one, up to `maxMs`. */
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Give up after this many calls (the first one included). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 250,
  maxMs: 30_000,
  factor: 2,
  maxAttempts: Number.POSITIVE_INFINITY,
};

export interface RetryOptions extends Partial<BackoffPolicy> {
  /** Which errors are worth another try (network errors, 5xx, 429); anything else is thrown at once. */
  shouldRetry: (error: unknown) => boolean;
  signal?: AbortSignal;
  /** Told before each wait, e.g. to log "server unreachable, retrying in 2 s". */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Injected by tests to run without real time passing. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * The wait after the `attempt`-th failed call: "equal jitter", half the exponential ceiling plus a random
 * share of the other half, so a fleet of workers that lost the server together does not return in step.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Wait `ms`; reject with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Call `fn` until it succeeds, throws an error `shouldRetry` rejects, runs out of attempts, or `signal`
 * aborts (then the signal's reason is thrown). `fn` receives the attempt number, starting at 1.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy: BackoffPolicy = {
    initialMs: options.initialMs ?? DEFAULT_BACKOFF.initialMs,
    maxMs: options.maxMs ?? DEFAULT_BACKOFF.maxMs,
    factor: options.factor ?? DEFAULT_BACKOFF.factor,
    maxAttempts: options.maxAttempts ?? DEFAULT_BACKOFF.maxAttempts,
  };
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      // An abort during the call is the caller's decision, not a failure to retry.
      if (options.signal?.aborted) throw options.signal.reason;
      if (attempt >= policy.maxAttempts || !options.shouldRetry(error)) throw error;
      const delayMs = backoffDelay(attempt, policy, options.random);
      options.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs, options.signal);
    }
  }
}

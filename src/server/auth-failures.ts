// Failed logins and token checks per remote address. An address with `limit` failures within the window is
// refused (429 with Retry-After) until its oldest failure leaves the window: guessing a token gets a handful
// of tries a minute, a packager who mistyped once notices nothing.
export class AuthFailures {
  readonly #failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  #recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    const kept = (this.#failures.get(address) ?? []).filter((t) => t > since);
    if (kept.length) this.#failures.set(address, kept);
    else this.#failures.delete(address);
    return kept;
  }

  /** Seconds until this address may try again; 0 when it may now. */
  retryAfter(address: string): number {
    const recent = this.#recent(address);
    if (recent.length < this.limit) return 0;
    return Math.max(1, Math.ceil((recent[recent.length - this.limit]! + this.windowMs - this.now()) / 1000));
  }

  fail(address: string): void {
    // Bounded memory under a flood of addresses: forget the oldest addresses first.
    if (this.#failures.size > 10_000) {
      const first = this.#failures.keys().next().value;
      if (first !== undefined) this.#failures.delete(first);
    }
    this.#failures.set(address, [...this.#recent(address), this.now()]);
  }
}

// Sleeps exactly until the earliest lease expiry (never longer than one TTL), then expires what is due.
import type { ServerDeps } from "../deps";
import { expireLeases, nextLeaseExpiry } from "../usecases/expire-leases";

export function startLeaseExpiry(deps: ServerDeps, signal: AbortSignal): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (signal.aborted) return;
    const next = nextLeaseExpiry(deps);
    const delay = next === null ? deps.config.leaseTtlMs : Math.max(0, next - deps.now()) + 5;
    timer = setTimeout(tick, Math.min(delay, deps.config.leaseTtlMs));
  };
  const tick = () => {
    deps.liveness.beat("lease-expiry", 2 * deps.config.leaseTtlMs + 10_000);
    try {
      expireLeases(deps);
    } catch (error) {
      deps.log.error("lease expiry failed", { error: String(error) });
    }
    schedule();
  };
  signal.addEventListener("abort", () => clearTimeout(timer));
  deps.liveness.beat("lease-expiry", 2 * deps.config.leaseTtlMs + 10_000);
  schedule();
}

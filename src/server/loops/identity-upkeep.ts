// Hourly: drop audit rows older than the retention period and sessions that have expired. With single sign-on,
// every ten minutes (or the role refresh interval, when shorter): read due users' groups again.
import type { ServerDeps } from "../deps";
import { pruneIdentity } from "../usecases/prune-identity";
import { refreshDueRoles } from "../usecases/refresh-roles";

const HOUR = 3_600_000;

export function startIdentityUpkeep(deps: ServerDeps, signal: AbortSignal): void {
  const tick = () => {
    try {
      const dropped = pruneIdentity(deps);
      if (dropped.audit || dropped.sessions)
        deps.log.info("old audit entries and sessions dropped", {
          audit_entries: dropped.audit,
          sessions: dropped.sessions,
          retention_days: deps.config.auditRetentionDays,
        });
    } catch (error) {
      deps.log.error("audit retention failed", { error: String(error) });
    }
  };
  tick();
  const timer = setInterval(tick, HOUR);
  signal.addEventListener("abort", () => clearInterval(timer));
  const oidc = deps.config.oidc;
  if (!oidc) return;
  // One refresh pass at a time: refresh tokens rotate, so two passes must never use the same one.
  let running = false;
  const refresh = async () => {
    if (running) return;
    running = true;
    try {
      const r = await refreshDueRoles(deps);
      if (r.refreshed || r.ended) deps.log.debug("groups read again", { refreshed: r.refreshed, ended: r.ended });
    } catch (error) {
      deps.log.error("reading groups again failed", { error: String(error) });
    } finally {
      running = false;
    }
  };
  const refreshTimer = setInterval(() => void refresh(), Math.min(10 * 60_000, oidc.roleRefreshSeconds * 1000));
  signal.addEventListener("abort", () => clearInterval(refreshTimer));
}

// Hourly: drop audit rows older than the retention period and sessions that have expired.
import { pruneAudit } from "../../db/audit";
import { deleteExpiredSessions } from "../../db/identity";
import type { ServerDeps } from "../deps";

const HOUR = 3_600_000;

export function pruneIdentity(deps: ServerDeps): { audit: number; sessions: number } {
  const now = deps.now();
  const before = new Date(now - deps.config.auditRetentionDays * 86_400_000).toISOString();
  return { audit: pruneAudit(deps.db, before), sessions: deleteExpiredSessions(deps.db, new Date(now).toISOString()) };
}

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
}

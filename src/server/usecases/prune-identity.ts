// Audit rows older than the retention period and expired sessions are dropped.
import { pruneAudit } from "../../db/audit";
import { deleteExpiredSessions } from "../../db/identity";
import type { ServerDeps } from "../deps";

export function pruneIdentity(deps: Pick<ServerDeps, "db" | "now" | "config">): { audit: number; sessions: number } {
  const now = deps.now();
  const before = new Date(now - deps.config.auditRetentionDays * 86_400_000).toISOString();
  return { audit: pruneAudit(deps.db, before), sessions: deleteExpiredSessions(deps.db, new Date(now).toISOString()) };
}

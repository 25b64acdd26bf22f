// The audit log: one row per mutation and per refused attempt, kept for the retention period.
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { AuditEntry } from "../core/records";
import type { Db } from "./open";
import { auditLog } from "./schema";

/** `at` is the server's clock (the caller's), like every time the adapters write. */
export type NewAuditEntry = Omit<AuditEntry, "id">;

export function insertAudit(db: Db, e: NewAuditEntry): void {
  db.insert(auditLog).values(e).run();
}

export function listAudit(
  db: Db,
  q: { limit: number; before?: number; actor?: string; target?: string; result?: AuditEntry["result"] },
): AuditEntry[] {
  const where: SQL[] = [];
  if (q.before !== undefined) where.push(lt(auditLog.id, q.before));
  if (q.actor !== undefined) where.push(eq(auditLog.actor, q.actor));
  if (q.target !== undefined) where.push(eq(auditLog.target, q.target));
  if (q.result !== undefined) where.push(eq(auditLog.result, q.result));
  return db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(q.limit)
    .all();
}

/** Drop entries older than `before` (ISO time); returns how many. */
export function pruneAudit(db: Db, before: string): number {
  return db.$client.query("DELETE FROM audit_log WHERE at < ?").run(before).changes;
}

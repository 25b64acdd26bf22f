// The audit log: a row for every mutation and every refusal (written by the access middleware), read by admins.
import type { AuditEntry } from "../../core/records";
import { insertAudit, listAudit, type NewAuditEntry } from "../../db/audit";
import type { ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";

/** The row is dated by the server's clock. */
export function recordAudit(deps: Pick<ServerDeps, "db" | "now">, entry: Omit<NewAuditEntry, "at">): void {
  insertAudit(deps.db, { ...entry, at: isoNow(deps) });
}

/** Newest first; `before` pages back by row id. */
export function readAudit(
  deps: Pick<ServerDeps, "db">,
  q: { limit: number; before?: number; actor?: string; target?: string; result?: AuditEntry["result"] },
): AuditEntry[] {
  return listAudit(deps.db, q);
}

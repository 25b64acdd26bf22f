import type { WorkerRecord } from "../../core/records";
import { extendLease } from "../../db/builds";
import { inTransaction } from "../../db/tx";
import { touchWorker } from "../../db/workers";
import type { ServerDeps } from "../deps";
import { isoNow, markBuilding } from "./build-lifecycle";
import { currentLease } from "./current-lease";

/** Renew a lease; the first heartbeat (or log chunk) marks the build as building. */
export function heartbeatLease(deps: ServerDeps, worker: WorkerRecord, leaseId: string) {
  const expiresAt = deps.now() + deps.config.leaseTtlMs;
  const started = inTransaction(deps.db, () => {
    const b = currentLease(deps, leaseId, worker);
    extendLease(deps.db, b.id, expiresAt);
    return markBuilding(deps, b);
  });
  touchWorker(deps.db, worker.id, worker.architectures, isoNow(deps));
  started.announce();
  return { expires_at: new Date(expiresAt).toISOString(), cancelled: false };
}

import type { WorkerRecord } from "../../core/records";
import { extendLease, setStatus } from "../../db/builds";
import { inTransaction, nowIso } from "../../db/tx";
import { touchWorker } from "../../db/workers";
import type { ServerDeps } from "../deps";
import { currentLease } from "./current-lease";

/** Renew a lease; the first heartbeat (or log chunk) marks the build as building. */
export function heartbeatLease(deps: ServerDeps, worker: WorkerRecord, leaseId: string) {
  const expiresAt = deps.now() + deps.config.leaseTtlMs;
  const build = inTransaction(deps.db, () => {
    const b = currentLease(deps, leaseId, worker);
    extendLease(deps.db, b.id, expiresAt);
    if (b.status === "scheduled") setStatus(deps.db, b.id, "building", { startedAt: nowIso() });
    return b;
  });
  touchWorker(deps.db, worker.id, worker.architectures);
  if (build.status === "scheduled") {
    deps.events.emit({
      type: "build",
      namespaceId: build.namespaceId,
      iterationId: build.iterationId,
      buildId: build.id,
      status: "building",
    });
  }
  return { expires_at: new Date(expiresAt).toISOString(), cancelled: false };
}

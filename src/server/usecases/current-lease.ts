// The one check every worker call passes: the lease is current and belongs to the caller.
import { Conflict, Forbidden } from "../../core/errors";
import type { BuildRecord, WorkerRecord } from "../../core/records";
import { findBuildByLease } from "../../db/builds";
import type { ServerDeps } from "../deps";

export function currentLease(deps: ServerDeps, leaseId: string, worker: WorkerRecord): BuildRecord {
  const build = findBuildByLease(deps.db, leaseId);
  if (!build) {
    throw new Conflict(`lease ${leaseId} is no longer current (it expired, was revoked, or its build has ended)`);
  }
  if (build.leaseWorker !== worker.name) throw new Forbidden(`lease ${leaseId} belongs to another worker`);
  if ((build.leaseExpiresAt ?? 0) < deps.now()) {
    throw new Conflict(`lease ${leaseId} has expired; the build will be offered again`);
  }
  return build;
}

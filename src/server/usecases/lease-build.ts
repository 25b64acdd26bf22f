// A worker asks for work (README.md, Architecture: workers and leases): long-poll until a pending build of its
// architectures is ready.

import type { Lease } from "../../api/schemas";
import { Conflict } from "../../core/errors";
import type { WorkerRecord } from "../../core/records";
import { getBuild } from "../../db/builds";
import { getNamespaceById } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import { touchWorker } from "../../db/workers";
import type { ServerDeps } from "../deps";
import { newLeaseId } from "../tokens";
import { buildJob } from "./build-job";
import { isoNow, mayStart, moveBuild } from "./build-lifecycle";

export async function leaseBuild(
  deps: ServerDeps,
  worker: WorkerRecord,
  req: { architectures: string[]; wait_ms: number },
  signal?: AbortSignal,
): Promise<Lease | null> {
  // Pipelines take every ready build: a worker leasing one too would build it twice.
  if (deps.gitlab?.config.runBuilds)
    throw new Conflict(
      "this server runs its builds as GitLab pipelines (RUN_BUILDS_ON_GITLAB=true) and gives no leases to workers",
    );
  touchWorker(deps.db, worker.id, req.architectures, isoNow(deps));
  const deadline = deps.now() + req.wait_ms;
  for (;;) {
    if (signal?.aborted) return null;
    const next = deps.scheduler.take(req.architectures);
    if (next) {
      const lease = tryLease(deps, worker, next.id, { ready_ms: next.readyMs, worker_was_idle: next.workerWasIdle });
      if (lease) return lease;
      continue;
    }
    const left = deadline - deps.now();
    if (left <= 0) return null;
    await deps.scheduler.waitForWork(req.architectures, left, signal);
  }
}

/** Lease one build if it is still pending, current and its namespace active; null otherwise. */
function tryLease(
  deps: ServerDeps,
  worker: WorkerRecord,
  buildId: number,
  timing: { ready_ms: number; worker_was_idle: boolean },
): Lease | null {
  const leased = inTransaction(deps.db, () => {
    const build = getBuild(deps.db, buildId);
    if (build?.status !== "pending") return null;
    if (!mayStart(deps, build)) return null;
    const ns = getNamespaceById(deps.db, build.namespaceId)!;
    const leaseId = newLeaseId();
    const expiresAt = deps.now() + deps.config.leaseTtlMs;
    moveBuild(deps, build, "leased", {
      leaseId,
      leaseWorker: worker.name,
      leaseExpiresAt: expiresAt,
      attempts: build.attempts + 1,
      startedAt: isoNow(deps),
      finishedAt: null,
      failureReason: null,
    });
    return { build: { ...build, attempts: build.attempts + 1 }, ns, leaseId, expiresAt };
  });
  if (!leased) return null;
  const { build, ns, leaseId, expiresAt } = leased;
  deps.metrics.dispatchLatency.observe({ arch: build.arch }, timing.ready_ms / 1000);
  deps.log.info("build dispatched", {
    namespace: ns.name,
    iteration: build.iterationId,
    pkgbase: build.pkgbase,
    arch: build.arch,
    worker: worker.name,
    attempt: build.attempts,
    ...timing,
  });
  deps.events.emit({
    type: "build",
    namespaceId: ns.id,
    iterationId: build.iterationId,
    buildId: build.id,
    status: "scheduled",
  });
  return {
    lease_id: leaseId,
    ttl_ms: deps.config.leaseTtlMs,
    expires_at: new Date(expiresAt).toISOString(),
    ...buildJob(deps, ns, build),
  };
}

// A lease not renewed in time expires: the build goes back to pending (attempt counted), and after
// MAX_ATTEMPTS leases without a result it fails with that reason (README.md, Architecture: workers and leases).
import { MAX_ATTEMPTS } from "../../core/build-states";
import { clearLease, earliestLeaseExpiry, listExpiredLeases } from "../../db/builds";
import { getNamespaceById } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { announceWorkerLost } from "./announce-worker-lost";
import { isoNow, mayStart, moveBuild } from "./build-lifecycle";

/** When the next lease falls due (ms since the epoch), or null when no build is leased. */
export const nextLeaseExpiry = (deps: ServerDeps): number | null => earliestLeaseExpiry(deps.db);

export function expireLeases(deps: ServerDeps): number {
  const now = deps.now();
  const expired = inTransaction(deps.db, () => {
    const builds = listExpiredLeases(deps.db, now);
    for (const b of builds) {
      clearLease(deps.db, b.id);
      if (b.attempts >= MAX_ATTEMPTS) {
        moveBuild(deps, b, "failed", {
          finishedAt: isoNow(deps),
          failureReason: `the lease expired ${b.attempts} times (last worker: ${b.leaseWorker}); giving up`,
        });
      } else {
        moveBuild(deps, b, "lease_lost");
      }
    }
    return builds;
  });
  for (const b of expired) {
    const ns = getNamespaceById(deps.db, b.namespaceId);
    const failed = b.attempts >= MAX_ATTEMPTS;
    deps.metrics.leaseExpiries.inc({ outcome: failed ? "failed" : "pending" });
    if (failed) deps.metrics.buildEnded(b, "failed", deps.now());
    deps.log.warn("lease expired", {
      namespace: ns?.name,
      iteration: b.iterationId,
      pkgbase: b.pkgbase,
      arch: b.arch,
      worker: b.leaseWorker,
      attempt: b.attempts,
      outcome: failed ? "failed" : "pending",
    });
    if (b.leaseWorker) {
      announceWorkerLost(
        deps,
        b.leaseWorker,
        `its lease of ${ns?.name}/${b.iterationId} ${b.pkgbase} (${b.arch}) expired`,
        {
          namespace: ns?.name,
          iteration: b.iterationId,
          pkgbase: b.pkgbase,
          arch: b.arch,
          outcome: failed ? "failed" : "pending",
        },
      );
    }
    if (!failed && mayStart(deps, b)) deps.scheduler.enqueue(b);
    if (failed) void deps.publisher.discard(b.id).catch(() => {});
    deps.events.emit({
      type: "build",
      namespaceId: b.namespaceId,
      iterationId: b.iterationId,
      buildId: b.id,
      status: failed ? "failed" : "pending",
    });
  }
  return expired.length;
}

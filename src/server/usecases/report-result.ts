import { expectedFiles } from "../../core/build-spec";
import { Invalid } from "../../core/errors";
import type { BuildRecord, WorkerRecord } from "../../core/records";
import { listBuildArtifacts } from "../../db/artifacts";
import { clearLease } from "../../db/builds";
import { getNamespaceById } from "../../db/namespaces";
import { inTransaction, nowIso } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { mayStart, moveBuild } from "./build-lifecycle";
import { currentLease } from "./current-lease";
import { unblockDependents } from "./unblock-dependents";

export function reportResult(
  deps: ServerDeps,
  worker: WorkerRecord,
  leaseId: string,
  result: { status: "built" | "failed"; reason?: string },
): { status: "built" | "failed"; unblocked: number } {
  return recordResult(deps, () => currentLease(deps, leaseId, worker), result, { worker: worker.name });
}

/**
 * How every build ends with a result, whoever reports it (a worker's lease, a pipeline's token, the
 * pipeline follower): `current` runs inside the transaction and throws when the reporter may not report.
 */
export function recordResult(
  deps: ServerDeps,
  current: () => BuildRecord,
  result: { status: "built" | "failed"; reason?: string },
  who: Record<string, unknown>,
): { status: "built" | "failed"; unblocked: number } {
  const { build, unblocked, durationMs } = inTransaction(deps.db, () => {
    const b = current();
    const finishedAt = nowIso();
    // Every build's duration is recorded (pipelines too); estimates learn from the successful ones.
    const durationMs = b.startedAt ? Math.max(0, Date.parse(finishedAt) - Date.parse(b.startedAt)) : null;
    let ready: BuildRecord[] = [];
    if (result.status === "built") {
      const uploaded = new Set(listBuildArtifacts(deps.db, b.id).map((a) => a.fileName));
      const missing = expectedFiles(b.spec).filter((f) => !uploaded.has(f));
      if (missing.length > 0)
        throw new Invalid(`upload these packages before reporting the build built: ${missing.join(", ")}`);
      moveBuild(deps, b, "succeeded", { finishedAt, durationMs, failureReason: null });
      ready = unblockDependents(deps, b);
    } else {
      moveBuild(deps, b, "failed", { finishedAt, durationMs, failureReason: result.reason ?? "the build failed" });
    }
    clearLease(deps.db, b.id);
    return { build: b, unblocked: ready, durationMs };
  });
  if (result.status === "built" && durationMs !== null)
    deps.planning.recordDuration({ pkgbase: build.pkgbase, arch: build.arch, ms: durationMs });

  deps.metrics.buildEnded(build, result.status);
  const ns = getNamespaceById(deps.db, build.namespaceId);
  if (mayStart(deps, build)) for (const b of unblocked) deps.scheduler.enqueue(b);
  const fields = {
    namespace: ns?.name,
    iteration: build.iterationId,
    pkgbase: build.pkgbase,
    arch: build.arch,
    ...who,
  };
  if (result.status === "built")
    deps.log.info("build succeeded", { ...fields, unblocked: unblocked.length, duration_ms: durationMs });
  else deps.log.warn("build failed", { ...fields, reason: result.reason, duration_ms: durationMs });
  deps.events.emit({
    type: "build",
    namespaceId: build.namespaceId,
    iterationId: build.iterationId,
    buildId: build.id,
    status: result.status,
  });
  for (const b of unblocked) {
    deps.events.emit({
      type: "build",
      namespaceId: b.namespaceId,
      iterationId: b.iterationId,
      buildId: b.id,
      status: "pending",
    });
  }
  return { status: result.status, unblocked: unblocked.length };
}

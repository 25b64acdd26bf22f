import { expectedFiles } from "../../core/build-spec";
import { Invalid } from "../../core/errors";
import type { BuildRecord, WorkerRecord } from "../../core/records";
import { type ArtifactRecord, listBuildArtifacts, publishStaged } from "../../db/artifacts";
import { clearLease } from "../../db/builds";
import { getNamespaceById } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { isoNow, mayStart, moveBuild } from "./build-lifecycle";
import { currentLease } from "./current-lease";
import { unblockDependents } from "./unblock-dependents";

export function reportResult(
  deps: ServerDeps,
  worker: WorkerRecord,
  leaseId: string,
  result: { status: "built" | "failed"; reason?: string },
): Promise<{ status: "built" | "failed"; unblocked: number }> {
  return recordResult(deps, () => currentLease(deps, leaseId, worker), result, { worker: worker.name });
}

/**
 * How every build ends with a result, whoever reports it (a worker's lease, a pipeline's token, the
 * pipeline follower): `current` runs inside the transaction and throws when the reporter may not report.
 */
export async function recordResult(
  deps: ServerDeps,
  current: () => BuildRecord,
  result: { status: "built" | "failed"; reason?: string },
  who: Record<string, unknown>,
): Promise<{ status: "built" | "failed"; unblocked: number }> {
  // A build reported built has its packages in the repository (listed by its database) before anyone can
  // see it built: a packager or a dependent's build may install them at once. So the staged files move
  // first; should the result then be refused (the lease ended meanwhile), they are taken out again.
  let promoted: { ns: string; build: BuildRecord; files: ArtifactRecord[] } | null = null;
  if (result.status === "built") {
    const { b, staged } = inTransaction(deps.db, () => {
      const b = current();
      return { b, staged: uploadedAll(deps, b).filter((a) => a.staged) };
    });
    const ns = getNamespaceById(deps.db, b.namespaceId);
    if (ns) {
      await deps.publisher.promote(ns.name, b, staged);
      promoted = { ns: ns.name, build: b, files: staged };
    }
  }
  let committed: ReturnType<typeof settle>;
  try {
    committed = inTransaction(deps.db, () => settle(deps, current(), result));
  } catch (error) {
    if (promoted) void deps.publisher.withdraw(promoted.ns, promoted.build, promoted.files).catch(() => {});
    throw error;
  }
  const { build, unblocked, durationMs } = committed;
  if (result.status === "built" && durationMs !== null)
    deps.planning.recordDuration({ pkgbase: build.pkgbase, arch: build.arch, ms: durationMs });

  deps.metrics.buildEnded(build, result.status, deps.now());
  const ns = getNamespaceById(deps.db, build.namespaceId);
  if (result.status === "failed") await deps.publisher.discard(build.id);
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

/** The result's state change, in the caller's transaction: built (uploads published, dependents unblocked) or failed. */
function settle(
  deps: ServerDeps,
  b: BuildRecord,
  result: { status: "built" | "failed"; reason?: string },
): { build: BuildRecord; unblocked: BuildRecord[]; durationMs: number | null } {
  const finishedAt = isoNow(deps);
  // Every build's duration is recorded (pipelines too); estimates learn from the successful ones.
  const durationMs = b.startedAt ? Math.max(0, Date.parse(finishedAt) - Date.parse(b.startedAt)) : null;
  let ready: BuildRecord[] = [];
  if (result.status === "built") {
    uploadedAll(deps, b);
    moveBuild(deps, b, "succeeded", { finishedAt, durationMs, failureReason: null });
    publishStaged(deps.db, b.id);
    ready = unblockDependents(deps, b);
  } else {
    moveBuild(deps, b, "failed", { finishedAt, durationMs, failureReason: result.reason ?? "the build failed" });
  }
  clearLease(deps.db, b.id);
  return { build: b, unblocked: ready, durationMs };
}

/** The build's uploads, when every expected package is among them; Invalid naming the missing ones otherwise. */
function uploadedAll(deps: ServerDeps, b: BuildRecord): ArtifactRecord[] {
  const all = listBuildArtifacts(deps.db, b.id);
  const uploaded = new Set(all.map((a) => a.fileName));
  const missing = expectedFiles(b.spec).filter((f) => !uploaded.has(f));
  if (missing.length > 0)
    throw new Invalid(`upload these packages before reporting the build built: ${missing.join(", ")}`);
  return all;
}

// How a namespace's latest iteration ended, if it has: finished (all built) or failed (nothing left to run and
// something failed or is blocked). An older iteration, or one still running, has no outcome.
import type { NamespaceRecord } from "../../core/records";
import { countByStatus, listIterationBuilds } from "../../db/builds";
import { latestIterationId } from "../../db/iterations";
import { getNamespaceById } from "../../db/namespaces";
import type { ServerDeps } from "../deps";

export interface IterationOutcome {
  type: "namespace.finished" | "namespace.failed";
  namespace: NamespaceRecord;
  /** Builds by status. */
  counts: Record<string, number>;
}

export function iterationOutcome(
  deps: Pick<ServerDeps, "db">,
  namespaceId: number,
  iterationId: number,
): IterationOutcome | null {
  if (latestIterationId(deps.db, namespaceId) !== iterationId) return null;
  const counts = countByStatus(deps.db, [iterationId]).get(iterationId) ?? {};
  if ((counts.pending ?? 0) + (counts.scheduled ?? 0) + (counts.building ?? 0) > 0) return null;
  const namespace = getNamespaceById(deps.db, namespaceId);
  if (!namespace) return null;
  const failed = (counts.failed ?? 0) > 0 || (counts.blocked ?? 0) > 0;
  return { type: failed ? "namespace.failed" : "namespace.finished", namespace, counts };
}

/** The iteration's failed builds (at most `limit`), with why each failed. */
export function failedBuilds(
  deps: Pick<ServerDeps, "db">,
  iterationId: number,
  limit: number,
): { pkgbase: string; arch: string; reason: string | null }[] {
  return listIterationBuilds(deps.db, iterationId)
    .filter((b) => b.status === "failed")
    .slice(0, limit)
    .map((b) => ({ pkgbase: b.pkgbase, arch: b.arch, reason: b.failureReason }));
}

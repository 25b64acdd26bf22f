import { listBuildsByStatus } from "../../db/builds";
import type { ServerDeps } from "../deps";

/** Offer every pending build of an iteration to the scheduler (after creation, resume, restart). */
export function enqueuePending(deps: ServerDeps, iterationId: number): number {
  const pending = listBuildsByStatus(deps.db, ["pending"], [iterationId]);
  for (const b of pending) {
    deps.scheduler.enqueue({ id: b.id, namespaceId: b.namespaceId, arch: b.arch, position: b.position });
  }
  return pending.length;
}

import { listBuildsByStatus } from "../../db/builds";
import type { ServerDeps } from "../deps";

/** Offer every pending build of an iteration to the scheduler (after creation, resume, restart). */
export function enqueuePending(deps: ServerDeps, iterationId: number): number {
  const pending = listBuildsByStatus(deps.db, ["pending"], [iterationId]);
  for (const b of pending) deps.scheduler.enqueue(b);
  return pending.length;
}

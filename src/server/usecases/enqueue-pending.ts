import { listQueueable } from "../../db/builds";
import type { ServerDeps } from "../deps";

/** Offer every pending build of an iteration to the scheduler (after creation, resume, restart). */
export function enqueuePending(deps: ServerDeps, iterationId: number): number {
  const pending = listQueueable(deps.db, [iterationId]);
  for (const b of pending) deps.scheduler.enqueue(b);
  return pending.length;
}

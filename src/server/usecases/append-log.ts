import { Invalid } from "../../core/errors";
import type { BuildRecord, WorkerRecord } from "../../core/records";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { markBuilding } from "./build-lifecycle";
import { currentLease } from "./current-lease";

const MAX_CHUNK = 1024 * 1024;

export function appendBuildLog(deps: ServerDeps, worker: WorkerRecord, leaseId: string, text: string): void {
  appendLogTo(deps, () => currentLease(deps, leaseId, worker), text);
}

/** A log chunk for the build `current` names (a worker's lease or a pipeline's token). */
export function appendLogTo(deps: ServerDeps, current: () => BuildRecord, text: string): void {
  if (text.length > MAX_CHUNK) throw new Invalid(`log chunks are limited to ${MAX_CHUNK} bytes; send smaller chunks`);
  const { build, started } = inTransaction(deps.db, () => {
    const b = current();
    return { build: b, started: markBuilding(deps, b) };
  });
  started.announce();
  if (text.length > 0) deps.logs.append(build.id, text);
  deps.events.emit({ type: "log", buildId: build.id });
}

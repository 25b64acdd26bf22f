// A worker has disappeared (a lease it held expired, or it went silent): tell the webhooks, once per
// absence — it is announced again only after it was seen in between.
import { listWorkers } from "../../db/workers";
import type { ServerDeps } from "../deps";

/** Last sighting of each worker when it was announced lost. */
const lostAt = new WeakMap<ServerDeps, Map<string, string | null>>();

export function announceWorkerLost(deps: ServerDeps, name: string, why: string, build?: Record<string, unknown>): void {
  if (!deps.webhooks.enabled) return;
  const seen = listWorkers(deps.db).find((w) => w.name === name)?.lastSeen ?? null;
  const announced = lostAt.get(deps) ?? new Map<string, string | null>();
  lostAt.set(deps, announced);
  if (announced.has(name) && announced.get(name) === seen) return;
  announced.set(name, seen);
  deps.webhooks.emit({
    type: "worker.lost",
    worker: { name, last_seen: seen },
    reason: why,
    ...(build ? { build } : {}),
  });
}

/** Workers not seen for at least `forMs`, with how long each has been silent (never-seen ones are not listed). */
export function silentWorkers(
  deps: Pick<ServerDeps, "db" | "now">,
  forMs: number,
): { name: string; silentMs: number }[] {
  const now = deps.now();
  return listWorkers(deps.db)
    .filter((w) => w.lastSeen !== null)
    .map((w) => ({ name: w.name, silentMs: now - Date.parse(w.lastSeen!) }))
    .filter((w) => w.silentMs >= forMs);
}

// What the outgoing webhooks announce, decided from what the server already does: a namespace's latest
// iteration ending (finished: all built; failed: nothing left to run and something failed), and a worker
// disappearing (a lease it held expired, or it has not asked for work for a long while). Each is sent
// once: per iteration and outcome, per worker until it is seen again.

import { api } from "../../api/routes";
import type { NamespaceRecord } from "../../core/records";
import type { ServerDeps } from "../deps";
import { announceWorkerLost, silentWorkers } from "../usecases/announce-worker-lost";
import { checkRelease } from "../usecases/check-release";
import { failedBuilds, iterationOutcome } from "../usecases/iteration-outcome";
import { every } from "./periodic";

/** A worker not seen for this long (several long polls and heartbeats missed) has disappeared. */
const lostAfterMs = (deps: ServerDeps) => 3 * Math.max(deps.config.leaseTtlMs, 60_000);

export function startOutcomeNotifications(deps: ServerDeps, signal: AbortSignal): void {
  if (!deps.webhooks.enabled) return;
  const announced = new Set<string>();
  const unsubscribe = deps.events.subscribe((event) => {
    if (event.type !== "build" || (event.status !== "built" && event.status !== "failed")) return;
    try {
      iterationEnded(deps, event.namespaceId, event.iterationId, announced);
    } catch (error) {
      deps.log.error("webhook event failed", { namespace_id: event.namespaceId, error: String(error) });
    }
  });
  signal.addEventListener("abort", unsubscribe, { once: true });
  every("worker watch", 30_000, signal, deps.log, async () => {
    for (const w of silentWorkers(deps, lostAfterMs(deps)))
      announceWorkerLost(deps, w.name, `not seen for ${Math.round(w.silentMs / 1000)} s`);
  });
}

function iterationEnded(deps: ServerDeps, namespaceId: number, iterationId: number, announced: Set<string>): void {
  const outcome = iterationOutcome(deps, namespaceId, iterationId);
  if (!outcome) return;
  const { type, namespace: ns, counts } = outcome;
  const key = `${iterationId}:${type}`;
  if (announced.has(key)) return;
  announced.add(key);
  const failed = type === "namespace.failed" ? failedBuilds(deps, iterationId, 50) : undefined;
  deps.webhooks.emit({
    type,
    ...namespaceFields(deps, ns),
    iteration: { id: iterationId, counts },
    ...(failed ? { failed } : {}),
  });
  if (type === "namespace.finished") setTimeout(() => announceIfReleasable(deps, ns, iterationId, counts), 0);
}

/**
 * A finished iteration the release check passes (every architecture releasable: nothing left unmet) is
 * announced as releasable. The check reads the universe at main, so it runs after the event, not inside it.
 */
function announceIfReleasable(
  deps: ServerDeps,
  ns: NamespaceRecord,
  iterationId: number,
  counts: Record<string, number>,
): void {
  try {
    const release = checkRelease(deps, ns.name, { iteration: iterationId });
    if (!release.current || !release.releasable) return;
    deps.webhooks.emit({
      type: "namespace.releasable",
      ...namespaceFields(deps, ns),
      iteration: { id: iterationId, counts },
      release_url: `${deps.config.baseUrl}${api.release(ns.name)}`,
      architectures: Object.keys(release.architectures),
    });
  } catch (error) {
    deps.log.error("release check for the webhook failed", { namespace: ns.name, error: String(error) });
  }
}

const namespaceFields = (deps: ServerDeps, ns: NamespaceRecord) => ({
  namespace: {
    name: ns.name,
    status: ns.status,
    url: `${deps.config.baseUrl}/namespaces/${encodeURIComponent(ns.name)}`,
  },
});

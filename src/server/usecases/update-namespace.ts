// Cancel, resume, or edit a namespace's origin changesets.
import { Conflict, NotFound } from "../../core/errors";
import { formatOriginChangeset, parseOriginChangeset } from "../../core/names";
import type { NamespaceRecord, NamespaceStatus } from "../../core/records";
import { clearLease, listNamespaceLeases } from "../../db/builds";
import { latestIteration } from "../../db/iterations";
import { findNamespace, setNamespaceStatus, setOriginChangesets } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { isoNow, moveBuild } from "./build-lifecycle";
import { checkOrigins } from "./create-namespace";
import { enqueuePending } from "./enqueue-pending";

export function requireNamespace(deps: ServerDeps, name: string): NamespaceRecord {
  const ns = findNamespace(deps.db, name);
  if (!ns) throw new NotFound(`no namespace named ${name}`);
  return ns;
}

export async function updateNamespace(
  deps: ServerDeps,
  name: string,
  patch: { status?: NamespaceStatus; origin_changesets?: string[] },
): Promise<NamespaceRecord> {
  let ns = requireNamespace(deps, name);
  if (patch.origin_changesets) {
    const origins = patch.origin_changesets.map(parseOriginChangeset);
    await checkOrigins(deps, origins);
    setOriginChangesets(deps.db, ns.id, origins.map(formatOriginChangeset), isoNow(deps));
    // Reading the origins let other requests in: decide on what the namespace is now.
    ns = requireNamespace(deps, name);
  }
  if (patch.status === "cancelled" && ns.status !== "cancelled") cancel(deps, ns);
  if (patch.status === "active" && ns.status !== "active") resume(deps, ns);
  if (patch.origin_changesets && (patch.status ?? ns.status) === "active") void deps.requestRecompute(ns.id);
  return requireNamespace(deps, name);
}

/** No new builds or iterations; running builds lose their leases (workers stop them on the next heartbeat). */
function cancel(deps: ServerDeps, ns: NamespaceRecord): void {
  const revoked = inTransaction(deps.db, () => {
    setNamespaceStatus(deps.db, ns.id, "cancelled", isoNow(deps));
    const leased = listNamespaceLeases(deps.db, ns.id);
    for (const b of leased) {
      clearLease(deps.db, b.id);
      // A revoked lease is not the build's fault: it does not count as an attempt.
      moveBuild(deps, b, "lease_lost", { attempts: Math.max(0, b.attempts - 1) });
    }
    return leased;
  });
  deps.scheduler.remove((b) => b.namespaceId === ns.id);
  deps.log.info("namespace cancelled", { namespace: ns.name, revoked_leases: revoked.length });
  deps.events.emit({ type: "namespace", namespaceId: ns.id });
}

/** Resuming re-checks at once (src/core/README.md, Iterations) and offers the pending builds again. */
function resume(deps: ServerDeps, ns: NamespaceRecord): void {
  setNamespaceStatus(deps.db, ns.id, "active", isoNow(deps));
  const it = latestIteration(deps.db, ns.id);
  const offered = it ? enqueuePending(deps, it.id) : 0;
  deps.log.info("namespace resumed", { namespace: ns.name, pending: offered });
  deps.events.emit({ type: "namespace", namespaceId: ns.id });
  void deps.requestRecompute(ns.id);
}

export function assertActive(ns: NamespaceRecord): void {
  if (ns.status !== "active") throw new Conflict(`namespace ${ns.name} is cancelled; resume it first`);
}

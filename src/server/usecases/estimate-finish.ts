// When will an iteration be done? Simulate the rest of its schedule: the remaining graph, each build's
// estimate, what is running and for how long, on as many slots as served the namespace lately, ready
// builds started in the scheduler's order. Failed builds and what waits for them never finish, so they
// are left out and counted instead.
import type { Eta } from "../../api/schemas";
import { type RemainingNode, simulateRemaining } from "../../core/critical-path";
import type { IterationRecord, NamespaceRecord } from "../../core/records";
import { listIterationProgress } from "../../db/builds";
import type { ServerDeps } from "../deps";

/** Recent answers per iteration: lists ask for every namespace, and nothing changes between two events. */
const cache = new WeakMap<ServerDeps, Map<number, { stamp: string; at: number; eta: Eta | null }>>();
const CACHE_MS = 5000;

/**
 * The iteration's expected finish, or null when nothing is left to build (or nothing left can be).
 * `current`: whether its builds may still start (latest iteration of an active namespace).
 */
export function estimateFinish(
  deps: ServerDeps,
  it: Pick<IterationRecord, "id" | "namespaceId">,
  current: boolean,
): Eta | null {
  if (!current) return null;
  const now = deps.now();
  // The change count moves when a status is written (moveBuild touches it), not only when it is announced.
  const stamp = `${deps.planning.estimates.version}:${deps.events.changesOf(it.namespaceId)}`;
  const perDeps = cache.get(deps) ?? new Map();
  cache.set(deps, perDeps);
  const hit = perDeps.get(it.id);
  if (hit && hit.stamp === stamp && now - hit.at < CACHE_MS) return hit.eta;
  const eta = simulate(deps, it, now);
  if (perDeps.size > 256) perDeps.clear();
  perDeps.set(it.id, { stamp, at: now, eta });
  return eta;
}

/** The latest iteration's expected finish, as lists show it; null for a cancelled namespace. */
export function latestEta(deps: ServerDeps, ns: NamespaceRecord, iterationId: number | undefined): Eta | null {
  if (iterationId === undefined) return null;
  return estimateFinish(deps, { id: iterationId, namespaceId: ns.id }, ns.status === "active");
}

function simulate(deps: ServerDeps, it: Pick<IterationRecord, "id" | "namespaceId">, now: number): Eta | null {
  const rows = listIterationProgress(deps.db, it.id);
  let remainingMs = 0;
  let left = 0;
  let unfinishable = 0;
  const slotsByArch: Record<string, number> = {};
  for (const arch of new Set(rows.map((r) => r.arch))) {
    const index = deps.graphs.get(it.id, arch);
    const status = new Map(rows.filter((r) => r.arch === arch).map((r) => [r.pkgbase, r]));
    const dead = new Set<string>();
    const nodes: RemainingNode[] = [];
    for (const pkgbase of index.nodes) {
      const row = status.get(pkgbase);
      if (!row || row.status === "built") continue;
      const depsOf = index.deps.get(pkgbase) ?? [];
      if (row.status === "failed" || depsOf.some((d) => dead.has(d))) {
        dead.add(pkgbase);
        continue;
      }
      const running = row.status === "scheduled" || row.status === "building";
      nodes.push({
        node: pkgbase,
        deps: depsOf,
        state: running ? "running" : "waiting",
        elapsedMs: running && row.startedAt ? Math.max(0, now - Date.parse(row.startedAt)) : 0,
      });
    }
    unfinishable += dead.size;
    if (nodes.length === 0) continue;
    left += nodes.length;
    const slots = deps.planning.slotsFor(it.namespaceId, arch);
    slotsByArch[arch] = slots;
    const paths = deps.planning.remainingPaths(it.id, arch);
    const position = new Map(index.nodes.map((n, i) => [n, i]));
    const priority =
      deps.planning.order === "critical-path"
        ? (n: string) => paths.get(n) ?? 0
        : (n: string) => -(position.get(n) ?? 0);
    const ms = simulateRemaining(nodes, slots, (n) => deps.planning.estimate(n, arch).ms, priority);
    remainingMs = Math.max(remainingMs, ms);
  }
  if (left === 0) return null;
  return {
    remaining_ms: Math.round(remainingMs),
    finish_at: new Date(now + remainingMs).toISOString(),
    builds_left: left,
    unfinishable,
    slots: slotsByArch,
  };
}

import { countByStatus } from "../../db/builds";
import { listIterationSummaries } from "../../db/iterations";
import { listNamespaces as listRows } from "../../db/namespaces";
import { yieldToRequests } from "../../lib/yield";
import type { ServerDeps } from "../deps";
import { latestEta } from "./estimate-finish";
import { namespaceJson } from "./show-namespace";

/** Status counts of latest iterations, kept until their namespace's next event (lists are polled). */
const counted = new WeakMap<ServerDeps, Map<number, { stamp: number; counts: Record<string, number> }>>();

function countsOf(deps: ServerDeps, namespaceId: number, iterationId: number): Record<string, number> {
  const kept = counted.get(deps) ?? new Map<number, { stamp: number; counts: Record<string, number> }>();
  counted.set(deps, kept);
  const stamp = deps.events.changesOf(namespaceId);
  const hit = kept.get(iterationId);
  if (hit?.stamp === stamp) return hit.counts;
  const counts = countByStatus(deps.db, [iterationId]).get(iterationId) ?? {};
  if (kept.size > 256) kept.clear();
  kept.set(iterationId, { stamp, counts });
  return counts;
}

/**
 * Every namespace with its latest iteration's counts and ETA. One namespace at a time, with other
 * requests let in between: the counts and the ETA (a simulation of the rest of its schedule) of a
 * namespace of tens of thousands of builds take a while each.
 */
export async function listNamespaces(deps: ServerDeps, opts: { all: boolean }) {
  const rows = listRows(deps.db, opts);
  const summaries = listIterationSummaries(
    deps.db,
    rows.map((r) => r.id),
  );
  const latest = new Map<number, (typeof summaries)[number]>();
  for (const s of summaries) if (!latest.has(s.namespaceId)) latest.set(s.namespaceId, s);
  const namespaces = [];
  for (const ns of rows) {
    const it = latest.get(ns.id);
    namespaces.push({
      ...namespaceJson(ns),
      latest_iteration: it ? { id: it.id, reason: it.reason, created_at: it.createdAt } : null,
      counts: it ? countsOf(deps, ns.id, it.id) : {},
      eta: latestEta(deps, ns, it?.id),
    });
    await yieldToRequests();
  }
  return { namespaces };
}

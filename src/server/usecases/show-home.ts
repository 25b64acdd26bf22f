// The home page's read model: every namespace with its latest iteration's progress (list-namespaces.ts),
// the builds running anywhere (builds.ts) and the workers with what they are building.
import type { z } from "zod";
import type { NamespaceList } from "../../api/schemas";
import { countByStatus, listLeasedBuilds } from "../../db/builds";
import { listIterationSummaries } from "../../db/iterations";
import { getNamespaceById } from "../../db/namespaces";
import { listWorkers } from "../../db/workers";
import type { ServerDeps } from "../deps";
import { listBuilds } from "./builds";
import { latestEta } from "./estimate-finish";
import { listNamespaces } from "./list-namespaces";
import { namespaceJson } from "./show-namespace";

export type NamespaceRow = z.infer<typeof NamespaceList>["namespaces"][number];
export type RunningBuild = ReturnType<typeof listBuilds>["builds"][number];

export interface WorkerRow {
  name: string;
  architectures: string[];
  lastSeen: string | null;
  builds: { id: number; pkgbase: string; namespace: string; arch: string }[];
}

export interface Home {
  namespaces: NamespaceRow[];
  running: RunningBuild[];
  workers: WorkerRow[];
}

export async function showHome(deps: ServerDeps): Promise<Home> {
  return {
    namespaces: (await listNamespaces(deps, { all: true })).namespaces,
    running: showRunning(deps),
    workers: showWorkers(deps),
  };
}

export const showRunning = (deps: ServerDeps): RunningBuild[] =>
  listBuilds(deps, ["scheduled", "building"]).builds.sort(
    (a, b) => (a.started_at ?? "").localeCompare(b.started_at ?? "") || a.id - b.id,
  );

export function showWorkers(deps: ServerDeps): WorkerRow[] {
  const leased = listLeasedBuilds(deps.db);
  const names = new Map<number, string>();
  const nameOf = (id: number) => names.get(id) ?? names.set(id, getNamespaceById(deps.db, id)?.name ?? "?").get(id)!;
  return listWorkers(deps.db)
    .map((w) => ({
      name: w.name,
      architectures: w.architectures,
      lastSeen: w.lastSeen,
      builds: leased
        .filter((b) => b.leaseWorker === w.name)
        .map((b) => ({ id: b.id, pkgbase: b.pkgbase, namespace: nameOf(b.namespaceId), arch: b.arch })),
    }))
    .sort((a, b) => (b.lastSeen ?? "").localeCompare(a.lastSeen ?? "") || a.name.localeCompare(b.name));
}

/** One namespace's row (for live updates of the home page), or null if it is gone. */
export function showNamespaceRow(deps: ServerDeps, namespaceId: number): NamespaceRow | null {
  const ns = getNamespaceById(deps.db, namespaceId);
  if (!ns) return null;
  const it = listIterationSummaries(deps.db, [ns.id])[0];
  return {
    ...namespaceJson(ns),
    latest_iteration: it ? { id: it.id, reason: it.reason, created_at: it.createdAt } : null,
    counts: it ? (countByStatus(deps.db, [it.id]).get(it.id) ?? {}) : {},
    eta: latestEta(deps, ns, it?.id),
  };
}

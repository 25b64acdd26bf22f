// Builds across namespaces and their logs.

import type { BuildStatus } from "../../core/build-states";
import { NotFound } from "../../core/errors";
import { getBuild, listBuildsByStatus } from "../../db/builds";
import { getNamespaceById } from "../../db/namespaces";
import type { ServerDeps } from "../deps";
import { buildJson, showNamespace } from "./show-namespace";

export function showBuild(deps: ServerDeps, id: number) {
  const b = getBuild(deps.db, id);
  if (!b) throw new NotFound(`no build with id ${id}`);
  const ns = getNamespaceById(deps.db, b.namespaceId)!;
  // The names its spec builds are its graph node's (both come from the .SRCINFO for this architecture):
  // no need to read the iteration's whole graph for one build (log.txt asks this on every read).
  const pkgnames = b.spec.packages.map((p) => p.pkgname);
  const blockedBy = b.status === "blocked" ? (deps.graphs.get(b.iterationId, b.arch).deps.get(b.pkgbase) ?? []) : [];
  return {
    ...buildJson(deps, b, pkgnames, blockedBy),
    namespace: ns.name,
    iteration: b.iterationId,
  };
}

export function listBuilds(deps: ServerDeps, statuses: BuildStatus[]) {
  const names = new Map<number, string>();
  const nameOf = (id: number) => names.get(id) ?? names.set(id, getNamespaceById(deps.db, id)?.name ?? "?").get(id)!;
  return {
    builds: listBuildsByStatus(deps.db, statuses).map((b) => ({
      ...buildJson(deps, b, [], []),
      namespace: nameOf(b.namespaceId),
      iteration: b.iterationId,
    })),
  };
}

export function buildLog(deps: ServerDeps, id: number, offset: number) {
  const b = getBuild(deps.db, id);
  if (!b) throw new NotFound(`no build with id ${id}`);
  const { text, end } = deps.logs.read(id, offset);
  // Finished once the build ended and this read reached the end of its log (reads are bounded).
  const finished = (b.status === "built" || b.status === "failed") && end >= deps.logs.length(id);
  return { build_id: id, offset: end, text, finished };
}

/** The builds of one iteration (latest by default), optionally filtered by architecture and status. */
export function listNamespaceBuilds(
  deps: ServerDeps,
  name: string,
  q: { iteration?: number; arch?: string; status?: BuildStatus[] },
) {
  const detail = showNamespace(deps, name, { iteration: q.iteration, arch: q.arch });
  const it = detail.iteration;
  if (!it) return { builds: [] };
  const builds = Object.values(it.architectures)
    .flatMap((a) => a.nodes)
    .filter((n) => !q.status || q.status.includes(n.status))
    .map((n) => ({ ...n, namespace: name, iteration: it.id }));
  return { builds };
}

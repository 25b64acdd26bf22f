// src/core/README.md, Iterations: a namespace gets a new iteration when it has none, its origins were edited, its graph
// changed, or a user asked. Builds of the new iteration start blocked or pending; the old ones stop.
import { buildSpec } from "../../core/build-spec";
import { DomainError } from "../../core/errors";
import type { Planner } from "../../core/graph";
import { diffGraphs, isEmptyDiff } from "../../core/graph-diff";
import { parseOriginChangeset } from "../../core/names";
import type { IterationReason, IterationRecord, NamespaceRecord } from "../../core/records";
import type { SourceEntry } from "../../core/types";
import { insertBuilds, type NewBuild } from "../../db/builds";
import { insertIteration, latestIteration } from "../../db/iterations";
import { getNamespaceById, setNamespaceProblem } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { enqueuePending } from "./enqueue-pending";

export async function recomputeNamespace(
  deps: ServerDeps,
  namespaceId: number,
  opts: { retry?: boolean } = {},
): Promise<IterationRecord | null> {
  const ns = getNamespaceById(deps.db, namespaceId);
  // A cancelled namespace gets no new iterations (src/core/README.md, Iterations).
  if (ns?.status !== "active") return null;

  let originEntries: SourceEntry[];
  let planned: ReturnType<Planner["plan"]>;
  try {
    originEntries = ns.originChangesets.map((o) => {
      const { pkgbase, ref } = parseOriginChangeset(o);
      return deps.catalog.readAt(pkgbase, ref);
    });
    planned = deps.catalog.planner().plan(originEntries, { include: ns.include, defaultArch: deps.config.defaultArch });
  } catch (error) {
    // The packager's to fix (a deleted branch, a broken .SRCINFO): shown on the namespace and retried on
    // every ref check, while the latest iteration stays as it is.
    if (error instanceof DomainError) noteProblem(deps, ns, error.message);
    throw error;
  }
  if (ns.problem !== null) noteProblem(deps, ns, null);
  const graph = planned.architectures;

  const latest = latestIteration(deps.db, ns.id);
  let reason: IterationReason;
  let diff = null;
  if (!latest) reason = "first";
  else if (opts.retry) reason = "retry";
  else if (JSON.stringify(latest.originChangesets) !== JSON.stringify(ns.originChangesets))
    reason = "origin_changesets_changed";
  else {
    diff = diffGraphs(latest.graph, graph);
    if (isEmptyDiff(diff)) return null;
    reason = "graph_changed";
  }
  if (reason !== "graph_changed" && latest) diff = diffGraphs(latest.graph, graph);

  const entryFor = (pkgbase: string) => originEntries.find((e) => e.pkgbase === pkgbase) ?? deps.catalog.entry(pkgbase);

  const iteration = inTransaction(deps.db, () => {
    const it = insertIteration(deps.db, {
      namespaceId: ns.id,
      reason,
      diff,
      origins: originEntries.map((e) => ({ pkgbase: e.pkgbase, ref: e.ref, commit: e.commit })),
      originChangesets: ns.originChangesets,
      graph,
    });
    const rows: NewBuild[] = [];
    for (const [arch, g] of Object.entries(graph)) {
      const hasDeps = new Set(g.edges.map(([, to]) => to));
      g.nodes.forEach((node, position) => {
        const entry = entryFor(node.pkgbase);
        if (!entry) throw new Error(`no source entry for graph node ${node.pkgbase}`);
        rows.push({
          iterationId: it.id,
          namespaceId: ns.id,
          arch,
          pkgbase: node.pkgbase,
          commit: node.commit,
          ref: node.ref,
          position,
          status: hasDeps.has(node.pkgbase) ? "blocked" : "pending",
          spec: buildSpec(entry.srcinfo, arch),
        });
      });
    }
    insertBuilds(deps.db, rows);
    return it;
  });

  // Builds of a superseded iteration are not started; running ones may finish.
  deps.scheduler.remove((b) => b.namespaceId === ns.id);
  if (ns.status === "active") enqueuePending(deps, iteration.id);
  const nodes = Object.values(graph).reduce((n, g) => n + g.nodes.length, 0);
  deps.log.info("iteration created", { namespace: ns.name, iteration: iteration.id, reason, nodes });
  deps.events.emit({ type: "iteration", namespaceId: ns.id, iterationId: iteration.id });
  return iteration;
}

function noteProblem(deps: ServerDeps, ns: NamespaceRecord, problem: string | null): void {
  if (ns.problem === problem) return;
  setNamespaceProblem(deps.db, ns.id, problem);
  if (problem) deps.log.warn("namespace sources unusable", { namespace: ns.name, problem });
  else deps.log.info("namespace sources usable again", { namespace: ns.name });
  deps.events.emit({ type: "namespace", namespaceId: ns.id });
}

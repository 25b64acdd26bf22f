// Retry: a whole namespace (a new iteration, reason `retry`) or one failed build (back to pending,
// or blocked when a dependency is not built any more).
import { Conflict, NotFound } from "../../core/errors";
import type { BuildRecord, IterationRecord } from "../../core/records";
import { statusesOf } from "../../db/builds";
import { getIterationById, latestIteration } from "../../db/iterations";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { moveBuild } from "./build-lifecycle";
import { recomputeNamespace } from "./recompute-namespace";
import { assertActive, requireNamespace } from "./update-namespace";

/** `rebuildAll`: build every node again, even those an earlier build of the namespace already produced. */
export async function retryNamespace(
  deps: ServerDeps,
  name: string,
  opts: { rebuildAll?: boolean } = {},
): Promise<IterationRecord> {
  const ns = requireNamespace(deps, name);
  assertActive(ns);
  const id = await recomputeNamespace(deps, ns.id, { retry: true, rebuildAll: opts.rebuildAll });
  const it = id === null ? null : getIterationById(deps.db, id);
  if (!it) throw new Conflict(`namespace ${name} could not be recomputed`);
  return it;
}

export function retryNode(deps: ServerDeps, name: string, pkgbase: string, arch?: string): BuildRecord {
  const ns = requireNamespace(deps, name);
  assertActive(ns);
  const it = latestIteration(deps.db, ns.id);
  if (!it) throw new NotFound(`namespace ${name} has no iteration yet`);
  const arches = arch ? [arch] : Object.keys(it.graph);
  const candidates = arches
    .map((a) => statusesOf(deps.db, it.id, a, [pkgbase]).get(pkgbase))
    .filter((b): b is BuildRecord => b !== undefined);
  if (candidates.length === 0)
    throw new NotFound(`${pkgbase} is not in namespace ${name}'s latest iteration${arch ? ` for ${arch}` : ""}`);
  const failed = candidates.filter((b) => b.status === "failed");
  if (failed.length === 0)
    throw new Conflict(
      `${pkgbase} has not failed (status: ${candidates.map((b) => `${b.arch} ${b.status}`).join(", ")})`,
    );

  const updated = inTransaction(deps.db, () =>
    failed.map((b) => {
      const index = deps.graphs.get(b.iterationId, b.arch);
      const depsOf = index.deps.get(b.pkgbase) ?? [];
      const statuses = statusesOf(deps.db, b.iterationId, b.arch, depsOf);
      const ready = depsOf.every((d) => statuses.get(d)?.status === "built");
      // A retry starts afresh: attempts count from zero again.
      let status = moveBuild(deps, b, "retried", { attempts: 0, failureReason: null, finishedAt: null });
      if (!ready) status = moveBuild(deps, { ...b, status }, "dependency_unbuilt");
      return { ...b, status, attempts: 0 };
    }),
  );
  for (const b of updated) {
    if (b.status === "pending") deps.scheduler.enqueue(b);
    deps.log.info("build retried", { namespace: name, iteration: b.iterationId, pkgbase: b.pkgbase, arch: b.arch });
    deps.events.emit({
      type: "build",
      namespaceId: b.namespaceId,
      iterationId: b.iterationId,
      buildId: b.id,
      status: b.status,
    });
  }
  return updated[0]!;
}

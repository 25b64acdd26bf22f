// Cancelling a namespace cancels its pipelines (src/gitlab/README.md, GitLab mode): each open dispatch is marked
// cancelling (the follower tells GitLab) and its build goes back to pending, like a revoked lease, without counting the
// attempt. Resuming the namespace dispatches those builds again.
import { getBuild } from "../../db/builds";
import { listOpenDispatchesOfNamespace, updateDispatch } from "../../db/pipelines";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { isoNow, moveBuild } from "./build-lifecycle";
import { dispatchHolds } from "./pipeline-build-access";

export function stopNamespacePipelines(deps: ServerDeps, namespaceId: number, reason: string): number {
  const stopped = inTransaction(deps.db, () => {
    const open = listOpenDispatchesOfNamespace(deps.db, namespaceId).filter((d) => d.state !== "cancelling");
    const builds = [];
    for (const d of open) {
      updateDispatch(deps.db, d.id, { state: "cancelling", note: reason }, isoNow(deps));
      const b = getBuild(deps.db, d.buildId);
      if (!dispatchHolds(deps, d, b)) continue;
      moveBuild(deps, b, "lease_lost", { attempts: Math.max(0, b.attempts - 1), startedAt: null });
      builds.push(b);
    }
    return { dispatches: open.length, builds };
  });
  for (const b of stopped.builds) {
    deps.events.emit({ type: "build", namespaceId, iterationId: b.iterationId, buildId: b.id, status: "pending" });
  }
  if (stopped.dispatches > 0) {
    deps.log.info("cancelling pipelines", { namespace_id: namespaceId, pipelines: stopped.dispatches, reason });
    deps.gitlab?.wake();
  }
  return stopped.dispatches;
}

// Which active namespaces a source change may concern (src/core/README.md, Iterations): one without an
// iteration yet, one whose origin moved, or one whose latest graph mayAffect says the change reaches.
import { mayAffect } from "../../core/affected";
import { parseOriginChangeset } from "../../core/names";
import { latestIteration } from "../../db/iterations";
import { listNamespaces } from "../../db/namespaces";
import type { ServerDeps } from "../deps";

/** The ids of the active namespaces whose inputs `changed` (pkgbases whose sources moved) may have changed. */
export function affectedNamespaces(deps: ServerDeps, changed: readonly string[]): number[] {
  return listNamespaces(deps.db, { all: false })
    .filter((ns) => {
      if (ns.originChangesets.some((o) => changed.includes(parseOriginChangeset(o).pkgbase))) return true;
      const latest = latestIteration(deps.db, ns.id);
      return latest === null || mayAffect(latest.graph, [...changed], (p) => deps.catalog.entry(p));
    })
    .map((ns) => ns.id);
}

import { countByStatus } from "../../db/builds";
import { listIterationSummaries } from "../../db/iterations";
import { listNamespaces as listRows } from "../../db/namespaces";
import type { ServerDeps } from "../deps";
import { latestEta } from "./estimate-finish";
import { namespaceJson } from "./show-namespace";

export function listNamespaces(deps: ServerDeps, opts: { all: boolean }) {
  const rows = listRows(deps.db, opts);
  const summaries = listIterationSummaries(
    deps.db,
    rows.map((r) => r.id),
  );
  const latest = new Map<number, (typeof summaries)[number]>();
  for (const s of summaries) if (!latest.has(s.namespaceId)) latest.set(s.namespaceId, s);
  const counts = countByStatus(
    deps.db,
    [...latest.values()].map((s) => s.id),
  );
  return {
    namespaces: rows.map((ns) => {
      const it = latest.get(ns.id);
      return {
        ...namespaceJson(ns),
        latest_iteration: it ? { id: it.id, reason: it.reason, created_at: it.createdAt } : null,
        counts: it ? (counts.get(it.id) ?? {}) : {},
        eta: latestEta(deps, ns, it?.id),
      };
    }),
  };
}

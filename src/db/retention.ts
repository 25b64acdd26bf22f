// What retention reads and writes: per namespace its iterations with what their builds are doing,
// the pruned mark, and which builds' logs are old enough to go.
import type { NamespaceState } from "../core/retention";
import type { Db } from "./open";

/** Every namespace with its iterations (newest first) and their builds' state, for decideRetention. */
export function retentionState(db: Db): NamespaceState[] {
  const namespaces = db.$client
    .query<{ id: number; name: string; status: "active" | "cancelled"; updated_at: string }, []>(
      "SELECT id, name, status, updated_at FROM namespaces ORDER BY id",
    )
    .all();
  const rows = db.$client
    .query<
      {
        id: number;
        namespace_id: number;
        created_at: string;
        pruned_at: string | null;
        open: number | null;
        running: number | null;
        last_finished_at: string | null;
      },
      []
    >(
      `SELECT i.id, i.namespace_id, i.created_at, i.pruned_at,
              sum(b.status IN ('pending', 'scheduled', 'building')) AS open,
              sum(b.status IN ('scheduled', 'building')) AS running,
              max(b.finished_at) AS last_finished_at
       FROM iterations i LEFT JOIN builds b ON b.iteration_id = i.id
       WHERE i.complete
       GROUP BY i.id ORDER BY i.namespace_id, i.id DESC`,
    )
    .all();
  const byNamespace = new Map<number, NamespaceState>(
    namespaces.map((n) => [
      n.id,
      { id: n.id, name: n.name, status: n.status, updatedAt: n.updated_at, iterations: [] },
    ]),
  );
  for (const r of rows) {
    byNamespace.get(r.namespace_id)?.iterations.push({
      id: r.id,
      createdAt: r.created_at,
      prunedAt: r.pruned_at,
      open: r.open ?? 0,
      running: r.running ?? 0,
      lastFinishedAt: r.last_finished_at,
    });
  }
  return [...byNamespace.values()];
}

/** Mark iterations as pruned (their records stay; their repositories are gone). */
export function markPruned(db: Db, iterationIds: number[], at: string): void {
  const stmt = db.$client.prepare("UPDATE iterations SET pruned_at = ? WHERE id = ? AND pruned_at IS NULL");
  db.$client.transaction(() => {
    for (const id of iterationIds) stmt.run(at, id);
  })();
}

/** Builds that finished (built or failed) before `cutoff`: their logs may go. */
export function buildsFinishedBefore(db: Db, cutoff: string): Set<number> {
  const rows = db.$client
    .query<{ id: number }, [string]>(
      "SELECT id FROM builds WHERE status IN ('built', 'failed') AND finished_at IS NOT NULL AND finished_at < ?",
    )
    .all(cutoff);
  return new Set(rows.map((r) => r.id));
}

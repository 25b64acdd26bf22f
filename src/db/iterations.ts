// Iteration rows ↔ IterationRecord. Iterations are immutable once written. A large one is written in
// slices (insertIterationDraft, its builds, completeIteration): every read here sees complete ones only.
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { ArchGraph } from "../core/graph";
import type { GraphDiff } from "../core/graph-diff";
import type { IterationRecord } from "../core/records";
import type { Db } from "./open";
import { iterations } from "./schema";

// Everything but the graph: that one is read (and parsed) only on a miss of the cache below.
const headColumns = {
  id: iterations.id,
  namespaceId: iterations.namespaceId,
  reason: iterations.reason,
  diff: iterations.diff,
  origins: iterations.origins,
  originChangesets: iterations.originChangesets,
  createdAt: iterations.createdAt,
  prunedAt: iterations.prunedAt,
};
type Head = Omit<IterationRecord, "graph" | "diff"> & { diff: unknown };

/**
 * Parsed graphs of the last few iterations asked for. A graph never changes once written, and one of a
 * large namespace is megabytes of JSON: parsing it on every read (a repository file served, a ref check,
 * a build's page) would stall the server each time.
 */
const graphs = new WeakMap<Db, Map<number, Record<string, ArchGraph>>>();
const GRAPHS_KEPT = 4;

function graphOf(db: Db, id: number): Record<string, ArchGraph> {
  const kept = graphs.get(db) ?? new Map<number, Record<string, ArchGraph>>();
  graphs.set(db, kept);
  let graph = kept.get(id);
  if (graph) {
    kept.delete(id);
  } else {
    const row = db.$client.query<{ graph: string }, [number]>("SELECT graph FROM iterations WHERE id = ?").get(id);
    graph = JSON.parse(row?.graph ?? "{}") as Record<string, ArchGraph>;
    if (kept.size >= GRAPHS_KEPT) kept.delete(kept.keys().next().value!);
  }
  kept.set(id, graph);
  return graph;
}

const toRecord = (db: Db, r: Head): IterationRecord => ({
  id: r.id,
  namespaceId: r.namespaceId,
  reason: r.reason,
  diff: (r.diff as GraphDiff | null) ?? null,
  origins: r.origins,
  originChangesets: r.originChangesets,
  graph: graphOf(db, r.id),
  createdAt: r.createdAt,
  prunedAt: r.prunedAt,
});

const complete = eq(iterations.complete, true);

export function latestIteration(db: Db, namespaceId: number): IterationRecord | null {
  const row = db
    .select(headColumns)
    .from(iterations)
    .where(and(eq(iterations.namespaceId, namespaceId), complete))
    .orderBy(desc(iterations.id))
    .limit(1)
    .get();
  return row ? toRecord(db, row) : null;
}

export function getIteration(db: Db, namespaceId: number, id: number): IterationRecord | null {
  const row = db
    .select(headColumns)
    .from(iterations)
    .where(and(eq(iterations.namespaceId, namespaceId), eq(iterations.id, id), complete))
    .get();
  return row ? toRecord(db, row) : null;
}

export function getIterationById(db: Db, id: number): IterationRecord | null {
  const row = db
    .select(headColumns)
    .from(iterations)
    .where(and(eq(iterations.id, id), complete))
    .get();
  return row ? toRecord(db, row) : null;
}

export type IterationSummaryRow = Pick<IterationRecord, "id" | "namespaceId" | "reason" | "createdAt" | "prunedAt">;

/** Iterations without their (large) graphs, newest first. */
export function listIterationSummaries(db: Db, namespaceIds: number[]): IterationSummaryRow[] {
  if (namespaceIds.length === 0) return [];
  return db
    .select({
      id: iterations.id,
      namespaceId: iterations.namespaceId,
      reason: iterations.reason,
      createdAt: iterations.createdAt,
      prunedAt: iterations.prunedAt,
    })
    .from(iterations)
    .where(and(inArray(iterations.namespaceId, namespaceIds), complete))
    .orderBy(desc(iterations.id))
    .all();
}

/** The newest iteration id of each namespace. */
export function latestIterationIds(db: Db): Map<number, number> {
  const rows = db
    .select({ namespaceId: iterations.namespaceId, id: sql<number>`max(${iterations.id})` })
    .from(iterations)
    .where(complete)
    .groupBy(iterations.namespaceId)
    .all();
  return new Map(rows.map((r) => [r.namespaceId, r.id]));
}

/** The newest iteration id of one namespace (an index lookup: this is asked on every lease and result). */
export function latestIterationId(db: Db, namespaceId: number): number | null {
  const row = db
    .select({ id: sql<number | null>`max(${iterations.id})` })
    .from(iterations)
    .where(and(eq(iterations.namespaceId, namespaceId), complete))
    .get();
  return row?.id ?? null;
}

/** What a recompute compares its new graph with: the latest iteration's origins and its graph as stored (JSON text). */
export function latestIterationGraphText(
  db: Db,
  namespaceId: number,
): { id: number; originChangesets: string[]; graphJson: string } | null {
  const row = db.$client
    .query<{ id: number; origin_changesets: string; graph: string }, [number]>(
      "SELECT id, origin_changesets, graph FROM iterations WHERE namespace_id = ? AND complete ORDER BY id DESC LIMIT 1",
    )
    .get(namespaceId);
  return row ? { id: row.id, originChangesets: JSON.parse(row.origin_changesets), graphJson: row.graph } : null;
}

/**
 * A new iteration, invisible to every read until completeIteration: its builds are written after it, in
 * slices. The graph and diff come as JSON text (computed off the main thread, never parsed here).
 */
export function insertIterationDraft(
  db: Db,
  v: Pick<IterationRecord, "namespaceId" | "reason" | "origins" | "originChangesets"> & {
    graphJson: string;
    diffJson: string | null;
  },
  at: string,
): number {
  const row = db.$client
    .query<{ id: number }, [number, string, string | null, string, string, string, string]>(
      `INSERT INTO iterations (namespace_id, reason, diff, origins, origin_changesets, graph, created_at, complete)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0) RETURNING id`,
    )
    .get(
      v.namespaceId,
      v.reason,
      v.diffJson,
      JSON.stringify(v.origins),
      JSON.stringify(v.originChangesets),
      v.graphJson,
      at,
    );
  return row!.id;
}

/** Every build of the draft is written: readers see it from now on (it is the latest of its namespace). */
export function completeIteration(db: Db, id: number): void {
  db.$client.query("UPDATE iterations SET complete = 1 WHERE id = ?").run(id);
}

/**
 * Remove an iteration that was never completed, with its builds and their artifact rows, `slice` builds
 * per call; true once nothing of it is left. Nothing outside points at such builds: they were never
 * offered, leased or shown.
 */
export function discardDraftSlice(db: Db, id: number, slice = 500): boolean {
  const sqlite = db.$client;
  return sqlite.transaction(() => {
    const draft = sqlite
      .query<{ id: number }, [number]>("SELECT id FROM iterations WHERE id = ? AND NOT complete")
      .get(id);
    if (!draft) return true;
    const ids = sqlite
      .query<{ id: number }, [number, number]>("SELECT id FROM builds WHERE iteration_id = ? LIMIT ?")
      .all(id, slice)
      .map((r) => r.id);
    if (ids.length > 0) {
      const list = ids.join(",");
      sqlite.run(`DELETE FROM artifacts WHERE build_id IN (${list})`);
      sqlite.run(`DELETE FROM builds WHERE id IN (${list})`);
      return false;
    }
    sqlite.run("DELETE FROM artifacts WHERE iteration_id = ?", [id]);
    sqlite.run("DELETE FROM iterations WHERE id = ?", [id]);
    return true;
  })();
}

/** The iterations a crash left incomplete (at start, before anything reads them). */
export function listDraftIterations(db: Db): { id: number; namespaceId: number }[] {
  return db.$client
    .query<{ id: number; namespaceId: number }, []>(
      "SELECT id, namespace_id AS namespaceId FROM iterations WHERE NOT complete ORDER BY id",
    )
    .all();
}

/** One architecture's graph of an iteration (parsed from just that part of the stored JSON); null without it. */
export function iterationArchGraph(db: Db, id: number, arch: string): ArchGraph | null {
  const row = db.$client
    .query<{ g: string | null }, [string, number]>(
      "SELECT json_extract(graph, ?) AS g FROM iterations WHERE id = ? AND complete",
    )
    .get(`$."${arch.replaceAll('"', "")}"`, id);
  return row?.g ? (JSON.parse(row.g) as ArchGraph) : null;
}

export type IterationHead = Omit<IterationRecord, "graph" | "originChangesets">;

/** An iteration without its graph (latest of the namespace, or the one asked for): what pages show of it. */
export function iterationHead(db: Db, namespaceId: number, id?: number): IterationHead | null {
  const row = db
    .select({
      id: iterations.id,
      namespaceId: iterations.namespaceId,
      reason: iterations.reason,
      diff: iterations.diff,
      origins: iterations.origins,
      createdAt: iterations.createdAt,
      prunedAt: iterations.prunedAt,
    })
    .from(iterations)
    .where(and(eq(iterations.namespaceId, namespaceId), id === undefined ? undefined : eq(iterations.id, id), complete))
    .orderBy(desc(iterations.id))
    .limit(1)
    .get();
  return row ? { ...row, diff: (row.diff as GraphDiff | null) ?? null } : null;
}

// Iteration rows ↔ IterationRecord. Iterations are immutable once written.
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { ArchGraph } from "../core/graph";
import type { GraphDiff } from "../core/graph-diff";
import type { IterationRecord } from "../core/records";
import type { Db } from "./open";
import { iterations } from "./schema";

type Row = typeof iterations.$inferSelect;

const toRecord = (r: Row): IterationRecord => ({
  id: r.id,
  namespaceId: r.namespaceId,
  reason: r.reason,
  diff: (r.diff as GraphDiff | null) ?? null,
  origins: r.origins,
  originChangesets: r.originChangesets,
  graph: r.graph as Record<string, ArchGraph>,
  createdAt: r.createdAt,
  prunedAt: r.prunedAt,
});

export function insertIteration(
  db: Db,
  v: Omit<IterationRecord, "id" | "createdAt" | "prunedAt">,
  at: string,
): IterationRecord {
  return toRecord(
    db
      .insert(iterations)
      .values({ ...v, createdAt: at })
      .returning()
      .get(),
  );
}

export function latestIteration(db: Db, namespaceId: number): IterationRecord | null {
  const row = db
    .select()
    .from(iterations)
    .where(eq(iterations.namespaceId, namespaceId))
    .orderBy(desc(iterations.id))
    .limit(1)
    .get();
  return row ? toRecord(row) : null;
}

export function getIteration(db: Db, namespaceId: number, id: number): IterationRecord | null {
  const row = db
    .select()
    .from(iterations)
    .where(and(eq(iterations.namespaceId, namespaceId), eq(iterations.id, id)))
    .get();
  return row ? toRecord(row) : null;
}

export function getIterationById(db: Db, id: number): IterationRecord | null {
  const row = db.select().from(iterations).where(eq(iterations.id, id)).get();
  return row ? toRecord(row) : null;
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
    .where(inArray(iterations.namespaceId, namespaceIds))
    .orderBy(desc(iterations.id))
    .all();
}

/** The newest iteration id of each namespace. */
export function latestIterationIds(db: Db): Map<number, number> {
  const rows = db
    .select({ namespaceId: iterations.namespaceId, id: sql<number>`max(${iterations.id})` })
    .from(iterations)
    .groupBy(iterations.namespaceId)
    .all();
  return new Map(rows.map((r) => [r.namespaceId, r.id]));
}

/** The newest iteration id of one namespace (an index lookup: this is asked on every lease and result). */
export function latestIterationId(db: Db, namespaceId: number): number | null {
  const row = db
    .select({ id: sql<number | null>`max(${iterations.id})` })
    .from(iterations)
    .where(eq(iterations.namespaceId, namespaceId))
    .get();
  return row?.id ?? null;
}

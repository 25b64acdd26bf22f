// Build rows ↔ BuildRecord. Callers wrap state changes in inTransaction.
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { BuildStatus } from "../core/build-states";
import type { DurationSample } from "../core/estimates";
import type { BuildRecord, BuildSpec } from "../core/records";
import type { Db } from "./open";
import { builds } from "./schema";

type Row = typeof builds.$inferSelect;

const toRecord = (r: Row): BuildRecord => ({
  id: r.id,
  iterationId: r.iterationId,
  namespaceId: r.namespaceId,
  arch: r.arch,
  pkgbase: r.pkgbase,
  commit: r.commit,
  ref: r.ref,
  position: r.position,
  status: r.status,
  attempts: r.attempts,
  failureReason: r.failureReason,
  spec: r.spec as BuildSpec,
  pkgrelBump: r.pkgrelBump,
  leaseId: r.leaseId,
  leaseWorker: r.leaseWorker,
  leaseExpiresAt: r.leaseExpiresAt,
  pipelineId: r.pipelineId,
  pipelineUrl: r.pipelineUrl,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
  identity: r.identity,
  reusedFromBuild: r.reusedFromBuild,
  reusedFromIteration: r.reusedFromIteration,
  durationMs: r.durationMs,
});

export type NewBuild = Pick<
  BuildRecord,
  | "iterationId"
  | "namespaceId"
  | "arch"
  | "pkgbase"
  | "commit"
  | "ref"
  | "position"
  | "status"
  | "spec"
  | "identity"
  | "pkgrelBump"
> &
  Partial<Pick<BuildRecord, "reusedFromBuild" | "reusedFromIteration" | "finishedAt">>;

/** A new build whose spec is already JSON text (planned off the main thread; never parsed on the way in). */
export type NewBuildRow = Omit<NewBuild, "spec"> & { specJson: string };

const insertStatements = new WeakMap<Db, ReturnType<Db["$client"]["prepare"]>>();

/**
 * Insert builds with one prepared statement, returning their ids in order: a large iteration's builds go
 * in slices of a few hundred, and drizzle's query building and RETURNING of whole rows cost more than the
 * inserts themselves. The caller holds the transaction.
 */
export function insertBuildRows(db: Db, rows: NewBuildRow[], at: string): number[] {
  let insert = insertStatements.get(db);
  if (!insert) {
    insert = db.$client.prepare(
      `INSERT INTO builds (iteration_id, namespace_id, arch, pkgbase, "commit", ref, position, status, spec,
         pkgrel_bump, identity, reused_from_build, reused_from_iteration, finished_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    insertStatements.set(db, insert);
  }
  return rows.map(
    (r) =>
      (
        insert.get(
          r.iterationId,
          r.namespaceId,
          r.arch,
          r.pkgbase,
          r.commit,
          r.ref,
          r.position,
          r.status,
          r.specJson,
          r.pkgrelBump,
          r.identity,
          r.reusedFromBuild ?? null,
          r.reusedFromIteration ?? null,
          r.finishedAt ?? null,
          at,
        ) as { id: number }
      ).id,
  );
}

export function getBuild(db: Db, id: number): BuildRecord | null {
  const row = db.select().from(builds).where(eq(builds.id, id)).get();
  return row ? toRecord(row) : null;
}

export function findBuildByLease(db: Db, leaseId: string): BuildRecord | null {
  const row = db.select().from(builds).where(eq(builds.leaseId, leaseId)).get();
  return row ? toRecord(row) : null;
}

export function listIterationBuilds(db: Db, iterationId: number): BuildRecord[] {
  return db
    .select()
    .from(builds)
    .where(eq(builds.iterationId, iterationId))
    .orderBy(asc(builds.arch), asc(builds.position))
    .all()
    .map(toRecord);
}

export function listBuildsByStatus(db: Db, statuses: BuildStatus[], iterationIds?: number[]): BuildRecord[] {
  const cond = iterationIds
    ? and(inArray(builds.status, statuses), inArray(builds.iterationId, iterationIds))
    : inArray(builds.status, statuses);
  return db.select().from(builds).where(cond).orderBy(asc(builds.id)).all().map(toRecord);
}

/** The pending builds of some iterations, with only what the scheduler keeps of them (no specs to parse). */
export function listQueueable(
  db: Db,
  iterationIds: number[],
): Pick<BuildRecord, "id" | "namespaceId" | "iterationId" | "arch" | "pkgbase" | "position">[] {
  if (iterationIds.length === 0) return [];
  return db
    .select({
      id: builds.id,
      namespaceId: builds.namespaceId,
      iterationId: builds.iterationId,
      arch: builds.arch,
      pkgbase: builds.pkgbase,
      position: builds.position,
    })
    .from(builds)
    .where(and(eq(builds.status, "pending"), inArray(builds.iterationId, iterationIds)))
    .orderBy(asc(builds.id))
    .all();
}

export function listLeasedBuilds(db: Db): BuildRecord[] {
  return db.select().from(builds).where(isNotNull(builds.leaseId)).all().map(toRecord);
}

/** Only server/usecases/build-lifecycle's moveBuild calls this: the transition table decides `status`. */
export function setStatus(db: Db, id: number, status: BuildStatus, at: string, extra: Partial<Row> = {}): void {
  db.update(builds)
    .set({ status, updatedAt: at, ...extra })
    .where(eq(builds.id, id))
    .run();
}

export function extendLease(db: Db, id: number, expiresAt: number): void {
  db.update(builds).set({ leaseExpiresAt: expiresAt }).where(eq(builds.id, id)).run();
}

/** Drop the lease (the build reached an end, or the lease was lost). */
export function clearLease(db: Db, id: number): void {
  db.update(builds).set({ leaseId: null, leaseExpiresAt: null }).where(eq(builds.id, id)).run();
}

/** Status counts per iteration (for lists and progress bars). */
export function countByStatus(db: Db, iterationIds: number[]): Map<number, Record<string, number>> {
  const out = new Map<number, Record<string, number>>();
  if (iterationIds.length === 0) return out;
  const rows = db
    .select({ iterationId: builds.iterationId, status: builds.status, n: sql<number>`count(*)` })
    .from(builds)
    .where(inArray(builds.iterationId, iterationIds))
    .groupBy(builds.iterationId, builds.status)
    .all();
  for (const r of rows) {
    const counts = out.get(r.iterationId) ?? {};
    counts[r.status] = r.n;
    out.set(r.iterationId, counts);
  }
  return out;
}

/** Status of the named pkgbases' builds in one iteration and architecture. */
export function statusesOf(db: Db, iterationId: number, arch: string, pkgbases: string[]): Map<string, BuildRecord> {
  const out = new Map<string, BuildRecord>();
  for (let i = 0; i < pkgbases.length; i += 500) {
    const rows = db
      .select()
      .from(builds)
      .where(
        and(
          eq(builds.iterationId, iterationId),
          eq(builds.arch, arch),
          inArray(builds.pkgbase, pkgbases.slice(i, i + 500)),
        ),
      )
      .all();
    for (const r of rows) out.set(r.pkgbase, toRecord(r));
  }
  return out;
}

/** The earliest lease expiry, to sleep exactly until it. */
export function earliestLeaseExpiry(db: Db): number | null {
  const row = db
    .select({ t: sql<number | null>`min(${builds.leaseExpiresAt})` })
    .from(builds)
    .get();
  return row?.t ?? null;
}

export function listExpiredLeases(db: Db, now: number): BuildRecord[] {
  return db
    .select()
    .from(builds)
    .where(and(isNotNull(builds.leaseId), sql`${builds.leaseExpiresAt} <= ${now}`))
    .all()
    .map(toRecord);
}

export function listNamespaceLeases(db: Db, namespaceId: number): BuildRecord[] {
  return db
    .select()
    .from(builds)
    .where(and(isNotNull(builds.leaseId), eq(builds.namespaceId, namespaceId)))
    .all()
    .map(toRecord);
}

/**
 * Per identity, the newest built node of the namespace and architecture with that identity (reuse never
 * crosses namespaces). Builds without an identity never match.
 */
export function findBuiltByIdentity(
  db: Db,
  namespaceId: number,
  arch: string,
  identities: string[],
): Map<string, BuildRecord> {
  const out = new Map<string, BuildRecord>();
  for (let i = 0; i < identities.length; i += 500) {
    const rows = db
      .select()
      .from(builds)
      .where(
        and(
          eq(builds.namespaceId, namespaceId),
          inArray(builds.identity, identities.slice(i, i + 500)),
          eq(builds.arch, arch),
          eq(builds.status, "built"),
        ),
      )
      .orderBy(desc(builds.id))
      .all();
    for (const r of rows) if (r.identity && !out.has(r.identity)) out.set(r.identity, toRecord(r));
  }
  return out;
}

/** Durations of every successful build that was built (not reused), oldest first: what estimates learn from. */
export function listDurationHistory(db: Db): DurationSample[] {
  return db
    .select({ pkgbase: builds.pkgbase, arch: builds.arch, ms: builds.durationMs })
    .from(builds)
    .where(and(eq(builds.status, "built"), isNotNull(builds.durationMs), isNull(builds.reusedFromBuild)))
    .orderBy(asc(builds.finishedAt), asc(builds.id))
    .all() as DurationSample[];
}

/** The few fields an ETA needs of every build of an iteration (no specs: this runs for every list). */
export function listIterationProgress(
  db: Db,
  iterationId: number,
): Pick<BuildRecord, "id" | "arch" | "pkgbase" | "status" | "startedAt">[] {
  // One prepared query without drizzle's row mapping: an iteration may have tens of thousands of builds.
  return db.$client
    .query<Pick<BuildRecord, "id" | "arch" | "pkgbase" | "status" | "startedAt">, [number]>(
      "SELECT id, arch, pkgbase, status, started_at AS startedAt FROM builds WHERE iteration_id = ?",
    )
    .all(iterationId);
}

/** What a page needs of every build of one architecture: enough to count, search and colour nodes. */
export interface BuildBrief {
  id: number;
  pkgbase: string;
  status: BuildStatus;
  reusedFromIteration: number | null;
}

/** One architecture's builds of an iteration, in build order, without specs (a page of a large namespace reads these). */
export function listBuildBriefs(db: Db, iterationId: number, arch: string): BuildBrief[] {
  return db.$client
    .query<BuildBrief, [number, string]>(
      `SELECT id, pkgbase, status, reused_from_iteration AS reusedFromIteration FROM builds
       WHERE iteration_id = ? AND arch = ? ORDER BY position`,
    )
    .all(iterationId, arch);
}

/** How many builds each architecture of an iteration has (an index-only count). */
export function countPerArch(db: Db, iterationId: number): Map<string, number> {
  const rows = db.$client
    .query<{ arch: string; n: number }, [number]>(
      "SELECT arch, count(*) AS n FROM builds WHERE iteration_id = ? GROUP BY arch ORDER BY arch",
    )
    .all(iterationId);
  return new Map(rows.map((r) => [r.arch, r.n]));
}

/** Whole records of a few builds (a page of the build table), in the order asked. */
export function getBuilds(db: Db, ids: number[]): BuildRecord[] {
  if (ids.length === 0) return [];
  const byId = new Map(
    db
      .select()
      .from(builds)
      .where(inArray(builds.id, ids))
      .all()
      .map((r) => [r.id, toRecord(r)] as const),
  );
  return ids.map((id) => byId.get(id)).filter((b): b is BuildRecord => b !== undefined);
}

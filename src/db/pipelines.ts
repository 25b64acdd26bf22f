// Pipeline dispatch rows ↔ DispatchRecord (GitLab mode). Callers wrap state changes in inTransaction.
import { and, count, desc, eq, inArray, ne } from "drizzle-orm";
import type { Db } from "./open";
import { builds, pipelines } from "./schema";

export type DispatchState = "creating" | "following" | "cancelling" | "ended";

/** One dispatch of a build as a GitLab pipeline. */
export interface DispatchRecord {
  id: number;
  buildId: number;
  attempt: number;
  project: string;
  ref: string;
  tokenHash: string;
  state: DispatchState;
  projectId: number | null;
  pipelineId: number | null;
  webUrl: string | null;
  gitlabStatus: string | null;
  note: string | null;
  createdAt: string;
}

type Row = typeof pipelines.$inferSelect;

// The row is the record plus its bookkeeping timestamp.
const toRecord = ({ updatedAt: _, ...record }: Row): DispatchRecord => record;

export function insertDispatch(
  db: Db,
  v: { buildId: number; attempt: number; project: string; ref: string; tokenHash: string },
  at: string,
): DispatchRecord {
  return toRecord(
    db
      .insert(pipelines)
      .values({ ...v, state: "creating", createdAt: at, updatedAt: at })
      .returning()
      .get(),
  );
}

export function getDispatch(db: Db, id: number): DispatchRecord | null {
  const row = db.select().from(pipelines).where(eq(pipelines.id, id)).get();
  return row ? toRecord(row) : null;
}

export function findDispatchByTokenHash(db: Db, tokenHash: string): DispatchRecord | null {
  const row = db.select().from(pipelines).where(eq(pipelines.tokenHash, tokenHash)).get();
  return row ? toRecord(row) : null;
}

/** The build's newest dispatch, ended or not. */
export function latestDispatch(db: Db, buildId: number): DispatchRecord | null {
  const row = db
    .select()
    .from(pipelines)
    .where(eq(pipelines.buildId, buildId))
    .orderBy(desc(pipelines.id))
    .limit(1)
    .get();
  return row ? toRecord(row) : null;
}

export function listDispatches(db: Db, states: DispatchState[]): DispatchRecord[] {
  return db.select().from(pipelines).where(inArray(pipelines.state, states)).orderBy(pipelines.id).all().map(toRecord);
}

/** Dispatches not ended yet: what counts against the in-flight limit. */
export function countOpenDispatches(db: Db): number {
  return db.select({ n: count() }).from(pipelines).where(ne(pipelines.state, "ended")).get()?.n ?? 0;
}

/** Open dispatches of a namespace's builds (any iteration). */
export function listOpenDispatchesOfNamespace(db: Db, namespaceId: number): DispatchRecord[] {
  return db
    .select({ p: pipelines })
    .from(pipelines)
    .innerJoin(builds, eq(builds.id, pipelines.buildId))
    .where(and(eq(builds.namespaceId, namespaceId), ne(pipelines.state, "ended")))
    .all()
    .map((r) => toRecord(r.p));
}

export function updateDispatch(
  db: Db,
  id: number,
  patch: Partial<
    Pick<
      DispatchRecord,
      "state" | "projectId" | "pipelineId" | "webUrl" | "gitlabStatus" | "note" | "tokenHash" | "createdAt"
    >
  >,
  at: string,
): void {
  db.update(pipelines)
    .set({ ...patch, updatedAt: at })
    .where(eq(pipelines.id, id))
    .run();
}

/** What the API and UI show for the build: its current pipeline. */
export function setBuildPipeline(
  db: Db,
  buildId: number,
  pipeline: { id: number; url: string } | null,
  at: string,
): void {
  db.update(builds)
    .set({ pipelineId: pipeline?.id ?? null, pipelineUrl: pipeline?.url ?? null, updatedAt: at })
    .where(eq(builds.id, buildId))
    .run();
}

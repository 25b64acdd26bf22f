// Namespace rows ↔ NamespaceRecord.
import { asc, eq } from "drizzle-orm";
import type { BumpMode } from "../core/bump";
import type { NamespaceRecord, NamespaceStatus } from "../core/records";
import type { IncludeKind } from "../core/types";
import type { Db } from "./open";
import { namespaces } from "./schema";

type Row = typeof namespaces.$inferSelect;

const toRecord = (r: Row): NamespaceRecord => ({
  id: r.id,
  name: r.name,
  status: r.status,
  originChangesets: r.originChangesets,
  include: r.include as IncludeKind[],
  bump: r.bump,
  problem: r.problem,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export function insertNamespace(
  db: Db,
  v: {
    name: string;
    originChangesets: string[];
    include: IncludeKind[];
    createdBy: string | null;
    bump?: BumpMode;
  },
  at: string,
): NamespaceRecord {
  const row = db
    .insert(namespaces)
    .values({ ...v, createdAt: at, updatedAt: at })
    .returning()
    .get();
  return toRecord(row);
}

export function findNamespace(db: Db, name: string): NamespaceRecord | null {
  const row = db.select().from(namespaces).where(eq(namespaces.name, name)).get();
  return row ? toRecord(row) : null;
}

export function getNamespaceById(db: Db, id: number): NamespaceRecord | null {
  const row = db.select().from(namespaces).where(eq(namespaces.id, id)).get();
  return row ? toRecord(row) : null;
}

export function listNamespaces(db: Db, opts: { all: boolean }): NamespaceRecord[] {
  const q = db.select().from(namespaces);
  const rows = opts.all
    ? q.orderBy(asc(namespaces.id)).all()
    : q.where(eq(namespaces.status, "active")).orderBy(asc(namespaces.id)).all();
  return rows.map(toRecord);
}

// `at` is the change's time (ISO, the server's clock): the adapter keeps no clock of its own.
export function setNamespaceStatus(db: Db, id: number, status: NamespaceStatus, at: string): void {
  db.update(namespaces).set({ status, updatedAt: at }).where(eq(namespaces.id, id)).run();
}

/** Record (or with null, clear) why the namespace's sources could not be computed into an iteration. */
export function setNamespaceProblem(db: Db, id: number, problem: string | null, at: string): void {
  db.update(namespaces).set({ problem, updatedAt: at }).where(eq(namespaces.id, id)).run();
}

export function setOriginChangesets(db: Db, id: number, originChangesets: string[], at: string): void {
  db.update(namespaces).set({ originChangesets, updatedAt: at }).where(eq(namespaces.id, id)).run();
}

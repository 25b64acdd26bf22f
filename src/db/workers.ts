// Worker identities: tokens are stored as sha256 hashes and shown once at creation.
import { eq } from "drizzle-orm";
import type { WorkerRecord } from "../core/records";
import type { Db } from "./open";
import { workers } from "./schema";
import { nowIso } from "./tx";

type Row = typeof workers.$inferSelect;
const toRecord = (r: Row): WorkerRecord => ({
  id: r.id,
  name: r.name,
  architectures: r.architectures,
  lastSeen: r.lastSeen,
  createdAt: r.createdAt,
});

export function insertWorker(db: Db, name: string, tokenHash: string): WorkerRecord {
  return toRecord(db.insert(workers).values({ name, tokenHash }).returning().get());
}

export function findWorkerByName(db: Db, name: string): WorkerRecord | null {
  const row = db.select().from(workers).where(eq(workers.name, name)).get();
  return row ? toRecord(row) : null;
}

export function findWorkerByTokenHash(db: Db, tokenHash: string): WorkerRecord | null {
  const row = db.select().from(workers).where(eq(workers.tokenHash, tokenHash)).get();
  return row ? toRecord(row) : null;
}

export function replaceWorkerToken(db: Db, id: number, tokenHash: string): void {
  db.update(workers).set({ tokenHash }).where(eq(workers.id, id)).run();
}

export function touchWorker(db: Db, id: number, architectures: string[]): void {
  db.update(workers).set({ lastSeen: nowIso(), architectures }).where(eq(workers.id, id)).run();
}

export function listWorkers(db: Db): WorkerRecord[] {
  return db.select().from(workers).all().map(toRecord);
}

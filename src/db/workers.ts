// Workers as the server sees them. A worker authenticates with the bot token of its name (scope `worker`).
import { eq } from "drizzle-orm";
import type { WorkerRecord } from "../core/records";
import type { Db } from "./open";
import { workers } from "./schema";

type Row = typeof workers.$inferSelect;
const toRecord = (r: Row): WorkerRecord => ({
  id: r.id,
  name: r.name,
  architectures: r.architectures,
  lastSeen: r.lastSeen,
  createdAt: r.createdAt,
});

/** The worker of this name, made on its first call. */
export function ensureWorker(db: Db, name: string, at: string): WorkerRecord {
  // Read first: every worker call passes here, and most find their worker.
  const found = findWorkerByName(db, name);
  if (found) return found;
  const row = db.insert(workers).values({ name, createdAt: at }).onConflictDoNothing().returning().get();
  return row ? toRecord(row) : findWorkerByName(db, name)!;
}

export function findWorkerByName(db: Db, name: string): WorkerRecord | null {
  const row = db.select().from(workers).where(eq(workers.name, name)).get();
  return row ? toRecord(row) : null;
}

/** The worker was heard from `at` (ISO time, the server's clock). */
export function touchWorker(db: Db, id: number, architectures: string[], at: string): void {
  db.update(workers).set({ lastSeen: at, architectures }).where(eq(workers.id, id)).run();
}

export function listWorkers(db: Db): WorkerRecord[] {
  return db.select().from(workers).all().map(toRecord);
}

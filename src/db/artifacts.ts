// Uploaded packages per iteration and architecture: the repository database is rewritten from these.
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./open";
import { artifacts } from "./schema";

export interface ArtifactRecord {
  id: number;
  iterationId: number;
  arch: string;
  buildId: number;
  fileName: string;
  size: number;
  entry: unknown;
  createdAt: string;
}

export function upsertArtifact(db: Db, v: Omit<ArtifactRecord, "id" | "createdAt">): void {
  db.insert(artifacts)
    .values(v)
    .onConflictDoUpdate({
      target: [artifacts.iterationId, artifacts.arch, artifacts.fileName],
      set: { buildId: v.buildId, size: v.size, entry: v.entry },
    })
    .run();
}

export function listArtifacts(db: Db, iterationId: number, arch: string): ArtifactRecord[] {
  return db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.iterationId, iterationId), eq(artifacts.arch, arch)))
    .orderBy(asc(artifacts.fileName))
    .all() as ArtifactRecord[];
}

export function listBuildArtifacts(db: Db, buildId: number): ArtifactRecord[] {
  return db
    .select()
    .from(artifacts)
    .where(eq(artifacts.buildId, buildId))
    .orderBy(asc(artifacts.fileName))
    .all() as ArtifactRecord[];
}

/** Architectures of an iteration that have at least one package. */
export function listArtifactArches(db: Db, iterationId: number): string[] {
  return db
    .selectDistinct({ arch: artifacts.arch })
    .from(artifacts)
    .where(eq(artifacts.iterationId, iterationId))
    .all()
    .map((r) => r.arch);
}

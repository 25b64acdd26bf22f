// Uploaded packages per iteration and architecture. A build's uploads are staged until it reports built;
// then they are published, and the repository database is rewritten from the published ones.
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
  /** Uploaded by a build that has not reported built (yet): not in the repository. */
  staged: boolean;
  createdAt: string;
}

/**
 * Record a package: staged (an upload, replacing the same build's earlier upload of that file) or published
 * at once (a reused build's files, linked into a new iteration's repository).
 */
export function upsertArtifact(db: Db, v: Omit<ArtifactRecord, "id" | "createdAt">, at: string): void {
  db.insert(artifacts)
    .values({ ...v, createdAt: at })
    .onConflictDoUpdate({
      target: [artifacts.iterationId, artifacts.arch, artifacts.fileName],
      set: { buildId: v.buildId, size: v.size, entry: v.entry, staged: v.staged },
    })
    .run();
}

/** The upload of `fileName` in an iteration's repository, staged or published, if any. */
export function findArtifact(db: Db, iterationId: number, arch: string, fileName: string): ArtifactRecord | null {
  const row = db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.iterationId, iterationId), eq(artifacts.arch, arch), eq(artifacts.fileName, fileName)))
    .get();
  return (row as ArtifactRecord | undefined) ?? null;
}

/** A build's staged uploads become published; returns them. */
export function publishStaged(db: Db, buildId: number): ArtifactRecord[] {
  return db
    .update(artifacts)
    .set({ staged: false })
    .where(and(eq(artifacts.buildId, buildId), eq(artifacts.staged, true)))
    .returning()
    .all() as ArtifactRecord[];
}

/** A build that did not finish built: its staged uploads are forgotten (published ones stay). */
export function discardStaged(db: Db, buildId: number): number {
  return db
    .delete(artifacts)
    .where(and(eq(artifacts.buildId, buildId), eq(artifacts.staged, true)))
    .returning({ id: artifacts.id })
    .all().length;
}

/** The published packages of an iteration's repository: what its database lists. */
export function listArtifacts(db: Db, iterationId: number, arch: string): ArtifactRecord[] {
  return db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.iterationId, iterationId), eq(artifacts.arch, arch), eq(artifacts.staged, false)))
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

/** Architectures of an iteration that have at least one published package. */
export function listArtifactArches(db: Db, iterationId: number): string[] {
  return db
    .selectDistinct({ arch: artifacts.arch })
    .from(artifacts)
    .where(and(eq(artifacts.iterationId, iterationId), eq(artifacts.staged, false)))
    .all()
    .map((r) => r.arch);
}

// Rewrites a pacman repository database after uploads, coalescing bursts: while one rewrite runs,
// every further request for the same repository joins a single follow-up rewrite.
import { listArtifacts } from "../db/artifacts";
import type { Db } from "../db/open";
import { pathInside } from "../lib/paths";

export type WriteDatabase = (dir: string, repoName: string, entries: unknown[]) => Promise<void> | void;

interface Slot {
  running: Promise<void> | null;
  next: Promise<void> | null;
}

export class RepoPublisher {
  private slots = new Map<string, Slot>();

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly write: WriteDatabase,
  ) {}

  /** `DATA_DIR/repos/<namespace>/<iteration>/<arch>`: names were validated; pathInside proves it. */
  dir(namespace: string, iterationId: number, arch: string): string {
    return pathInside(this.dataDir, "repos", namespace, String(iterationId), arch);
  }

  /** Resolves once the database includes every artifact recorded before this call. */
  publish(namespace: string, iterationId: number, arch: string): Promise<void> {
    const key = `${namespace}\0${iterationId}\0${arch}`;
    const s = this.slots.get(key) ?? { running: null, next: null };
    this.slots.set(key, s);
    if (s.next) return s.next;
    if (s.running) {
      s.next = s.running
        .catch(() => {})
        .then(() => {
          s.next = null;
          return this.run(s, namespace, iterationId, arch);
        });
      return s.next;
    }
    return this.run(s, namespace, iterationId, arch);
  }

  private run(s: Slot, namespace: string, iterationId: number, arch: string): Promise<void> {
    s.running = (async () => {
      const entries = listArtifacts(this.db, iterationId, arch).map((a) => a.entry);
      await this.write(this.dir(namespace, iterationId, arch), `buildbtw-${namespace}`, entries);
    })().finally(() => {
      s.running = null;
    });
    return s.running;
  }
}

// Rewrites a pacman repository database after uploads, coalescing bursts: while one rewrite runs, every
// further request for the same repository joins a single follow-up rewrite. Each repository's entries
// stay rendered in memory (loaded from the database once), so a rewrite costs a concatenation and a
// fast compression. The .files database, which pacman does not need to resolve dependencies, is
// rewritten at most once per `filesDelayMs`.
import { listArtifacts } from "../db/artifacts";
import type { Db } from "../db/open";
import { pathInside } from "../lib/paths";

export interface RepoIndexLike {
  put(stored: unknown): void;
  write(dir: string, which: "db" | "files"): Promise<void>;
}
export type CreateRepoIndex = (repoName: string) => RepoIndexLike;

interface Slot {
  index: RepoIndexLike;
  loaded: boolean;
  running: Promise<void> | null;
  next: Promise<void> | null;
  filesTimer: ReturnType<typeof setTimeout> | null;
}

export class RepoPublisher {
  private slots = new Map<string, Slot>();

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly createIndex: CreateRepoIndex,
    private readonly onError: (error: unknown, repo: string) => void = () => {},
    private readonly filesDelayMs = 1000,
  ) {}

  /** `DATA_DIR/repos/<namespace>/<iteration>/<arch>`: names were validated; pathInside proves it. */
  dir(namespace: string, iterationId: number, arch: string): string {
    return pathInside(this.dataDir, "repos", namespace, String(iterationId), arch);
  }

  /**
   * Resolves once the .db includes every artifact recorded before this call. `added` is the entry
   * just recorded, so a loaded index need not read the database again.
   */
  publish(namespace: string, iterationId: number, arch: string, added?: unknown): Promise<void> {
    const key = `${namespace}\0${iterationId}\0${arch}`;
    let s = this.slots.get(key);
    if (!s) {
      s = {
        index: this.createIndex(`buildbtw-${namespace}`),
        loaded: false,
        running: null,
        next: null,
        filesTimer: null,
      };
      this.slots.set(key, s);
    }
    const slot = s;
    if (added !== undefined && slot.loaded) slot.index.put(added);
    if (slot.next) return slot.next;
    if (slot.running) {
      slot.next = slot.running
        .catch(() => {})
        .then(() => {
          slot.next = null;
          return this.run(slot, namespace, iterationId, arch);
        });
      return slot.next;
    }
    return this.run(slot, namespace, iterationId, arch);
  }

  private run(s: Slot, namespace: string, iterationId: number, arch: string): Promise<void> {
    const dir = this.dir(namespace, iterationId, arch);
    s.running = (async () => {
      if (!s.loaded) {
        for (const a of listArtifacts(this.db, iterationId, arch)) s.index.put(a.entry);
        s.loaded = true;
      }
      await s.index.write(dir, "db");
      s.filesTimer ??= setTimeout(() => {
        s.filesTimer = null;
        s.index.write(dir, "files").catch((error) => this.onError(error, dir));
      }, this.filesDelayMs);
    })().finally(() => {
      s.running = null;
    });
    return s.running;
  }

  /** Write every pending .files database now (shutdown, tests). */
  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const [key, s] of this.slots) {
      if (!s.filesTimer) continue;
      clearTimeout(s.filesTimer);
      s.filesTimer = null;
      const [namespace, iteration, arch] = key.split("\0") as [string, string, string];
      waits.push(s.index.write(this.dir(namespace, Number(iteration), arch), "files"));
    }
    await Promise.all(waits);
  }
}

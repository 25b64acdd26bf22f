// Rewrites a pacman repository database after uploads, coalescing bursts: while one rewrite runs, every
// further request for the same repository joins a single follow-up rewrite. Each repository's entries
// stay rendered in memory (loaded from the database once), so a rewrite costs a concatenation and a
// fast compression. The .files database, which pacman does not need to resolve dependencies, is
// rewritten at most once per `filesDelayMs`.
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
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
   * `DATA_DIR/staging/<build>`: a build's uploads until it reports built. Outside the repositories, so a
   * staged file is never listed or served.
   */
  stagingDir(buildId: number): string {
    return pathInside(this.dataDir, "staging", String(buildId));
  }

  /** Move a built build's staged files into its repository directory, then rewrite the database with them. */
  async promote(
    namespace: string,
    build: { id: number; iterationId: number; arch: string },
    published: { fileName: string; entry: unknown }[],
  ): Promise<void> {
    const dir = this.dir(namespace, build.iterationId, build.arch);
    const staging = this.stagingDir(build.id);
    await mkdir(dir, { recursive: true });
    for (const a of published) await rename(pathInside(staging, a.fileName), pathInside(dir, a.fileName));
    await rm(staging, { recursive: true, force: true });
    await this.publish(
      namespace,
      build.iterationId,
      build.arch,
      published.map((a) => a.entry),
    );
  }

  /** Undo a promote whose result was refused after all: the files leave the repository, the database is rewritten. */
  async withdraw(
    namespace: string,
    build: { id: number; iterationId: number; arch: string },
    files: { fileName: string }[],
  ): Promise<void> {
    const dir = this.dir(namespace, build.iterationId, build.arch);
    for (const a of files) await rm(pathInside(dir, a.fileName), { force: true });
    const slot = this.slots.get(`${namespace}\0${build.iterationId}\0${build.arch}`);
    if (slot) {
      // The in-memory index holds the withdrawn entries: read the published ones again.
      slot.index = this.createIndex(`buildbtw-${namespace}`);
      slot.loaded = false;
    }
    await this.publish(namespace, build.iterationId, build.arch);
  }

  /** At start: remove the staging directories of builds that can no longer report (not scheduled or building). */
  async sweepStaging(active: (buildId: number) => boolean): Promise<number> {
    const root = pathInside(this.dataDir, "staging");
    let removed = 0;
    for (const name of await readdir(root).catch(() => [] as string[])) {
      if (/^\d+$/.test(name) && active(Number(name))) continue;
      await rm(pathInside(root, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** Forget a build's staged files (it failed, or its lease was lost). */
  async discard(buildId: number): Promise<void> {
    await rm(this.stagingDir(buildId), { recursive: true, force: true });
  }

  /**
   * Resolves once the .db includes every artifact recorded before this call. `added` are the entries
   * just published, so a loaded index need not read the database again. With nothing published yet, the
   * database is written empty: a repository exists, valid, from its iteration's start.
   */
  publish(namespace: string, iterationId: number, arch: string, added: unknown[] = []): Promise<void> {
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
    if (slot.loaded) for (const entry of added) slot.index.put(entry);
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
        // Gone since the .db was written: retention (or `gc` from another process) removed it; do not recreate it.
        if (!existsSync(dir)) return;
        s.index.write(dir, "files").catch((error) => this.onError(error, dir));
      }, this.filesDelayMs);
    })().finally(() => {
      s.running = null;
    });
    return s.running;
  }

  /** Drop what is kept in memory for one iteration's repositories (retention removed them). */
  forget(namespace: string, iterationId: number): void {
    const prefix = `${namespace}\0${iterationId}\0`;
    for (const [key, s] of this.slots) {
      if (!key.startsWith(prefix) || s.running || s.next) continue;
      if (s.filesTimer) clearTimeout(s.filesTimer);
      this.slots.delete(key);
    }
  }

  /** Write every pending .files database now (shutdown, tests). */
  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const [key, s] of this.slots) {
      if (!s.filesTimer) continue;
      clearTimeout(s.filesTimer);
      s.filesTimer = null;
      const [namespace, iteration, arch] = key.split("\0") as [string, string, string];
      const dir = this.dir(namespace, Number(iteration), arch);
      if (existsSync(dir)) waits.push(s.index.write(dir, "files"));
    }
    await Promise.all(waits);
  }
}

// Ready queues for pending builds, fair across namespaces, per architecture, with long-poll waiters.
// Within a namespace the build with the highest priority goes first (see `priorityOf`), then build order.
// The database is the truth: this only says which build to try next and whom to wake. Whoever takes
// a build id must still check, in a transaction, that the build is pending and current.

import { MinHeap } from "../core/critical-path";

interface Ready {
  id: number;
  position: number;
  priority: number;
}

/** Highest priority first (the longest remaining path), then earliest in build order. */
const readyOrder = (x: Ready, y: Ready) => y.priority - x.priority || x.position - y.position || x.id - y.id;
const newHeap = () => new MinHeap<Ready>(readyOrder);

interface Waiter {
  architectures: Set<string>;
  wake: () => void;
}

/** Stands for every architecture: the GitLab dispatcher turns whatever is ready into a pipeline. */
export const ANY_ARCH = "*";
const accepts = (w: Waiter, arch: string) => w.architectures.has(arch) || w.architectures.has(ANY_ARCH);

export interface QueuedBuild {
  id: number;
  namespaceId: number;
  iterationId: number;
  arch: string;
  pkgbase: string;
  position: number;
}

/** A queued build's priority: higher goes first among ready builds of its namespace and architecture. */
export type PriorityOf = (build: QueuedBuild) => number;

/** A build handed out, with how long it was ready and whether a worker was idle when it became ready. */
export interface TakenBuild extends QueuedBuild {
  readyMs: number;
  workerWasIdle: boolean;
}

export class Scheduler {
  /** arch → namespace id → heap. Map insertion order is the round-robin order. */
  private queues = new Map<string, Map<number, MinHeap<Ready>>>();
  /** arch → namespace id served last, so the next take starts after it. */
  private lastServed = new Map<string, number>();
  /** Build ids currently queued (a build is queued at most once). */
  private queued = new Map<number, QueuedBuild & { since: number; workerWasIdle: boolean }>();
  private waiters: Waiter[] = [];

  /** Without `priorityOf`, every build has priority 0: plain build order. */
  constructor(private readonly priorityOf: PriorityOf = () => 0) {}

  get size(): number {
    return this.queued.size;
  }

  /** Lease requests waiting for work right now: idle worker slots (metrics). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Per architecture: builds ready and how long the oldest has waited (metrics). */
  readyStats(): { arch: string; depth: number; oldestMs: number }[] {
    const now = performance.now();
    const byArch = new Map<string, { arch: string; depth: number; oldestMs: number }>();
    for (const b of this.queued.values()) {
      const s = byArch.get(b.arch) ?? { arch: b.arch, depth: 0, oldestMs: 0 };
      s.depth++;
      s.oldestMs = Math.max(s.oldestMs, now - b.since);
      byArch.set(b.arch, s);
    }
    for (const arch of this.queues.keys()) if (!byArch.has(arch)) byArch.set(arch, { arch, depth: 0, oldestMs: 0 });
    return [...byArch.values()];
  }

  enqueue(build: QueuedBuild): void {
    if (this.queued.has(build.id)) return;
    const workerWasIdle = this.waiters.some((w) => accepts(w, build.arch));
    const { id, namespaceId, iterationId, arch, pkgbase, position } = build;
    this.queued.set(id, {
      id,
      namespaceId,
      iterationId,
      arch,
      pkgbase,
      position,
      since: performance.now(),
      workerWasIdle,
    });
    this.push(build);
    this.wakeOne(build.arch);
  }

  /**
   * Ask `priorityOf` again for every queued build and re-order the queues (call when priorities changed:
   * new estimates). Round-robin order and waiters are kept.
   */
  reprioritize(): void {
    for (const byNamespace of this.queues.values())
      for (const nsId of byNamespace.keys()) byNamespace.set(nsId, newHeap());
    for (const b of this.queued.values()) this.push(b);
  }

  private push(build: QueuedBuild): void {
    const byNamespace = this.queues.get(build.arch) ?? new Map<number, MinHeap<Ready>>();
    this.queues.set(build.arch, byNamespace);
    const heap = byNamespace.get(build.namespaceId) ?? newHeap();
    byNamespace.set(build.namespaceId, heap);
    heap.push({ id: build.id, position: build.position, priority: this.priorityOf(build) });
  }

  /** Forget queued builds (cancelled namespace, superseded iteration); ids not queued are ignored. */
  remove(predicate: (b: QueuedBuild) => boolean): number {
    let removed = 0;
    for (const b of this.queued.values()) {
      if (predicate(b)) {
        this.queued.delete(b.id);
        removed++;
      }
    }
    return removed;
  }

  /**
   * The next build for a worker of these architectures: round-robin over namespaces (so a small
   * namespace is never starved by a large one), earliest in build order within a namespace.
   */
  take(architectures: readonly string[]): TakenBuild | null {
    const arches = architectures.includes(ANY_ARCH) ? [...this.queues.keys()] : architectures;
    for (const arch of arches) {
      const byNamespace = this.queues.get(arch);
      if (!byNamespace || byNamespace.size === 0) continue;
      const namespaceIds = [...byNamespace.keys()];
      const last = this.lastServed.get(arch);
      const start = last === undefined ? 0 : (namespaceIds.indexOf(last) + 1) % namespaceIds.length;
      for (let k = 0; k < namespaceIds.length; k++) {
        const nsId = namespaceIds[(start + k) % namespaceIds.length]!;
        const heap = byNamespace.get(nsId)!;
        let item = heap.pop();
        // Skip entries removed since they were pushed (lazy deletion).
        while (item && !this.queued.has(item.id)) item = heap.pop();
        if (heap.size === 0) byNamespace.delete(nsId);
        if (!item) continue;
        const { since, workerWasIdle, ...build } = this.queued.get(item.id)!;
        this.queued.delete(item.id);
        this.lastServed.set(arch, nsId);
        return { ...build, readyMs: Math.round(performance.now() - since), workerWasIdle };
      }
    }
    return null;
  }

  /** Resolve when a build for one of `architectures` may be available, or after `ms`, or on abort. */
  waitForWork(architectures: readonly string[], ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = { architectures: new Set(architectures), wake: () => done() };
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      signal?.addEventListener("abort", done);
      this.waiters.push(waiter);
    });
  }

  private wakeOne(arch: string): void {
    const waiter = this.waiters.find((w) => accepts(w, arch));
    waiter?.wake();
  }
}

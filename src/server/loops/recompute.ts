// One recompute at a time, off the request path: ref checks (periodic and on demand) and namespace
// recomputes are queued here. The loop never dies: each namespace's failure is logged and skipped.
import { parseOriginChangeset } from "../../core/names";
import { listNamespaces } from "../../db/namespaces";
import type { ServerDeps } from "../deps";
import { recomputeNamespace } from "../usecases/recompute-namespace";

type Job = { kind: "namespace"; id: number; retry: boolean } | { kind: "refresh" };

export class RecomputeLoop {
  private queue: Job[] = [];
  private running: Promise<void> | null = null;
  private waiters: (() => void)[] = [];

  constructor(private readonly deps: () => ServerDeps) {}

  /** Resolves when the requested work (and everything queued before it) is done. */
  request(namespaceId?: number, reason?: "retry"): Promise<void> {
    const job: Job =
      namespaceId === undefined
        ? { kind: "refresh" }
        : { kind: "namespace", id: namespaceId, retry: reason === "retry" };
    const duplicate = this.queue.some((j) => JSON.stringify(j) === JSON.stringify(job));
    if (!duplicate) this.queue.push(job);
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (!this.running) this.running = this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    // Yield first so the request that queued this work is answered before it starts.
    await new Promise((r) => setTimeout(r, 0));
    while (this.queue.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      const jobs = this.queue;
      this.queue = [];
      for (const job of jobs) await this.run(job);
      for (const w of waiters) w();
    }
    this.running = null;
  }

  private async run(job: Job): Promise<void> {
    const deps = this.deps();
    if (job.kind === "namespace") {
      await this.recompute(job.id, job.retry);
      return;
    }
    let changed: string[] = [];
    try {
      ({ changed } = await deps.catalog.refresh());
    } catch (error) {
      deps.log.error("source refresh failed", { error: String(error) });
      return;
    }
    const active = listNamespaces(deps.db, { all: false });
    if (changed.length > 0)
      deps.log.info("sources changed", { pkgbases: changed.length, sample: changed.slice(0, 10) });
    for (const ns of active) {
      if (changed.length === 0 && !this.missingIteration(ns.id)) continue;
      if (changed.length > 0 && !this.affected(ns.originChangesets, changed, ns.id)) continue;
      await this.recompute(ns.id, false);
    }
  }

  private missingIteration(namespaceId: number): boolean {
    const row = this.deps()
      .db.$client.query("SELECT 1 FROM iterations WHERE namespace_id = ? LIMIT 1")
      .get(namespaceId);
    return row === null;
  }

  /**
   * Whether a namespace's inputs may have changed: an origin moved, or a changed pkgbase is a member
   * (its commit or relations changed) or may have become one (it now depends on a member).
   */
  private affected(origins: string[], changed: string[], namespaceId: number): boolean {
    const deps = this.deps();
    const changedSet = new Set(changed);
    if (origins.some((o) => changedSet.has(parseOriginChangeset(o).pkgbase))) return true;
    if (this.missingIteration(namespaceId)) return true;
    const row = deps.db.$client
      .query<{ graph: string }, [number]>(
        "SELECT graph FROM iterations WHERE namespace_id = ? ORDER BY id DESC LIMIT 1",
      )
      .get(namespaceId);
    if (!row) return true;
    const graph = JSON.parse(row.graph) as Record<string, { nodes: { pkgbase: string; pkgnames: string[] }[] }>;
    const memberNames = new Set<string>();
    for (const g of Object.values(graph)) {
      for (const n of g.nodes) {
        if (changedSet.has(n.pkgbase)) return true;
        memberNames.add(n.pkgbase);
        for (const p of n.pkgnames) memberNames.add(p);
      }
    }
    // A changed non-member matters only if it now mentions a member's package (or provides one of its names).
    for (const pkgbase of changed) {
      const entry = deps.catalog.entry(pkgbase);
      if (!entry) return true;
      for (const p of entry.srcinfo.packages) {
        const names = [
          ...p.depends,
          ...p.makedepends,
          ...p.checkdepends,
          ...p.provides,
          ...Object.values(p.archSpecific).flatMap((s) => [
            ...(s.depends ?? []),
            ...(s.makedepends ?? []),
            ...(s.checkdepends ?? []),
            ...(s.provides ?? []),
          ]),
        ];
        if (names.some((n) => memberNames.has(n.split(/[<>=:]/)[0]!))) return true;
      }
    }
    return false;
  }

  private async recompute(id: number, retry: boolean): Promise<void> {
    const deps = this.deps();
    try {
      await recomputeNamespace(deps, id, { retry });
    } catch (error) {
      deps.log.error("recompute failed", {
        namespace_id: id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

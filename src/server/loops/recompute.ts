// One recompute at a time, off the request path: ref checks (periodic and on demand) and namespace
// recomputes are queued here. The loop never dies: each namespace's failure is logged and skipped.
import { DomainError } from "../../core/errors";
import type { ServerDeps } from "../deps";
import { affectedNamespaces } from "../usecases/affected-namespaces";
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
    if (changed.length > 0)
      deps.log.info("sources changed", { pkgbases: changed.length, sample: changed.slice(0, 10) });
    for (const id of affectedNamespaces(deps, changed)) await this.recompute(id, false);
  }

  private async recompute(id: number, retry: boolean): Promise<void> {
    const deps = this.deps();
    try {
      await recomputeNamespace(deps, id, { retry });
    } catch (error) {
      if (error instanceof DomainError) return; // recorded on the namespace as its problem
      deps.log.error("recompute failed", {
        namespace_id: id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

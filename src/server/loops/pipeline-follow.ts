// Follows every open pipeline until it ends: each is asked about every `pipelinePollIntervalMs`, at once
// when a webhook names it, and the ones of cancelled namespaces are cancelled in GitLab. Everything it
// needs is in the database, so after a restart it simply carries on. GitLab being away only delays it.
import { GitlabRefused } from "../../gitlab";
import type { GitlabMode, ServerDeps } from "../deps";
import { abandonDispatch, checkDispatch } from "../usecases/follow-pipeline";
import { type DispatchRecord, dispatchesToFollow } from "../usecases/open-pipelines";
import { Waker } from "./periodic";

const CHECKS_IN_FLIGHT = 4;

export class PipelineFollower {
  private readonly waker = new Waker();
  private readonly urgent = new Set<number>();
  /** Dispatch id → when GitLab was last asked about it. */
  private readonly checked = new Map<number, number>();

  constructor(
    private readonly deps: ServerDeps,
    private readonly gitlab: GitlabMode,
    /** Dispatches whose pipeline this process is still creating: not ours to touch yet. */
    private readonly isCreating: (dispatchId: number) => boolean,
  ) {}

  poke(pipelineId: number): void {
    this.urgent.add(pipelineId);
    this.waker.wake();
  }

  wake(): void {
    this.waker.wake();
  }

  async run(signal: AbortSignal): Promise<void> {
    const interval = this.gitlab.config.pipelinePollIntervalMs;
    while (!signal.aborted) {
      const now = this.deps.now();
      const urgent = new Set(this.urgent);
      this.urgent.clear();
      let due: DispatchRecord[] = [];
      try {
        const open = dispatchesToFollow(this.deps);
        const openIds = new Set(open.map((d) => d.id));
        for (const id of this.checked.keys()) if (!openIds.has(id)) this.checked.delete(id);
        due = open.filter(
          (d) =>
            !this.isCreating(d.id) &&
            (d.state === "cancelling" ||
              (d.pipelineId !== null && urgent.has(d.pipelineId)) ||
              now - (this.checked.get(d.id) ?? 0) >= interval),
        );
      } catch (error) {
        this.deps.log.error("listing pipelines failed", { error: String(error) });
      }
      const queue = [...due];
      const worker = async () => {
        for (let d = queue.shift(); d && !signal.aborted; d = queue.shift()) {
          this.checked.set(d.id, this.deps.now());
          try {
            await checkDispatch(this.deps, this.gitlab, d);
          } catch (error) {
            this.deps.log.warn("checking a pipeline failed", {
              pipeline: d.pipelineId,
              project: d.project,
              error: error instanceof Error ? error.message : String(error),
            });
            // A pipeline GitLab no longer has cannot end any other way.
            if (error instanceof GitlabRefused && error.status === 404) {
              abandonDispatch(
                this.deps,
                this.gitlab,
                d,
                `GitLab no longer has pipeline ${d.pipelineId}: ${error.message}`,
              );
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CHECKS_IN_FLIGHT, queue.length) }, worker));
      const open = this.deps.now();
      const waits = [...this.checked.values()].map((t) => t + interval - open);
      await this.waker.wait(Math.max(50, Math.min(interval, ...waits)), signal);
    }
  }
}

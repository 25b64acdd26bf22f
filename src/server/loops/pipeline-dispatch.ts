// RUN_BUILDS_ON_GITLAB: takes ready builds from the scheduler's queues (any architecture, the same
// fairness as for workers) and turns each into a pipeline, with at most `maxPipelines` open at once and a
// few creations in flight. At start it finishes what a previous process left half-created.
import type { GitlabMode, ServerDeps } from "../deps";
import { ANY_ARCH } from "../scheduler";
import { claimFields, claimPipelineBuild } from "../usecases/claim-pipeline-build";
import { createBuildPipeline } from "../usecases/create-build-pipeline";
import { dispatchesLeftCreating, roomForPipeline } from "../usecases/open-pipelines";
import { resumeCreating } from "../usecases/resume-pipeline-creation";
import { Waker } from "./periodic";

const CREATIONS_IN_FLIGHT = 4;

export class PipelineDispatcher {
  private readonly waker = new Waker();
  /** Dispatch ids this process is creating a pipeline for right now. */
  readonly creating = new Set<number>();

  constructor(
    private readonly deps: ServerDeps,
    private readonly gitlab: GitlabMode,
  ) {}

  wake(): void {
    this.waker.wake();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { deps, gitlab } = this;
    for (const d of dispatchesLeftCreating(deps)) {
      this.track(d.id, resumeCreating(deps, gitlab, d, signal));
    }
    while (!signal.aborted) {
      deps.liveness.beat("pipeline-dispatch", 120_000);
      try {
        if (this.creating.size >= CREATIONS_IN_FLIGHT || !roomForPipeline(deps, gitlab)) {
          await this.waker.wait(30_000, signal);
          continue;
        }
        const next = deps.scheduler.take([ANY_ARCH]);
        if (!next) {
          // Whichever wakes first, the other's waiter is withdrawn, so a later enqueue wakes this loop.
          const round = new AbortController();
          const both = AbortSignal.any([signal, round.signal]);
          await Promise.race([deps.scheduler.waitForWork([ANY_ARCH], 30_000, both), this.waker.wait(30_000, both)]);
          round.abort();
          continue;
        }
        const claim = claimPipelineBuild(deps, gitlab, next.id);
        if (!claim) continue;
        deps.metrics.dispatchLatency.observe({ arch: claim.build.arch }, next.readyMs / 1000);
        deps.log.info("build dispatched", {
          ...claimFields(claim),
          to: "gitlab",
          project: claim.dispatch.project,
          attempt: claim.build.attempts,
          ready_ms: next.readyMs,
        });
        this.track(claim.dispatch.id, createBuildPipeline(deps, gitlab, claim, signal));
      } catch (error) {
        deps.log.error("pipeline dispatch failed", { error: error instanceof Error ? error.message : String(error) });
        await this.waker.wait(1_000, signal);
      }
    }
  }

  private track(id: number, work: Promise<void>): void {
    this.creating.add(id);
    void work
      .catch((error) => this.deps.log.error("pipeline creation failed", { dispatch: id, error: String(error) }))
      .finally(() => {
        this.creating.delete(id);
        this.waker.wake();
      });
  }
}

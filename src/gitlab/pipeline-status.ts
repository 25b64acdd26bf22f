// GitLab pipeline statuses (src/gitlab/README.md, Pipeline statuses) and what each means for the build node a pipeline
// builds. Pure: the follow use case decides with it.

/** What a pipeline status says about its build. */
export type PipelinePhase =
  /** Not running yet: created, queued, waiting for a resource or runner, or blocked on a manual job. */
  | "waiting"
  /** A runner is executing it (or finishing a graceful cancel). */
  | "running"
  | "succeeded"
  | "failed"
  | "cancelled"
  /** Completed without running (an earlier stage failed, or rules skipped everything). */
  | "skipped";

const PHASES: Record<string, PipelinePhase> = {
  created: "waiting",
  waiting_for_resource: "waiting",
  preparing: "waiting",
  waiting_for_callback: "waiting",
  pending: "waiting",
  // Stopped but not complete: a person must act in GitLab; the build waits like a queued one.
  manual: "waiting",
  scheduled: "waiting",
  running: "running",
  canceling: "running",
  success: "succeeded",
  failed: "failed",
  canceled: "cancelled",
  skipped: "skipped",
};

/** The phase of a status; statuses newer than this list count as waiting (never as finished). */
export function pipelinePhase(status: string): PipelinePhase {
  return PHASES[status] ?? "waiting";
}

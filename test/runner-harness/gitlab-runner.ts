// gitlab-runner's outer loop against the GitLab double: pick up each pipeline the double creates, run its
// job through the custom executor (runner.ts), report the job's end to the double the way a runner reports
// to GitLab (pipeline running → log → success/failed with failure_reason), and cancel a running job when its
// pipeline is cancelled in GitLab. Jobs run `concurrent` at a time; each gets a concurrency slot per project.
import type { DoublePipeline, GitlabDouble } from "../gitlab-double";
import type { JobPayload } from "./job";
import { type JobResult, type RunnerConfig, runJob } from "./runner";

export interface RunnerLoopOptions {
  /** How many jobs run at once (config.toml `concurrent`); default 2. */
  concurrent?: number;
  /** How often a running job's pipeline is checked for a cancel (GitLab tells runners on their job updates). */
  cancelCheckMs?: number;
}

export interface RunnerLoop {
  /** Every job result so far, by pipeline id. */
  results: Map<number, JobResult>;
  /** Pipelines picked up and not finished. */
  running(): number[];
  stop(): Promise<void>;
}

const TERMINAL = new Set(["success", "failed", "canceled", "canceling", "skipped"]);

export function runPipelinesOf(gl: GitlabDouble, runner: RunnerConfig, options: RunnerLoopOptions = {}): RunnerLoop {
  const concurrent = options.concurrent ?? 2;
  const queue: DoublePipeline[] = [];
  const results = new Map<number, JobResult>();
  const active = new Map<number, { project: number; slot: number; concurrentId: number; done: Promise<void> }>();
  let stopped = false;

  const unsubscribe = gl.onPipelineCreated((p) => {
    queue.push(p);
    // A runner picks the job up on its next poll, never inside GitLab's request.
    setTimeout(pump, 0);
  });

  function pump(): void {
    while (!stopped && active.size < concurrent && queue.length > 0) {
      const p = queue.shift() as DoublePipeline;
      if (TERMINAL.has(gl.pipeline(p.id).status)) continue;
      const taken = new Set([...active.values()].filter((a) => a.project === p.projectId).map((a) => a.slot));
      let slot = 0;
      while (taken.has(slot)) slot++;
      const busy = new Set([...active.values()].map((a) => a.concurrentId));
      let concurrentId = 0;
      while (busy.has(concurrentId)) concurrentId++;
      const done = run(p.id, { ...runner, concurrentId, concurrentProjectId: slot }).finally(() => {
        active.delete(p.id);
        pump();
      });
      active.set(p.id, { project: p.projectId, slot, concurrentId, done });
    }
  }

  async function run(pipelineId: number, config: RunnerConfig): Promise<void> {
    gl.setPipelineStatus(pipelineId, "running");
    const cancel = new AbortController();
    const watch = setInterval(() => {
      const status = gl.pipeline(pipelineId).status;
      if (status === "canceled" || status === "canceling") cancel.abort();
    }, options.cancelCheckMs ?? 200);
    try {
      const result = await runJob(config, gl.jobPayload(pipelineId) as unknown as JobPayload, cancel.signal);
      results.set(pipelineId, result);
      gl.appendJobLog(pipelineId, result.log);
      if (result.status === "canceled") return;
      gl.finishPipeline(pipelineId, result.status, result.failureReason ? { failureReason: result.failureReason } : {});
    } catch (error) {
      // A harness bug must still end the pipeline, as a runner that lost a job would.
      console.error(`runner harness: job of pipeline ${pipelineId} crashed:`, error);
      gl.finishPipeline(pipelineId, "failed", { failureReason: "runner_system_failure" });
    } finally {
      clearInterval(watch);
    }
  }

  return {
    results,
    running: () => [...active.keys()],
    async stop() {
      stopped = true;
      unsubscribe();
      await Promise.all([...active.values()].map((a) => a.done));
    },
  };
}

import { expect, test } from "bun:test";
import { type PipelinePhase, pipelinePhase } from "./pipeline-status";

test("every status of src/gitlab/README.md, Pipeline statuses has its phase", () => {
  const expected: Record<string, PipelinePhase> = {
    created: "waiting",
    waiting_for_resource: "waiting",
    preparing: "waiting",
    waiting_for_callback: "waiting",
    pending: "waiting",
    running: "running",
    success: "succeeded",
    failed: "failed",
    canceling: "running",
    canceled: "cancelled",
    skipped: "skipped",
    manual: "waiting",
    scheduled: "waiting",
  };
  const phases = Object.fromEntries(Object.keys(expected).map((s) => [s, pipelinePhase(s)]));
  expect(phases).toEqual(expected);
});

test("a status newer than our list waits: it never ends a build", () => {
  expect(pipelinePhase("some_future_status")).toBe("waiting");
});

import { expect, test } from "bun:test";
import { isFinished, pipelinePhase } from "./pipeline-status";

test("every status of contract §1.8 has its phase; completed ones are finished", () => {
  const phases = Object.fromEntries(
    [
      "created",
      "waiting_for_resource",
      "preparing",
      "waiting_for_callback",
      "pending",
      "running",
      "success",
      "failed",
      "canceling",
      "canceled",
      "skipped",
      "manual",
      "scheduled",
    ].map((s) => [s, pipelinePhase(s)]),
  );
  expect(phases).toEqual({
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
  });
  const finished = Object.entries(phases)
    .filter(([, p]) => isFinished(p))
    .map(([s]) => s)
    .sort();
  expect(finished).toEqual(["canceled", "failed", "skipped", "success"]);
});

test("a status newer than our list is never taken for finished", () => {
  expect(isFinished(pipelinePhase("some_future_status"))).toBe(false);
});

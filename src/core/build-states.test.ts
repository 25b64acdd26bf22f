import { describe, expect, test } from "bun:test";
import { type BuildEvent, type BuildStatus, transition } from "./build-states";

describe("the build state transition table", () => {
  test("the moves src/core/README.md (Build states) describes", () => {
    const moves: [BuildStatus, BuildEvent, BuildStatus][] = [
      ["blocked", "dependencies_built", "pending"],
      ["pending", "leased", "scheduled"],
      ["scheduled", "started", "building"],
      ["building", "succeeded", "built"],
      ["building", "failed", "failed"],
      ["scheduled", "lease_lost", "pending"],
      ["building", "lease_lost", "pending"],
      ["failed", "retried", "pending"],
      ["pending", "dependency_unbuilt", "blocked"],
    ];
    for (const [from, event, to] of moves) expect(transition(from, event)).toBe(to);
  });

  test("moves the table does not allow", () => {
    expect(transition("blocked", "leased")).toBeNull();
    expect(transition("built", "failed")).toBeNull();
    expect(transition("pending", "succeeded")).toBeNull();
    expect(transition("blocked", "started")).toBeNull();
    expect(transition("pending", "lease_lost")).toBeNull();
  });
});

import { expect, test } from "bun:test";
import { JobSetsRunnerSetting, loadExecutorConfig } from "../config/executor";
import { Invalid } from "../core/errors";
import { BuildFailure, classify } from "./failures";

test("bad settings are the runner host's fault; a job that sets the runner's settings is the job's", () => {
  let settingsError: unknown;
  try {
    loadExecutorConfig({});
  } catch (error) {
    settingsError = error;
  }
  expect(classify(settingsError)).toEqual({
    kind: "system",
    message: expect.stringContaining("SERVER_URL is not set"),
  });
  expect(classify(new Invalid("x"))).toEqual({ kind: "system", message: "x" });
  expect(classify(new JobSetsRunnerSetting("the job sets SERVER_URL"))).toEqual({
    kind: "build",
    message: "the job sets SERVER_URL",
    exitCode: 1,
  });
  expect(classify(new BuildFailure("no package", 3))).toEqual({ kind: "build", message: "no package", exitCode: 3 });
  expect(classify(new Error("boom"))).toEqual({ kind: "system", message: "internal error: boom" });
});

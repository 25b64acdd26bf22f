// How the executor's outcomes reach gitlab-runner (src/gitlab/README.md, Runner: the custom executor). The runner tells
// every driver call which exit codes mean what; we read them rather than hard-code 1 and 2, as the runner's docs ask.
//   BUILD_FAILURE_EXIT_CODE  the job's own fault (script failed, package did not build, bad job variables):
//                            script_failure, never retried; the script's exit code goes to BUILD_EXIT_CODE_FILE.
//   SYSTEM_FAILURE_EXIT_CODE the runner host's fault (settings, isolation, server unreachable):
//                            runner_system_failure; preparation is retried.
import { writeFileSync } from "node:fs";
import { JobSetsRunnerSetting } from "../config/executor";
import { assertNever, Invalid, messageOf } from "../core/errors";

/** The build failed, or the job asked for something it may not: the job fails, retrying would not help. */
export class BuildFailure extends Error {
  override name = "BuildFailure";
  constructor(
    message: string,
    /** The exit code the runner reports for the job (e.g. the failed script's own). */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The runner host, its settings, the isolation or the server failed: not the job's fault. */
export class SystemFailure extends Error {
  override name = "SystemFailure";
}

export { messageOf };

export interface FailureCodes {
  build: number;
  system: number;
  /** Where the runner reads the failed script's exit code from (absent outside a runner). */
  buildExitCodeFile?: string;
}

const code = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value === "") return fallback;
  if (!/^[0-9]{1,3}$/.test(value) || Number(value) > 255)
    throw new SystemFailure(`${name} must be an exit code from 0 to 255, not ${JSON.stringify(value)}`);
  return Number(value);
};

/** The codes gitlab-runner passed in the environment (defaults: the runner's current 1 and 2). */
export function failureCodes(env: Record<string, string | undefined>): FailureCodes {
  return {
    build: code(env.BUILD_FAILURE_EXIT_CODE, 1, "BUILD_FAILURE_EXIT_CODE"),
    system: code(env.SYSTEM_FAILURE_EXIT_CODE, 2, "SYSTEM_FAILURE_EXIT_CODE"),
    buildExitCodeFile: env.BUILD_EXIT_CODE_FILE || undefined,
  };
}

export type Outcome =
  | { kind: "ok" }
  | { kind: "build"; message: string; exitCode: number }
  | { kind: "system"; message: string };

/**
 * Which failure class an error belongs to. Only BuildFailure and a job that sets one of the runner's settings are
 * the job's fault; an Invalid from the settings, a server that cannot be reached and every unexpected error are the
 * runner host's.
 */
export function classify(error: unknown): Outcome {
  if (error instanceof BuildFailure) return { kind: "build", message: error.message, exitCode: error.exitCode };
  if (error instanceof JobSetsRunnerSetting) return { kind: "build", message: error.message, exitCode: 1 };
  if (error instanceof SystemFailure || error instanceof Invalid) return { kind: "system", message: error.message };
  return { kind: "system", message: `internal error: ${messageOf(error)}` };
}

/**
 * The exit code for an outcome; for a build failure also writes the job's exit code where the runner reads
 * it (the first line of BUILD_EXIT_CODE_FILE), so `allow_failure: exit_codes` can match it.
 */
export function exitCodeFor(outcome: Outcome, codes: FailureCodes): number {
  switch (outcome.kind) {
    case "ok":
      return 0;
    case "build":
      if (codes.buildExitCodeFile) writeFileSync(codes.buildExitCodeFile, `${outcome.exitCode}\n`);
      return codes.build;
    case "system":
      return codes.system;
    default:
      return assertNever(outcome, "outcome");
  }
}

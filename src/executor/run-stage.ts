// `buildbtw executor run SCRIPT STAGE` (src/gitlab/README.md, Runner: the custom executor): called once per stage, in
// the runner's order. Three kinds of stage:
//   - the runner's own scripts (fetching sources, caches, artifacts, file variables) run on the host with bash,
//     as the runner generated them;
//   - build_script is buildbtw's build: inside the isolation, then upload and report (build-stage.ts);
//   - the job's own commands (after_script, step_*) are not run: a package's build is its PKGBUILD, and
//     commands from a CI file must not run on the runner host outside the isolation.
import { stat } from "node:fs/promises";
import type { Env } from "../config/env";
import { assertNever } from "../core/errors";
import { BuildFailure, SystemFailure } from "./failures";
import { runProcess } from "./process";

/** Stages whose scripts gitlab-runner writes itself, with no command from the job's CI file in them. */
export const RUNNER_STAGES = [
  "prepare_script",
  "get_sources",
  "clear_worktree",
  "restore_cache",
  "download_artifacts",
  "archive_cache",
  "archive_cache_on_failure",
  "upload_artifacts_on_success",
  "upload_artifacts_on_failure",
  "cleanup_file_variables",
] as const;

export type StageKind = "runner" | "build" | "job";

export function stageKind(stage: string): StageKind {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(stage))
    throw new SystemFailure(`${JSON.stringify(stage)} is not a stage name gitlab-runner sends`);
  if (stage === "build_script") return "build";
  if ((RUNNER_STAGES as readonly string[]).includes(stage)) return "runner";
  // after_script, step_<name>, and anything a newer runner may add: job-defined or unknown, not run here.
  return "job";
}

export interface RunStageDeps {
  /** The build stage, injected by the composition root (it needs the driver and the server client). */
  build: (env: Env) => Promise<void>;
  /** Job log lines (our stdout: gitlab-runner forwards it). */
  say: (line: string) => void;
}

export async function runStage(env: Env, script: string, stage: string, deps: RunStageDeps): Promise<void> {
  const kind = stageKind(stage);
  switch (kind) {
    case "build":
      return deps.build(env);
    case "runner":
      return runRunnerScript(env, script, stage);
    case "job":
      deps.say(`buildbtw: not running ${stage}: buildbtw builds from the PKGBUILD and runs no job-defined commands`);
      return;
    default:
      return assertNever(kind, "stage kind");
  }
}

async function runRunnerScript(env: Env, script: string, stage: string): Promise<void> {
  const info = await stat(script).catch(() => null);
  if (!info?.isFile()) throw new SystemFailure(`the ${stage} script ${script} does not exist`);
  const status = await runProcess(["bash", script], { env });
  if (status !== 0) throw new BuildFailure(`the runner's ${stage} script exited with status ${status}`, status);
}

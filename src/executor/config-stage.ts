// `buildbtw executor config` (src/gitlab/README.md, Runner: the custom executor): the JSON gitlab-runner reads from
// stdout before it prepares a job. Each concurrent slot of each project gets its own builds and cache directory, so two
// jobs of one project running at once never share a checkout.
import { hostname } from "node:os";
import pkg from "../../package.json" with { type: "json" };
import type { Env } from "../config/env";
import type { ExecutorConfig } from "../config/executor";
import { buildsDir, cacheDir, jobSlot } from "./job";

export interface RunnerConfig {
  builds_dir: string;
  cache_dir: string;
  builds_dir_is_shared: false;
  hostname: string;
  driver: { name: "buildbtw"; version: string };
  /** The runner generates bash scripts; run_exec runs them with bash. */
  shell: "bash";
}

/**
 * Given the runner's settings (the caller loaded them, so a missing server URL or token fails before anything is
 * prepared), checks the job's slot variables and answers with the directories. Creates nothing: prepare does.
 */
export function configStage(settings: ExecutorConfig, env: Env): RunnerConfig {
  const slot = jobSlot(env);
  return {
    builds_dir: buildsDir(settings, slot),
    cache_dir: cacheDir(settings, slot),
    builds_dir_is_shared: false,
    hostname: hostname(),
    driver: { name: "buildbtw", version: pkg.version },
    shell: "bash",
  };
}

// `buildbtw executor config` (src/gitlab/README.md, Runner: the custom executor): the JSON gitlab-runner reads from
// stdout before it prepares a job. Each concurrent slot of each project gets its own builds and cache directory, so two
// jobs of one project running at once never share a checkout.
import { hostname } from "node:os";
import pkg from "../../package.json" with { type: "json" };
import { buildsDir, cacheDir, jobSlot } from "./job";
import { type Env, loadExecutorSettings } from "./settings";

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
 * Checks the runner's settings (a missing server URL or token fails here, before anything is prepared) and
 * the job's slot variables, and answers with the directories. Creates nothing: prepare does.
 */
export function configStage(env: Env): RunnerConfig {
  const settings = loadExecutorSettings(env);
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

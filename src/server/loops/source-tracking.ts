// GitLab source tracking (src/gitlab/README.md, GitLab mode: source tracking), besides the webhook route: the
// repositories of active namespaces' origin changesets are fetched every `originFetchIntervalMs`, the activity sweep
// runs every `sweepIntervalMs`, and the CI config paths are kept every few hours when GITLAB_PACKAGES_CI_CONFIG is set.
import type { GitlabMode, ServerDeps } from "../deps";
import { fetchSources, originTargets } from "../usecases/fetch-sources";
import { keepCiConfigPaths } from "../usecases/keep-ci-config";
import { sweepActivity } from "../usecases/sweep-activity";
import { every } from "./periodic";

const CI_CONFIG_INTERVAL_MS = 6 * 60 * 60_000;

export function startSourceTracking(deps: ServerDeps, gitlab: GitlabMode, signal: AbortSignal) {
  const sweep = every("activity sweep", gitlab.config.sweepIntervalMs, signal, deps.log, async () => {
    await sweepActivity(deps, gitlab);
  });
  const origins = every("origin fetch", gitlab.config.originFetchIntervalMs, signal, deps.log, async () => {
    await fetchSources(deps, gitlab, originTargets(deps, gitlab), "origin changesets");
  });
  if (gitlab.config.ciConfigPath) {
    every("CI config paths", CI_CONFIG_INTERVAL_MS, signal, deps.log, async () => {
      await keepCiConfigPaths(deps, gitlab);
    });
  }
  return { sweep, origins };
}

// Where the executor's settings may come from. gitlab-runner passes its own process environment through to the executor
// (a systemd unit's Environment=, say), but the entries of config.toml's `[[runners]] environment` reach it only as
// CUSTOM_ENV_<NAME>, mixed with the job's variables (src/gitlab/README.md, Runner: the custom executor). A job must not
// choose its own isolation or server, so a CUSTOM_ENV_ setting counts only when the job payload the runner received
// (JOB_RESPONSE_FILE) did not carry that variable: then it came from the runner's configuration.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { BuildFailure } from "./failures";
import type { Env } from "./settings";

/** Every setting the executor reads; nothing else is taken from CUSTOM_ENV_ for it. */
export const SETTING_NAMES = [
  "SERVER_URL",
  "BUILDBTW_TOKEN",
  "BUILDBTW_EXECUTOR_ISOLATION",
  "BUILDBTW_EXECUTOR_DIR",
  "BUILDBTW_EXECUTOR_SERVER_ATTEMPTS",
  "BUILDBTW_BUILD_USER",
  "BUILDBTW_VMEXEC_IMAGE",
  "BUILDBTW_VMEXEC_PMEM",
  "BUILDBTW_VMEXEC_SSH_TIMEOUT",
] as const;

const Payload = z.object({ variables: z.array(z.object({ key: z.string() })).default([]) });

/** The names of the variables GitLab sent with the job, or null when there is no readable job payload. */
function jobVariableNames(env: Env): Set<string> | null {
  const file = env.JOB_RESPONSE_FILE;
  if (!file) return null;
  try {
    const payload = Payload.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return payload.success ? new Set(payload.data.variables.map((v) => v.key)) : null;
  } catch {
    return null;
  }
}

/**
 * `env` with each unset setting filled in from the runner's `[[runners]] environment`, when that is provably
 * where its CUSTOM_ENV_ value came from. A job that sets a setting itself is refused.
 */
export function runnerEnvironment(env: Env): Env {
  const missing = SETTING_NAMES.filter((name) => !env[name] && env[`CUSTOM_ENV_${name}`]);
  if (missing.length === 0) return env;
  const fromJob = jobVariableNames(env);
  if (fromJob === null) return env;
  const filled: Env = { ...env };
  for (const name of missing) {
    if (fromJob.has(name))
      throw new BuildFailure(
        `the job sets ${name}, which only the runner's configuration may set; remove it from the pipeline's variables`,
      );
    filled[name] = env[`CUSTOM_ENV_${name}`];
  }
  return filled;
}
